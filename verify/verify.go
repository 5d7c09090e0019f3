// Package verify runs the real programs that consume blueprint's output
// against a rendered tree, so that a user can prove an output folder the way
// the test suite proves out/: each program judges the files it will read on
// the hosts.
//
// The tree may have been edited by hand or by an attacker, so verify never
// executes, includes or fetches anything the tree supplies:
//
//   - It reads only the files .blueprint-files lists, each only if it is a
//     regular file reached without a symbolic link, of bounded size (see
//     MaxFileSize, MaxTreeSize). A folder without .blueprint-files, or with
//     other trees below it, is refused (ErrNotATree).
//   - Before a program sees a file, the file must hold only what blueprint
//     itself writes there: an allow-list per format (haproxy.cfg,
//     keepalived.conf, the kubeadm configs, prometheus.yml, kustomization
//     files). Anything else fails the check, naming file:line, and the
//     program is not run on it.
//   - Every program runs on a copy of only the files it needs, in a private
//     temporary folder that is also its working folder and HOME, with a
//     minimal environment (PATH, HOME, LANG: none of the caller's variables),
//     and, on Linux, haproxy, kubeadm and promtool in a network namespace of
//     their own, so they can reach no host at all.
//   - What a program prints is shown with control characters escaped.
//
// What is checked, and how each file is found in the tree (paths relative to
// the output folder):
//
//   - kubeadm: `kubeadm config validate --config F` on every file under
//     kubeadm/init/, kubeadm/join-*/ and kubeadm/etcd/, after filling the
//     install-time placeholders with throwaway values, as ARCHITECTURE.md
//     tells operators to do with envsubst (see Fill); then
//     `kubeadm init --dry-run --ignore-preflight-errors=all` on the first
//     file of kubeadm/init/, with KUBEADM_INIT_DRYRUN_DIR, certificatesDir,
//     the etcd data folder and the CRI socket pointed into the temporary
//     folder, so that nothing outside it is read or written.
//   - haproxy: `haproxy -c -f F` on every file named haproxy.cfg.
//   - keepalived: `keepalived -t -f F` on a copy of every
//     loadbalancer/keepalived/*.conf in which the interface (interface and dev
//     lines) is replaced by one of this machine's, since keepalived refuses
//     interfaces that do not exist, and the check script by one verify writes
//     itself (the tree's check_apiserver.sh is never copied or run).
//     Any output fails the check, as in the test suite.
//   - promtool: by convention, anywhere under manifests/ (the monitoring
//     component lives in manifests/monitoring/prometheus/): a file named
//     prometheus.yml (or .yaml) gets `promtool check config --syntax-only`
//     (syntax only: promtool then opens no file the config names, such as
//     the service account token that exists only in the pod), and a file
//     named *.rules.yml (or .rules.yaml) gets `promtool check rules`. The
//     same names are recognised as keys of ConfigMaps in the YAML files under
//     manifests/, and the spec of every PrometheusRule object is checked as a
//     rule file.
//   - kube-apiserver (with etcd): manifests/ is built with kustomize, as
//     render builds it (local files only: see internal/kustomizeguard), and
//     every object is submitted to an API server started on 127.0.0.1
//     (internal/controlplane) with a server-side dry run, after its
//     Namespaces and CustomResourceDefinitions are created for real, with the
//     CRDs the cluster's platform provides (the Gateway API's, from
//     blueprint's embedded copy) when the tree uses their kinds. One check for
//     the whole tree; the output lists each refusal.
//
// A fleet's folder (FLEET.md at its top, one tree per member under
// clusters/NAME/, all listed in one .blueprint-files) is verified member
// by member, each member's tree exactly as a single cluster's, its checks'
// artifacts named clusters/NAME/...; the fleet's own gitops/ gets the
// kube-apiserver check.
//
// A program that cannot be found is no failure: its checks are reported as
// not run, with the reason and how to install it. Programs are looked up in
// Options.ToolDirs, then DefaultDirs, then PATH.
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
	// Images scans every image of the tree with trivy (see images.go):
	// the one check that reaches the network, so it is asked for.
	Images bool
	// Progress, if set, is told before each group of checks runs, with
	// the group's number (from 1), how many there are, and what it runs.
	Progress func(n, total int, what string)
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
	// Output is what the program printed, when the check failed, or what
	// verify refused to give it.
	Output string `json:"output,omitempty"`
}

