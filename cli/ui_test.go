package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestNormalizeArgs checks which arguments the single-dash rewrite
// touches: long flags of the command, never a flag's value or anything
// after "--".
func TestNormalizeArgs(t *testing.T) {
	root := NewRootCommand(Streams{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard})
	cases := []struct{ in, want []string }{
		{[]string{"validate", "-var", "n=1", "x.hcl"}, []string{"validate", "--var", "n=1", "x.hcl"}},
		{[]string{"render", "-var=n=1", "-var-file", "v.hcl", "x.hcl"}, []string{"render", "--var=n=1", "--var-file", "v.hcl", "x.hcl"}},
		{[]string{"fmt", "-check", "-diff", "-recursive", "."}, []string{"fmt", "--check", "--diff", "--recursive", "."}},
		// A flag's value is left alone, whatever it looks like.
		{[]string{"render", "-o", "-var", "x.hcl"}, []string{"render", "-o", "-var", "x.hcl"}},
		{[]string{"render", "--var", "-json", "x.hcl"}, []string{"render", "--var", "-json", "x.hcl"}},
		{[]string{"render", "-qo", "-strict", "x.hcl"}, []string{"render", "-qo", "-strict", "x.hcl"}},
		// Shorthands and unknown names stay as they are, for cobra to judge.
		{[]string{"render", "-q", "-o", "dir", "x.hcl"}, []string{"render", "-q", "-o", "dir", "x.hcl"}},
		{[]string{"validate", "-nope", "x.hcl"}, []string{"validate", "-nope", "x.hcl"}},
		// Everything after -- is an argument.
		{[]string{"validate", "--", "-var"}, []string{"validate", "--", "-var"}},
		// Root flags work before and after the command.
		{[]string{"-no-color", "validate", "-json", "x.hcl"}, []string{"--no-color", "validate", "--json", "x.hcl"}},
		{[]string{"-version"}, []string{"--version"}},
	}
	for _, c := range cases {
		if got := normalizeArgs(root, c.in); !slices.Equal(got, c.want) {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
}

// TestSingleDashVar runs the spelling Terraform users type. Before the
// rewrite cobra refused it: "unknown shorthand flag: 'v' in -var".
func TestSingleDashVar(t *testing.T) {
	code, out, errs := runMain("validate", "-var", "workers_per_zone=1", "-var=workers_per_zone=2", "../blueprints/ha.hcl")
	if code != ExitOK || !strings.Contains(out, "is valid") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	code, _, errs = runMain("validate", "-var", "workers_per_zone=2.5", "../blueprints/ha.hcl")
	if code != ExitSpecError || !strings.Contains(errs, "workers_per_zone: a whole number is required, got 2.5 (from --var)") {
		t.Fatalf("a fractional count must be refused where it is counted: exit %d\n%s", code, errs)
	}
	code, _, errs = runMain("validate", "--var", "workers_per_zone=three", "../blueprints/ha.hcl")
	if code != ExitSpecError || !strings.Contains(errs, `workers_per_zone: a whole number is required, got "three"`) || strings.Contains(errs, "Variables not allowed") {
		t.Fatalf("a word for a count: exit %d\n%s", code, errs)
	}
}

func TestVersion(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	v := versionOf(bi, true)
	if v.Version != "v1.4.0" || v.Commit != "0123456789abcdef" || !v.Modified || v.Go != "go1.26.8" || v.Platform == "" {
		t.Errorf("versionOf: %+v", v)
	}
	line := versionLine(v)
	for _, want := range []string{"blueprint v1.4.0", "commit 0123456789abcdef with uncommitted changes", "(2026-01-02T03:04:05Z)", "built with go1.26.8"} {
		if !strings.Contains(line, want) {
			t.Errorf("%q lacks %q", line, want)
		}
	}
	if v := versionOf(nil, false); v.Version != "(unknown)" || v.Go == "" {
		t.Errorf("without build information: %+v", v)
	}

	code, out, _ := runMain("version", "--json")
	var got buildVersion
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != ExitOK || got.Go == "" || got.Version == "" {
		t.Errorf("version --json: exit %d, %v\n%s", code, err, out)
	}
	code, flagOut, _ := runMain("--version")
	code2, cmdOut, _ := runMain("version")
	if code != ExitOK || code2 != ExitOK || flagOut != cmdOut || !strings.HasPrefix(flagOut, "blueprint ") {
		t.Errorf("--version and version differ: %q, %q", flagOut, cmdOut)
	}
}

// TestVersionIsNotRendered checks that no rendered file carries the
// version, so out/ stays the same bytes whatever commit renders it.
func TestVersionIsNotRendered(t *testing.T) {
	v := readVersion()
	dir := filepath.Join(t.TempDir(), "out")
	if code, _, errs := runMain("render", "../blueprints/ha.hcl", "-o", dir); code != ExitOK {
		t.Fatalf("render: %d %s", code, errs)
	}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		for _, s := range []string{v.Commit, v.Go, "blueprint " + v.Version} {
			if s != "" && bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds %q", p, s)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// openPTY returns a terminal for a command's standard error, and what the
// command wrote to it, read until close is called.
func openPTY(t *testing.T) (tty *os.File, output func() string) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("no pseudo-terminal: %v", err)
	}
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 100}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(&buf, ptmx)
		close(done)
	}()
	return tty, func() string {
		tty.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("the terminal's output did not end")
		}
		ptmx.Close()
		return buf.String()
	}
}

