package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestRehearseFlagsBecomeOptions(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  string
		want rehearseOptions
	}{
		{args: []string{"ha.hcl"}, want: rehearseOptions{specOptions: specOptions{Path: "ha.hcl"}, Timeout: time.Hour}},
		{args: []string{"ha.hcl"}, env: "/opt/tools", want: rehearseOptions{specOptions: specOptions{Path: "ha.hcl"}, ToolDirs: []string{"/opt/tools"}, Timeout: time.Hour}},
		{
			args: []string{"spec/", "--var", "a=1", "--var-file", "v.hcl", "--keep", "--json", "--work-dir", "/tmp/w", "--tools", "/t",
				"--drill", "kmaster1", "--drill", "partition", "--no-restore", "--timeout", "30m"},
			env: "/opt/tools",
			want: rehearseOptions{specOptions: specOptions{Path: "spec/", Vars: []string{"a=1"}, VarFiles: []string{"v.hcl"}},
				Keep: true, JSON: true, WorkDir: "/tmp/w", ToolDirs: []string{"/t"}, Drills: []string{"kmaster1", "partition"},
				NoRestore: true, Timeout: 30 * time.Minute},
		},
		{args: []string{"ha.hcl", "--no-drills"}, want: rehearseOptions{specOptions: specOptions{Path: "ha.hcl"}, NoDrills: true, Timeout: time.Hour}},
	} {
		t.Setenv("BLUEPRINT_TOOLS", tc.env)
		var got *rehearseOptions
		cmd := newRehearseCommand(Streams{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}, func(_ context.Context, o *rehearseOptions, _ Streams) error {
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
	var errw bytes.Buffer
	if code := Main([]string{"rehearse", "x.hcl", "--no-drills", "--drill", "a"}, nil, &bytes.Buffer{}, &errw); code != ExitUsage {
		t.Errorf("--no-drills with --drill: exit %d, want %d (%s)", code, ExitUsage, errw.String())
	}
}

// TestRehearseSaysWhatIsMissing runs blueprint rehearse as an unprivileged
// user (this test binary again, through setpriv): it must refuse before it
// touches anything, name what is missing and how to get it, and exit 3.
func TestRehearseSaysWhatIsMissing(t *testing.T) {
	if os.Getenv("BLUEPRINT_CLI_CHILD") == "rehearse" {
		os.Exit(Main([]string{"rehearse", "../blueprints/ha.hcl"}, nil, os.Stdout, os.Stderr))
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil || os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("needs root and setpriv to run blueprint rehearse as another user (setpriv: %v)", err)
		}
		t.Skip("needs root and setpriv (util-linux) to run blueprint rehearse as another user")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The test binary must be readable by nobody: copy it into a folder
	// everyone may enter.
	dir, err := os.MkdirTemp("", "blueprint-cli-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := dir + "/cli.test"
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cwd, _ := os.Getwd()
	cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", bin, "-test.run=^TestRehearseSaysWhatIsMissing$")
	cmd.Dir = cwd
	cmd.Env = append(os.Environ(), "BLUEPRINT_CLI_CHILD=rehearse", "HOME=/tmp", "GOCACHE=/tmp/unused")
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != ExitFailure {
		t.Fatalf("as nobody: %v, want exit %d:\n%s", err, ExitFailure, out)
	}
	for _, want := range []string{"cannot rehearse", "root, or the capabilities CAP_NET_ADMIN and CAP_SYS_ADMIN (run with sudo)"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the refusal does not say %q:\n%s", want, out)
		}
	}
}
