package e2e

// The operators blueprint installs (Strimzi for kafka.engine = "operator",
// and the others that follow it) make their pods from the custom resources
// of the tree at run time. This suite does not run them: it plays the
// operator's part for placement. For every workload the forecast says an
// operator makes (forecast.Workload.Operator), it creates on the real API
// server what makes those pods the same way (a StatefulSet for pods the
// operator numbers as one, such as a StrimziPodSet's), with the names,
// labels, selector, pod template, claims and count the forecast read from
// the operator's source, so that the real controllers make the pods and
// the real scheduler places them. What that proves: the scheduler agrees
// with the forecast on the operator's pods, as the forecast shapes them;
// the shape (names, labels, placement, volumes) is read from the
// operator's source at its pinned version, not observed from the operator.

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/blueprint-dev/blueprint/forecast"
	"github.com/blueprint-dev/blueprint/internal/controlplane"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
)

// StandInLabel marks what the suite creates in an operator's place (the
// object and its pods); its value names the operator.
const StandInLabel = "e2e.blueprint.dev/operator-stand-in"

// standIn is what the suite creates for one operator-made workload.
type standIn struct {
	w *forecast.Workload
	// kind is the object's kind: the one the pods' controller reads.
	kind string
	obj  controlplane.Object
}

// standIns returns a stand-in for every workload of the forecast an
// operator makes, in the forecast's order. image is the image the stand-in
// pods name (the simulated kubelets run no container; scheduling reads no
// image).
func standIns(t *testing.T, fc *forecast.Forecast, image string) []standIn {
	t.Helper()
	var out []standIn
	for _, w := range fc.Workloads {
		if w.OperatorMade() {
			out = append(out, newStandIn(t, w, image))
		}
	}
	return out
}

// newStandIn makes the object that makes w's pods as its operator would.
func newStandIn(t *testing.T, w *forecast.Workload, image string) standIn {
	t.Helper()
	labels := map[string]string{StandInLabel: w.Operator}
	tmpl := *w.Template.DeepCopy()
	tmpl.Labels = map[string]string{StandInLabel: w.Operator}
	for k, v := range w.Template.Labels {
		tmpl.Labels[k] = v
	}
	// Pod Security's restricted settings, so that the pods pass any level
	// their namespace enforces; none of them plays a part in scheduling.
	tmpl.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsNonRoot: ptr(true), RunAsUser: ptr(int64(1001)),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}}
	for _, ctrs := range [][]corev1.Container{tmpl.Spec.InitContainers, tmpl.Spec.Containers} {
		for i := range ctrs {
			ctrs[i].Image = image
			ctrs[i].SecurityContext = &corev1.SecurityContext{AllowPrivilegeEscalation: ptr(false),
				Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}
		}
	}
	meta := metav1.ObjectMeta{Name: w.Name, Namespace: w.Namespace, Labels: labels}
	replicas := int32(w.Replicas)
	var obj any
	kind := ""
	switch w.Kind {
	case forecast.KindStrimziPodSet, forecast.KindStatefulSet:
		// A StrimziPodSet makes every pod at once, named by node id, each
		// with its claims (data-POD): a StatefulSet with Parallel pod
		// management whose ordinals start at the first id. An operator's
		// own StatefulSet is made as the forecast places it: every pod at
		// once (the forecast does not model OrderedReady).
		kind = forecast.KindStatefulSet
		ss := &appsv1.StatefulSet{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: kind}, ObjectMeta: meta,
			Spec: appsv1.StatefulSetSpec{Replicas: &replicas, Selector: w.Selector, Template: tmpl,
				PodManagementPolicy: appsv1.ParallelPodManagement, VolumeClaimTemplates: w.ClaimTemplates}}
		if w.FirstOrdinal > 0 {
			ss.Spec.Ordinals = &appsv1.StatefulSetOrdinals{Start: int32(w.FirstOrdinal)}
		}
		obj = ss
	case forecast.KindDeployment:
		kind = forecast.KindDeployment
		obj = &appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: kind}, ObjectMeta: meta,
			Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: w.Selector, Template: tmpl}}
	default:
		t.Fatalf("%s (made by %s): the e2e suite has no stand-in for a %s", w, w.Operator, w.Kind)
	}
	return standIn{w: w, kind: kind, obj: toObject(t, obj)}
}

