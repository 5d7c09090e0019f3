package pipeline_test

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/internal/manifest"
)

// TestGitOps checks the Argo CD and Flux objects: one per component of the
// manifests tree, pointing at that component's folder, with namespaces
// applied before anything that needs them. Argo CD Applications applied with
// kubectl all sync at once (sync waves order them only under a parent
// Application), and automated sync does not retry a failed commit, so each
// Application must carry a retry policy.
func TestGitOps(t *testing.T) {
	checked := 0
	for _, ex := range examples(t) {
		g := ex.plan.Services.GitOps
		if g == nil {
			continue
		}
		checked++
		built := builtManifests(t, ex)["gitops"]
		docs, err := manifest.Split(built)
		if err != nil {
			t.Fatal(err)
		}
		type object struct {
			Kind     string
			Metadata struct {
				Name        string
				Annotations map[string]string
			}
			Spec struct {
				Path       string
				Source     struct{ Path string }
				DependsOn  []struct{ Name string } `json:"dependsOn"`
				SecretRef  *struct{ Name string }  `json:"secretRef"`
				SyncPolicy struct {
					Retry *struct{ Limit int } `json:"retry"`
				} `json:"syncPolicy"`
			}
		}
		paths := map[string]string{} // object name → folder it applies
		waves := map[string]string{}
		deps := map[string][]string{}
		for _, d := range docs {
			var o object // only the fields checked below
			if err := yaml.Unmarshal(d, &o); err != nil {
				t.Fatalf("%s: %v", ex.name, err)
			}
			switch o.Kind {
			case "Application":
				paths[o.Metadata.Name] = o.Spec.Source.Path
				waves[o.Metadata.Name] = o.Metadata.Annotations["argocd.argoproj.io/sync-wave"]
				if r := o.Spec.SyncPolicy.Retry; r == nil || r.Limit <= 0 {
					t.Errorf("%s: Application %s has no sync retry: synced before its namespace exists, it fails and stays failed", ex.name, o.Metadata.Name)
				}
			case "GitRepository":
				if g.SSH && (o.Spec.SecretRef == nil || o.Spec.SecretRef.Name != g.Secret) {
					t.Errorf("%s: GitRepository for %s needs secretRef %q for its deploy key", ex.name, g.RepoURL, g.Secret)
				}
				if g.SSH {
					listed := false
					for _, sec := range ex.plan.Services.Secrets() {
						listed = listed || (sec.Namespace == "flux-system" && sec.Name == g.Secret)
					}
					if !listed {
						t.Errorf("%s: the deploy key Secret %s is not in ARCHITECTURE.md's Secrets table", ex.name, g.Secret)
					}
				}
			case "Kustomization":
				paths[o.Metadata.Name] = o.Spec.Path
				for _, dep := range o.Spec.DependsOn {
					deps[o.Metadata.Name] = append(deps[o.Metadata.Name], dep.Name)
				}
			}
		}
		comps := ex.plan.Services.Components()
		if len(paths) != len(comps) {
			t.Errorf("%s: %d %s objects for %d components", ex.name, len(paths), g.Tool, len(comps))
		}
		nsApp := ex.plan.Name + "-namespaces"
		for _, c := range comps {
			name := ex.plan.Name + "-" + c.Dir
			want := g.Path + "/manifests/" + c.Dir
			if g.Tool == "flux" {
				want = "./" + want
			}
			if paths[name] != want {
				t.Errorf("%s: %s object %s applies %q, want %q", ex.name, g.Tool, name, paths[name], want)
			}
			if c.Dir == "namespaces" {
				continue
			}
			switch g.Tool {
			case "argocd":
				if waves[name] <= waves[nsApp] {
					t.Errorf("%s: %s has sync wave %q, not after the namespaces' %q", ex.name, name, waves[name], waves[nsApp])
				}
			case "flux":
				if !slices.Contains(deps[name], nsApp) {
					t.Errorf("%s: %s does not depend on %s", ex.name, name, nsApp)
				}
			}
		}
	}
	if checked < 2 {
		t.Errorf("want an Argo CD and a Flux example in blueprints/, checked %d", checked)
	}
}

// TestGitOpsNeverPrunesVolumes: Argo CD and Flux prune what leaves the
// repository, and deleting a Namespace deletes every claim in it (and, with
// a class that deletes, the volumes). So every Namespace and every
// PersistentVolumeClaim of a GitOps example carries the tool's "never
// prune" annotation, and the data workloads of the examples keep their
// volumes when a claim goes (reclaimPolicy Retain). Fails on the output
// before this test: no annotation anywhere, and data-platform's local-nvme
// deleted volumes with their claims.
func TestGitOpsNeverPrunesVolumes(t *testing.T) {
	keep := map[string][2]string{
		"argocd": {"argocd.argoproj.io/sync-options", "Prune=false"},
		"flux":   {"kustomize.toolkit.fluxcd.io/prune", "disabled"},
	}
	checked := map[string]int{}
	for _, ex := range examples(t) {
		objs := rootObjects(t, ex)
		classes := map[string]*storagev1.StorageClass{}
		for _, o := range objs {
			if sc, ok := o.Object.(*storagev1.StorageClass); ok {
				classes[sc.Name] = sc
			}
		}
		data := map[string]string{} // workload → its volumes' class
		if k := ex.plan.Workloads.Kafka; k != nil {
			data["Kafka"] = k.StorageClass
		}
		if h := ex.plan.Workloads.HDFS; h != nil {
			data["HDFS"] = h.StorageClass
		}
		for what, class := range data {
			sc := classes[class]
			if sc == nil {
				t.Fatalf("%s: %s's storage class %s is not rendered", ex.name, what, class)
			}
			if sc.Provisioner != "kubernetes.io/no-provisioner" && (sc.ReclaimPolicy == nil || *sc.ReclaimPolicy != corev1.PersistentVolumeReclaimRetain) {
				t.Errorf("%s: %s's storage class %s deletes its volumes with their claims; want reclaimPolicy Retain", ex.name, what, class)
			}
			checked["data classes"]++
		}
		g := ex.plan.Services.GitOps
		if g == nil {
			continue
		}
		want, ok := keep[g.Tool]
		if !ok {
			t.Fatalf("%s: no never-prune annotation known for %s", ex.name, g.Tool)
		}
		for _, o := range objs {
			if o.GVK.Kind != "Namespace" && o.GVK.Kind != "PersistentVolumeClaim" {
				continue
			}
			checked[o.GVK.Kind]++
			m, err := meta.Accessor(o.Object)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := m.GetAnnotations()[want[0]]; !ok || got != want[1] {
				t.Errorf("%s: %s has %s: %q, want %q: %s prunes it with everything in it", ex.name, o, want[0], got, want[1], g.Tool)
			}
		}
	}
	for _, kind := range []string{"Namespace", "PersistentVolumeClaim", "data classes"} {
		if checked[kind] == 0 {
			t.Errorf("no %s checked in blueprints/: the test proves nothing for it", kind)
		}
	}
}
