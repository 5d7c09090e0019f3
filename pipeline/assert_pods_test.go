package pipeline_test

import (
	"path"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// The one set of pod assertions every component test applies to the pod
// templates it renders (Deployments, StatefulSets, DaemonSets, Jobs):
// requests and a memory limit, pinned images, no privilege escalation,
// non-root unless rootAllowed says why, selectors of spread and
// anti-affinity that select the pod itself, and zone spread for more than
// one replica. The network-policy assertions are in assert_policies_test.go.

// rootAllowed names the workloads that must run as root, and why.
var rootAllowed = map[string]string{
	"etcd-backup": "reads etcd's client key, which kubeadm writes mode 0600 for root, and writes root-owned snapshots on the host",
}

// checkPod applies the assertions above to one pod template.
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
