package rehearse

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

// load plans and renders a spec of blueprints/.
func load(t *testing.T, name string) (*plan.Plan, render.Tree) {
	t.Helper()
	path := filepath.Join("..", "blueprints", name)
	s, diags := spec.NewLoader().Load(path, spec.Options{})
	if s != nil {
		diags = append(diags, validate.Spec(s)...)
	}
	if diags.HasErrors() {
		t.Fatalf("%s: %v", path, diags)
	}
	p := plan.Build(s)
	tree, err := render.Render(p)
	if err != nil {
		t.Fatal(err)
	}
	return p, tree
}

// needRehearse skips without what a rehearsal needs (fails under CI=true).
func needRehearse(t *testing.T, p *plan.Plan) {
	t.Helper()
	if m := Missing(p, nil); len(m) > 0 {
		msg := "a rehearsal needs: " + strings.Join(m, "; ")
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg + " (CI=true makes this a failure)")
	}
}

// logWriter sends progress lines to the test log.
type logWriter struct {
	t  *testing.T
	mu sync.Mutex
}

func (w *logWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

func TestRehearseBringUp(t *testing.T) {
	if os.Getenv("BLUEPRINT_REHEARSE_DEV") == "" {
		t.Skip("development run")
	}
	p, tree := load(t, "ha.hcl")
	needRehearse(t, p)
	r, err := Run(context.Background(), p, tree, Options{Progress: &logWriter{t: t}, Drills: []string{}, NoRestore: true, Keep: true})
	var out bytes.Buffer
	r.WriteText(&out)
	t.Log(out.String())
	if err != nil {
		t.Fatal(err)
	}
}

func TestRehearseDev(t *testing.T) {
	if os.Getenv("BLUEPRINT_REHEARSE_DEV") == "" {
		t.Skip("development run")
	}
	spec := os.Getenv("BLUEPRINT_REHEARSE_DEV_SPEC")
	if spec == "" {
		spec = "ha.hcl"
	}
	p, tree := load(t, spec)
	needRehearse(t, p)
	var drills []string
	if d := os.Getenv("BLUEPRINT_REHEARSE_DEV_DRILLS"); d != "" {
		drills = strings.Split(d, ",")
	}
	r, err := Run(context.Background(), p, tree, Options{Progress: &logWriter{t: t}, Drills: drills, NoRestore: os.Getenv("BLUEPRINT_REHEARSE_DEV_NORESTORE") != "", Keep: true})
	var out bytes.Buffer
	r.WriteText(&out)
	t.Log(out.String())
	if err != nil {
		t.Fatal(err)
	}
}
