package validate_test

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/blueprint-dev/blueprint/internal/fixture"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

func check(t *testing.T, path string) hcl.Diagnostics {
	t.Helper()
	s, f, diags := spec.NewLoader().LoadAny(path, spec.Options{})
	if f != nil {
		return validate.Fleet(f, diags, nil).Diagnostics
	}
	return validate.Check(s, diags)
}

// expectations reads the fixture's markers (internal/fixture).
func expectations(t *testing.T, path string) []string {
	t.Helper()
	want, err := fixture.Expectations(path)
	if err != nil {
		t.Fatal(err)
	}
	return want
}

// withoutAmbient drops the warning etcd-backup-on-host, which every spec
// without a backup destination gets, unless the fixture marks it: the
// fixtures test other rules and need not all name a destination.
func withoutAmbient(diags hcl.Diagnostics, want []string) hcl.Diagnostics {
	const summary = "Snapshots not off-host"
	for _, w := range want {
		if strings.HasSuffix(w, "warning: "+summary) {
			return diags
		}
	}
	var out hcl.Diagnostics
	for _, d := range diags {
		if d.Severity != hcl.DiagWarning || validate.CodeOf(d) != validate.CodeEtcdBackupOnHost {
			out = append(out, d)
		}
	}
	return out
}

func describe(diags hcl.Diagnostics) []string { return fixture.Describe(diags) }

// TestInvalidFixtures checks that every problem is reported, in one run, at
// the file and line its fixture marks, and nothing else is.
func TestInvalidFixtures(t *testing.T) {
	paths, _ := filepath.Glob("testdata/invalid/*.hcl")
	if len(paths) == 0 {
		t.Fatal("no fixtures")
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			want := expectations(t, p)
			diags := withoutAmbient(check(t, p), want)
			got := describe(diags)
			sort.Strings(got)
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("diagnostics differ\n got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
			for _, d := range diags {
				if d.Subject == nil || d.Detail == "" {
					t.Errorf("%q has no source range or no hint", d.Summary)
				}
			}
		})
	}
}

// TestDiagnosticsAreSorted checks the order diagnostics are printed in.
func TestDiagnosticsAreSorted(t *testing.T) {
	diags := check(t, "testdata/invalid/hosts.hcl")
	for i := 1; i < len(diags); i++ {
		if diags[i-1].Subject.Start.Byte > diags[i].Subject.Start.Byte {
			t.Fatalf("%q at %s comes before %q at %s", diags[i-1].Summary, diags[i-1].Subject, diags[i].Summary, diags[i].Subject)
		}
	}
}

// TestSuggestions checks that "did you mean" hints name the right thing.
func TestSuggestions(t *testing.T) {
	want := map[string]string{
		"cluster.hcl": `Did you mean "dns_domain"?`,
		"hosts.hcl":   `Did you mean "calico"?`,
	}
	for file, hint := range want {
		found := false
		for _, d := range check(t, "testdata/invalid/"+file) {
			found = found || strings.Contains(d.Detail, hint)
		}
		if !found {
			t.Errorf("%s: no diagnostic says %s", file, hint)
		}
	}
}
