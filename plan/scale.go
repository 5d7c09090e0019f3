package plan

import (
	"fmt"
	"math"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/blueprint-dev/blueprint/spec"
)

// Scale is the tuning a cluster of this size needs, from the number of
// nodes (machines that run a kubelet), each setting overridable in the
// spec's tuning block. A zero or empty value keeps the component's own
// default and renders nothing.
type Scale struct {
	Nodes int
	// API server: --max-requests-inflight and
	// --max-mutating-requests-inflight, which with API Priority and Fairness
	// (on by default) add up to the server's total concurrency.
	MaxRequestsInflight, MaxMutatingRequestsInflight int
	// EtcdQuota is etcd's --quota-backend-bytes, as bytes and as written.
	EtcdQuotaBytes int64
	EtcdQuota      string
	// EventsEtcdServers keep Events in an etcd of their own
	// (--etcd-servers-overrides=/events#…).
	EventsEtcdServers []string
	KubeProxyMode     string
	// --kube-api-qps and --kube-api-burst of the controller-manager and the
	// scheduler.
	ControllerManagerQPS, ControllerManagerBurst int
	SchedulerQPS, SchedulerBurst                 int
	CoreDNSReplicas                              int
	// Prometheus' requests and limits, and what they are sized for.
	PrometheusCPU, PrometheusMemory           string
	PrometheusCPULimit, PrometheusMemoryLimit string
	PrometheusSeries                          int64
	PrometheusBytesPerDay                     int64
	// Settings explain each value, for ARCHITECTURE.md.
	Settings []ScaleSetting
	// The flags each component gets beyond its defaults, for the kubeadm
	// configuration's extraArgs.
	APIServerArgs, ControllerManagerArgs, SchedulerArgs, EtcdArgs []Arg
}

// Arg is one extraArgs entry.
type Arg struct{ Name, Value string }

// ScaleSetting is one tuned setting: its value, why, and whether the spec
// set it.
type ScaleSetting struct {
	Setting, Value, Why string
	FromSpec            bool
}

// Kubernetes' tested limits, which blueprint refuses to go beyond.
const (
	MaxNodes       = 5000
	MaxPodsPerNode = 110
	MaxPods        = 150000
)

// The components' defaults.
const (
	defaultMaxRequestsInflight         = 400
	defaultMaxMutatingRequestsInflight = 200
	defaultEtcdQuota                   = 2 << 30
	maxEtcdQuota                       = 8 << 30
	defaultControllerManagerQPS        = 20
	defaultControllerManagerBurst      = 30
	defaultSchedulerQPS                = 50
	defaultSchedulerBurst              = 100
	kubeadmCoreDNSReplicas             = 2
	// Nodes from which the settings grow.
	largeCluster = 500
	// nftablesFrom is the node count from which kube-proxy runs in nftables
	// mode.
	nftablesFrom = 1000
	// eventsEtcdFrom is the node count from which Events belong in an etcd
	// of their own.
	eventsEtcdFrom = 1000
	// Sizing assumptions, explained in ARCHITECTURE.md.
	etcdBytesPerPod         = 8 << 10
	nodesPerCoreDNS         = 16
	seriesPerNode           = 1500
	seriesFixed             = 50000
	bytesPerSeriesInMemory  = 4 << 10
	scrapesPerDay           = 86400 / 30
	bytesPerSampleOnDisk    = 1.3
	prometheusMinMemory     = 2 << 30
	prometheusMinMilliCPU   = 500
	seriesPerPrometheusCore = 400000
	defaultRetentionDays    = 15
)

