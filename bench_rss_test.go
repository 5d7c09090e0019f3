//go:build linux

package blueprint_test

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

	"github.com/blueprint-dev/blueprint/cli"
	"github.com/blueprint-dev/blueprint/render"
)

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
