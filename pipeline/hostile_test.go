package pipeline_test

import (
	"bytes"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/hashicorp/hcl/v2"

	"github.com/blueprint-dev/blueprint/cli"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
	"github.com/blueprint-dev/blueprint/verify"
)

// hostileMinimum is how many hostile specs the corpus must hold.
const hostileMinimum = 160

// hostileBudget is how long loading and checking one spec may take; a
// hostile spec must be refused quickly, not ground through.
const hostileBudget = 20 * time.Second

// hostileTools are the validators, found once; "" when one is missing.
type hostileTools struct {
	kubeadm, haproxy, keepalived, iface string
}

// TestHostile runs every spec of testdata/hostile through the whole
// pipeline. A spec that says "# EXPECT: error" must be refused with exactly
// the positioned diagnostics its markers announce, and rendering it must
// leave an existing output folder byte for byte as it was. A spec that says
// "# EXPECT: renders" must render inside the output folder into files that
// kubeadm, haproxy and keepalived accept, that decode strictly, and that hold
// no secrets and no control or invisible characters.
func TestHostile(t *testing.T) {
	cases := hostileCases(t, filepath.Join("testdata", "hostile"))
	if len(cases) < hostileMinimum {
		t.Errorf("testdata/hostile holds %d specs; the corpus needs at least %d", len(cases), hostileMinimum)
	}

	// The folder every refused spec is rendered over: the example, plus a
	// file of the user's that blueprint does not own.
	base := filepath.Join(t.TempDir(), "out")
	if code, errs := runBlueprint("render", "blueprints/ha.hcl", "-o", base); code != cli.ExitOK {
		t.Fatalf("rendering blueprints/ha.hcl: exit %d\n%s", code, errs)
	}
	if err := os.WriteFile(filepath.Join(base, "NOTES.md"), []byte("mine\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	var tools hostileTools
	tools.kubeadm = findTool(t, "kubeadm")
	tools.haproxy = findTool(t, "haproxy")
	if tools.keepalived = findTool(t, "keepalived"); tools.keepalived != "" {
		tools.iface = hostInterface(t)
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			diags, s, ok := loadHostile(t, c)
			if !ok {
				return
			}
			checkDiagnostics(t, c, diags)
			switch c.expect {
			case "error":
				if !diags.HasErrors() {
					t.Fatal("the spec says it is refused, but it validated")
				}
				checkRefused(t, c, base)
			case "renders":
				if diags.HasErrors() || s == nil {
					t.Fatal("the spec says it renders, but it has errors")
				}
				checkRenders(t, c, s, tools)
			}
		})
	}
}

// loadHostile loads and validates a case within the time budget.
func loadHostile(t *testing.T, c *hostileCase) (hcl.Diagnostics, *spec.Spec, bool) {
	t.Helper()
	type result struct {
		diags hcl.Diagnostics
		spec  *spec.Spec
		ok    bool
	}
	done := make(chan result, 1)
	go func() {
		var r result
		r.ok = guarded(t, "loading and validating", func() {
			r.spec, r.diags = spec.NewLoader().Load(c.path, spec.Options{})
			r.diags = validate.Check(r.spec, r.diags)
		})
		done <- r
	}()
	select {
	case r := <-done:
		return r.diags, r.spec, r.ok
	case <-time.After(hostileBudget):
		t.Fatalf("loading and validating took more than %s", hostileBudget)
		return nil, nil, false
	}
}

// runBlueprint runs the command line as a user would, in-process.
func runBlueprint(args ...string) (int, string) {
	var out, errw bytes.Buffer
	code := cli.Main(args, strings.NewReader(""), &out, &errw)
	return code, errw.String()
}

// checkRefused renders a refused spec over a copy of the example's output
// folder: the command must fail with the spec-error exit code, print the
// diagnostics, and leave the folder and its parent exactly as they were.
func checkRefused(t *testing.T, c *hostileCase, base string) {
	t.Helper()
	parent := t.TempDir()
	out := filepath.Join(parent, "out")
	copyTree(t, base, out)
	before := snapshot(t, parent)
	var code int
	var errs string
	if !guarded(t, "blueprint render", func() { code, errs = runBlueprint("render", c.path, "-o", out) }) {
		return
	}
	if code != cli.ExitSpecError {
		t.Errorf("blueprint render: exit %d, want %d\n%s", code, cli.ExitSpecError, errs)
	}
	for _, m := range c.marks {
		if m.sev == hcl.DiagError && !strings.Contains(errs, m.text) {
			t.Errorf("blueprint render does not print %q:\n%s", m.text, errs)
		}
	}
	if d := diffSnapshots(before, snapshot(t, parent)); len(d) > 0 {
		t.Errorf("rendering a refused spec changed the output folder or its parent:\n  %s", strings.Join(d, "\n  "))
	}
}

