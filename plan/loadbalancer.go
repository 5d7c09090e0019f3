package plan

import (
	"fmt"
	"net/netip"

	"github.com/blueprint-dev/blueprint/spec"
)

// KubeVIPTimings are kube-vip's leader election settings, in seconds
// (vip_leaseduration, vip_renewdeadline, vip_retryperiod): a new leader
// takes the VIP within about LeaseDuration of the old one's loss.
type KubeVIPTimings struct{ LeaseDuration, RenewDeadline, RetryPeriod int }

// Settings of the kube-vip static pods.
const (
	KubeVIPLease     = "plndr-cp-lock" // kube-vip's own default lease name
	KubeVIPMetrics   = 2112            // prometheus_server's port
	AdminConf        = "/etc/kubernetes/admin.conf"
	SuperAdminConf   = "/etc/kubernetes/super-admin.conf"
	LocalProxyHost   = "127.0.0.1"
	KubeletConf      = "/etc/kubernetes/kubelet.conf"
	StaticPodsDir    = "/etc/kubernetes/manifests"
	preflightIgnored = "DirAvailable--etc-kubernetes-manifests"
	// The kube-vip static pods in the tree: one for every control-plane
	// node, and the first node's while kubeadm init runs.
	KubeVIPPod     = "loadbalancer/static-pods/kube-vip.yaml"
	KubeVIPInitPod = "loadbalancer/static-pods/kube-vip-init.yaml"
)

// kubeVIPTimings are the ones kube-vip's documentation gives for control
// planes: a lease of 5 s, renewed within 3 s, retried every second.
var kubeVIPTimings = KubeVIPTimings{LeaseDuration: 5, RenewDeadline: 3, RetryPeriod: 1}

// buildLB fills p.LB and p.Endpoint for the spec's load-balancer mode.
// lbHosts are the dedicated hosts.
func buildLB(p *Plan, s *spec.Spec, lbHosts []Node) {
	lb, n := s.LoadBalancer, s.Network
	p.LB = LoadBalancer{Mode: lb.Mode, Port: lb.PortOrDefault(), CheckWeight: CheckWeight, HealthPath: APIServerHealthPath,
		CheckInterval: CheckInterval, CheckFall: CheckFall, CheckRise: CheckRise, AdvertInterval: AdvertInterval,
		HAProxyInter: HAProxyCheckInter, HAProxyFall: HAProxyCheckFall, HAProxyTimeout: HAProxyTimeout}
	if lb.VIP != nil {
		p.LB.VIP = *lb.VIP
		p.LB.VIPPrefixLen = prefixLen(n.NodeSubnets, *lb.VIP)
		p.LB.Interface = lb.InterfaceOrDefault()
	}
	switch lb.Mode {
	case spec.LBExternal:
		host, port := splitEndpoint(*lb.Endpoint)
		p.Endpoint = Endpoint{Host: host, Port: port}
		p.LB.Port = port
	case spec.LBKubeVIP:
		p.LB.KubeVIP, p.LB.StaticPodsFirst = true, true
		p.LB.KubeVIPLease, p.LB.KubeVIPTimings, p.LB.KubeVIPMetricsPort = KubeVIPLease, kubeVIPTimings, KubeVIPMetrics
		p.Endpoint = Endpoint{Host: p.LB.VIP, Port: APIServerPort}
	case spec.LBLocalProxy:
		p.LB.Managed, p.LB.LocalProxy = true, true
		p.LB.Backends = p.ControlPlane
		p.LB.ProxyNodes = p.Workers
		p.LB.LocalEndpoint = HostPort(LocalProxyHost, APIServerPort)
		// kubeadm writes this into cluster-info, which joining kubelets
		// bootstrap against before their proxy runs; afterwards they use
		// the local proxy (ARCHITECTURE.md's steps).
		p.Endpoint = Endpoint{Host: p.ControlPlane[0].Address, Port: APIServerPort}
	default:
		p.LB.Managed = true
		p.LB.Colocated = lb.Mode == spec.LBColocated
		p.LB.Backends = p.ControlPlane
		if p.LB.Colocated {
			lbHosts = p.ControlPlane
			p.LB.StaticPodsFirst = true
		} else {
			p.LB.Hosts = lbHosts
		}
		if lb.VIP == nil {
			// One dedicated host without keepalived: its own address.
			p.Endpoint = Endpoint{Host: lbHosts[0].Address, Port: p.LB.Port}
			break
		}
		p.LB.Keepalived = true
		p.LB.RouterID = lb.VirtualRouterIDOrDefault()
		p.Endpoint = Endpoint{Host: p.LB.VIP, Port: p.LB.Port}
		p.LB.Peers = peers(lbHosts)
	}
}

