package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// scriptShell is a POSIX shell the rendered scripts must run under, with
// the utilities it brings on PATH first.
type scriptShell struct {
	name string
	argv []string // the shell; the script's path follows
	path string   // a folder of its utilities (awk, …), or ""
}

// scriptShells returns the shells rendered scripts are run with: the
// system's sh (dash on Debian, strict POSIX, with mawk), and BusyBox's sh
// and awk, as in Alpine-based images such as Kafka's. BusyBox is a
// validator: in CI it must be installed.
func scriptShells(t *testing.T) []scriptShell {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("SKIPPED, not passed: no sh here to run the rendered scripts with")
	}
	shells := []scriptShell{{name: "sh", argv: []string{sh}}}
	if bb := lookupTool(t, "busybox"); bb != "" {
		dir := t.TempDir()
		for _, applet := range []string{"awk", "cat", "grep", "sleep", "cut", "sort", "tr", "head"} {
			if err := os.Symlink(bb, filepath.Join(dir, applet)); err != nil {
				t.Fatal(err)
			}
		}
		shells = append(shells, scriptShell{name: "busybox", argv: []string{bb, "sh"}, path: dir})
	} else {
		t.Log("NOT CHECKED: busybox is not installed here, so the scripts ran under the system's sh only")
	}
	return shells
}

// runScript runs a script file with args under a shell with env (and fakes
// first on PATH), killing it after timeout. It returns the combined output and the
// exit status; a script still running at the timeout fails the test.
func runScript(t *testing.T, sh scriptShell, script string, env []string, fakes string, timeout time.Duration, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, sh.argv[0], append(append(sh.argv[1:], script), args...)...)
	path := os.Getenv("PATH")
	if sh.path != "" {
		path = sh.path + string(os.PathListSeparator) + path
	}
	if fakes != "" {
		path = fakes + string(os.PathListSeparator) + path
	}
	cmd.Env = append(append([]string{"PATH=" + path}, env...), "LC_ALL=C")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %s did not finish within %s:\n%s", sh.name, filepath.Base(script), timeout, out.String())
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &exit):
		return out.String(), exit.ExitCode()
	}
	t.Fatalf("%s %s: %v", sh.name, filepath.Base(script), err)
	return "", -1
}
