package controlplane

import (
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// testNodes: zones a and b, two workers each, and a tainted node in a.
func testNodes() []corev1.Node {
	node := func(name, zone string, taints ...corev1.Taint) corev1.Node {
		return corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
				corev1.LabelHostname: name, corev1.LabelTopologyZone: zone, "pool": "general"}},
			Spec: corev1.NodeSpec{Taints: taints},
		}
	}
	return []corev1.Node{
		node("a1", "a"), node("a2", "a"), node("b1", "b"), node("b2", "b"),
		node("gpu", "a", corev1.Taint{Key: "gpu", Value: "true", Effect: corev1.TaintEffectNoSchedule}),
	}
}

func testPod(name, node string, mutate func(*corev1.PodSpec)) corev1.Pod {
	p := corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID(name), Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{NodeName: node, NodeSelector: map[string]string{"pool": "general"}},
	}
	if mutate != nil {
		mutate(&p.Spec)
	}
	return p
}

func antiAffinity(s *corev1.PodSpec) {
	s.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			TopologyKey:   corev1.LabelHostname,
		}},
	}}
}

func zoneSpread(s *corev1.PodSpec) {
	s.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{
		MaxSkew: 1, TopologyKey: corev1.LabelTopologyZone, WhenUnsatisfiable: corev1.DoNotSchedule,
		LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
	}}
}

func check(kind string, pods ...corev1.Pod) []string {
	cl := Cluster{Nodes: testNodes(), Pods: pods}
	return CheckPlacement(cl, []Workload{{Kind: kind, Namespace: "ns", Name: "web", Desired: len(pods), Pods: pods}})
}

func TestCheckPlacement(t *testing.T) {
	both := func(s *corev1.PodSpec) { antiAffinity(s); zoneSpread(s) }
	tolerateGPU := func(s *corev1.PodSpec) {
		s.NodeSelector = nil
		s.Tolerations = []corev1.Toleration{{Key: "gpu", Operator: corev1.TolerationOpExists}}
	}
	for _, tc := range []struct {
		name string
		kind string
		pods []corev1.Pod
		want string // a substring of the one violation expected; "" for none
	}{
		{"spread and anti-affinity honoured", "Deployment",
			[]corev1.Pod{testPod("p1", "a1", both), testPod("p2", "b1", both), testPod("p3", "a2", both)}, ""},
		{"two pods on one host", "Deployment",
			[]corev1.Pod{testPod("p1", "a1", antiAffinity), testPod("p2", "a1", antiAffinity)},
			"required anti-affinity over kubernetes.io/hostname broken by pod ns/p"},
		{"skew above maxSkew", "StatefulSet",
			[]corev1.Pod{testPod("p1", "a1", zoneSpread), testPod("p2", "a2", zoneSpread), testPod("p3", "a1", zoneSpread)},
			"topology spread over topology.kubernetes.io/zone has skew 3 (counts a=3 b=0)"},
		{"a zone left out", "Deployment",
			[]corev1.Pod{testPod("p1", "a1", nil), testPod("p2", "a2", nil)},
			"2 replicas, yet no pod in zone b"},
		{"nodeSelector not met", "Deployment",
			[]corev1.Pod{testPod("p1", "a1", func(s *corev1.PodSpec) { s.NodeSelector["disk"] = "ssd" })},
			"nodeSelector disk=ssd not met"},
		{"taint not tolerated", "Deployment",
			[]corev1.Pod{testPod("p1", "gpu", func(s *corev1.PodSpec) { s.NodeSelector = nil })},
			"does not tolerate taint gpu=true:NoSchedule"},
		{"required node affinity not met", "Deployment",
			[]corev1.Pod{testPod("p1", "b1", func(s *corev1.PodSpec) {
				s.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
					RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
						MatchExpressions: []corev1.NodeSelectorRequirement{{Key: corev1.LabelTopologyZone, Operator: corev1.NodeSelectorOpIn, Values: []string{"a"}}},
					}}},
				}}
			})},
			"no term of its required node affinity matches"},
		{"DaemonSet on every node it may use", "DaemonSet",
			[]corev1.Pod{testPod("d1", "a1", tolerateGPU), testPod("d2", "a2", tolerateGPU), testPod("d3", "b1", tolerateGPU),
				testPod("d4", "b2", tolerateGPU), testPod("d5", "gpu", tolerateGPU)}, ""},
		{"DaemonSet missing a node", "DaemonSet",
			[]corev1.Pod{testPod("d1", "a1", tolerateGPU), testPod("d2", "a2", tolerateGPU), testPod("d3", "b1", tolerateGPU),
				testPod("d4", "b2", tolerateGPU)},
			"0 pods on node gpu, which it may use; want 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := check(tc.kind, tc.pods...)
			if tc.want == "" {
				if len(got) > 0 {
					t.Errorf("violations %q, want none", got)
				}
				return
			}
			if len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), tc.want) {
				t.Errorf("violations %q, want one saying %q", got, tc.want)
			}
		})
	}
}

func TestTolerates(t *testing.T) {
	taint := corev1.Taint{Key: "k", Value: "v", Effect: corev1.TaintEffectNoSchedule}
	for _, tc := range []struct {
		tol  corev1.Toleration
		want bool
	}{
		{corev1.Toleration{Key: "k", Value: "v"}, true},
		{corev1.Toleration{Key: "k", Value: "v", Effect: corev1.TaintEffectNoSchedule}, true},
		{corev1.Toleration{Key: "k", Value: "v", Effect: corev1.TaintEffectNoExecute}, false},
		{corev1.Toleration{Key: "k", Value: "w"}, false},
		{corev1.Toleration{Key: "k", Operator: corev1.TolerationOpExists}, true},
		{corev1.Toleration{Operator: corev1.TolerationOpExists}, true},
		{corev1.Toleration{Key: "other", Operator: corev1.TolerationOpExists}, false},
	} {
		if got := tolerates([]corev1.Toleration{tc.tol}, taint); got != tc.want {
			t.Errorf("%s tolerates %v = %v, want %v", fmt.Sprintf("%+v", tc.tol), taint, got, tc.want)
		}
	}
}
