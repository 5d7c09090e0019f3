package controlplane

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NodeSpec is a machine to register as a Node, as its kubelet would.
type NodeSpec struct {
	Name    string
	Address string // InternalIP; may be empty
	Labels  map[string]string
	Taints  []corev1.Taint
	CPU     string // a quantity: "8"
	Memory  string // a quantity: "32Gi"
	Pods    int    // zero means the kubelet's default, 110
	// AllocatableCPU and AllocatableMemory are what the kubelet leaves to
	// pods after its reservations; empty means all of the capacity.
	AllocatableCPU, AllocatableMemory string
}

// Node returns the Node object a kubelet would register for the machine:
// the labels the kubelet sets itself (kubernetes.io/hostname, os, arch)
// plus the machine's, its taints, its capacity, and a Ready condition.
func (s NodeSpec) Node() (corev1.Node, error) {
	labels := map[string]string{
		corev1.LabelHostname:      s.Name,
		corev1.LabelOSStable:      "linux",
		corev1.LabelArchStable:    runtime.GOARCH,
		"beta.kubernetes.io/os":   "linux",
		"beta.kubernetes.io/arch": runtime.GOARCH,
	}
	for k, v := range s.Labels {
		labels[k] = v
	}
	pods := s.Pods
	if pods == 0 {
		pods = 110
	}
	capacity := corev1.ResourceList{corev1.ResourcePods: *resource.NewQuantity(int64(pods), resource.DecimalSI)}
	for name, q := range map[corev1.ResourceName]string{corev1.ResourceCPU: s.CPU, corev1.ResourceMemory: s.Memory} {
		v, err := resource.ParseQuantity(q)
		if err != nil {
			return corev1.Node{}, fmt.Errorf("node %s: %s %q: %w", s.Name, name, q, err)
		}
		capacity[name] = v
	}
	capacity[corev1.ResourceEphemeralStorage] = resource.MustParse("100Gi")
	allocatable := capacity.DeepCopy()
	for name, q := range map[corev1.ResourceName]string{corev1.ResourceCPU: s.AllocatableCPU, corev1.ResourceMemory: s.AllocatableMemory} {
		if q == "" {
			continue
		}
		v, err := resource.ParseQuantity(q)
		if err != nil {
			return corev1.Node{}, fmt.Errorf("node %s: allocatable %s %q: %w", s.Name, name, q, err)
		}
		allocatable[name] = v
	}
	now := metav1.Now()
	n := corev1.Node{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Node"},
		ObjectMeta: metav1.ObjectMeta{Name: s.Name, Labels: labels},
		Spec:       corev1.NodeSpec{Taints: s.Taints},
		Status: corev1.NodeStatus{
			Capacity:    capacity,
			Allocatable: allocatable,
			Conditions: []corev1.NodeCondition{
				{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "simulated by blueprint", LastHeartbeatTime: now, LastTransitionTime: now},
				{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, LastHeartbeatTime: now, LastTransitionTime: now},
				{Type: corev1.NodeDiskPressure, Status: corev1.ConditionFalse, LastHeartbeatTime: now, LastTransitionTime: now},
				{Type: corev1.NodePIDPressure, Status: corev1.ConditionFalse, LastHeartbeatTime: now, LastTransitionTime: now},
			},
			Addresses: []corev1.NodeAddress{{Type: corev1.NodeHostName, Address: s.Name}},
			NodeInfo: corev1.NodeSystemInfo{
				OperatingSystem: "linux", Architecture: runtime.GOARCH,
				KubeletVersion: "v1.37.2", ContainerRuntimeVersion: "containerd://2.0.0",
			},
		},
	}
	if s.Address != "" {
		n.Status.Addresses = append([]corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: s.Address}}, n.Status.Addresses...)
	}
	return n, nil
}

// RegisterNodes creates a Node per machine and checks that each one kept
// exactly the taints it was given (the control plane runs without the
// admission plugin that adds node.kubernetes.io/not-ready).
func (c *Client) RegisterNodes(ctx context.Context, specs []NodeSpec) ([]corev1.Node, error) {
	var out []corev1.Node
	for _, s := range specs {
		n, err := s.Node()
		if err != nil {
			return nil, err
		}
		var got corev1.Node
		if err := c.Post(ctx, "/api/v1/nodes", n, &got); err != nil {
			return nil, fmt.Errorf("registering node %s: %w", s.Name, err)
		}
		if fmt.Sprint(got.Spec.Taints) != fmt.Sprint(n.Spec.Taints) {
			return nil, fmt.Errorf("node %s: registered with taints %v, the API server stored %v", s.Name, n.Spec.Taints, got.Spec.Taints)
		}
		if len(got.Status.Conditions) == 0 {
			return nil, fmt.Errorf("node %s: the API server dropped its status", s.Name)
		}
		out = append(out, got)
	}
	return out, nil
}