const ansiSGR = "\x1b["

// TestColourOnlyOnATerminal runs validate with standard error on a
// pseudo-terminal, then with NO_COLOR, --no-color, and a pipe.
func TestColourOnlyOnATerminal(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	os.Unsetenv("NO_COLOR")
	t.Setenv("TERM", "xterm")
	spec := filepath.Join(t.TempDir(), "bad.hcl")
	if err := os.WriteFile(spec, []byte("cluster \"c\" {\n  kubernetes_version = [1]\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		tty, output := openPTY(t)
		Main(args, strings.NewReader(""), io.Discard, tty)
		return output()
	}
	if got := run("validate", spec); !strings.Contains(got, ansiBold+ansiRed+"Error:") || !strings.Contains(got, ansiUnderline) {
		t.Errorf("on a terminal, diagnostics are coloured: %q", got)
	}
	if got := run("validate", "--no-color", spec); strings.Contains(got, ansiSGR) || !strings.Contains(got, "Error:") {
		t.Errorf("--no-color: %q", got)
	}
	// The command's own error line too.
	if got := run("render", spec, "-o", ""); !strings.Contains(got, ansiBold+ansiRed+"Error:") {
		t.Errorf("an error on a terminal: %q", got)
	}
	if got := run("render", "--no-color", spec, "-o", ""); strings.Contains(got, ansiSGR) || !strings.Contains(got, "Error: the output folder is empty") {
		t.Errorf("an error with --no-color: %q", got)
	}
	t.Setenv("NO_COLOR", "1")
	if got := run("validate", spec); strings.Contains(got, ansiSGR) || !strings.Contains(got, "= [1]\r\n                            ^") {
		t.Errorf("NO_COLOR: %q", got)
	}
	os.Unsetenv("NO_COLOR")
	var pipe bytes.Buffer
	Main([]string{"validate", spec}, strings.NewReader(""), io.Discard, &pipe)
	if strings.Contains(pipe.String(), ansiSGR) || !strings.Contains(pipe.String(), "bad.hcl:2:24") {
		t.Errorf("not a terminal: %q", pipe.String())
	}
}

// TestProgressOnlyOnATerminal checks the progress line: rewritten in
// place and cleared on a terminal, absent elsewhere and under -q.
func TestProgressOnlyOnATerminal(t *testing.T) {
	tty, output := openPTY(t)
	p := Streams{Err: tty}.progress(2)
	p.step("haproxy -c %s", "\x1b[2Jx")
	p.step("keepalived -t")
	p.done()
	got := output()
	for _, want := range []string{"[1/2] " + ansiReset + "haproxy -c \\u001b[2Jx", clearLine + "\x1b[2m[2/2] \x1b[0mkeepalived -t", clearLine} {
		if !strings.Contains(got, want) {
			t.Errorf("progress on a terminal lacks %q: %q", want, got)
		}
	}
	if !strings.HasSuffix(got, clearLine) {
		t.Errorf("done must clear the line: %q", got)
	}

	var buf bytes.Buffer
	p = Streams{Err: &buf}.progress(1)
	p.step("x")
	p.done()
	tty, output = openPTY(t)
	q := Streams{Err: tty, opts: &globalOptions{Quiet: true}}.progress(1)
	q.step("x")
	q.done()
	if buf.Len() != 0 || output() != "" {
		t.Errorf("progress off a terminal or under -q: %q", buf.String())
	}
}

func TestFitWidth(t *testing.T) {
	if got := fitWidth("abcdef", 4); got != "abc…" {
		t.Errorf("got %q", got)
	}
	if got := fitWidth("abc", 4); got != "abc" {
		t.Errorf("got %q", got)
	}
}

// TestVerifyShowsProgress checks that verify's checks announce themselves
// on a terminal, and that the report on standard output stays clean.
func TestVerifyShowsProgress(t *testing.T) {
	t.Setenv("BLUEPRINT_TOOLS", "")
	tree, tools := fakeTree(t, 0)
	tty, output := openPTY(t)
	var out bytes.Buffer
	code := Main([]string{"verify", tree, "--tools", tools}, strings.NewReader(""), &out, tty)
	got := output()
	if code != ExitOK || !strings.Contains(got, "[2/5] ") || !strings.Contains(got, "haproxy -c") || !strings.HasSuffix(got, clearLine) {
		t.Errorf("exit %d, terminal got %q", code, got)
	}
	if strings.Contains(out.String(), "[1/5]") || strings.Contains(out.String(), "\x1b") {
		t.Errorf("the report holds the progress: %q", out.String())
	}
}
