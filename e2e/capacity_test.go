package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/forecast"
	"github.com/blueprint-dev/blueprint/internal/controlplane"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
)

// settleTimeout bounds the wait for the scheduler's verdict on every pod
// of one workload.
const settleTimeout = 60 * time.Second

// capacityDesign is one design of the capacity corpus, rendered, with its
// forecast.
type capacityDesign struct {
	name     string
	plan     *plan.Plan
	tree     render.Tree
	forecast *forecast.Forecast
	objs     []controlplane.Object // the built manifests/ tree, and the operators' stand-ins
	// stands are the stand-ins of the workloads operators make
	// (standin_test.go), applied in their place.
	stands map[*forecast.Workload]standIn
	// nodeLosses: compare the loss of each pool's busiest node too;
	// controlPlaneLoss: and of the control plane's.
	nodeLosses, controlPlaneLoss bool
}

// capacitySample is the part of the corpus go test ./... runs: a control
// plane per design takes 20 to 50 s on this loaded 2-core machine, and the
// whole corpus (20 minutes) would pass the package's 10-minute timeout.
// BLUEPRINT_CAPACITY_SPECS='testdata/capacity/*.hcl' runs all of it. The
// default run compares the loss of each pool's busiest node for these
// designs only, not for blueprints/ (data-platform alone has five, at a
// minute each), nor the loss of a control-plane node (which moves no
// workload pod in these designs): 150 s more, against 270 s for the zone
// losses, in the full run of 2026-12-03 at a load average of 15 to 20.
// BLUEPRINT_CAPACITY_SPECS compares every loss of every design.
var capacitySample = []string{"f12-local-path-provisioner", "i03-every-pool-tainted", "i06-immediate-too-few-volumes",
	"z01-alertmanager-one-per-zone", "z02-room-after-loss"}

// capacityDesigns renders blueprints/*.hcl and a sample of
// testdata/capacity/ (or the globs of BLUEPRINT_CAPACITY_SPECS).
func capacityDesigns(t *testing.T) []capacityDesign {
	t.Helper()
	// The operator engines no example uses yet: their operators' pods are
	// made by the stand-in (standin_test.go) and compared too.
	globs := []string{"../blueprints/*.hcl", "../testdata/monitoring/monitoring-operator.hcl", "../testdata/services/logging-eck.hcl"}
	nodeLosses := map[string]bool{}
	for _, name := range capacitySample {
		globs = append(globs, "../testdata/capacity/"+name+".hcl")
		nodeLosses["../testdata/capacity/"+name+".hcl"] = true
	}
	all := false
	if g := os.Getenv("BLUEPRINT_CAPACITY_SPECS"); g != "" {
		globs, all = nil, true
		for _, f := range strings.Fields(g) {
			globs = append(globs, filepath.Join("..", f))
		}
	}
	var paths []string
	for _, g := range globs {
		m, _ := filepath.Glob(g)
		paths = append(paths, m...)
	}
	if len(paths) == 0 {
		t.Fatal("no designs")
	}
	var out []capacityDesign
	for _, p := range singleClusterSpecs(paths) {
		pl := loadPlan(t, p)
		tree, fc, err := render.RenderForecast(pl, render.Options{})
		if err != nil {
			t.Fatalf("rendering %s: %v", p, err)
		}
		d := capacityDesign{name: strings.TrimSuffix(strings.TrimPrefix(p, "../"), ".hcl"), plan: pl, tree: tree, forecast: fc,
			nodeLosses: all || nodeLosses[p], controlPlaneLoss: all}
		if _, ok := tree["manifests/kustomization.yaml"]; ok {
			built, err := render.BuildKustomizations(tree, []string{"manifests"})
			if err != nil {
				t.Fatal(err)
			}
			if d.objs, err = controlplane.ParseObjects(built["manifests"]); err != nil {
				t.Fatal(err)
			}
			if slices.ContainsFunc(fc.Workloads, (*forecast.Workload).OperatorMade) {
				d.stands = map[*forecast.Workload]standIn{}
				for _, s := range standIns(t, fc, treeImage(t, d.objs)) {
					d.stands[s.w] = s
					d.objs = append(d.objs, s.obj)
				}
			}
		}
		out = append(out, d)
	}
	return out
}