// checkRenders renders an accepted spec in memory and through the command
// line, then has every validator judge the result.
func checkRenders(t *testing.T, c *hostileCase, s *spec.Spec, tools hostileTools) {
	t.Helper()
	var p *plan.Plan
	var tree render.Tree
	var err error
	if !guarded(t, "plan and render", func() { p = plan.Build(s); tree, err = render.Render(p) }) {
		return
	}
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	for _, name := range tree.Paths() {
		if !filepath.IsLocal(filepath.FromSlash(name)) || path.Clean(name) != name || strings.ContainsAny(name, "\\\x00") || !utf8.ValidString(name) {
			t.Errorf("tree path %q is not a plain path inside the output folder", name)
		}
	}

	// Through the command line, into a folder nested in the test's own, so
	// that a write outside the output folder shows in the walk below.
	root := t.TempDir()
	out := filepath.Join(root, "a", "b", "out")
	if code, errs := runBlueprint("render", c.path, "-o", out); code != cli.ExitOK {
		t.Fatalf("blueprint render: exit %d\n%s", code, errs)
	}
	written := 0
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		switch {
		case p == root || p == filepath.Join(root, "a") || p == filepath.Join(root, "a", "b") || p == out:
			return nil
		case !filepath.IsLocal(rel):
			t.Errorf("blueprint render wrote %s, outside the output folder", p)
		case d.Type()&fs.ModeSymlink != 0:
			t.Errorf("blueprint render wrote a symbolic link %s", p)
		case d.Type().IsRegular() && filepath.ToSlash(rel) != render.ManifestName:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if want, ok := tree[filepath.ToSlash(rel)]; !ok || !bytes.Equal(b, want) {
				t.Errorf("%s differs from the in-memory rendering", rel)
			}
			written++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if written != len(tree) {
		t.Errorf("blueprint render wrote %d files, the tree has %d", written, len(tree))
	}

	checkTree(t, p, tree, tools)
}

// checkTree has every validator judge a rendered tree: the output checks,
// the static pods' strict decoding, the secret scan, kubeadm, haproxy and
// keepalived, and verify's allow-lists (verify must accept everything
// blueprint renders, or it would refuse a user's own tree).
func checkTree(t *testing.T, p *plan.Plan, tree render.Tree, tools hostileTools) {
	t.Helper()
	checkOutputText(t, tree)
	checkStaticPods(t, tree)
	checkSecrets(t, tree)
	checkValidators(t, p, tree, tools)
	for _, r := range verify.Refusals(tree) {
		t.Errorf("verify refuses the rendered tree: %s", r)
	}
}

// allTools finds every validator checkTree runs.
func allTools(t *testing.T) hostileTools {
	t.Helper()
	var tools hostileTools
	tools.kubeadm = findTool(t, "kubeadm")
	tools.haproxy = findTool(t, "haproxy")
	if tools.keepalived = findTool(t, "keepalived"); tools.keepalived != "" {
		tools.iface = hostInterface(t)
	}
	return tools
}

// checkOutputText asserts that every rendered file is UTF-8 without
// control or invisible characters, and that every YAML document parses.
func checkOutputText(t *testing.T, tree render.Tree) {
	t.Helper()
	for _, name := range tree.Paths() {
		b := tree[name]
		if !utf8.Valid(b) {
			t.Errorf("%s is not valid UTF-8", name)
			continue
		}
		for i, r := range string(b) {
			if unsafeRune(r) {
				t.Errorf("%s holds %U at byte %d", name, r, i)
				break
			}
		}
		if strings.HasSuffix(name, ".md") {
			sourceCellCounts(t, name, string(b))
		}
		if strings.HasSuffix(name, ".yaml") {
			for i, doc := range strings.Split(string(b), "\n---\n") {
				var v any
				if err := yaml.Unmarshal([]byte(doc), &v); err != nil {
					t.Errorf("%s, document %d: %v", name, i+1, err)
				}
			}
		}
	}
}

func checkStaticPods(t *testing.T, tree render.Tree) {
	t.Helper()
	for _, name := range tree.Paths() {
		if !strings.HasPrefix(name, "loadbalancer/static-pods/") {
			continue
		}
		var pod corev1.Pod
		if err := yaml.UnmarshalStrict(tree[name], &pod); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func checkSecrets(t *testing.T, tree render.Tree) {
	t.Helper()
	for _, name := range tree.Paths() {
		for what, re := range secretShapes {
			if loc := re.FindIndex(tree[name]); loc != nil {
				t.Errorf("%s holds a %s: %q", name, what, tree[name][loc[0]:loc[1]])
			}
		}
	}
}

// checkValidators runs kubeadm config validate on every kubeadm config
// (with the install-time secrets filled in), haproxy -c, and keepalived -t
// on every host's config, as TestKubeadmAcceptsConfigs and its neighbours
// do for the examples.
func checkValidators(t *testing.T, p *plan.Plan, tree render.Tree, tools hostileTools) {
	t.Helper()
	dir := writeTree(t, tree, verify.Fill)
	if tools.kubeadm != "" {
		for _, name := range kubeadmFiles(tree) {
			out, err := runTool(tools.kubeadm, "config", "validate", "--config", filepath.Join(dir, name))
			if err != nil || !strings.Contains(out, "ok") {
				t.Errorf("kubeadm config validate %s: %v\n%s", name, err, out)
			}
		}
	}
	if !p.LB.Managed {
		return
	}
	if tools.haproxy != "" {
		out, err := runTool(tools.haproxy, "-c", "-f", filepath.Join(dir, "loadbalancer/haproxy.cfg"))
		if err != nil || !strings.Contains(out, "Configuration file is valid") {
			t.Errorf("haproxy -c: %v\n%s", err, out)
		}
	}
	if tools.keepalived != "" && p.LB.Keepalived {
		script := filepath.Join(dir, "loadbalancer/check_apiserver.sh")
		if err := os.Chmod(script, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, peer := range p.LB.Peers {
			name := "loadbalancer/keepalived/" + peer.Name + ".conf"
			conf := strings.ReplaceAll(string(tree[name]), "interface "+p.LB.Interface+"\n", "interface "+tools.iface+"\n")
			conf = strings.ReplaceAll(conf, "dev "+p.LB.Interface+"\n", "dev "+tools.iface+"\n")
			conf = strings.ReplaceAll(conf, plan.CheckScriptPath, script)
			file := filepath.Join(dir, name)
			if err := os.WriteFile(file, []byte(conf), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := runTool(tools.keepalived, "-t", "-f", file)
			if err != nil || strings.TrimSpace(out) != "" {
				t.Errorf("keepalived -t %s: %v\n%s", name, err, out)
			}
		}
	}
}