// Tool is a program a verification looked for.
type Tool struct {
	Name    string `json:"name"`
	Path    string `json:"path,omitempty"`
	Version string `json:"version,omitempty"`
	// Missing says why the program cannot be used; empty when it can.
	Missing string `json:"missing,omitempty"`
	// Install says how to install a missing program.
	Install string `json:"install,omitempty"`

	isolated bool // runs in a network namespace of its own
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

// ErrNotATree is returned for a folder that is not one tree blueprint
// rendered.
var ErrNotATree = errors.New("not a rendered tree")

// checkGroup is one program's checks.
type checkGroup struct {
	what  string
	check checker
}

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
	t, err := loadTree(opts.Dir)
	if err != nil {
		return Report{}, err
	}
	tmp, err := os.MkdirTemp("", "blueprint-verify-")
	if err != nil {
		return Report{}, err
	}
	defer os.RemoveAll(tmp)

	v := &verifier{opts: opts, tree: t, tmp: tmp, tools: map[string]*Tool{}, isolate: isolation() != nil}
	if v.opts.Dir, err = filepath.Abs(opts.Dir); err != nil {
		return Report{}, err
	}
	if v.opts.Timeout == 0 {
		v.opts.Timeout = DefaultTimeout
	}
	rep := Report{Dir: opts.Dir, Tools: []Tool{}, Checks: []Check{}, Notes: t.notes}
	groups := []checkGroup{
		{"kubeadm config validate, kubeadm init --dry-run", checkKubeadm},
		{"haproxy -c", checkHAProxy},
		{"keepalived -t", checkKeepalived},
		{"promtool check config, check rules", checkPromtool},
		{"kube-apiserver dry run of manifests/ and gitops/", checkAPIServer},
	}
	if opts.Images {
		groups = append(groups, checkGroup{"trivy image on each image", checkImages})
	}
	// A fleet: each member's tree as a tree of its own, then the fleet's
	// gitops/.
	type part struct {
		prefix string
		tree   *tree
		groups []checkGroup
	}
	parts := []part{{"", t, groups}}
	if members := fleetMembers(t); len(members) > 0 {
		parts = nil
		for _, m := range members {
			parts = append(parts, part{m, t.sub(m), groups})
		}
		parts = append(parts, part{"", t.only("gitops/"), []checkGroup{{"kube-apiserver dry run of the fleet's gitops/", checkAPIServer}}})
	}
	total, n := 0, 0
	for _, pt := range parts {
		total += len(pt.groups)
	}
	for _, pt := range parts {
		v.tree = pt.tree
		for _, g := range pt.groups {
			n++
			if opts.Progress != nil {
				opts.Progress(n, total, pt.prefix+g.what)
			}
			checks, note, err := g.check(ctx, v)
			if err != nil {
				return Report{}, err
			}
			if ctx.Err() != nil {
				return Report{}, ctx.Err()
			}
			for i := range checks {
				checks[i].Artifact = pt.prefix + checks[i].Artifact
			}
			rep.Checks = append(rep.Checks, checks...)
			if note != "" {
				rep.Notes = append(rep.Notes, pt.prefix+note)
			}
		}
	}
	if len(rep.Checks) == 0 {
		return Report{}, fmt.Errorf("%s: %w: its %s lists no kubeadm/, loadbalancer/ or manifests/ files to check; pass the folder blueprint render wrote", opts.Dir, ErrNotATree, manifestName)
	}
	if v.isolationLost != "" {
		rep.Notes = append(rep.Notes, "network isolation: "+v.isolationLost)
	}
	sort.SliceStable(rep.Checks, func(i, j int) bool { return rep.Checks[i].Artifact < rep.Checks[j].Artifact })
	for _, name := range slices.Sorted(maps.Keys(v.tools)) {
		rep.Tools = append(rep.Tools, *v.tools[name])
	}
	return rep.escaped(), nil
}

// escaped returns the report with every text a tree or a program could
// have put there made safe to print (see escapeControl).
func (rep Report) escaped() Report {
	rep.Checks, rep.Tools, rep.Notes = slices.Clone(rep.Checks), slices.Clone(rep.Tools), slices.Clone(rep.Notes)
	for i := range rep.Checks {
		c := &rep.Checks[i]
		c.Artifact, c.Version, c.Reason, c.Output = escapeControl(c.Artifact), escapeControl(c.Version), escapeControl(c.Reason), escapeControl(c.Output)
	}
	for i := range rep.Tools {
		t := &rep.Tools[i]
		t.Path, t.Version, t.Missing = escapeControl(t.Path), escapeControl(t.Version), escapeControl(t.Missing)
	}
	for i := range rep.Notes {
		rep.Notes[i] = escapeControl(rep.Notes[i])
	}
	rep.Dir = escapeControl(rep.Dir)
	return rep
}

// A checker runs one program's checks. It returns a note instead of checks
// when the tree holds nothing for it, or beside them to say what it
// supplied; an error only when it cannot go on.
type checker func(ctx context.Context, v *verifier) ([]Check, string, error)

type verifier struct {
	opts  Options
	tree  *tree
	tmp   string
	tools map[string]*Tool
	runs  int // private folders made so far
	// isolate is whether programs that may be isolated still are;
	// isolationLost says why not, once it failed.
	isolate       bool
	isolationLost string
}

// program describes how to find a tool, ask its version and run it.
type program struct {
	name        string
	versionArgs []string
	versionRE   *regexp.Regexp // first group: the version
	// isolated programs run in a network namespace of their own.
	isolated bool
	// install says how to install the program when it is missing.
	install string
}

