// Package verify runs the real programs that consume blueprint's output
// against a rendered tree, so that a user can prove an output folder the way
// the test suite proves out/: each program judges the files it will read on
// the hosts.
//
// What is checked, and how each file is found in the tree (paths relative to
// the output folder):
//
//   - kubeadm: `kubeadm config validate --config F` on every file under
//     kubeadm/init/, kubeadm/join-*/ and kubeadm/etcd/, after filling the
//     install-time placeholders with throwaway values, as ARCHITECTURE.md
//     tells operators to do with envsubst (see Fill); then
//     `kubeadm init --dry-run --ignore-preflight-errors=all` on the first
//     file of kubeadm/init/, with KUBEADM_INIT_DRYRUN_DIR in a temporary
//     folder so that nothing outside it is written.
//   - haproxy: `haproxy -c -f F` on every file named haproxy.cfg.
//   - keepalived: `keepalived -t -f F` on a copy of every
//     loadbalancer/keepalived/*.conf in which the interface (interface and dev
//     lines) is replaced by one of this machine's, since keepalived refuses
//     interfaces that do not exist, and each vrrp_script path whose file name
//     is a script in loadbalancer/ by an executable copy of that script.
//     Any output fails the check, as in the test suite.
//   - promtool: by convention, anywhere under manifests/ (the monitoring
//     component lives in manifests/monitoring/prometheus/): a file named
//     prometheus.yml (or .yaml) gets `promtool check config --syntax-only`
//     (syntax only, because the config names files that exist only in the
//     pod, such as the service account token), and a file named *.rules.yml
//     (or .rules.yaml) gets `promtool check rules`. The same names are
//     recognised as keys of ConfigMaps in the YAML files under manifests/, and
//     the spec of every PrometheusRule object is checked as a rule file.
//   - kube-apiserver (with etcd): manifests/ is built with kustomize, as
//     render builds it, and every object is submitted to an API server
//     started on 127.0.0.1 (internal/controlplane) with a server-side dry
//     run, after its Namespaces and CustomResourceDefinitions are created for
//     real, with the CRDs the cluster's platform provides (the Gateway API's,
//     from blueprint's embedded copy) when the tree uses their kinds. One
//     check for the whole tree; the output lists each refusal.
//
// A program that cannot be found is no failure: its checks are reported as
// not run, with the reason. Programs are looked up in Options.ToolDirs, then
// DefaultDirs, then PATH.
package verify

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
)

// DefaultDirs are searched after Options.ToolDirs and before PATH: where
// scripts/install-validators.sh puts the Kubernetes programs it builds, and
// where Debian installs haproxy and keepalived (not on a user's PATH).
var DefaultDirs = controlplane.DefaultToolDirs

// DefaultTimeout bounds each program run when Options.Timeout is zero.
const DefaultTimeout = 2 * time.Minute

// Options says which tree to verify and where to find the programs.
type Options struct {
	// Dir is the rendered output folder.
	Dir string
	// ToolDirs are searched first, in order.
	ToolDirs []string
	// LookPath, if set, replaces the search through ToolDirs, DefaultDirs and
	// PATH; it returns an error for a program that is not there.
	LookPath func(name string) (string, error)
	// Interface is the network interface keepalived's check substitutes for
	// the one in the configs; empty means this machine's first non-loopback
	// interface that is up.
	Interface string
	// Timeout bounds each program run; zero means DefaultTimeout.
	Timeout time.Duration
}

// Result is the outcome of one check.
type Result string

// Results of a check.
const (
	Passed Result = "passed"
	Failed Result = "failed"
	NotRun Result = "not run" // the program is missing, or cannot run here
)

// Check is one program run on one artifact.
type Check struct {
	// Artifact is the file checked, relative to the output folder, with
	// slashes; for a document inside a file, the file and the document.
	Artifact string `json:"artifact"`
	// Name is the check, as the command that runs it: "haproxy -c".
	Name string `json:"check"`
	// Tool is the program's name, Version its name and version as it
	// reports them ("haproxy 2.6.12"), when it was found.
	Tool    string `json:"tool"`
	Version string `json:"version,omitempty"`
	Result  Result `json:"result"`
	// Reason says why a check did not run.
	Reason string `json:"reason,omitempty"`
	// Output is what the program printed, when the check failed.
	Output string `json:"output,omitempty"`
}

