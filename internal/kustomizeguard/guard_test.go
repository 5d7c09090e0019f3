package kustomizeguard

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/types"
)

// TestRenderedKustomizationsAreLocal: every kustomization blueprint writes
// passes the scan.
func TestRenderedKustomizationsAreLocal(t *testing.T) {
	files := map[string][]byte{}
	err := filepath.WalkDir("../../out", func(p string, d fs.DirEntry, err error) error {
		if err != nil || !IsKustomization(p) {
			return err
		}
		b, err := os.ReadFile(p)
		files[filepath.ToSlash(p)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("only %d kustomization files under out/", len(files))
	}
	for _, f := range Scan(files) {
		t.Errorf("%s", f)
	}
}

func TestRemoteReferencesAreRefused(t *testing.T) {
	for _, tc := range []struct {
		body, field string
		line        int
	}{
		{"resources:\n- https://example.com/x.yaml\n", "resources", 2},
		{"resources:\n- ok.yaml\n- http://127.0.0.1:8080/x.yaml\n", "resources", 3},
		{"resources:\n- git::https://example.com/org/repo.git\n", "resources", 2},
		{"resources:\n- github.com/org/repo//deploy?ref=v1\n", "resources", 2},
		{"resources:\n- GitHub.com/org/repo\n", "resources", 2},
		{"resources:\n- git@github.com:org/repo\n", "resources", 2},
		{"resources:\n- ssh://git@example.com/org/repo\n", "resources", 2},
		{"resources:\n- file:///etc/repo\n", "resources", 2},
		{"resources:\n- org/repo?ref=main\n", "resources", 2},
		{"resources:\n- /etc/kubernetes\n", "resources", 2},
		{"resources:\n- a/b..c\n", "resources", 2},
		{"bases:\n- https://example.com/base\n", "bases", 2},
		{"components:\n- https://example.com/c\n", "components", 2},
		{"crds:\n- https://example.com/crd.yaml\n", "crds", 2},
		{"configurations:\n- https://example.com/c.yaml\n", "configurations", 2},
		{"patchesStrategicMerge:\n- https://example.com/p.yaml\n", "patchesStrategicMerge", 2},
		{"patches:\n- path: https://example.com/p.yaml\n", "patches[].path", 2},
		{"patchesJson6902:\n- path: https://example.com/p.yaml\n", "patchesJson6902[].path", 2},
		{"replacements:\n- path: https://example.com/r.yaml\n", "replacements[].path", 2},
		{"openapi:\n  path: https://example.com/o.json\n", "openapi.path", 2},
		{"configMapGenerator:\n- name: x\n  files:\n  - key=https://example.com/f\n", "configMapGenerator[].files", 4},
		{"configMapGenerator:\n- name: x\n  envs: [https://example.com/e]\n", "configMapGenerator[].envs", 3},
		{"secretGenerator:\n- name: x\n  env: https://example.com/e\n", "secretGenerator[].env", 3},
		{"helmCharts:\n- name: x\n", "helmCharts", 1},
		{"helmGlobals: {chartHome: charts}\n", "helmGlobals", 1},
		{"helmChartInflationGenerator:\n- chartName: x\n", "helmChartInflationGenerator", 1},
		{"generators:\n- gen.yaml\n", "generators", 1},
		{"transformers:\n- |\n  apiVersion: builtin\n  kind: PatchTransformer\n  path: https://example.com/p\n", "transformers", 1},
		{"validators:\n- v.yaml\n", "validators", 1},
		// kustomize matches field names without regard to case.
		{"RESOURCES:\n- https://example.com/x.yaml\n", "resources", 2},
		{"ConfigMapGenerator:\n- name: x\n  FILES: [https://example.com/f]\n", "configMapGenerator[].files", 3},
		// YAML anchors resolve as kustomize resolves them.
		{"x: &u https://example.com/x.yaml\nresources: [*u]\n", "resources", 1},
	} {
		t.Run(tc.body, func(t *testing.T) {
			found := Scan(map[string][]byte{"m/kustomization.yaml": []byte(tc.body)})
			if len(found) != 1 || found[0].Field != tc.field || found[0].Path != "m/kustomization.yaml" {
				t.Fatalf("want one finding in %s, got %v", tc.field, found)
			}
			if tc.line != 0 && found[0].Line != tc.line {
				t.Errorf("line %d, want %d: %s", found[0].Line, tc.line, found[0])
			}
			if err := Check(map[string][]byte{"m/kustomization.yaml": []byte(tc.body)}); err == nil || !strings.Contains(err.Error(), found[0].String()) {
				t.Errorf("Check: %v", err)
			}
		})
	}
}

func TestEveryKustomizationFileIsScanned(t *testing.T) {
	remote := []byte("resources: [https://example.com/x.yaml]\n")
	files := map[string][]byte{
		"a/kustomization.yaml": remote, "b/kustomization.yml": remote, "c/Kustomization": remote,
		"d/KUSTOMIZATION.YAML": remote, "e/other.yaml": remote,
	}
	var got []string
	for _, f := range Scan(files) {
		got = append(got, f.Path)
	}
	if strings.Join(got, " ") != "a/kustomization.yaml b/kustomization.yml c/Kustomization d/KUSTOMIZATION.YAML" {
		t.Errorf("scanned %v", got)
	}
}

func TestLocalReferencesAreAccepted(t *testing.T) {
	body := `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: monitoring
resources:
- rbac.yaml
- ../base
- ./sub/dir
- gitlab.com/not-a-repo-but-a-folder
configMapGenerator:
- name: prometheus-config
  files:
  - prometheus.yml
  - renamed.yml=etcd.rules.yml
  literals:
  - url=https://example.com/data-is-fine
patchesStrategicMerge:
- |
  apiVersion: v1
  kind: ConfigMap
  metadata: {name: x, annotations: {link: "https://example.com"}}
labels:
- pairs: {homepage: https-example}
`
	if found := Scan(map[string][]byte{"kustomization.yaml": []byte(body)}); len(found) != 0 {
		t.Errorf("local references refused: %v", found)
	}
}

// TestOptionsKeepBuildsLocal: the krusty options load only below the
// kustomization's root and run no plugin, function or helm.
func TestOptionsKeepBuildsLocal(t *testing.T) {
	o := Options()
	pc := o.PluginConfig
	if o.LoadRestrictions != types.LoadRestrictionsRootOnly || pc == nil || pc.PluginRestrictions != types.PluginRestrictionsBuiltinsOnly ||
		pc.HelmConfig.Enabled || pc.FnpLoadingOptions.EnableExec || pc.FnpLoadingOptions.Network || len(pc.FnpLoadingOptions.Mounts) > 0 {
		t.Errorf("options %+v, plugins %+v", o, pc)
	}
}