func (p *Plan) describeLB() {
	lb := &p.LB
	for _, b := range lb.Backends {
		lb.BackendNames = lb.BackendNames || b.IP() == ""
	}
	lb.BindAddress, lb.LocalCheckHost, lb.LocalProbeHost = "*", "127.0.0.1", "127.0.0.1"
	if a, err := netip.ParseAddr(lb.VIP); err == nil && a.Is6() {
		lb.IPv6, lb.BindAddress, lb.LocalCheckHost, lb.LocalProbeHost = true, "::", "[::1]", "::1"
	}
	switch {
	case lb.KubeVIP:
		lb.Description = fmt.Sprintf("VIP held by kube-vip (ARP, leader election) on the %d control-plane nodes, in front of the API servers' own port", len(p.ControlPlane))
		lb.Short = "VIP"
	case lb.LocalProxy:
		lb.BindAddress = LocalProxyHost
		lb.Description = fmt.Sprintf("no VIP: every node reaches the API at %s, through an HAProxy static pod on each of the %d workers and directly on the control-plane nodes; nodes join through %s", lb.LocalEndpoint, len(lb.ProxyNodes), p.Endpoint)
		lb.Short = "first API server"
	case !lb.Managed:
		lb.Description = "an existing external load balancer"
		lb.Short = "external load balancer"
	case lb.Colocated:
		lb.Description = fmt.Sprintf("VIP held by keepalived, HAProxy on port %d as static pods on the %d control-plane nodes", lb.Port, len(lb.Peers))
		lb.Short = "VIP"
	case !lb.Keepalived:
		lb.Description = fmt.Sprintf("HAProxy on one dedicated host, %s, without keepalived: a single point of failure", lb.Hosts[0].Name)
		lb.Short = "HAProxy"
	default:
		lb.Description = fmt.Sprintf("VIP held by keepalived, HAProxy on %d dedicated hosts", len(lb.Peers))
		lb.Short = "VIP"
	}
}

// KubeVIPView is the data of a kube-vip static pod: the kubeconfig it
// reads, admin.conf, or super-admin.conf on the first control-plane node
// while kubeadm init runs there (kubeadm 1.29 and later give admin.conf
// its rights only once init has created them).
type KubeVIPView struct {
	*Plan
	KubeConfig string
	ForInit    bool
}

// LBSteps are the load balancer's steps of the install order, where its
// mode needs more than copying files: kube-vip's switch from
// super-admin.conf to admin.conf on the first control-plane node, and the
// local proxy's switch of each kubelet and of kube-proxy to 127.0.0.1:6443.
type LBSteps struct {
	BeforeInit []Step // on the first control-plane node, before kubeadm init
	AfterInit  []Step // on it, once kubeadm init is done
	BeforeJoin []Step // on every other control-plane node, before it joins
	AfterJoin  []Step // on every other control-plane node, once it has joined
	Worker     []Step // on every worker, once it has joined
	AllJoined  []Step // on the first control-plane node, once every node has joined
}

// Hosts of LBSteps that stand for several machines.
const (
	EveryWorker       = "every worker"
	EveryOtherMaster  = "every other control-plane node"
	manifestFileMode  = "install -D -m 0600 "
	configFileMode    = "install -D -m 0644 "
	haproxyHostConfig = "/etc/haproxy/haproxy.cfg"
)

// buildLBSteps fills p.LB.Steps for kube-vip and the local proxy.
func buildLBSteps(p *Plan) {
	first := p.ControlPlane[0].Name
	st := &p.LB.Steps
	run := func(kind StepKind, host, command, purpose string) Step {
		return Step{Kind: kind, Host: host, Command: command, Purpose: purpose}
	}
	switch {
	case p.LB.KubeVIP:
		pod := StaticPodsDir + "/kube-vip.yaml"
		st.BeforeInit = []Step{run(StepRun, first, manifestFileMode+KubeVIPInitPod+" "+pod,
			"kube-vip with super-admin.conf, the only kubeconfig with rights while kubeadm init runs")}
		st.AfterInit = []Step{
			run(StepRun, first, manifestFileMode+KubeVIPPod+" "+pod, "kube-vip with admin.conf from now on; the kubelet restarts it"),
			run(StepCheck, first, "curl --silent --fail --insecure --max-time 2 https://"+p.Endpoint.String()+APIServerHealthPath, "the VIP answers"),
		}
		st.BeforeJoin = []Step{run(StepRun, EveryOtherMaster, manifestFileMode+KubeVIPPod+" "+pod,
			"kube-vip joins the election once kubeadm join has written admin.conf and started the kubelet")}
	case p.LB.LocalProxy:
		local := "https://" + p.LB.LocalEndpoint
		edit := "'s#server: https://.*#server: " + local + "#'"
		repoint := func(file string) string { return "sed -i " + edit + " " + file }
		st.AfterJoin = []Step{
			run(StepRun, EveryOtherMaster, repoint(KubeletConf), "the kubelet talks to this node's own API server"),
			run(StepService, EveryOtherMaster, "systemctl restart kubelet", "so that it reads kubelet.conf again"),
		}
		st.Worker = []Step{
			run(StepRun, EveryWorker, configFileMode+"loadbalancer/haproxy.cfg "+haproxyHostConfig, "the local proxy's configuration"),
			run(StepRun, EveryWorker, manifestFileMode+"loadbalancer/static-pods/haproxy.yaml "+StaticPodsDir+"/haproxy.yaml", "the local proxy; the kubelet starts it"),
			run(StepCheck, EveryWorker, "curl --silent --fail --insecure --max-time 2 "+local+APIServerHealthPath, "the proxy reaches an API server"),
			run(StepRun, EveryWorker, repoint(KubeletConf), "the kubelet talks to the API through the proxy, no longer through "+p.Endpoint.String()),
			run(StepService, EveryWorker, "systemctl restart kubelet", "so that it reads kubelet.conf again"),
		}
		kubectl := "kubectl --kubeconfig " + AdminConf + " -n kube-system "
		st.AllJoined = []Step{
			run(StepRun, first, kubectl+"get configmap kube-proxy -o yaml > /tmp/kube-proxy.yaml && "+repoint("/tmp/kube-proxy.yaml")+" && "+kubectl+"apply -f /tmp/kube-proxy.yaml",
				"kube-proxy reaches the API at "+p.LB.LocalEndpoint+" on every node; kubeadm upgrade rewrites this ConfigMap, so repeat this step after each upgrade"),
			run(StepRun, first, kubectl+"rollout restart daemonset kube-proxy", "kube-proxy reads its configuration again"),
		}
	}
}
