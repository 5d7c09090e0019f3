package pipeline_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"

	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

// hostileCase is one spec of testdata/hostile: a file, or a folder whose
// *.hcl files form one spec, with the outcome it states for itself.
type hostileCase struct {
	name   string
	path   string   // what the CLI is given
	files  []string // the .hcl files, in load order
	expect string   // "error" or "renders"
	marks  []hostileMark
	src    map[string][]byte // file contents by path
}

// hostileMark is one "# ERROR: text" or "# WARNING: text" expectation: a
// diagnostic of that severity whose summary contains text, reported at line.
type hostileMark struct {
	file string
	line int
	sev  hcl.DiagnosticSeverity
	text string
	used bool
}

func (m *hostileMark) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", filepath.Base(m.file), m.line, sevName(m.sev), m.text)
}

func sevName(s hcl.DiagnosticSeverity) string {
	if s == hcl.DiagError {
		return "ERROR"
	}
	return "WARNING"
}

var (
	expectRE = regexp.MustCompile(`# EXPECT: (error|renders)\b`)
	// A sidecar NAME.hcl.expect holds the expectations of a file that cannot
	// carry comments (an empty file): "# EXPECT: …" and "# LINE n: ERROR: …".
	sidecarLineRE = regexp.MustCompile(`^# LINE (\d+): (.*)$`)
)

// hostileCases reads every case of testdata/hostile.
func hostileCases(t *testing.T, root string) []*hostileCase {
	t.Helper()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var cases []*hostileCase
	for _, e := range entries {
		p := filepath.Join(root, e.Name())
		switch {
		case e.IsDir():
			files, _ := filepath.Glob(filepath.Join(p, "*.hcl"))
			sort.Strings(files)
			if len(files) == 0 {
				t.Fatalf("%s holds no .hcl files", p)
			}
			cases = append(cases, readHostileCase(t, e.Name(), p, files))
		case strings.HasSuffix(e.Name(), ".hcl"):
			cases = append(cases, readHostileCase(t, strings.TrimSuffix(e.Name(), ".hcl"), p, []string{p}))
		case e.Name() == "README.md":
		case strings.HasSuffix(e.Name(), ".hcl.expect"):
			if _, err := os.Stat(strings.TrimSuffix(p, ".expect")); err != nil {
				t.Errorf("%s has no spec beside it", p)
			}
		default:
			t.Errorf("%s is neither a spec, a folder of specs nor a sidecar", p)
		}
	}
	return cases
}

func readHostileCase(t *testing.T, name, path string, files []string) *hostileCase {
	t.Helper()
	c := &hostileCase{name: name, path: path, files: files, src: map[string][]byte{}}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c.src[f] = b
		c.marks = append(c.marks, marksIn(f, b)...)
	}
	head := c.src[files[0]]
	if side, err := os.ReadFile(files[0] + ".expect"); err == nil {
		head = side
		sc := bufio.NewScanner(bytes.NewReader(side))
		for sc.Scan() {
			if m := sidecarLineRE.FindStringSubmatch(sc.Text()); m != nil {
				line, _ := strconv.Atoi(m[1])
				c.marks = append(c.marks, parseMarks(files[0], line, "# "+m[2])...)
			}
		}
	}
	// The expectation is stated in the first lines of the first file.
	lines := strings.SplitN(string(head), "\n", 4)
	for _, l := range lines[:min(3, len(lines))] {
		if m := expectRE.FindStringSubmatch(l); m != nil {
			c.expect = m[1]
			break
		}
	}
	if c.expect == "" {
		t.Errorf("%s: no \"# EXPECT: error\" or \"# EXPECT: renders\" in its first lines", path)
	}
	return c
}

// marksIn returns the markers of every line of a file.
func marksIn(file string, src []byte) []hostileMark {
	var marks []hostileMark
	for i, line := range strings.Split(string(src), "\n") {
		marks = append(marks, parseMarks(file, i+1, line)...)
	}
	return marks
}

// parseMarks reads "# ERROR: a | WARNING: b" from the end of a line;
// "FILE ERROR: c" is about the file as a whole (line 0).
func parseMarks(file string, line int, text string) []hostileMark {
	at := -1
	for _, kw := range []string{"# ERROR: ", "# WARNING: ", "# FILE ERROR: ", "# FILE WARNING: "} {
		if i := strings.Index(text, kw); i >= 0 && (at < 0 || i < at) {
			at = i + 2
		}
	}
	if at < 0 {
		return nil
	}
	var marks []hostileMark
	for _, item := range strings.Split(text[at:], " | ") {
		kind, want, ok := strings.Cut(strings.TrimSpace(item), ": ")
		at := line
		if k, whole := strings.CutPrefix(kind, "FILE "); whole {
			kind, at = k, 0
		}
		if !ok || (kind != "ERROR" && kind != "WARNING") {
			continue
		}
		sev := hcl.DiagError
		if kind == "WARNING" {
			sev = hcl.DiagWarning
		}
		marks = append(marks, hostileMark{file: file, line: at, sev: sev, text: strings.TrimSpace(want)})
	}
	return marks
}