// Tool is a program a verification looked for.
type Tool struct {
	Name    string `json:"name"`
	Path    string `json:"path,omitempty"`
	Version string `json:"version,omitempty"`
	// Missing says why the program cannot be used; empty when it can.
	Missing string `json:"missing,omitempty"`
}

// Report is the outcome of a verification.
type Report struct {
	Dir    string  `json:"dir"`
	Tools  []Tool  `json:"tools"`
	Checks []Check `json:"checks"`
	// Notes name the programs that had nothing to check in this tree, and
	// what a check supplied that the tree relies on the cluster for.
	Notes []string `json:"notes,omitempty"`
}

// Count returns how many checks ended with r.
func (rep Report) Count(r Result) int {
	n := 0
	for _, c := range rep.Checks {
		if c.Result == r {
			n++
		}
	}
	return n
}

// Failed reports whether any check failed.
func (rep Report) Failed() bool { return rep.Count(Failed) > 0 }

// ErrNotATree is returned for a folder that holds nothing blueprint renders.
var ErrNotATree = errors.New("not a rendered tree")

// Run verifies the tree in opts.Dir with whichever programs it finds. The
// error is for a tree that cannot be read or a context that ended; the
// checks' own failures are in the report.
func Run(ctx context.Context, opts Options) (Report, error) {
	info, err := os.Stat(opts.Dir)
	if err != nil {
		return Report{}, err
	}
	if !info.IsDir() {
		return Report{}, fmt.Errorf("%s: %w: it is a file, not an output folder", opts.Dir, ErrNotATree)
	}
	files, err := listFiles(opts.Dir)
	if err != nil {
		return Report{}, err
	}
	tmp, err := os.MkdirTemp("", "blueprint-verify-")
	if err != nil {
		return Report{}, err
	}
	defer os.RemoveAll(tmp)

	v := &verifier{opts: opts, files: files, tmp: tmp, tools: map[string]*Tool{}}
	if v.opts.Dir, err = filepath.Abs(opts.Dir); err != nil {
		return Report{}, err
	}
	if v.opts.Timeout == 0 {
		v.opts.Timeout = DefaultTimeout
	}
	rep := Report{Dir: opts.Dir, Tools: []Tool{}, Checks: []Check{}}
	for _, c := range []checker{checkKubeadm, checkHAProxy, checkKeepalived, checkPromtool, checkAPIServer} {
		checks, note, err := c(ctx, v)
		if err != nil {
			return Report{}, err
		}
		if ctx.Err() != nil {
			return Report{}, ctx.Err()
		}
		rep.Checks = append(rep.Checks, checks...)
		if note != "" {
			rep.Notes = append(rep.Notes, note)
		}
	}
	if len(rep.Checks) == 0 {
		return Report{}, fmt.Errorf("%s: %w: no kubeadm/, loadbalancer/ or manifests/ files to check; pass the folder blueprint render wrote", opts.Dir, ErrNotATree)
	}
	sort.SliceStable(rep.Checks, func(i, j int) bool { return rep.Checks[i].Artifact < rep.Checks[j].Artifact })
	for _, name := range slices.Sorted(maps.Keys(v.tools)) {
		rep.Tools = append(rep.Tools, *v.tools[name])
	}
	return rep, nil
}

// A checker runs one program's checks. It returns a note instead of checks
// when the tree holds nothing for it, or beside them to say what it
// supplied; an error only when it cannot go on.
type checker func(ctx context.Context, v *verifier) ([]Check, string, error)

type verifier struct {
	opts  Options
	files []string // every file in the tree, slash-separated, sorted
	tmp   string
	tools map[string]*Tool
}

// program describes how to find a tool and ask its version.
type program struct {
	name        string
	versionArgs []string
	versionRE   *regexp.Regexp // first group: the version
}

// tool finds a program once and asks its version.
func (v *verifier) tool(ctx context.Context, p program) *Tool {
	if t, ok := v.tools[p.name]; ok {
		return t
	}
	t := &Tool{Name: p.name}
	v.tools[p.name] = t
	path, err := v.lookPath(p.name)
	if err != nil {
		t.Missing = err.Error()
		return t
	}
	t.Path = path
	t.Version = p.name + " " + v.version(ctx, path, p)
	return t
}

func (v *verifier) lookPath(name string) (string, error) {
	if v.opts.LookPath != nil {
		return v.opts.LookPath(name)
	}
	dirs := append(append([]string{}, v.opts.ToolDirs...), DefaultDirs...)
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if info, err := os.Stat(p); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s not found in %s or PATH", name, strings.Join(dirs, ", "))
}

