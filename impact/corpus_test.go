package impact_test

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blueprint-dev/blueprint/impact"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/state"
	"github.com/blueprint-dev/blueprint/validate"
)

var update = flag.Bool("update", false, "rewrite testdata/plan/*/plan.golden")

// builds is one build cache for every render of the corpus: its specs
// share most components, which then are built once.
var builds *render.BuildCache

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "plan-corpus-cache-")
	if err != nil {
		panic(err)
	}
	builds = render.NewBuildCache(dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// designOf renders a spec in memory and returns the state it records.
func designOf(t *testing.T, path string) *state.State {
	t.Helper()
	s, diags := spec.NewLoader().Load(path, spec.Options{})
	diags = validate.Check(s, diags)
	if diags.HasErrors() {
		t.Fatalf("%s: %v", path, diags)
	}
	tree, err := render.RenderWith(plan.Build(s), render.Options{Builds: builds})
	if err != nil {
		t.Fatalf("rendering %s: %v", path, err)
	}
	st, err := state.Decode(tree[state.FileName])
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return st
}

// TestCorpus plans each pair of testdata/plan (old.hcl rendered, then
// new.hcl) and checks the changes, steps and summary its expect.txt
// states, and the whole text output against plan.golden.
func TestCorpus(t *testing.T) {
	dirs, _ := filepath.Glob("../testdata/plan/*/expect.txt")
	if len(dirs) < 40 {
		t.Fatalf("the corpus has %d cases, it should have at least 40", len(dirs))
	}
	for _, e := range dirs {
		dir := filepath.Dir(e)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			p := impact.Compare(designOf(t, filepath.Join(dir, "old.hcl")), designOf(t, filepath.Join(dir, "new.hcl")))
			checkExpect(t, e, p)
			var buf bytes.Buffer
			if err := p.WriteText(&buf); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join(dir, "plan.golden")
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./impact -run TestCorpus -update)", err)
			}
			if !bytes.Equal(want, buf.Bytes()) {
				t.Errorf("%s differs from the plan (re-run with -update if the change is right):\n%s", golden, buf.String())
			}
		})
	}
}

func checkExpect(t *testing.T, path string, p *impact.Plan) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var have []string
	for _, c := range p.Changes {
		have = append(have, fmt.Sprintf("%s %s %s", c.Action, c.Impact, c.Target))
	}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		n++
		switch {
		case strings.HasPrefix(line, "summary "):
			if got := p.Summary.Line; got != strings.TrimPrefix(line, "summary ") {
				t.Errorf("summary %q, expected %q", got, strings.TrimPrefix(line, "summary "))
			}
		case strings.HasPrefix(line, "step "):
			want := strings.TrimPrefix(line, "step ")
			found := false
			for _, s := range p.Steps {
				found = found || s.Host+": "+s.Command == want
			}
			if !found {
				t.Errorf("no step %q", want)
			}
		default:
			found := false
			for _, h := range have {
				found = found || h == line
			}
			if !found {
				t.Errorf("no change %q; the plan has:\n  %s", line, strings.Join(have, "\n  "))
			}
		}
	}
	if n == 0 {
		t.Errorf("%s states no expectation", path)
	}
}