// agreement counts the pods whose verdicts were compared.
type agreement struct{ pods, agree, exact, ties atomic.Int64 }

// tally is the agreement per kind of scenario: the intact cluster (once
// per control plane), a zone lost, a pool's busiest node lost.
type tally struct{ intact, zone, node agreement }

// TestCapacity holds the capacity forecast to the real kube-scheduler: for
// each design of blueprints/ and testdata/capacity/, the design's nodes are
// registered with the allocatable the forecast computed, the static pods
// bound to the control-plane nodes, and every workload created in the
// forecast's order, each waited on until the scheduler has bound or
// refused every pod; then the nodes of one loss are marked unreachable and
// deleted, with their pods, and the workloads' pods that were lost or
// pending are made again, workload by workload. After each workload, every
// pod's verdict (bound, or pending with the reasons of its
// FailedScheduling event) must equal the forecast's. The losses are the
// zone whose loss the forecast says leaves the most pods pending, and the
// busiest node of each pool and of the control plane (the forecast's
// node-loss scenarios), each on a control plane of its own, since each
// starts from the intact cluster.
func TestCapacity(t *testing.T) {
	base := need(t, controlplane.Options{ControllerManager: true, Scheduler: true})
	began := time.Now()
	var total tally
	designs := capacityDesigns(t)
	runs := 0
	for _, d := range designs {
		var losses []*forecast.Scenario
		if sc := worstZone(d.forecast); sc != nil {
			losses = append(losses, sc)
		}
		if d.nodeLosses {
			for _, sc := range d.forecast.NodeLosses {
				if d.controlPlaneLoss || !controlPlaneNode(d.forecast, sc.Lost[0]) {
					losses = append(losses, sc)
				}
			}
		}
		if len(losses) == 0 {
			losses = append(losses, nil) // the intact cluster only
		}
		t.Run(d.name, func(t *testing.T) {
			for _, loss := range losses {
				runs++
				name := "intact"
				if loss != nil {
					name = loss.Name
				}
				t.Run(name, func(t *testing.T) {
					opts := base
					opts.WorkDir = t.TempDir()
					opts.ServiceCIDR = d.plan.ServiceSubnet
					cp := start(t, opts)
					runCapacity(t, cp.Client(), d, loss, &total)
				})
			}
		})
	}
	for _, k := range []struct {
		name string
		a    *agreement
	}{{"intact cluster", &total.intact}, {"zone lost", &total.zone}, {"busiest node of a pool lost", &total.node}} {
		t.Logf("capacity, %s: the real scheduler agreed with the forecast on %d of %d pod verdicts (%d with the very message; %d workloads whose verdicts depend on the scheduler's tie-breaks)",
			k.name, k.a.agree.Load(), k.a.pods.Load(), k.a.exact.Load(), k.a.ties.Load())
		if k.a.agree.Load() != k.a.pods.Load() {
			t.Errorf("%s: the forecast disagreed with the scheduler on %d pods", k.name, k.a.pods.Load()-k.a.agree.Load())
		}
	}
	t.Logf("capacity: %d designs, %d control planes, in %s", len(designs), runs, time.Since(began).Round(time.Second))
}

