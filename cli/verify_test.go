package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/blueprint-dev/blueprint/verify"
)

func TestVerifyFlagsBecomeOptions(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  string
		want verifyOptions
	}{
		{args: []string{"out/ha"}, want: verifyOptions{Dir: "out/ha"}},
		{args: []string{"out/ha"}, env: "/opt/tools", want: verifyOptions{Dir: "out/ha", ToolDirs: []string{"/opt/tools"}}},
		{
			args: []string{"--tools", "/a", "out", "--tools", "/b", "--json", "--require-all", "--interface", "ens3"},
			env:  "/opt/tools",
			want: verifyOptions{Dir: "out", ToolDirs: []string{"/a", "/b"}, JSON: true, RequireAll: true, Interface: "ens3"},
		},
	} {
		t.Setenv("BLUEPRINT_TOOLS", tc.env)
		var got *verifyOptions
		cmd := newVerifyCommand(Streams{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}, func(_ context.Context, o *verifyOptions, _ Streams) error {
			got = o
			return nil
		})
		cmd.SetArgs(tc.args)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if got == nil || !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("%v with BLUEPRINT_TOOLS=%q:\n got %+v\nwant %+v", tc.args, tc.env, got, tc.want)
		}
	}
}

// fakeTree is an output folder with only a haproxy.cfg, and a tools folder
// whose haproxy passes or fails it, so that exit codes need no real haproxy.
func fakeTree(t *testing.T, haproxyExit int) (dir, tools string) {
	t.Helper()
	dir, tools = t.TempDir(), t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "loadbalancer"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "loadbalancer/haproxy.cfg"), []byte("global\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".blueprint-files"), []byte("loadbalancer/haproxy.cfg\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\n[ \"$1\" = -v ] && { echo 'HAProxy version 2.6.12-1 2026/01/01'; exit 0; }\n"
	if haproxyExit != 0 {
		script += "echo '[ALERT] config : parsing [haproxy.cfg:1] : broken'\n"
	}
	script += "exit " + string(rune('0'+haproxyExit)) + "\n"
	if err := os.WriteFile(filepath.Join(tools, "haproxy"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, tools
}

func runMain(args ...string) (int, string, string) {
	var out, errw bytes.Buffer
	code := Main(args, strings.NewReader(""), &out, &errw)
	return code, out.String(), errw.String()
}

func TestVerifyExitCodes(t *testing.T) {
	t.Setenv("BLUEPRINT_TOOLS", "")
	good, goodTools := fakeTree(t, 0)
	if code, out, errs := runMain("verify", good, "--tools", goodTools); code != ExitOK || !strings.Contains(out, "haproxy 2.6.12") {
		t.Errorf("passing tree: exit %d\n%s%s", code, out, errs)
	}
	bad, badTools := fakeTree(t, 1)
	code, out, errs := runMain("verify", bad, "--tools", badTools)
	if code != ExitSpecError || !strings.Contains(out, "FAILED") || !strings.Contains(out, "broken") || !strings.Contains(errs, "1 of 1 checks failed") {
		t.Errorf("failing tree: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = runMain("verify", "--json", bad, "--tools", badTools)
	var rep verify.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != ExitSpecError || len(rep.Checks) != 1 || rep.Checks[0].Result != verify.Failed {
		t.Errorf("--json: exit %d, %v\n%s", code, err, out)
	}
	for _, args := range [][]string{{"verify"}, {"verify", filepath.Join(good, "nope")}, {"verify", t.TempDir()}} {
		if code, _, errs := runMain(args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d\n%s", args, code, ExitUsage, errs)
		}
	}
	// A folder holding trees, not one: the message says what verify wants.
	parent := t.TempDir()
	if err := os.Rename(good, filepath.Join(parent, "ha")); err != nil {
		t.Fatal(err)
	}
	good = filepath.Join(parent, "ha")
	if code, _, errs := runMain("verify", parent); code != ExitUsage || !strings.Contains(errs, "holds a blueprint tree below it (ha)") || !strings.Contains(errs, "verify expects the folder one `blueprint render` wrote") {
		t.Errorf("a folder of trees: exit %d\n%s", code, errs)
	}

	// With no haproxy anywhere, the check cannot run: reported, and fatal
	// only with --require-all.
	saved := verify.DefaultDirs
	verify.DefaultDirs = nil
	t.Cleanup(func() { verify.DefaultDirs = saved })
	t.Setenv("PATH", t.TempDir())
	if code, out, _ := runMain("verify", good); code != ExitOK || !strings.Contains(out, "not run: haproxy not found") {
		t.Errorf("missing haproxy: exit %d\n%s", code, out)
	}
	if code, _, errs := runMain("verify", good, "--require-all"); code != ExitSpecError || !strings.Contains(errs, "--require-all") {
		t.Errorf("missing haproxy with --require-all: exit %d\n%s", code, errs)
	}
}
