package controlplane

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// What the capacity suite needs of a control plane: a stand-in for a
// volume provisioner, the pods of one workload, and the scheduler's
// verdict on each.

// selectedNodeAnnotation is what the scheduler sets on a claim of a
// WaitForFirstConsumer class, naming the node its provisioner should make
// the volume for (k8s.io/component-helpers/storage/volume: AnnSelectedNode).
const selectedNodeAnnotation = "volume.kubernetes.io/selected-node"

// Provisioner stands in for the provisioners of WaitForFirstConsumer
// classes: when the scheduler picks a node for a claim, it makes a volume
// for it in that node's zone (node affinity on topology.kubernetes.io/zone,
// as zonal block storage has), or on that node for a provisioner of local
// disks, and pre-binds it to the claim; the
// controller-manager's volume binder then binds the two, and the
// scheduler's wait for the binding ends.
type Provisioner struct {
	c         *Client
	cancel    context.CancelFunc
	done      chan struct{}
	nodeLocal func(string) bool

	mu          sync.Mutex
	made        int
	rescheduled int
	errs        []error
}

// SimulateProvisioner starts the stand-in; Stop ends it. nodeLocal says
// which provisioners make volumes on the node's own disks: their volumes
// get node affinity on the node's hostname instead of its zone.
func (c *Client) SimulateProvisioner(ctx context.Context, nodeLocal func(provisioner string) bool) *Provisioner {
	ctx, cancel := context.WithCancel(ctx)
	p := &Provisioner{c: c, cancel: cancel, done: make(chan struct{}), nodeLocal: nodeLocal}
	go func() {
		defer close(p.done)
		made := map[string]bool{}
		for {
			if err := p.sync(ctx, made); err != nil && ctx.Err() == nil {
				p.mu.Lock()
				if len(p.errs) < 20 {
					p.errs = append(p.errs, err)
				}
				p.mu.Unlock()
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	return p
}

// Stop ends the stand-in and returns how many volumes it made and the
// errors it met.
func (p *Provisioner) Stop() (int, []error) {
	p.cancel()
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.made, p.errs
}

func (p *Provisioner) sync(ctx context.Context, made map[string]bool) error {
	var classes []storagev1.StorageClass
	if err := p.c.List(ctx, "storage.k8s.io/v1", "StorageClass", "", "", &classes); err != nil {
		return err
	}
	provisioner := map[string]string{}
	for _, sc := range classes {
		provisioner[sc.Name] = sc.Provisioner
	}
	var claims []corev1.PersistentVolumeClaim
	if err := p.c.List(ctx, "v1", "PersistentVolumeClaim", "", "", &claims); err != nil {
		return err
	}
	for _, pvc := range claims {
		nodeName := pvc.Annotations[selectedNodeAnnotation]
		if nodeName == "" || pvc.Spec.VolumeName != "" || made[string(pvc.UID)] || pvc.Spec.StorageClassName == nil {
			continue
		}
		class := *pvc.Spec.StorageClassName
		if prov := provisioner[class]; prov == "" || prov == NoProvisioner {
			continue
		}
		var n corev1.Node
		if err := p.c.Get(ctx, "/api/v1/nodes/"+url.PathEscape(nodeName), &n); err != nil {
			if !IsNotFound(err) {
				return fmt.Errorf("claim %s/%s: its selected node: %w", pvc.Namespace, pvc.Name, err)
			}
			// The node is gone (deleted with its zone after the scheduler
			// chose it): give the choice back to the scheduler, as the
			// real provisioners do (see reschedule).
			if err := p.reschedule(ctx, pvc); err != nil {
				return err
			}
			continue
		}
		size := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
		mode := corev1.PersistentVolumeFilesystem
		if pvc.Spec.VolumeMode != nil {
			mode = *pvc.Spec.VolumeMode
		}
		name := "pvc-" + string(pvc.UID)
		pv := corev1.PersistentVolume{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolume"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{SimulatedLabel: "true"}},
			Spec: corev1.PersistentVolumeSpec{
				Capacity:                      corev1.ResourceList{corev1.ResourceStorage: size},
				AccessModes:                   pvc.Spec.AccessModes,
				StorageClassName:              class,
				VolumeMode:                    &mode,
				PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
				ClaimRef: &corev1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1",
					Namespace: pvc.Namespace, Name: pvc.Name, UID: pvc.UID},
				PersistentVolumeSource: corev1.PersistentVolumeSource{CSI: &corev1.CSIPersistentVolumeSource{
					Driver: provisioner[class], VolumeHandle: name}},
			},
		}
		key, value := corev1.LabelTopologyZone, n.Labels[corev1.LabelTopologyZone]
		if p.nodeLocal(provisioner[class]) {
			key, value = corev1.LabelHostname, n.Labels[corev1.LabelHostname]
		}
		// The source does not matter to the scheduler; a provisioner whose
		// name is no CSI driver name (rancher.io/local-path, in-tree
		// kubernetes.io/…) gets a local or host-path volume instead.
		if strings.Contains(provisioner[class], "/") {
			path := "/var/lib/simulated/" + name
			if key == corev1.LabelHostname {
				pv.Spec.PersistentVolumeSource = corev1.PersistentVolumeSource{Local: &corev1.LocalVolumeSource{Path: path}}
			} else {
				pv.Spec.PersistentVolumeSource = corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: path}}
			}
		}
		if value != "" {
			pv.Spec.NodeAffinity = &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{
				NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{
					Key: key, Operator: corev1.NodeSelectorOpIn, Values: []string{value},
				}}}},
			}}
		}
		if err := p.c.Post(ctx, "/api/v1/persistentvolumes", pv, nil); err != nil {
			return fmt.Errorf("provisioning for claim %s/%s: %w", pvc.Namespace, pvc.Name, err)
		}
		made[string(pvc.UID)] = true
		p.mu.Lock()
		p.made++
		p.mu.Unlock()
	}
	return nil
}

