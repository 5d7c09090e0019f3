package validate

import (
	"net/url"

	"github.com/hashicorp/hcl/v2"
	"k8s.io/apimachinery/pkg/api/resource"
)

// The most pods per node Kubernetes is tested with (kubelet's default
// maxPods), and the prefix length of each node's share of an IPv4 pod range
// (kube-controller-manager's --node-cidr-mask-size, which kubeadm leaves at
// its default of 24).
const (
	maxPodsPerNode = 110
	nodeMaskIPv4   = 24
)

// maxPods checks a max_pods attribute: at least one pod, at most the
// tested limit, and no more than the node's share of the pod range holds
// addresses (a /24: 254, less the network and broadcast addresses).
func (v *validator) maxPods(n *int, rng hcl.Range, ctx *hcl.Range, what string) {
	if n == nil {
		return
	}
	share := 1<<(32-nodeMaskIPv4) - 2
	switch {
	case *n < 1:
		v.errorf(rng, ctx, "Invalid max_pods", "max_pods of %s must be at least 1; got %d.", what, *n)
	case *n > maxPodsPerNode:
		v.errorf(rng, ctx, "More pods per node than Kubernetes supports",
			"max_pods %d on %s is above the %d pods per node Kubernetes is tested with (its documented limit); beyond it the kubelet's pod lifecycle and the container runtime fall behind. Use at most %d and more nodes.", *n, what, maxPodsPerNode, maxPodsPerNode)
	case *n > share:
		v.errorf(rng, ctx, "More pods than the node's pod range holds",
			"max_pods %d on %s exceeds the %d addresses of the /%d each node gets from the pod range.", *n, what, share, nodeMaskIPv4)
	}
}

// tuning checks the overrides of the tuning block.
func (v *validator) tuning() {
	t := v.s.Tuning
	if t == nil {
		return
	}
	ctx := &t.DeclRange
	positive := func(n *int, rng hcl.Range, name string) {
		if n != nil && *n < 1 {
			v.errorf(rng, ctx, "Invalid "+name, "%s must be at least 1; got %d.", name, *n)
		}
	}
	positive(t.MaxRequestsInflight, t.MaxRequestsInflightRange, "max_requests_inflight")
	positive(t.MaxMutatingRequestsInflight, t.MaxMutatingRequestsInflightRange, "max_mutating_requests_inflight")
	positive(t.ControllerManagerQPS, t.ControllerManagerQPSRange, "controller_manager_qps")
	positive(t.ControllerManagerBurst, t.ControllerManagerBurstRange, "controller_manager_burst")
	positive(t.SchedulerQPS, t.SchedulerQPSRange, "scheduler_qps")
	positive(t.SchedulerBurst, t.SchedulerBurstRange, "scheduler_burst")
	positive(t.CoreDNSReplicas, t.CoreDNSReplicasRange, "coredns_replicas")
	if t.EtcdQuota != nil {
		q, err := resource.ParseQuantity(*t.EtcdQuota)
		switch {
		case err != nil || q.Sign() <= 0:
			v.errorf(t.EtcdQuotaRange, ctx, "Invalid etcd_quota", "%q is not a positive quantity such as \"8Gi\".", *t.EtcdQuota)
		case q.Value() > 8<<30:
			v.errorf(t.EtcdQuotaRange, ctx, "etcd quota above 8Gi",
				"etcd_quota %s is above the 8 GiB etcd documents as its largest suggested quota: a larger backend makes startup, defragmentation and snapshots slow. Keep Events in an etcd of their own (events_etcd_servers) instead.", *t.EtcdQuota)
		}
	}
	for _, u := range t.EventsEtcdServers {
		p, err := url.Parse(u)
		if err != nil || p.Scheme != "https" || p.Host == "" || p.Port() == "" || (p.Path != "" && p.Path != "/") || p.User != nil || p.RawQuery != "" || p.Fragment != "" {
			v.errorf(t.EventsEtcdServersRange, ctx, "Invalid etcd server",
				"events_etcd_servers lists client URLs of the etcd that keeps Events, such as \"https://10.0.1.21:2379\"; %q is not one.", u)
		}
	}
	for _, q := range []struct {
		v    *string
		rng  hcl.Range
		name string
	}{{t.PrometheusCPU, t.PrometheusCPURange, "prometheus_cpu"}, {t.PrometheusMemory, t.PrometheusMemoryRange, "prometheus_memory"}} {
		if q.v == nil {
			continue
		}
		v.quantity(*q.v, q.rng, ctx, q.name)
		if v.s.Monitoring == nil {
			v.errorf(q.rng, ctx, "Prometheus size without monitoring", "%s sizes Prometheus, which only a monitoring block deploys.", q.name)
		}
	}
}