// tool finds a program once and asks its version.
func (v *verifier) tool(ctx context.Context, p program) *Tool {
	if t, ok := v.tools[p.name]; ok {
		return t
	}
	t := &Tool{Name: p.name, isolated: p.isolated}
	v.tools[p.name] = t
	path, err := v.lookPath(p.name)
	if err != nil {
		t.Missing, t.Install = err.Error(), p.install
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
	dir, err := v.private()
	if err != nil {
		return "(version unknown)"
	}
	out, _ := v.command(ctx, p.isolated, dir, nil, path, p.versionArgs...)
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

// private makes a new private folder for one program run: its working
// folder, its HOME, and where the copies it checks are put.
func (v *verifier) private() (string, error) {
	v.runs++
	dir := filepath.Join(v.tmp, fmt.Sprintf("run-%03d", v.runs))
	return dir, os.Mkdir(dir, 0o700)
}

// errNotRun marks a program that could not be started at all.
type errNotRun struct{ err error }

func (e errNotRun) Error() string { return e.err.Error() }

// command runs a program in dir, which is its working folder and HOME, with
// the minimal environment plus env, and returns what it printed. The error
// is an *exec.ExitError when it ran and failed, errNotRun when it could not
// start, and a timeout error when it took too long.
func (v *verifier) command(ctx context.Context, isolate bool, dir string, env []string, path string, args ...string) (string, error) {
	timeout := v.opts.Timeout
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var out bytes.Buffer
	start := func(isolated bool) (*exec.Cmd, error) {
		out.Reset()
		cmd := exec.CommandContext(ctx, path, args...)
		cmd.Env = minimalEnv(dir, env...)
		cmd.Dir = dir
		cmd.Stdout, cmd.Stderr = &out, &out
		cmd.SysProcAttr = plain()
		if isolated {
			cmd.SysProcAttr = isolation()
		}
		cmd.Cancel = func() error {
			_ = killGroup(cmd.Process.Pid)
			return cmd.Process.Kill()
		}
		cmd.WaitDelay = 5 * time.Second
		return cmd, cmd.Start()
	}
	isolated := isolate && v.isolate
	cmd, err := start(isolated)
	if err != nil && isolated {
		// A kernel or container that refuses new namespaces: run without
		// one, and say so in the report.
		if cmd, err = start(false); err == nil {
			v.isolate = false
			v.isolationLost = fmt.Sprintf("this machine refused a network namespace for %s, so it and the programs after it ran in this machine's network; the allow-lists still kept configs from naming hosts or files", filepath.Base(path))
		}
	}
	if err != nil {
		return "", errNotRun{err}
	}
	err = cmd.Wait()
	if ctx.Err() == context.DeadlineExceeded {
		return out.String(), fmt.Errorf("timed out after %v", timeout)
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return out.String(), errNotRun{err}
	}
	return out.String(), err
}

// run is one check of artifact by the tool, in the private folder dir, with
// the program's exit status and output judged by ok (nil: exit status 0
// passes). Output that names a copy in dir is rewritten to name the
// artifact.
func (v *verifier) run(ctx context.Context, t *Tool, dir, artifact, name string, env []string, ok func(out string) bool, args ...string) Check {
	c := Check{Artifact: artifact, Name: name, Tool: t.Name}
	if t.Missing != "" {
		c.Result, c.Reason = NotRun, t.Name+" not found"
		return c
	}
	c.Version = t.Version
	out, err := v.command(ctx, t.isolated, dir, env, t.Path, args...)
	// Name files as the report does, relative to the output folder.
	for _, prefix := range []string{dir, v.tmp, v.opts.Dir} {
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

// refused is the failed check of an artifact verify would not hand to the
// tool: each line of why names file:line and what is not allowed.
func refused(t *Tool, artifact, name string, why []string) Check {
	return Check{
		Artifact: artifact, Name: name, Tool: t.Name, Version: t.Version, Result: Failed,
		Output: fmt.Sprintf("verify did not run %s: the file holds what blueprint never writes there, so it may make %s run, read or fetch something:\n%s",
			t.Name, t.Name, strings.Join(why, "\n")),
	}
}

// put writes data into the private folder dir at the artifact's path and
// returns the copy's path.
func put(dir, artifact string, data []byte, mode fs.FileMode) (string, error) {
	p := filepath.Join(dir, filepath.FromSlash(artifact))
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(p, data, mode); err != nil {
		return "", err
	}
	return p, os.Chmod(p, mode)
}

// read returns the content of a file of the tree, or why it was not read.
func (v *verifier) read(artifact string) ([]byte, error) {
	if b, ok := v.tree.files[artifact]; ok {
		return b, nil
	}
	if why, ok := v.tree.unreadable[artifact]; ok {
		return nil, errors.New(why)
	}
	return nil, fmt.Errorf("%s is not in the tree", artifact)
}

// unreadable is the failed check of an artifact verify did not read.
func unreadable(t *Tool, artifact, name string, err error) Check {
	return Check{Artifact: artifact, Name: name, Tool: t.Name, Version: t.Version, Result: Failed,
		Output: fmt.Sprintf("verify did not read %s: %v", artifact, err)}
}

// matching returns the tree's files whose path keep accepts.
func (v *verifier) matching(keep func(p string) bool) []string {
	var ps []string
	for _, p := range v.tree.paths {
		if keep(p) {
			ps = append(ps, p)
		}
	}
	return ps
}