// reschedule removes a claim's selected-node annotation when that node no
// longer exists, which tells the scheduler to choose again: its
// VolumeBinding plugin (kubernetes v1.37 pkg/scheduler/framework/plugins/
// volumebinding, binder.go) considers an unbound claim that carries the
// annotation on the named node only, so the claim's pod would otherwise
// stay Pending on every node, and a pod waiting in PreBind for the
// provisioning fails its wait once the annotation changes. The
// external-provisioner sidecar of CSI drivers does this from v3.5.0
// (sig-storage-lib-external-provisioner v9.0.2, "Fix indefinite stuck
// Pending pod on a deleted node") to v5.3 and again from v6.1.0
// (GenerateAccessibilityRequirements' NotFound answered with
// ProvisioningReschedule); v6.0.x, on library v13 which dropped the
// lookup, and releases before v3.5.0 leave the claim stuck, as
// ARCHITECTURE.md tells the operator.
func (p *Provisioner) reschedule(ctx context.Context, pvc corev1.PersistentVolumeClaim) error {
	patch := map[string]any{"metadata": map[string]any{
		"resourceVersion": pvc.ResourceVersion, // not if the claim changed since the list
		"annotations":     map[string]any{selectedNodeAnnotation: nil},
	}}
	err := p.c.Patch(ctx, "/api/v1/namespaces/"+pvc.Namespace+"/persistentvolumeclaims/"+url.PathEscape(pvc.Name), patch)
	if err != nil && !IsConflict(err) && !IsNotFound(err) {
		return fmt.Errorf("claim %s/%s: removing the selected node %s: %w", pvc.Namespace, pvc.Name, pvc.Annotations[selectedNodeAnnotation], err)
	}
	if err == nil {
		p.mu.Lock()
		p.rescheduled++
		p.mu.Unlock()
	}
	return nil
}

// Rescheduled returns how many claims the stand-in gave back to the
// scheduler because their selected node was gone.
func (p *Provisioner) Rescheduled() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rescheduled
}

// Verdict is where the scheduler put one pod: a node, or pending with the
// message of its FailedScheduling event.
type Verdict struct {
	Pod     string
	Node    string // "" when pending
	Message string // the FailedScheduling event's message, for a pending pod
	Target  string // the node a daemon pod is made for
}