// scale derives the settings from the node count and the spec's overrides.
func (p *Plan) scale(s *spec.Spec) {
	sc := &p.Scale
	sc.Nodes = len(p.ClusterNodes())
	n := sc.Nodes
	t := s.Tuning
	if t == nil {
		t = &spec.Tuning{}
	}
	set := func(setting, value, why string, fromSpec bool) {
		sc.Settings = append(sc.Settings, ScaleSetting{setting, value, why, fromSpec})
	}
	pick := func(spec *int, derived int) (int, bool) {
		if spec != nil {
			return *spec, true
		}
		return derived, false
	}

	// API server concurrency.
	ro, mut := defaultMaxRequestsInflight, defaultMaxMutatingRequestsInflight
	switch {
	case n > 3000:
		ro, mut = 3000, 1000
	case n > 1000:
		ro, mut = 1600, 800
	case n > largeCluster:
		ro, mut = 800, 400
	}
	var fromSpec bool
	sc.MaxRequestsInflight, fromSpec = pick(t.MaxRequestsInflight, ro)
	set("kube-apiserver --max-requests-inflight", fmt.Sprint(sc.MaxRequestsInflight),
		fmt.Sprintf("read-only requests in flight; with API Priority and Fairness the two limits add up to the server's concurrency, shared among priority levels. Every kubelet renews its Lease every 10 s and reports its status, and controllers list and watch more with every node: the defaults (%d and %d) serve up to %d nodes, and blueprint raises them to 800/400 above that, 1,600/800 above 1,000 and 3,000/1,000 above 3,000 nodes", defaultMaxRequestsInflight, defaultMaxMutatingRequestsInflight, largeCluster), fromSpec)
	sc.MaxMutatingRequestsInflight, fromSpec = pick(t.MaxMutatingRequestsInflight, mut)
	set("kube-apiserver --max-mutating-requests-inflight", fmt.Sprint(sc.MaxMutatingRequestsInflight), "writes in flight, as above", fromSpec)

	// etcd's quota, sized for the object count.
	estimate := int64(n) * int64(p.maxPodsPerNode(s)) * etcdBytesPerPod
	quota := int64(defaultEtcdQuota)
	for quota < 2*estimate && quota < maxEtcdQuota {
		quota *= 2
	}
	sc.EtcdQuotaBytes, fromSpec = quota, false
	if t.EtcdQuota != nil {
		if q, err := resource.ParseQuantity(*t.EtcdQuota); err == nil {
			sc.EtcdQuotaBytes, fromSpec = q.Value(), true
		}
	}
	sc.EtcdQuota = resource.NewQuantity(sc.EtcdQuotaBytes, resource.BinarySI).String()
	set("etcd --quota-backend-bytes", sc.EtcdQuota,
		fmt.Sprintf("%d nodes at up to %d pods each are about %s of pod objects (8 KiB each, with their status); the quota keeps twice that for the history etcd holds until it compacts, from etcd's default 2 GiB up to the 8 GiB etcd recommends as the most", n, p.maxPodsPerNode(s), bytesText(estimate)), fromSpec)

	// Events.
	sc.EventsEtcdServers = t.EventsEtcdServers
	switch {
	case len(sc.EventsEtcdServers) > 0:
		set("kube-apiserver --etcd-servers-overrides", "/events#"+strings.Join(sc.EventsEtcdServers, ";"),
			"Events, the objects written most, go to an etcd of their own, so their churn neither fills the main etcd's quota nor slows its writes", true)
	case n >= eventsEtcdFrom:
		set("Events in an etcd of their own", "no: set tuning.events_etcd_servers",
			fmt.Sprintf("with %d nodes Kubernetes' large-cluster guidance keeps Events in a separate etcd; blueprint provisions none, so run one and name its client URLs in tuning.events_etcd_servers", n), false)
	default:
		set("Events in an etcd of their own", "no", fmt.Sprintf("below %d nodes the main etcd carries Events well", eventsEtcdFrom), false)
	}

	// kube-proxy.
	mode := "iptables"
	if n >= nftablesFrom {
		mode = "nftables"
	}
	fromSpec = false
	if s.Network != nil && s.Network.ProxyMode != nil {
		mode, fromSpec = *s.Network.ProxyMode, true
	}
	sc.KubeProxyMode = mode
	p.ProxyMode = mode
	set("kube-proxy mode", mode,
		fmt.Sprintf("iptables rewrites its rules whole on every change, which grows with Services and endpoints; nftables (GA since Kubernetes 1.33, every release blueprint supports; Linux 5.13 or newer) updates them incrementally, so blueprint uses it from %d nodes, where Services and endpoints are many", nftablesFrom), fromSpec)

	// Controller-manager and scheduler client rates.
	qps := func(def int) int {
		if n <= largeCluster {
			return def
		}
		return max(def, min(500, n/10))
	}
	// Burst: twice the rate, unless the rate is the default.
	burst := func(spec *int, q, defQ, defB int) (int, bool) {
		if spec != nil {
			return *spec, true
		}
		if q == defQ {
			return defB, false
		}
		return 2 * q, false
	}
	sc.ControllerManagerQPS, fromSpec = pick(t.ControllerManagerQPS, qps(defaultControllerManagerQPS))
	set("kube-controller-manager --kube-api-qps", fmt.Sprint(sc.ControllerManagerQPS),
		fmt.Sprintf("the controllers' request rate: the default %d per second serves up to %d nodes; above that, one per 10 nodes, at most 500", defaultControllerManagerQPS, largeCluster), fromSpec)
	sc.ControllerManagerBurst, fromSpec = burst(t.ControllerManagerBurst, sc.ControllerManagerQPS, defaultControllerManagerQPS, defaultControllerManagerBurst)
	set("kube-controller-manager --kube-api-burst", fmt.Sprint(sc.ControllerManagerBurst), fmt.Sprintf("twice the rate when it is raised (default %d)", defaultControllerManagerBurst), fromSpec)
	sc.SchedulerQPS, fromSpec = pick(t.SchedulerQPS, qps(defaultSchedulerQPS))
	set("kube-scheduler --kube-api-qps", fmt.Sprint(sc.SchedulerQPS),
		fmt.Sprintf("bindings and status updates per second: the default %d serves up to %d nodes; above that, one per 10 nodes, at most 500", defaultSchedulerQPS, largeCluster), fromSpec)
	sc.SchedulerBurst, fromSpec = burst(t.SchedulerBurst, sc.SchedulerQPS, defaultSchedulerQPS, defaultSchedulerBurst)
	set("kube-scheduler --kube-api-burst", fmt.Sprint(sc.SchedulerBurst), fmt.Sprintf("twice the rate when it is raised (default %d)", defaultSchedulerBurst), fromSpec)

	// CoreDNS.
	sc.CoreDNSReplicas, fromSpec = pick(t.CoreDNSReplicas, max(kubeadmCoreDNSReplicas, (n+nodesPerCoreDNS-1)/nodesPerCoreDNS))
	set("CoreDNS replicas", fmt.Sprint(sc.CoreDNSReplicas),
		fmt.Sprintf("one per %d nodes, at least kubeadm's %d, as the cluster-proportional autoscaler's linear mode does: every pod resolves names through them", nodesPerCoreDNS, kubeadmCoreDNSReplicas), fromSpec)

	sc.args()

	// Prometheus.
	if m := p.Services.Monitoring; m != nil {
		series := int64(n)*seriesPerNode + seriesFixed
		sc.PrometheusSeries = series
		sc.PrometheusBytesPerDay = int64(float64(series) * scrapesPerDay * bytesPerSampleOnDisk)
		mem := max(int64(prometheusMinMemory), roundUp(series*bytesPerSeriesInMemory, 1<<30))
		cpu := max(int64(prometheusMinMilliCPU), roundUp(series*1000/seriesPerPrometheusCore, 100))
		sc.PrometheusMemory, sc.PrometheusCPU = resource.NewQuantity(mem, resource.BinarySI).String(), resource.NewMilliQuantity(cpu, resource.DecimalSI).String()
		memFromSpec, cpuFromSpec := false, false
		if t.PrometheusMemory != nil {
			if q, err := resource.ParseQuantity(*t.PrometheusMemory); err == nil {
				mem, sc.PrometheusMemory, memFromSpec = q.Value(), *t.PrometheusMemory, true
			}
		}
		if t.PrometheusCPU != nil {
			if q, err := resource.ParseQuantity(*t.PrometheusCPU); err == nil {
				cpu, sc.PrometheusCPU, cpuFromSpec = q.MilliValue(), *t.PrometheusCPU, true
			}
		}
		sc.PrometheusMemoryLimit = resource.NewQuantity(max(mem*2, 4<<30), resource.BinarySI).String()
		sc.PrometheusCPULimit = resource.NewMilliQuantity(max(cpu*4, 2000), resource.DecimalSI).String()
		set("Prometheus memory request", sc.PrometheusMemory,
			fmt.Sprintf("about %d active series (%d per node for node-exporter, the kubelet and its pods, and %d for the control plane and the services), at 4 KiB each in the head block, at least 2Gi; the limit is twice that", series, seriesPerNode, seriesFixed), memFromSpec)
		set("Prometheus CPU request", sc.PrometheusCPU, "one core per 400,000 series scraped every 30 s, at least 500m; the limit is four times that", cpuFromSpec)
		days := float64(quantityBytes(m.VolumeSize)) * 0.85 / float64(sc.PrometheusBytesPerDay)
		fromSpec = s.Monitoring.Retention != nil
		if !fromSpec && days < defaultRetentionDays {
			// Keep what the volume holds, rather than a promise it cannot.
			m.Retention = fmt.Sprintf("%dd", max(1, int(days)))
		}
		set("Prometheus retention", m.Retention,
			fmt.Sprintf("about %s of samples a day (1.3 bytes a sample); the %s volume holds %s of them (without a retention in the spec, blueprint keeps %d days, or fewer if the volume holds fewer), and --storage.tsdb.retention.size (%s) drops the oldest blocks before the volume fills, whichever limit comes first", bytesText(sc.PrometheusBytesPerDay), m.VolumeSize, daysText(days), defaultRetentionDays, m.RetentionSize), fromSpec)
	}
}