// checkDiagnostics asserts that every diagnostic is positioned in one of the
// case's files with a snippet and a hint, and that the diagnostics and the
// markers match one to one: each marker is reported at its line, and no
// error or warning is reported that no marker announces.
func checkDiagnostics(t *testing.T, c *hostileCase, diags hcl.Diagnostics) {
	t.Helper()
	if len(diags) > 60 {
		t.Errorf("%d diagnostics: a flood that buries the real problem", len(diags))
	}
	seen := map[string]bool{}
	ambient := ambientWarning(c.marks)
	for _, d := range diags {
		if d.Subject == nil {
			t.Errorf("%s %q has no source position", sevName(d.Severity), d.Summary)
			continue
		}
		file := filepath.Clean(d.Subject.Filename)
		src, ok := c.src[file]
		if !ok {
			t.Errorf("%q points at %q, which is not a file of the spec", d.Summary, d.Subject.Filename)
			continue
		}
		lines := strings.Split(string(src), "\n")
		switch {
		case spec.IsFileRange(*d.Subject):
			// About the file as a whole: no line to check.
		case d.Subject.Start.Line < 1 || d.Subject.Start.Line > len(lines):
			t.Errorf("%q points at line %d of a %d-line file", d.Summary, d.Subject.Start.Line, len(lines))
			continue
		case strings.TrimSpace(lines[d.Subject.Start.Line-1]) == "" && len(bytes.TrimSpace(src)) > 0:
			t.Errorf("%q points at blank line %d: no snippet to show", d.Summary, d.Subject.Start.Line)
		}
		if strings.TrimSpace(d.Detail) == "" {
			t.Errorf("%q at line %d has no detail or hint", d.Summary, d.Subject.Start.Line)
		}
		key := fmt.Sprintf("%d|%s|%s|%s", d.Severity, d.Summary, d.Detail, d.Subject)
		if seen[key] {
			t.Errorf("%q at line %d is reported twice", d.Summary, d.Subject.Start.Line)
		}
		seen[key] = true
		matched := false
		for i := range c.marks {
			m := &c.marks[i]
			if m.file == file && m.line == d.Subject.Start.Line && m.sev == d.Severity && strings.Contains(d.Summary, m.text) {
				m.used, matched = true, true
			}
		}
		if !matched && !ambient(d) {
			t.Errorf("unexpected %s at %s:%d: %s: %s", sevName(d.Severity), filepath.Base(file), d.Subject.Start.Line, d.Summary, d.Detail)
		}
	}
	for i := range c.marks {
		if !c.marks[i].used {
			t.Errorf("expected %s, not reported", c.marks[i].String())
		}
	}
}

// ambientCodes are warnings nearly every spec gets, which a case need not
// mark: etcd-backup-on-host, since every spec without a backup destination
// keeps its etcd snapshots on the nodes (README.md in testdata/hostile).
// A case that marks one of them on any line expects it like any other.
var ambientCodes = map[validate.Code]string{validate.CodeEtcdBackupOnHost: "Snapshots not off-host"}

// ambientWarning returns whether a diagnostic is an ambient warning that
// the marks do not ask for.
func ambientWarning(marks []hostileMark) func(*hcl.Diagnostic) bool {
	return func(d *hcl.Diagnostic) bool {
		summary, ok := ambientCodes[validate.CodeOf(d)]
		if !ok || d.Severity != hcl.DiagWarning {
			return false
		}
		for _, m := range marks {
			if strings.Contains(summary, m.text) && m.sev == hcl.DiagWarning {
				return false
			}
		}
		return true
	}
}

// guarded runs f, turning a panic into a test error with its stack.
func guarded(t *testing.T, what string, f func()) (ok bool) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s panicked: %v\n%s", what, r, debug.Stack())
			ok = false
		}
	}()
	f()
	return true
}

// snapshot describes every file, folder and link below root: path, mode and
// a hash of the content, so that any change shows.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	snap := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		desc := info.Mode().String()
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			desc += " -> " + target
		case d.Type().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			desc += fmt.Sprintf(" %x", sha256.Sum256(b))
		}
		snap[rel] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func diffSnapshots(before, after map[string]string) []string {
	var diffs []string
	for p, b := range before {
		if a, ok := after[p]; !ok {
			diffs = append(diffs, "removed "+p)
		} else if a != b {
			diffs = append(diffs, fmt.Sprintf("changed %s: %s -> %s", p, b, a))
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			diffs = append(diffs, "added "+p)
		}
	}
	sort.Strings(diffs)
	return diffs
}

// copyTree copies a folder, keeping file modes.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		target := filepath.Join(to, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(target, info.Mode().Perm())
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.WriteFile(target, b, info.Mode().Perm()); err != nil {
			return err
		}
		return os.Chmod(target, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// findTool is tool() without skipping: "" when the validator is missing,
// so that a case still checks everything else. In CI a missing tool fails.
func findTool(t *testing.T, name string) string {
	t.Helper()
	p := lookupTool(t, name)
	if p == "" {
		t.Logf("SKIPPING the %s checks of the hostile specs: %s is not installed here", name, name)
	}
	return p
}

// runTool runs a validator and returns its combined output and error.
func runTool(name string, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// unsafeRune reports characters that must never reach rendered output:
// control characters other than tab and newline, bidirectional overrides,
// zero-width characters and byte-order marks.
func unsafeRune(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r == utf8.RuneError, unicode.IsControl(r):
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F:
		return true
	case r >= 0x200B && r <= 0x200D, r == 0xFEFF, r == 0x2060:
		return true
	}
	return false
}