// WorkloadPods returns the pods of a Deployment, StatefulSet or DaemonSet
// (not those being deleted) and how many it should have.
func (c *Client) WorkloadPods(ctx context.Context, kind, ns, name string) ([]corev1.Pod, int, error) {
	var live liveWorkload
	if err := c.Get(ctx, "/apis/apps/v1/namespaces/"+ns+"/"+strings.ToLower(kind)+"s/"+url.PathEscape(name), &live); err != nil {
		return nil, 0, err
	}
	owners := map[string]bool{string(live.UID): true}
	if kind == "Deployment" {
		var rss []appsv1.ReplicaSet
		if err := c.List(ctx, "apps/v1", "ReplicaSet", ns, "", &rss); err != nil {
			return nil, 0, err
		}
		for _, rs := range rss {
			if ref := metav1.GetControllerOf(&rs); ref != nil && ref.UID == live.UID {
				owners[string(rs.UID)] = true
			}
		}
	}
	var pods []corev1.Pod
	if err := c.List(ctx, "v1", "Pod", ns, "", &pods); err != nil {
		return nil, 0, err
	}
	var out []corev1.Pod
	for _, p := range pods {
		if ref := metav1.GetControllerOf(&p); ref != nil && owners[string(ref.UID)] && p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	desired := 1
	switch {
	case kind == "DaemonSet":
		desired = int(live.Status.DesiredNumberScheduled)
		if live.Status.ObservedGeneration < live.Generation || live.Generation == 0 {
			desired = -1 // not counted yet
		}
	case live.Spec.Replicas != nil:
		desired = int(*live.Spec.Replicas)
	}
	return out, desired, nil
}

// Settle waits until the workload has all its pods and the scheduler has
// decided on each: bound to a node, or unschedulable with a
// FailedScheduling event saying why. It returns the verdicts, sorted by
// pod name.
func (c *Client) Settle(ctx context.Context, kind, ns, name string, timeout time.Duration) ([]Verdict, error) {
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		vs, why, err := c.verdicts(ctx, kind, ns, name)
		if err != nil {
			return nil, err
		}
		if why == "" {
			return vs, nil
		}
		last = why
		if time.Now().After(deadline) {
			return vs, fmt.Errorf("%s %s/%s not settled after %s: %s", kind, ns, name, timeout, last)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// verdicts returns the pods' verdicts, or why they are not final yet.
func (c *Client) verdicts(ctx context.Context, kind, ns, name string) ([]Verdict, string, error) {
	pods, desired, err := c.WorkloadPods(ctx, kind, ns, name)
	if err != nil {
		return nil, "", err
	}
	if desired < 0 || len(pods) != desired {
		return nil, fmt.Sprintf("%d of %d pods", len(pods), desired), nil
	}
	var out []Verdict
	for _, p := range pods {
		v := Verdict{Pod: p.Name, Node: p.Spec.NodeName, Target: daemonTarget(p)}
		if v.Node == "" {
			msg := ""
			for _, cond := range p.Status.Conditions {
				if cond.Type == corev1.PodScheduled && cond.Status == corev1.ConditionFalse && cond.Reason == corev1.PodReasonUnschedulable {
					msg = cond.Message
				}
			}
			if msg == "" {
				return nil, "pod " + p.Name + " not yet seen by the scheduler", nil
			}
			ok, err := c.hasSchedulingEvent(ctx, p, msg)
			if err != nil {
				return nil, "", err
			}
			if !ok {
				return nil, "pod " + p.Name + ": no FailedScheduling event yet", nil
			}
			if strings.Contains(msg, "persistentvolumeclaim") && strings.Contains(msg, "not found") {
				// A StatefulSet's controller creates a pod's claims before
				// the pod, but under load the scheduler may try the pod
				// before its cache holds them, and it tries again when they
				// arrive: the verdict is final only if a claim is missing
				// for good.
				why, err := c.claimsCreatedSince(ctx, p)
				if err != nil {
					return nil, "", err
				}
				if why != "" {
					return nil, "pod " + p.Name + ": " + why, nil
				}
			}
			if strings.Contains(msg, "unbound immediate PersistentVolumeClaims") {
				why, err := c.bindingPending(ctx, p)
				if err != nil {
					return nil, "", err
				}
				if why != "" {
					return nil, "pod " + p.Name + ": " + why, nil
				}
			}
			v.Message = msg
		}
		out = append(out, v)
	}
	return out, "", nil
}

// claimsCreatedSince says, when every claim of a pod the scheduler found
// missing a claim exists now, that the scheduler has yet to retry it; ""
// when a claim is still missing.
func (c *Client) claimsCreatedSince(ctx context.Context, p corev1.Pod) (string, error) {
	var claims []corev1.PersistentVolumeClaim
	if err := c.List(ctx, "v1", "PersistentVolumeClaim", p.Namespace, "", &claims); err != nil {
		return "", err
	}
	have := map[string]bool{}
	for _, cl := range claims {
		have[cl.Name] = true
	}
	for _, vol := range p.Spec.Volumes {
		if vol.PersistentVolumeClaim != nil && !have[vol.PersistentVolumeClaim.ClaimName] {
			return "", nil
		}
	}
	return "its claims exist since, the scheduler has yet to retry", nil
}

// bindingPending says why a pod the scheduler found waiting for its
// Immediate claims may still be scheduled: the controller-manager's volume
// binder binds such a claim to a matching Available volume on its own
// time, which under load comes after the scheduler's first try, and the
// scheduler tries again once the claim is bound. The verdict is final
// only when every unbound claim of the pod has no Available volume of its
// class left to take. It returns "" when the verdict is final.
func (c *Client) bindingPending(ctx context.Context, p corev1.Pod) (string, error) {
	var claims []corev1.PersistentVolumeClaim
	if err := c.List(ctx, "v1", "PersistentVolumeClaim", p.Namespace, "", &claims); err != nil {
		return "", err
	}
	byName := map[string]corev1.PersistentVolumeClaim{}
	for _, cl := range claims {
		byName[cl.Name] = cl
	}
	var volumes []corev1.PersistentVolume
	if err := c.List(ctx, "v1", "PersistentVolume", "", "", &volumes); err != nil {
		return "", err
	}
	for _, vol := range p.Spec.Volumes {
		if vol.PersistentVolumeClaim == nil {
			continue
		}
		cl, ok := byName[vol.PersistentVolumeClaim.ClaimName]
		if !ok {
			return "claim " + vol.PersistentVolumeClaim.ClaimName + " not created yet", nil
		}
		if cl.Status.Phase == corev1.ClaimBound {
			return "claim " + cl.Name + " bound since, the scheduler has yet to retry", nil
		}
		class := ""
		if cl.Spec.StorageClassName != nil {
			class = *cl.Spec.StorageClassName
		}
		for _, pv := range volumes {
			if r := pv.Spec.ClaimRef; r != nil && r.Namespace == cl.Namespace && r.Name == cl.Name {
				// The binder binds the volume first and the claim next:
				// between the two the claim is still Pending.
				return "volume " + pv.Name + " bound to claim " + cl.Name + ", the claim not yet updated", nil
			}
			if pv.Status.Phase == corev1.VolumeAvailable && pv.Spec.StorageClassName == class && couldBind(pv, cl) {
				return "volume " + pv.Name + " is still Available for claim " + cl.Name, nil
			}
		}
	}
	return "", nil
}

// couldBind reports whether the volume binder could give pv to cl: not
// reserved for another claim, large enough, with every access mode asked.
func couldBind(pv corev1.PersistentVolume, cl corev1.PersistentVolumeClaim) bool {
	if r := pv.Spec.ClaimRef; r != nil && (r.Namespace != cl.Namespace || r.Name != cl.Name) {
		return false
	}
	want := cl.Spec.Resources.Requests[corev1.ResourceStorage]
	have := pv.Spec.Capacity[corev1.ResourceStorage]
	if have.Cmp(want) < 0 {
		return false
	}
	modes := map[corev1.PersistentVolumeAccessMode]bool{}
	for _, m := range pv.Spec.AccessModes {
		modes[m] = true
	}
	for _, m := range cl.Spec.AccessModes {
		if !modes[m] {
			return false
		}
	}
	return true
}

// hasSchedulingEvent reports whether the scheduler recorded a
// FailedScheduling event for p with message msg.
func (c *Client) hasSchedulingEvent(ctx context.Context, p corev1.Pod, msg string) (bool, error) {
	var events []corev1.Event
	q := "fieldSelector=" + url.QueryEscape("reason=FailedScheduling,involvedObject.name="+p.Name)
	if err := c.List(ctx, "v1", "Event", p.Namespace, q, &events); err != nil {
		return false, err
	}
	for _, e := range events {
		if e.InvolvedObject.UID == p.UID && e.Message == msg {
			return true, nil
		}
	}
	return false, nil
}

// daemonTarget names the node a DaemonSet's pod is made for, from the node
// affinity its controller gives it.
func daemonTarget(p corev1.Pod) string {
	a := p.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return ""
	}
	for _, t := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		for _, f := range t.MatchFields {
			if f.Key == "metadata.name" && len(f.Values) == 1 {
				return f.Values[0]
			}
		}
	}
	return ""
}

// DeletePod deletes a pod at once (grace period 0), as a kubelet that is
// gone never confirms.
func (c *Client) DeletePod(ctx context.Context, ns, name string) error {
	_, err := c.Do(ctx, http.MethodDelete, "/api/v1/namespaces/"+ns+"/pods/"+url.PathEscape(name)+"?gracePeriodSeconds=0", "", nil)
	if err != nil && !IsNotFound(err) {
		return err
	}
	return nil
}

// DeleteNode deletes a Node.
func (c *Client) DeleteNode(ctx context.Context, name string) error {
	_, err := c.Do(ctx, http.MethodDelete, "/api/v1/nodes/"+url.PathEscape(name), "", nil)
	if err != nil && !IsNotFound(err) {
		return err
	}
	return nil
}

// MarkUnreachable taints a node node.kubernetes.io/unreachable:NoSchedule,
// as the node lifecycle controller does once a node stops reporting: the
// scheduler then places nothing new there, while the pods already on it
// still count (for topology spread, whose nodeTaintsPolicy is Ignore by
// default) until the node is deleted.
func (c *Client) MarkUnreachable(ctx context.Context, name string) error {
	var n corev1.Node
	if err := c.Get(ctx, "/api/v1/nodes/"+url.PathEscape(name), &n); err != nil {
		return err
	}
	taint := corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoSchedule}
	for _, t := range n.Spec.Taints {
		if t.MatchTaint(&taint) {
			return nil
		}
	}
	patch := map[string]any{
		"metadata": map[string]any{"resourceVersion": n.ResourceVersion},
		"spec":     map[string]any{"taints": append(n.Spec.Taints, taint)},
	}
	return c.Patch(ctx, "/api/v1/nodes/"+url.PathEscape(name), patch)
}
