package pipeline_test

import (
	"bytes"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/blueprint-dev/blueprint/internal/manifest"
	"github.com/blueprint-dev/blueprint/render"
)

// builtManifests builds every kustomization of an example's tree.
func builtManifests(t *testing.T, ex example) map[string][]byte {
	t.Helper()
	dirs := render.KustomizationDirs(ex.tree)
	built, err := render.BuildKustomizations(ex.tree, dirs)
	if err != nil {
		t.Fatalf("%s: %v", ex.name, err)
	}
	return built
}

// rootObjects strict-decodes everything the root kustomization builds.
func rootObjects(t *testing.T, ex example) []manifest.Object {
	t.Helper()
	built := builtManifests(t, ex)
	root, ok := built["manifests"]
	if !ok {
		t.Fatalf("%s: no manifests/kustomization.yaml", ex.name)
	}
	objs, err := manifest.Decode(root)
	if err != nil {
		t.Fatalf("%s: manifests/ does not strict-decode into k8s.io/api types: %v", ex.name, err)
	}
	return objs
}

// TestManifestsStrictDecode builds every kustomization of every example
// and decodes each object strictly into its k8s.io/api type: an unknown or
// misspelled field, or a kind the API does not serve, fails.
func TestManifestsStrictDecode(t *testing.T) {
	for _, ex := range examples(t) {
		t.Run(ex.name, func(t *testing.T) {
			built := builtManifests(t, ex)
			if len(built) == 0 {
				t.Fatalf("%s renders no manifests tree; every example turns cluster services on", ex.name)
			}
			for dir, y := range built {
				if strings.HasPrefix(dir, "gitops") {
					continue // Argo CD and Flux kinds are not in k8s.io/api; TestGitOps checks them
				}
				objs, err := manifest.Decode(y)
				if err != nil {
					t.Errorf("%s: %v", dir, err)
				}
				if len(objs) == 0 {
					t.Errorf("%s builds to nothing", dir)
				}
			}
		})
	}
}

// TestManifestsKubectlKustomize builds the written tree with kubectl's own
// kustomize as a second opinion, and expects the same objects.
func TestManifestsKubectlKustomize(t *testing.T) {
	kubectl := tool(t, "kubectl")
	for _, ex := range examples(t) {
		dir := t.TempDir()
		if err := render.Write(dir, ex.tree); err != nil {
			t.Fatal(err)
		}
		built := builtManifests(t, ex)
		for d, want := range built {
			out, err := exec.Command(kubectl, "kustomize", filepath.Join(dir, d)).CombinedOutput()
			if err != nil {
				t.Errorf("%s: kubectl kustomize %s: %v\n%s", ex.name, d, err, out)
				continue
			}
			if got, exp := bytes.Count(out, []byte("\nkind: ")), bytes.Count(want, []byte("\nkind: ")); got != exp {
				t.Errorf("%s: kubectl kustomize %s built %d objects, kustomize/api %d", ex.name, d, got, exp)
			}
		}
	}
}

// TestManifestsHardening checks what every workload must have: requests and
// limits, non-root, no privilege escalation, pinned images, and spread and
// anti-affinity selectors that select the workload's own pods.
func TestManifestsHardening(t *testing.T) {
	for _, ex := range examples(t) {
		for _, o := range rootObjects(t, ex) {
			if o.GVK.Kind == "Secret" {
				t.Errorf("%s: %s: the output must never contain a Secret", ex.name, o)
			}
			tmpl, replicas := manifest.PodTemplate(o.Object)
			if tmpl == nil {
				continue
			}
			checkPod(t, ex.name+": "+o.String(), tmpl, replicas)
		}
	}
}

// rootAllowed names the workloads that must run as root, and why.
var rootAllowed = map[string]string{
	"etcd-backup": "reads etcd's client key, which kubeadm writes mode 0600 for root, and writes root-owned snapshots on the host",
}

func checkPod(t *testing.T, what string, tmpl *corev1.PodTemplateSpec, replicas int32) {
	t.Helper()
	own := labels.Set(tmpl.Labels)
	containers := append(append([]corev1.Container{}, tmpl.Spec.InitContainers...), tmpl.Spec.Containers...)
	for _, c := range containers {
		if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
			t.Errorf("%s: container %s needs cpu and memory requests and a memory limit", what, c.Name)
		}
		if !pinned(c.Image) {
			t.Errorf("%s: container %s image %q is not pinned to a version", what, c.Name, c.Image)
		}
		sc := c.SecurityContext
		if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Errorf("%s: container %s must set allowPrivilegeEscalation: false", what, c.Name)
		}
		if sc != nil && sc.Privileged != nil && *sc.Privileged {
			t.Errorf("%s: container %s is privileged", what, c.Name)
		}
		nonRoot := (sc != nil && sc.RunAsNonRoot != nil && *sc.RunAsNonRoot) ||
			(tmpl.Spec.SecurityContext != nil && tmpl.Spec.SecurityContext.RunAsNonRoot != nil && *tmpl.Spec.SecurityContext.RunAsNonRoot)
		if !nonRoot && rootAllowed[own["app.kubernetes.io/name"]] == "" {
			t.Errorf("%s: container %s must run as non-root", what, c.Name)
		}
	}
	for _, sc := range tmpl.Spec.TopologySpreadConstraints {
		checkSelector(t, what, "topology spread on "+sc.TopologyKey, sc.LabelSelector, own)
	}
	if aff := tmpl.Spec.Affinity; aff != nil && aff.PodAntiAffinity != nil {
		for _, term := range aff.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
			checkSelector(t, what, "anti-affinity on "+term.TopologyKey, term.LabelSelector, own)
		}
		for _, w := range aff.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			checkSelector(t, what, "preferred anti-affinity on "+w.PodAffinityTerm.TopologyKey, w.PodAffinityTerm.LabelSelector, own)
		}
	}
	if replicas > 1 {
		zoneSpread := false
		for _, sc := range tmpl.Spec.TopologySpreadConstraints {
			zoneSpread = zoneSpread || sc.TopologyKey == "topology.kubernetes.io/zone"
		}
		if !zoneSpread {
			t.Errorf("%s: %d replicas but no topology spread over topology.kubernetes.io/zone", what, replicas)
		}
	}
}

func checkSelector(t *testing.T, what, where string, ls *metav1.LabelSelector, own labels.Set) {
	t.Helper()
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil || ls == nil || sel.Empty() || !sel.Matches(own) {
		t.Errorf("%s: %s selector %v does not select the pod template's own labels %v", what, where, ls, own)
	}
}

// pinned accepts a tag other than latest, or a digest.
func pinned(image string) bool {
	if strings.Contains(image, "@sha256:") {
		return true
	}
	tag := path.Base(image)
	i := strings.LastIndex(tag, ":")
	return i > 0 && tag[i+1:] != "latest" && tag[i+1:] != ""
}