// version asks the program its version, falling back to the Go module
// version for a Go program built without its version stamped in (promtool
// from go install reports an empty one).
func (v *verifier) version(ctx context.Context, path string, p program) string {
	out, _ := v.command(ctx, nil, path, p.versionArgs...)
	if m := p.versionRE.FindStringSubmatch(out); m != nil {
		return m[1]
	}
	if bi, err := buildinfo.ReadFile(path); err == nil && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return moduleVersion(bi.Main.Path, bi.Main.Version)
	}
	return "(version unknown)"
}

// moduleVersion turns a Go module version into the release it is.
// Prometheus publishes release 3.MM.P as module version v0.3MM.P.
func moduleVersion(path, version string) string {
	if path == "github.com/prometheus/prometheus" {
		if m := regexp.MustCompile(`^v0\.(\d)(\d\d)\.(\d+)$`).FindStringSubmatch(version); m != nil {
			minor, _ := strconv.Atoi(m[2])
			return fmt.Sprintf("%s.%d.%s", m[1], minor, m[3])
		}
	}
	return version
}

// errNotRun marks a program that could not be started at all.
type errNotRun struct{ err error }

func (e errNotRun) Error() string { return e.err.Error() }

// command runs a program with extra environment and returns what it
// printed. The error is an *exec.ExitError when it ran and failed, errNotRun
// when it could not start, and a timeout error when it took too long.
func (v *verifier) command(ctx context.Context, env []string, path string, args ...string) (string, error) {
	timeout := v.opts.Timeout
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = v.tmp
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return out.String(), fmt.Errorf("timed out after %v", timeout)
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return out.String(), errNotRun{err}
	}
	return out.String(), err
}

// run is one check of artifact by the tool, with the program's exit status
// and output judged by ok (nil: exit status 0 passes). Output that names the
// temporary copy is rewritten to name the artifact.
func (v *verifier) run(ctx context.Context, t *Tool, artifact, name string, env []string, ok func(out string) bool, args ...string) Check {
	c := Check{Artifact: artifact, Name: name, Tool: t.Name}
	if t.Missing != "" {
		c.Result, c.Reason = NotRun, t.Name+" not found"
		return c
	}
	c.Version = t.Version
	out, err := v.command(ctx, env, t.Path, args...)
	// Name files as the report does, relative to the output folder.
	for _, prefix := range []string{filepath.Join(v.tmp, copies), v.tmp, v.opts.Dir} {
		out = strings.ReplaceAll(out, prefix+string(filepath.Separator), "")
	}
	out = strings.TrimSpace(out)
	var notRun errNotRun
	switch {
	case errors.As(err, &notRun):
		c.Result, c.Reason = NotRun, fmt.Sprintf("%s could not be started: %v", t.Path, err)
	case err != nil && out == "":
		c.Result, c.Output = Failed, err.Error()
	case err != nil:
		c.Result, c.Output = Failed, out
	case ok != nil && !ok(out):
		c.Result, c.Output = Failed, out
	default:
		c.Result = Passed
	}
	return c
}

// notRun reports checks of artifacts that cannot run for want of the tool;
// Report.Tools says where it was looked for.
func notRun(t *Tool, name string, artifacts ...string) []Check {
	var cs []Check
	for _, a := range artifacts {
		cs = append(cs, Check{Artifact: a, Name: name, Tool: t.Name, Result: NotRun, Reason: t.Name + " not found"})
	}
	return cs
}

// copies is the folder, in the temporary one, that holds the files the
// checks prepare, each at its artifact's path.
const copies = "tree"

// copyTo writes data to the temporary folder at the artifact's path and
// returns the copy's path.
func (v *verifier) copyTo(artifact string, data []byte, mode fs.FileMode) (string, error) {
	p := filepath.Join(v.tmp, copies, filepath.FromSlash(artifact))
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(p, data, mode); err != nil {
		return "", err
	}
	return p, os.Chmod(p, mode)
}

func (v *verifier) read(artifact string) ([]byte, error) {
	return os.ReadFile(filepath.Join(v.opts.Dir, filepath.FromSlash(artifact)))
}

// matching returns the tree's files whose path keep accepts.
func (v *verifier) matching(keep func(p string) bool) []string {
	var ps []string
	for _, p := range v.files {
		if keep(p) {
			ps = append(ps, p)
		}
	}
	return ps
}

// listFiles returns every regular file below dir, slash-separated, sorted.
func listFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}