func ptr[T any](v T) *T { return &v }

// liveKind is the kind of the object on the API server whose pods are w's:
// the stand-in's for an operator-made workload, w's own otherwise.
func liveKind(w *forecast.Workload, stands map[*forecast.Workload]standIn) string {
	if s, ok := stands[w]; ok {
		return s.kind
	}
	return w.Kind
}

// treeImage is an image the tree's own workloads run (the first, by name):
// it passes the tree's own image policies, as they do.
func treeImage(t *testing.T, objs []controlplane.Object) string {
	t.Helper()
	var images []string
	for _, o := range controlplane.Select(objs, controlplane.IsWorkload) {
		var w struct {
			Spec struct {
				Template corev1.PodTemplateSpec `json:"template"`
			} `json:"spec"`
		}
		if err := o.Into(&w); err != nil {
			t.Fatalf("%s: %v", o, err)
		}
		for _, c := range w.Spec.Template.Spec.Containers {
			images = append(images, c.Image)
		}
	}
	if len(images) == 0 {
		t.Fatal("the tree runs no workload: no image for the operators' stand-ins")
	}
	sort.Strings(images)
	return images[0]
}

// standInObjects renders a plan's forecast and returns the stand-ins of its
// operator-made workloads as objects, to apply with the tree's.
func standInObjects(t *testing.T, p *plan.Plan, objs []controlplane.Object) []controlplane.Object {
	t.Helper()
	_, fc, err := render.RenderForecast(p, render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(fc.Workloads, (*forecast.Workload).OperatorMade) {
		return nil
	}
	var out []controlplane.Object
	for _, s := range standIns(t, fc, treeImage(t, objs)) {
		out = append(out, s.obj)
	}
	return out
}

// checkStandInPods holds the pods the real controllers made in an
// operator's place to the forecast's: the same names (the operator's, as
// the forecast gives them).
func checkStandInPods(t *testing.T, sc *forecast.Scenario, w *forecast.Workload, got []controlplane.Verdict) {
	t.Helper()
	var want, have []string
	for _, r := range forecastPods(sc, w) {
		want = append(want, r.Pod.Name)
	}
	for _, v := range got {
		have = append(have, v.Pod)
	}
	if w.Kind == forecast.KindDeployment {
		// A Deployment's pods are named by its ReplicaSet's hash and a
		// random suffix: only their number and prefix can agree.
		for _, name := range have {
			if !strings.HasPrefix(name, w.Name+"-") {
				t.Errorf("%s: the stand-in made pod %s", w, name)
			}
		}
		if len(have) != len(want) {
			t.Errorf("%s: the stand-in made %d pods %v, the forecast has %d", w, len(have), have, len(want))
		}
		return
	}
	sort.Strings(want)
	sort.Strings(have)
	if !slices.Equal(want, have) {
		t.Errorf("%s: the stand-in made pods %v, the forecast has %v", w, have, want)
	}
}

// TestStandInStrimzi checks, without a control plane, that the forecast
// and the stand-in name and shape a Kafka cluster's pods on the operator
// engine as Strimzi 1.2.0 does (testdata/workloads/kafka-strimzi.hcl): pods
// CLUSTER-POOL-ID with the ids of the pool's strimzi.io/next-node-ids
// range (controllers from 0, brokers from plan.KafkaBrokerIDBase), claims
// data-POD (persistent-claim storage outside JBOD), selected by Strimzi's
// four selector labels, made all at once, brokers only on nodes with the
// rack label; and that the stand-in is labelled as one.
func TestStandInStrimzi(t *testing.T) {
	p := loadPlan(t, "../testdata/workloads/kafka-strimzi.hcl")
	k := p.Workloads.Kafka
	if k == nil || k.Strimzi == nil {
		t.Fatal("the spec does not put Kafka on the Strimzi engine")
	}
	st := k.Strimzi
	_, fc, err := render.RenderForecast(p, render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	stands := standIns(t, fc, "registry.example/kafka:1")
	pools := map[string]struct {
		first, replicas int
		broker          bool
	}{
		st.Cluster + "-" + st.ControllerPool: {0, k.Controllers, false},
		st.Cluster + "-" + st.BrokerPool:     {plan.KafkaBrokerIDBase, k.Brokers, true},
	}
	if len(stands) != len(pools) {
		t.Fatalf("%d stand-ins, want one per node pool (%d)", len(stands), len(pools))
	}
	for _, s := range stands {
		pool, ok := pools[s.w.Name]
		if !ok {
			t.Errorf("stand-in for %s, which is no node pool's StrimziPodSet", s.w)
			continue
		}
		var want, got []string
		for i := 0; i < pool.replicas; i++ {
			want = append(want, fmt.Sprintf("%s-%d", s.w.Name, pool.first+i))
		}
		for _, r := range forecastPods(fc.Intact, s.w) {
			got = append(got, r.Pod.Name)
		}
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: the forecast names its pods %v, Strimzi %v", s.w, got, want)
		}

		var ss appsv1.StatefulSet
		if err := s.obj.Into(&ss); err != nil {
			t.Fatal(err)
		}
		start := int32(0)
		if ss.Spec.Ordinals != nil {
			start = ss.Spec.Ordinals.Start
		}
		if s.kind != "StatefulSet" || ss.Name != s.w.Name || ss.Namespace != k.Namespace || int(start) != pool.first ||
			ss.Spec.Replicas == nil || int(*ss.Spec.Replicas) != pool.replicas || ss.Spec.PodManagementPolicy != appsv1.ParallelPodManagement {
			t.Errorf("%s: stand-in %s %s/%s, ordinals from %d, replicas %v, %s pod management; want StatefulSet %s/%s from %d, %d replicas, Parallel",
				s.w, s.kind, ss.Namespace, ss.Name, start, ss.Spec.Replicas, ss.Spec.PodManagementPolicy, k.Namespace, s.w.Name, pool.first, pool.replicas)
		}
		if len(ss.Spec.VolumeClaimTemplates) != 1 || ss.Spec.VolumeClaimTemplates[0].Name != "data" {
			t.Errorf("%s: claim templates %v, want one named data (claims data-POD)", s.w, ss.Spec.VolumeClaimTemplates)
		} else if c := ss.Spec.VolumeClaimTemplates[0].Spec; c.StorageClassName == nil || *c.StorageClassName != k.StorageClass {
			t.Errorf("%s: claims of class %v, want %s", s.w, c.StorageClassName, k.StorageClass)
		}
		selector := map[string]string{"strimzi.io/cluster": st.Cluster, "strimzi.io/name": st.Cluster + "-kafka",
			"strimzi.io/kind": "Kafka", "strimzi.io/pool-name": strings.TrimPrefix(s.w.Name, st.Cluster+"-")}
		if ss.Spec.Selector == nil || !maps.Equal(ss.Spec.Selector.MatchLabels, selector) {
			t.Errorf("%s: selector %v, want Strimzi's %v", s.w, ss.Spec.Selector, selector)
		}
		if ss.Labels[StandInLabel] != forecast.OperatorStrimzi || ss.Spec.Template.Labels[StandInLabel] != forecast.OperatorStrimzi {
			t.Errorf("%s: the stand-in or its pods are not labelled %s=%s", s.w, StandInLabel, forecast.OperatorStrimzi)
		}
		rack := false
		if a := ss.Spec.Template.Spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
			rack = true
			for _, term := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
				rack = rack && slices.ContainsFunc(term.MatchExpressions, func(r corev1.NodeSelectorRequirement) bool {
					return r.Key == corev1.LabelTopologyZone && r.Operator == corev1.NodeSelectorOpExists
				})
			}
		}
		if rack != pool.broker {
			t.Errorf("%s: every required node term asks for the rack label: %v; Strimzi adds it to brokers only (broker: %v)", s.w, rack, pool.broker)
		}
	}
}