// maxPodsPerNode is the largest maxPods of the design.
func (p *Plan) maxPodsPerNode(s *spec.Spec) int {
	most := DefaultMaxPods
	if s.ControlPlane != nil && s.ControlPlane.MaxPods != nil {
		most = *s.ControlPlane.MaxPods
	}
	for _, np := range s.NodePools {
		if np.MaxPods != nil {
			most = max(most, *np.MaxPods)
		}
	}
	return most
}

func roundUp(v, unit int64) int64 { return (v + unit - 1) / unit * unit }

func quantityBytes(s string) int64 {
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return 0
	}
	return q.Value()
}

// bytesText writes a size for people: "3.2 GiB".
func bytesText(b int64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", b>>10)
}

func daysText(d float64) string {
	if d >= 365 {
		return "more than a year"
	}
	return fmt.Sprintf("about %d days", int(math.Floor(d)))
}

// args lists the flags that differ from the components' defaults.
func (sc *Scale) args() {
	add := func(list *[]Arg, name string, v, def int) {
		if v != def {
			*list = append(*list, Arg{name, fmt.Sprint(v)})
		}
	}
	add(&sc.APIServerArgs, "max-requests-inflight", sc.MaxRequestsInflight, defaultMaxRequestsInflight)
	add(&sc.APIServerArgs, "max-mutating-requests-inflight", sc.MaxMutatingRequestsInflight, defaultMaxMutatingRequestsInflight)
	if len(sc.EventsEtcdServers) > 0 {
		sc.APIServerArgs = append(sc.APIServerArgs, Arg{"etcd-servers-overrides", "/events#" + strings.Join(sc.EventsEtcdServers, ";")})
	}
	add(&sc.ControllerManagerArgs, "kube-api-qps", sc.ControllerManagerQPS, defaultControllerManagerQPS)
	add(&sc.ControllerManagerArgs, "kube-api-burst", sc.ControllerManagerBurst, defaultControllerManagerBurst)
	add(&sc.SchedulerArgs, "kube-api-qps", sc.SchedulerQPS, defaultSchedulerQPS)
	add(&sc.SchedulerArgs, "kube-api-burst", sc.SchedulerBurst, defaultSchedulerBurst)
	if sc.EtcdQuotaBytes != defaultEtcdQuota {
		sc.EtcdArgs = append(sc.EtcdArgs, Arg{"quota-backend-bytes", fmt.Sprint(sc.EtcdQuotaBytes)})
	}
}