// Nodes lists the cluster's nodes, sorted by name.
func (c *Client) Nodes(ctx context.Context) ([]corev1.Node, error) {
	var nodes []corev1.Node
	if err := c.List(ctx, "v1", "Node", "", "", &nodes); err != nil {
		return nil, err
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	return nodes, nil
}

// Kubelets stands in for the kubelets of simulated nodes: it reports every
// pod bound to a node as running and ready (StatefulSets create their next
// pod only then), and completes the deletion of pods being deleted.
type Kubelets struct {
	c      *Client
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.Mutex
	nextIP int
	errs   []error
}

// SimulateKubelets starts the stand-in; Stop ends it.
func (c *Client) SimulateKubelets(ctx context.Context) *Kubelets {
	ctx, cancel := context.WithCancel(ctx)
	k := &Kubelets{c: c, cancel: cancel, done: make(chan struct{})}
	go k.loop(ctx)
	return k
}

// Stop ends the stand-in and returns the errors it met, if any.
func (k *Kubelets) Stop() []error {
	k.cancel()
	<-k.done
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.errs
}

func (k *Kubelets) loop(ctx context.Context) {
	defer close(k.done)
	nodeIPs := map[string]string{}
	for {
		if err := k.sync(ctx, nodeIPs); err != nil && ctx.Err() == nil {
			k.mu.Lock()
			if len(k.errs) < 20 {
				k.errs = append(k.errs, err)
			}
			k.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (k *Kubelets) sync(ctx context.Context, nodeIPs map[string]string) error {
	var pods []corev1.Pod
	if err := k.c.List(ctx, "v1", "Pod", "", "fieldSelector="+url.QueryEscape("spec.nodeName!="), &pods); err != nil {
		return err
	}
	for _, p := range pods {
		base := "/api/v1/namespaces/" + p.Namespace + "/pods/" + p.Name
		if p.DeletionTimestamp != nil {
			_, err := k.c.Do(ctx, http.MethodDelete, base+"?gracePeriodSeconds=0", "", nil)
			if err != nil && !IsNotFound(err) {
				return fmt.Errorf("deleting pod %s/%s: %w", p.Namespace, p.Name, err)
			}
			continue
		}
		if p.Status.Phase != corev1.PodPending {
			continue
		}
		hostIP, ok := nodeIPs[p.Spec.NodeName]
		if !ok {
			var n corev1.Node
			if err := k.c.Get(ctx, "/api/v1/nodes/"+url.PathEscape(p.Spec.NodeName), &n); err != nil {
				return err
			}
			for _, a := range n.Status.Addresses {
				if a.Type == corev1.NodeInternalIP {
					hostIP = a.Address
				}
			}
			nodeIPs[p.Spec.NodeName] = hostIP
		}
		if err := k.c.Patch(ctx, base+"/status", runningStatus(p, hostIP, k.podIP(p, hostIP))); err != nil && !IsNotFound(err) {
			return fmt.Errorf("reporting pod %s/%s running: %w", p.Namespace, p.Name, err)
		}
	}
	return nil
}

// podIP hands out addresses from 100.64.0.0/10 (shared address space, so
// never a real one of the cluster's); host-network pods get the node's.
func (k *Kubelets) podIP(p corev1.Pod, hostIP string) string {
	if p.Spec.HostNetwork && hostIP != "" {
		return hostIP
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.nextIP++
	n := k.nextIP
	return "100." + strconv.Itoa(64+n>>16&63) + "." + strconv.Itoa(n>>8&255) + "." + strconv.Itoa(n&255)
}

func runningStatus(p corev1.Pod, hostIP, podIP string) map[string]any {
	now := metav1.Now().UTC().Format(time.RFC3339)
	cond := func(t corev1.PodConditionType) map[string]any {
		return map[string]any{"type": t, "status": "True", "lastTransitionTime": now}
	}
	var containers []map[string]any
	for _, ct := range p.Spec.Containers {
		containers = append(containers, map[string]any{
			"name": ct.Name, "image": ct.Image, "imageID": "", "ready": true, "started": true, "restartCount": 0,
			"state": map[string]any{"running": map[string]any{"startedAt": now}},
		})
	}
	var inits []map[string]any
	for _, ct := range p.Spec.InitContainers {
		st := map[string]any{"terminated": map[string]any{"exitCode": 0, "reason": "Completed", "startedAt": now, "finishedAt": now}}
		ready, started := false, false
		if ct.RestartPolicy != nil && *ct.RestartPolicy == corev1.ContainerRestartPolicyAlways { // a sidecar
			st, ready, started = map[string]any{"running": map[string]any{"startedAt": now}}, true, true
		}
		inits = append(inits, map[string]any{
			"name": ct.Name, "image": ct.Image, "imageID": "", "ready": ready, "started": started, "restartCount": 0, "state": st,
		})
	}
	status := map[string]any{
		"phase":     "Running",
		"startTime": now,
		"podIP":     podIP,
		"podIPs":    []any{map[string]any{"ip": podIP}},
		"conditions": []any{
			cond(corev1.PodScheduled), cond("PodReadyToStartContainers"), cond(corev1.PodInitialized),
			cond(corev1.ContainersReady), cond(corev1.PodReady),
		},
		"containerStatuses": containers,
	}
	if hostIP != "" {
		status["hostIP"] = hostIP
		status["hostIPs"] = []any{map[string]any{"ip": hostIP}}
	}
	if len(inits) > 0 {
		status["initContainerStatuses"] = inits
	}
	return map[string]any{"status": status}
}
