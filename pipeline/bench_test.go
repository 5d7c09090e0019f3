//go:build linux

package pipeline_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/blueprint-dev/blueprint/cli"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

// The benchmarks measure what `blueprint render SPEC -o DIR` does: load,
// validate, plan, render (with the kustomize builds) and write, into a
// temporary folder. "Render" is a first render: an empty folder and an
// empty build cache. "ReRender" renders the unchanged spec again into the
// folder it wrote, with the cache that render filled. Besides the wall
// time, each reports the process's CPU time per render (cpu-ms/op), which
// other jobs on a shared machine disturb less.
//
//	go test ./pipeline -run '^$' -bench 'Render' -benchmem

// renderTo runs one render of specPath into out with the given cache.
func renderTo(b *testing.B, specPath, out string, cache *render.BuildCache) {
	s, diags := spec.NewLoader().Load(specPath, spec.Options{})
	diags = validate.Check(s, diags)
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	tree, err := render.RenderWith(plan.Build(s), render.Options{Builds: cache})
	if err != nil {
		b.Fatal(err)
	}
	if err := render.Write(out, tree); err != nil {
		b.Fatal(err)
	}
}

// benchFirstRender measures the first render of a spec into an empty
// folder with an empty cache. The folders stay until the benchmark ends,
// so that removing them is not counted as CPU time.
func benchFirstRender(b *testing.B, specPath string) {
	b.ReportAllocs()
	base := b.TempDir()
	defer reportCPU(b, cpuTime())
	for b.Loop() {
		b.StopTimer()
		dir, err := os.MkdirTemp(base, "run")
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		renderTo(b, specPath, filepath.Join(dir, "out"), render.NewBuildCache(filepath.Join(dir, "cache")))
	}
}

// benchReRender measures rendering an unchanged spec again.
func benchReRender(b *testing.B, specPath string) {
	b.ReportAllocs()
	dir := b.TempDir()
	out, cache := filepath.Join(dir, "out"), render.NewBuildCache(filepath.Join(dir, "cache"))
	renderTo(b, specPath, out, cache)
	defer reportCPU(b, cpuTime())
	for b.Loop() {
		renderTo(b, specPath, out, cache)
	}
}

// BenchmarkRenderHA measures the first render of blueprints/ha.hcl.
func BenchmarkRenderHA(b *testing.B) { benchFirstRender(b, "blueprints/ha.hcl") }

// BenchmarkReRenderHA measures rendering blueprints/ha.hcl again, unchanged.
func BenchmarkReRenderHA(b *testing.B) { benchReRender(b, "blueprints/ha.hcl") }

// BenchmarkRender500 measures the first render of a 500-machine spec.
func BenchmarkRender500(b *testing.B) { benchFirstRender(b, writeLargeSpec(b, 500)) }

// BenchmarkReRender500 measures rendering the 500-machine spec again.
func BenchmarkReRender500(b *testing.B) { benchReRender(b, writeLargeSpec(b, 500)) }

// BenchmarkRender5000 measures the first render of a 5,000-machine spec.
func BenchmarkRender5000(b *testing.B) { benchFirstRender(b, writeLargeSpec(b, 5000)) }

// BenchmarkReRender5000 measures rendering the 5,000-machine spec again.
func BenchmarkReRender5000(b *testing.B) { benchReRender(b, writeLargeSpec(b, 5000)) }

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time used since start per iteration. The
// set-up a benchmark does with its timer stopped (making a folder) is
// counted too; it is small next to a render.
func reportCPU(b *testing.B, start time.Duration) {
	if b.N > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	}
}

// cliChildEnv, when set to a JSON list of arguments, turns the test binary
// into `blueprint ARGS...` for BenchmarkRenderRSS.
const cliChildEnv = "BLUEPRINT_BENCH_CLI"

// TestCLIChild is the child's side of BenchmarkRenderRSS; it does nothing
// in a normal test run.
func TestCLIChild(t *testing.T) {
	raw := os.Getenv(cliChildEnv)
	if raw == "" {
		return
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		os.Exit(99)
	}
	os.Exit(cli.Main(args, strings.NewReader(""), os.Stdout, os.Stderr))
}

// BenchmarkRenderRSS runs `blueprint render` of the 500- and 5,000-machine
// specs as a child process, a first render and then a re-render, and
// reports the child's peak resident set (getrusage's maxrss, KiB on Linux) as
// peak-RSS-MB. Its time per operation includes starting the process.
func BenchmarkRenderRSS(b *testing.B) {
	for _, machines := range []int{500, 5000} {
		specPath := writeLargeSpec(b, machines)
		for _, again := range []bool{false, true} {
			name := "first"
			if again {
				name = "again"
			}
			b.Run(fmt.Sprintf("%d/%s", machines, name), func(b *testing.B) {
				var peak int64
				for b.Loop() {
					b.StopTimer()
					dir := b.TempDir()
					out, cache := filepath.Join(dir, "out"), filepath.Join(dir, "cache")
					if again {
						runCLIChild(b, cache, "render", specPath, "-o", out)
					}
					b.StartTimer()
					peak = max(peak, runCLIChild(b, cache, "render", specPath, "-o", out))
				}
				b.ReportMetric(float64(peak)/1024, "peak-RSS-MB")
			})
		}
	}
}

// runCLIChild runs the test binary as `blueprint ARGS...` with its build
// cache in cacheDir and returns the child's peak RSS in KiB.
func runCLIChild(b *testing.B, cacheDir string, args ...string) int64 {
	b.Helper()
	raw, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^TestCLIChild$")
	cmd.Env = append(os.Environ(), cliChildEnv+"="+string(raw), render.CacheEnv+"="+cacheDir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		b.Fatalf("blueprint %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
}