// runCapacity compares the intact cluster, then the loss (a scenario of
// the forecast's; nil for none), workload by workload.
func runCapacity(t *testing.T, c *controlplane.Client, d capacityDesign, loss *forecast.Scenario, total *tally) {
	ctx := context.Background()
	fc := d.forecast
	var specs []controlplane.NodeSpec
	for _, m := range fc.Machines {
		s := controlplane.NodeSpec{Name: m.Name, Labels: map[string]string{}, Taints: m.Taints,
			CPU: strconv.FormatInt(m.Capacity.MilliCPU, 10) + "m", Memory: strconv.FormatInt(m.Capacity.Memory, 10),
			AllocatableCPU: strconv.FormatInt(m.Allocatable.MilliCPU, 10) + "m", AllocatableMemory: strconv.FormatInt(m.Allocatable.Memory, 10),
			Pods: int(m.Allocatable.Pods)}
		for k, v := range m.Labels {
			s.Labels[k] = v
		}
		specs = append(specs, s)
	}
	if _, err := c.RegisterNodes(ctx, specs); err != nil {
		t.Fatal(err)
	}

	// What the scheduler reads besides the workloads: namespaces, service
	// accounts the pods run as, Services (default spreading), storage,
	// budgets and priority classes.
	var addons []controlplane.Object
	for _, o := range forecast.KubeadmAddons(d.plan.Scale.CoreDNSReplicas) {
		addons = append(addons, toObject(t, o))
	}
	objs := append(append([]controlplane.Object{}, addons...), d.objs...)
	keep := map[string]bool{"Namespace": true, "ServiceAccount": true, "Service": true, "StorageClass.storage.k8s.io": true,
		"PersistentVolume": true, "PersistentVolumeClaim": true, "PodDisruptionBudget.policy": true, "PriorityClass.scheduling.k8s.io": true}
	for _, batch := range [][]controlplane.Object{
		controlplane.Select(objs, func(o controlplane.Object) bool { return o.Kind() == "Namespace" }),
		controlplane.Select(objs, func(o controlplane.Object) bool { return keep[o.GroupKind()] && o.Kind() != "Namespace" }),
	} {
		for _, r := range c.ApplyAll(ctx, batch, false) {
			t.Fatalf("rejected: %s", r)
		}
	}
	for _, ns := range []string{"kube-system"} {
		ensureServiceAccount(t, c, ns)
	}
	for _, sa := range []string{"coredns", "kube-proxy"} {
		o := controlplane.Object{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": map[string]any{"name": sa, "namespace": "kube-system"}}
		if r := c.ApplyAll(ctx, []controlplane.Object{o}, false); len(r) > 0 {
			t.Fatal(r)
		}
	}
	for _, o := range objs {
		if o.Kind() == "Namespace" {
			ensureServiceAccount(t, c, o.Name())
		}
	}
	if _, err := c.SupplyVolumesExceptProvisioned(ctx, objs); err != nil {
		t.Fatal(err)
	}
	prov := c.SimulateProvisioner(ctx, forecast.NodeLocalProvisioner)
	kubelets := c.SimulateKubelets(ctx)
	defer func() {
		for _, err := range kubelets.Stop() {
			t.Errorf("simulated kubelet: %v", err)
		}
		made, errs := prov.Stop()
		for _, err := range errs {
			t.Errorf("simulated provisioner: %v", err)
		}
		t.Logf("%d volumes provisioned on demand, %d claims given back to the scheduler (their node deleted)", made, prov.Rescheduled())
	}()

	// Static pods: the kubelet runs them; the API server shows their
	// mirror pods, bound to their nodes, which the scheduler counts.
	for _, r := range fc.Intact.Pods {
		w := r.Pod.Workload
		if w.Kind != forecast.KindStaticPod {
			continue
		}
		pod := map[string]any{
			"apiVersion": "v1", "kind": "Pod",
			"metadata": map[string]any{"name": r.Pod.Name, "namespace": w.Namespace, "labels": w.Template.Labels},
		}
		spec := w.Template.Spec.DeepCopy()
		spec.NodeName = r.Pod.Target
		spec.Priority = nil // the API server's admission computes it from the class
		pod["spec"] = spec
		if err := c.Post(ctx, "/api/v1/namespaces/"+w.Namespace+"/pods", toObject(t, pod), nil); err != nil {
			t.Fatalf("static pod %s: %v", r.Pod.Name, err)
		}
	}

	// The workloads, one at a time, in the forecast's order.
	raw := map[string]controlplane.Object{}
	for _, o := range append(addons, d.objs...) {
		raw[o.Kind()+"/"+o.Namespace()+"/"+o.Name()] = o
	}
	// The scheduler breaks ties among equally scored nodes at random, and
	// where one workload's pods went decides the room the next ones find:
	// each workload is compared with the forecast replayed on the
	// scheduler's own placement of the workloads so far (forecast.Replay,
	// LoseFrom: among the nodes the forecast scores best, the ones the
	// scheduler took). A pod the scheduler put on a node the forecast does
	// not score best is a disagreement.
	reported := map[string]bool{}
	compare := func(total *agreement, sc, own *forecast.Scenario, misses []string, w *forecast.Workload, got []controlplane.Verdict) {
		for _, m := range misses {
			if !reported[m] {
				reported[m] = true
				t.Errorf("%s: %s", sc.Name, m)
			}
		}
		total.pods.Add(int64(len(forecastPods(sc, w))))
		agree, exact, problems := compareVerdicts(w.Kind, forecastPods(sc, w), got)
		total.agree.Add(int64(agree))
		total.exact.Add(int64(exact))
		for _, p := range problems {
			t.Errorf("%s, %s: %s", sc.Name, w, p)
		}
		if own != nil && verdicts(own, w) != verdicts(sc, w) {
			total.ties.Add(1)
		}
	}
	placement := func(upTo int) forecast.Placement {
		real := forecast.Placement{}
		for _, w := range fc.Workloads[:upTo] {
			if w.Kind == forecast.KindStaticPod {
				continue
			}
			pods, _, err := c.WorkloadPods(ctx, liveKind(w, d.stands), w.Namespace, w.Name)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range pods {
				if p.Spec.NodeName != "" {
					real[w] = append(real[w], p.Spec.NodeName)
				}
			}
		}
		return real
	}
	for i, w := range fc.Workloads {
		if w.Kind == forecast.KindStaticPod {
			continue
		}
		o, ok := raw[w.Kind+"/"+w.Namespace+"/"+w.Name]
		if s, made := d.stands[w]; made {
			o, ok = s.obj, true // in the operator's place
		}
		if !ok {
			t.Fatalf("%s is not among the objects", w)
		}
		if w.Kind == forecast.KindDeployment {
			// A Deployment that leaves its size to an autoscaler starts with
			// the autoscaler's minimum, which it sets at its first sync.
			if spec, _ := o["spec"].(map[string]any); spec != nil && spec["replicas"] == nil {
				spec["replicas"] = w.Replicas
			}
		}
		if r := c.ApplyAll(ctx, []controlplane.Object{o}, false); len(r) > 0 {
			t.Fatalf("rejected: %v", r)
		}
		got, err := c.Settle(ctx, liveKind(w, d.stands), w.Namespace, w.Name, settleTimeout)
		if err != nil {
			t.Fatal(err)
		}
		sc, misses, err := fc.Replay(placement(i+1), i+1)
		if err != nil {
			t.Fatal(err)
		}
		if _, made := d.stands[w]; made {
			checkStandInPods(t, sc, w, got)
			t.Logf("%s: %d pods made in the operator's place (%s), compared", w, len(got), w.Operator)
		}
		compare(&total.intact, sc, fc.Intact, misses, w, got)
	}

	// The loss: as the node lifecycle controller does when nodes stop
	// reporting, the lost nodes are first tainted unreachable, all of
	// them, and only then deleted; deleting a zone's nodes one by one
	// while the others still took pods let the scheduler place a pending
	// pod on a node of the zone about to go (the zone's spread count had
	// just dropped), tying its claim to that node (see
	// controlplane.Provisioner.reschedule).
	sc := loss
	if sc == nil {
		return
	}
	tl := &total.zone
	if sc.Zone == "" {
		tl = &total.node
	}
	for _, n := range sc.Lost {
		if err := c.MarkUnreachable(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	intact := placement(len(fc.Workloads))
	lost := map[string]bool{}
	for _, n := range sc.Lost {
		lost[n] = true
		if err := c.DeleteNode(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	// remake deletes the workload's pods that match, waits until they are
	// gone from its list, then until the scheduler has decided on their
	// replacements.
	remake := func(w *forecast.Workload, match func(corev1.Pod) bool) []controlplane.Verdict {
		pods, _, err := c.WorkloadPods(ctx, liveKind(w, d.stands), w.Namespace, w.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pods {
			if match(p) {
				if err := c.DeletePod(ctx, p.Namespace, p.Name); err != nil {
					t.Fatal(err)
				}
			}
		}
		deadline := time.Now().Add(settleTimeout)
		for {
			pods, _, err := c.WorkloadPods(ctx, liveKind(w, d.stands), w.Namespace, w.Name)
			if err != nil {
				t.Fatal(err)
			}
			stale := false
			for _, p := range pods {
				if lost[p.Spec.NodeName] && match(p) {
					stale = true
				}
			}
			if !stale || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		got, err := c.Settle(ctx, liveKind(w, d.stands), w.Namespace, w.Name, settleTimeout)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	// First the pods still pending, tried again on what is left (the
	// scheduler retries them as the lost nodes go, before any controller
	// replaces a lost pod): each is made again, workload by workload, so
	// that they are tried in the forecast's order.
	// A daemon pod of a lost node goes with it, never replaced: it goes
	// here too, or its DaemonSet would count it (until the pod garbage
	// collector's 40 s quarantine ends) and never settle.
	for _, w := range fc.Workloads {
		if w.Kind != forecast.KindStaticPod {
			remake(w, func(p corev1.Pod) bool {
				return p.Spec.NodeName == "" || w.Kind == forecast.KindDaemonSet && lost[p.Spec.NodeName]
			})
		}
	}
	// Then the lost pods, replaced workload by workload, each workload
	// compared once its replacements are placed.
	for i, w := range fc.Workloads {
		if w.Kind == forecast.KindStaticPod {
			continue
		}
		got := remake(w, func(p corev1.Pod) bool { return lost[p.Spec.NodeName] })
		after := forecast.Placement{}
		for wl, nodes := range placement(len(fc.Workloads)) {
			for _, n := range nodes {
				if !lost[n] { // the lost pods of workloads not yet replaced
					after[wl] = append(after[wl], n)
				}
			}
		}
		replayed, misses, err := fc.LoseFrom(sc.Name, sc.Zone, sc.Lost, intact, after, i+1)
		if err != nil {
			t.Fatal(err)
		}
		compare(tl, replayed, sc, misses, w, got)
	}
}

// controlPlaneNode reports whether the named machine is a control-plane
// node.
func controlPlaneNode(fc *forecast.Forecast, name string) bool {
	for _, m := range fc.Machines {
		if m.Name == name {
			return m.ControlPlane
		}
	}
	return false
}

// worstZone is the zone loss that leaves the most pods pending.
func worstZone(fc *forecast.Forecast) *forecast.Scenario {
	var best *forecast.Scenario
	most := -1
	for _, sc := range fc.ZoneLosses {
		n := 0
		for _, r := range sc.Pods {
			if !r.Bound() {
				n++
			}
		}
		if n > most {
			best, most = sc, n
		}
	}
	return best
}

// verdicts writes a workload's verdicts in a scenario as one sorted list.
func verdicts(sc *forecast.Scenario, w *forecast.Workload) string {
	var out []string
	for _, r := range forecastPods(sc, w) {
		out = append(out, verdictKey(r.Bound(), r.Pending))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// forecastPods are a workload's pods in a scenario.
func forecastPods(sc *forecast.Scenario, w *forecast.Workload) []forecast.PodResult {
	var out []forecast.PodResult
	for _, r := range sc.Pods {
		if r.Pod.Workload == w {
			out = append(out, r)
		}
	}
	return out
}

// verdictKey is what a verdict is compared by: bound, or the reasons of a
// pending pod without their counts.
func verdictKey(bound bool, p *forecast.Pending) string {
	if bound {
		return "bound"
	}
	if p == nil {
		return "pending (no reason)"
	}
	return "pending: " + p.ReasonSet()
}

// compareVerdicts matches the forecast's pods of one workload with the
// scheduler's: a daemon pod by its node, the pods of a Deployment or
// StatefulSet as a multiset. It returns
// how many agree, how many of those have the very message, and each
// disagreement.
func compareVerdicts(kind string, want []forecast.PodResult, got []controlplane.Verdict) (agree, exact int, problems []string) {
	if len(want) != len(got) {
		problems = append(problems, fmt.Sprintf("the forecast has %d pods, the cluster %d", len(want), len(got)))
	}
	type item struct {
		key, name, msg string
	}
	wantItems := map[string][]item{}
	gotItems := map[string][]item{}
	// Which ordinal of a StatefulSet lands in which zone is the scheduler's
	// tie-break among equal nodes, which is random; what must agree is how
	// many of its pods are bound and why the others are not.
	keyOf := func(pod, target string) string {
		if kind == forecast.KindDaemonSet {
			return target
		}
		return ""
	}
	for _, r := range want {
		it := item{key: verdictKey(r.Bound(), r.Pending), name: r.Pod.Name}
		if r.Pending != nil {
			it.msg = r.Pending.Message()
		}
		k := keyOf(r.Pod.Name, r.Pod.Target)
		wantItems[k] = append(wantItems[k], it)
	}
	for _, v := range got {
		it := item{key: "bound", name: v.Pod}
		if v.Node == "" {
			p, err := forecast.ParseMessage(v.Message)
			if err != nil {
				problems = append(problems, err.Error())
				continue
			}
			it.key, it.msg = verdictKey(false, p), forecast.WithoutPostFilter(v.Message)
		}
		k := keyOf(v.Pod, v.Target)
		gotItems[k] = append(gotItems[k], it)
	}
	keys := map[string]bool{}
	for k := range wantItems {
		keys[k] = true
	}
	for k := range gotItems {
		keys[k] = true
	}
	var sorted []string
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		w, g := wantItems[k], gotItems[k]
		sort.Slice(w, func(i, j int) bool { return w[i].key < w[j].key })
		sort.Slice(g, func(i, j int) bool { return g[i].key < g[j].key })
		for i := 0; i < max(len(w), len(g)); i++ {
			switch {
			case i >= len(w):
				problems = append(problems, fmt.Sprintf("pod %s: the cluster has it (%s), the forecast not", g[i].name, g[i].key))
			case i >= len(g):
				problems = append(problems, fmt.Sprintf("pod %s: the forecast has it (%s), the cluster not", w[i].name, w[i].key))
			case w[i].key != g[i].key:
				problems = append(problems, fmt.Sprintf("pod %s: forecast %q (%s), scheduler %q (%s)", w[i].name, w[i].key, w[i].msg, g[i].key, g[i].msg))
			default:
				agree++
				if w[i].msg == g[i].msg {
					exact++
				}
			}
		}
	}
	return agree, exact, problems
}

// toObject turns a typed object into a controlplane.Object.
func toObject(t *testing.T, o any) controlplane.Object {
	t.Helper()
	b, err := yaml.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := controlplane.ParseObjects(b)
	if err != nil || len(objs) != 1 {
		t.Fatalf("%T: %v", o, err)
	}
	return objs[0]
}
