package pipeline_test

// The rule and dashboard test framework. promtool checks that a rule
// parses; it cannot tell whether an alert ever fires, or whether a panel
// ever shows data, on the series the cluster really has. Those depend on
// the labels each series carries, which come from the exporter and from the
// scrape: service discovery, relabeling, honor_labels. So this framework
//
//   1. discovers the scrape targets of the rendered prometheus.yml the way
//      Prometheus' Kubernetes service discovery would (the meta labels of
//      discovery/kubernetes at Prometheus 3.16) on a simulated cluster built
//      from the plan's nodes and the rendered workloads and Services (and
//      the pods prometheus-operator and ECK make of the tree's resources,
//      as the forecast reads them), and applies each job's relabel_configs
//      as model/relabel does; on the operator engine the rules and jobs are
//      what its Prometheus loads (prometheusStack, promstack_test.go);
//   2. builds input series from a catalog of what each pinned exporter
//      exposes (promcatalog_test.go), with the target's labels merged as a
//      scrape merges them (honor_labels or exported_ prefixes);
//   3. writes a promtool unit test file: for each alerting rule one group
//      where the alert must fire (its case's bad input) and one where it
//      must stay silent (the healthy catalog), and for each Grafana panel
//      query and dashboard variable one group where the query must return a
//      value, on the healthy catalog;
//   4. runs promtool test rules, and fails when a rendered alert has no case
//      or a query reads a metric the catalog does not know.
//
// Other rule files (HDFS, Kafka, etcd backups, the search cluster) add a
// catalog entry per metric their exporter exposes and a case per alert in
// alertCases; TestPrometheusRulesAndDashboards then covers them.

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/forecast"
	"github.com/blueprint-dev/blueprint/internal/manifest"
	"github.com/blueprint-dev/blueprint/plan"
)

// scrapeConfig is the part of a prometheus.yml scrape job that decides the
// labels of its series.
type scrapeConfig struct {
	JobName       string `json:"job_name"`
	Scheme        string `json:"scheme"`
	MetricsPath   string `json:"metrics_path"`
	HonorLabels   bool   `json:"honor_labels"`
	StaticConfigs []struct {
		Targets []string          `json:"targets"`
		Labels  map[string]string `json:"labels"`
	} `json:"static_configs"`
	KubernetesSDConfigs []struct {
		Role       string `json:"role"`
		Namespaces *struct {
			Names []string `json:"names"`
		} `json:"namespaces"`
	} `json:"kubernetes_sd_configs"`
	RelabelConfigs []relabelConfig `json:"relabel_configs"`
}

type relabelConfig struct {
	SourceLabels []string `json:"source_labels"`
	Separator    *string  `json:"separator"`
	Regex        *string  `json:"regex"`
	TargetLabel  string   `json:"target_label"`
	Replacement  *string  `json:"replacement"`
	Action       string   `json:"action"`
}

// relabel applies relabel_configs to a target's labels as Prometheus'
// model/relabel does, and reports whether the target is kept.
func relabel(t *testing.T, job string, ls map[string]string, cfgs []relabelConfig) bool {
	t.Helper()
	for _, c := range cfgs {
		sep, regex, repl, action := ";", "(.*)", "$1", "replace"
		if c.Separator != nil {
			sep = *c.Separator
		}
		if c.Regex != nil {
			regex = *c.Regex
		}
		if c.Replacement != nil {
			repl = *c.Replacement
		}
		if c.Action != "" {
			action = strings.ToLower(c.Action)
		}
		re, err := regexp.Compile("^(?s:" + regex + ")$")
		if err != nil {
			t.Fatalf("job %s: relabel regex %q: %v", job, regex, err)
		}
		values := make([]string, len(c.SourceLabels))
		for i, l := range c.SourceLabels {
			values[i] = ls[l]
		}
		val := strings.Join(values, sep)
		switch action {
		case "keep":
			if !re.MatchString(val) {
				return false
			}
		case "drop":
			if re.MatchString(val) {
				return false
			}
		case "replace":
			m := re.FindStringSubmatchIndex(val)
			if m == nil {
				continue
			}
			target := string(re.ExpandString(nil, c.TargetLabel, val, m))
			res := string(re.ExpandString(nil, repl, val, m))
			if res == "" {
				delete(ls, target)
			} else {
				ls[target] = res
			}
		case "labelmap":
			for _, k := range slices.Sorted(maps.Keys(ls)) {
				if re.MatchString(k) {
					ls[re.ReplaceAllString(k, repl)] = ls[k]
				}
			}
		case "labeldrop", "labelkeep":
			for k := range ls {
				if re.MatchString(k) == (action == "labeldrop") {
					delete(ls, k)
				}
			}
		default:
			t.Fatalf("job %s: relabel action %q is not simulated here; add it to relabel()", job, c.Action)
		}
	}
	return true
}

// simNode, simPod and simService are the cluster the simulated service
// discovery sees.
type simNode struct {
	Name, IP string
	Labels   map[string]string
	Taints   []corev1.Taint
}

type simPod struct {
	Name, Namespace, Node, IP, HostIP string
	Labels, Annotations               map[string]string
	Spec                              corev1.PodSpec
	OwnerKind, OwnerName              string // the workload object that makes the pod
}

type simService struct {
	Namespace, Name string
	Selector        map[string]string
	Ports           []corev1.ServicePort
	// Endpoints, for a Service without a selector: addresses and the port
	// each Ports entry has there.
	Endpoints []string
}

// promTarget is one scrape target after relabeling.
type promTarget struct {
	Job    string
	Labels map[string]string // the labels its series carry: job, instance and what relabeling set
	Honor  bool              // honor_labels: the exporter's labels win over the target's
	Pod    *simPod           // the pod scraped, if it is one
}

// promEnv is one rendered design as Prometheus sees it.
type promEnv struct {
	t        *testing.T
	ex       example
	nodes    []simNode
	pods     []simPod
	services []simService
	objects  []manifest.Object
	targets  map[string][]promTarget // by job
	rules    []promRule
	// operatorMade are the workloads of the simulated cluster an operator
	// makes from the tree's resources (addOperatorPods).
	operatorMade []*forecast.Workload
}

// promRule is one rule of a rendered rule file.
type promRule struct {
	File, Group string
	Alert       string
	Record      string
	Expr        string
	For         string
	Labels      map[string]string
	Annotations map[string]string
}

// Key names an alerting rule in alertCases: its alert name, with its
// severity when several rules share that name.
func (r promRule) key(rules []promRule) string {
	n := 0
	for _, o := range rules {
		if o.Alert == r.Alert {
			n++
		}
	}
	if n > 1 {
		return r.Alert + "/" + r.Labels["severity"]
	}
	return r.Alert
}

// newPromEnv simulates the cluster of a rendered example and discovers its
// scrape targets.
func newPromEnv(t *testing.T, ex example) *promEnv {
	t.Helper()
	e := &promEnv{t: t, ex: ex, objects: rootObjects(t, ex), targets: map[string][]promTarget{}}
	e.simulateCluster()
	// What the Prometheus loads, on either engine.
	stack := prometheusStack(t, ex)
	var cfg struct {
		ScrapeConfigs []scrapeConfig `json:"scrape_configs"`
	}
	if err := yaml.Unmarshal(stack.Config, &cfg); err != nil {
		t.Fatalf("%s: prometheus.yml: %v", ex.name, err)
	}
	for _, sc := range cfg.ScrapeConfigs {
		e.discover(sc)
	}
	for _, name := range slices.Sorted(maps.Keys(stack.Rules)) {
		var f ruleFile
		if err := yaml.UnmarshalStrict(stack.Rules[name], &f); err != nil {
			t.Fatalf("%s: %s: %v", ex.name, name, err)
		}
		for _, g := range f.Groups {
			for _, r := range g.Rules {
				pr := promRule{File: name, Group: g.Name, Alert: r.Alert, Record: r.Record, Expr: r.Expr, Labels: r.Labels, Annotations: r.Annotations}
				if r.For != nil {
					pr.For = *r.For
				}
				e.rules = append(e.rules, pr)
			}
		}
	}
	return e
}

// simulateCluster builds the nodes from the plan (addresses for counted
// pool nodes from the first node subnet) and the pods and Services from the
// rendered manifests, with what kubeadm adds: the API servers behind
// default/kubernetes, and CoreDNS behind kube-system/kube-dns.
func (e *promEnv) simulateCluster() {
	used := map[string]bool{}
	for _, n := range e.ex.plan.ClusterNodes() {
		used[n.Address] = true
	}
	nodeAddr := e.allocator(e.ex.plan.NodeSubnets[0], 200, used)
	for _, n := range e.ex.plan.ClusterNodes() {
		sn := simNode{Name: n.Name, IP: n.Address, Labels: map[string]string{"kubernetes.io/hostname": n.Name, "kubernetes.io/os": "linux"}}
		if sn.IP == "" {
			sn.IP = nodeAddr()
		}
		for _, l := range n.Labels {
			sn.Labels[l.Key] = l.Value
		}
		for _, tt := range n.Taints {
			sn.Taints = append(sn.Taints, corev1.Taint{Key: tt.Key, Value: tt.Value, Effect: corev1.TaintEffect(tt.Effect)})
		}
		e.nodes = append(e.nodes, sn)
	}
	first, _, _ := strings.Cut(e.ex.plan.PodSubnet, ",")
	podAddr := e.allocator(first, 10, map[string]bool{})

	var cp []string
	for _, n := range e.ex.plan.ControlPlane {
		cp = append(cp, n.Address)
	}
	e.services = append(e.services,
		simService{Namespace: "default", Name: "kubernetes", Endpoints: cp,
			Ports: []corev1.ServicePort{{Name: "https", Port: 443, TargetPort: intstr.FromInt32(6443)}}},
		simService{Namespace: "kube-system", Name: "kube-dns", Selector: map[string]string{"k8s-app": "kube-dns"},
			Ports: []corev1.ServicePort{{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP}, {Name: "dns-tcp", Port: 53},
				{Name: "metrics", Port: 9153}}})
	coredns := corev1.PodSpec{Containers: []corev1.Container{{Name: "coredns", Ports: []corev1.ContainerPort{
		{Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP}, {Name: "dns-tcp", ContainerPort: 53},
		{Name: "metrics", ContainerPort: 9153}}}},
		Tolerations: []corev1.Toleration{{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule}}}
	e.addPods("kube-system", "coredns", "Deployment", map[string]string{"k8s-app": "kube-dns"}, nil, coredns, 2, podAddr)

	for _, o := range e.objects {
		switch obj := o.Object.(type) {
		case *corev1.Service:
			e.services = append(e.services, simService{Namespace: obj.Namespace, Name: obj.Name, Selector: obj.Spec.Selector, Ports: obj.Spec.Ports})
		case *appsv1.Deployment:
			e.addPods(obj.Namespace, obj.Name, "Deployment", obj.Spec.Template.Labels, obj.Spec.Template.Annotations, obj.Spec.Template.Spec, replicas(obj.Spec.Replicas), podAddr)
		case *appsv1.StatefulSet:
			e.addPods(obj.Namespace, obj.Name, "StatefulSet", obj.Spec.Template.Labels, obj.Spec.Template.Annotations, obj.Spec.Template.Spec, replicas(obj.Spec.Replicas), podAddr)
		case *appsv1.DaemonSet:
			e.addPods(obj.Namespace, obj.Name, "DaemonSet", obj.Spec.Template.Labels, obj.Spec.Template.Annotations, obj.Spec.Template.Spec, -1, podAddr)
		}
	}
	e.addStrimziExporter(podAddr)
	e.addOperatorPods(podAddr)
}

func replicas(r *int32) int {
	if r == nil {
		return 1
	}
	return int(*r)
}

// allocator hands out addresses of a prefix from an offset on, skipping
// those in use.
func (e *promEnv) allocator(cidr string, offset int, used map[string]bool) func() string {
	pfx, err := netip.ParsePrefix(cidr)
	if err != nil {
		e.t.Fatalf("%s: %v", cidr, err)
	}
	next := pfx.Masked().Addr()
	for range offset {
		next = next.Next()
	}
	return func() string {
		for used[next.String()] {
			next = next.Next()
		}
		a := next.String()
		used[a] = true
		next = next.Next()
		return a
	}
}

// addPods places a workload's pods: a DaemonSet's (n < 0) on every node
// it tolerates and selects, the others round-robin over those nodes.
func (e *promEnv) addPods(ns, name, kind string, podLabels, annotations map[string]string, spec corev1.PodSpec, n int, addr func() string) {
	var fits []simNode
	for _, node := range e.nodes {
		if labels.SelectorFromSet(spec.NodeSelector).Matches(labels.Set(node.Labels)) && tolerates(spec.Tolerations, node.Taints) {
			fits = append(fits, node)
		}
	}
	if len(fits) == 0 {
		e.t.Fatalf("%s: %s %s/%s fits no node of the simulated cluster", e.ex.name, kind, ns, name)
	}
	if n < 0 {
		n = len(fits)
	}
	h := fnv.New32a()
	h.Write([]byte(ns + "/" + name))
	hash := fmt.Sprintf("%08x", h.Sum32())
	for i := range n {
		node := fits[i%len(fits)]
		p := simPod{Namespace: ns, Node: node.Name, HostIP: node.IP, Labels: podLabels, Annotations: annotations,
			Spec: spec, OwnerKind: kind, OwnerName: name}
		switch kind {
		case "StatefulSet":
			p.Name = fmt.Sprintf("%s-%d", name, i)
		case "DaemonSet":
			p.Name = fmt.Sprintf("%s-%s%d", name, hash[:4], i)
		default:
			p.Name = fmt.Sprintf("%s-%s%02x-%s%d", name, hash, i, hash[4:8], i)
		}
		if spec.HostNetwork {
			p.IP = node.IP
		} else {
			p.IP = addr()
		}
		e.pods = append(e.pods, p)
	}
}

// tolerates reports whether tolerations let a pod onto a node with taints
// (NoSchedule and NoExecute).
func tolerates(tols []corev1.Toleration, taints []corev1.Taint) bool {
	for _, taint := range taints {
		if taint.Effect == corev1.TaintEffectPreferNoSchedule {
			continue
		}
		if !slices.ContainsFunc(tols, func(tol corev1.Toleration) bool {
			key := (tol.Key == "" && tol.Operator == corev1.TolerationOpExists) || (tol.Key == taint.Key &&
				(tol.Operator == corev1.TolerationOpExists || tol.Value == taint.Value))
			return key && (tol.Effect == "" || tol.Effect == taint.Effect)
		}) {
			return false
		}
	}
	return true
}

// sanitize turns a Kubernetes label or annotation name into the suffix of a
// meta label, as Prometheus' strutil.SanitizeLabelName does.
var unsafeLabelChars = regexp.MustCompile(`[^a-zA-Z0-9_]`)

func sanitize(s string) string { return unsafeLabelChars.ReplaceAllString(s, "_") }

// podMeta are the labels Prometheus' Kubernetes discovery puts on every
// target of a pod (discovery/kubernetes/pod.go podLabels).
func podMeta(p *simPod) map[string]string {
	m := map[string]string{
		"__meta_kubernetes_namespace":           p.Namespace,
		"__meta_kubernetes_pod_name":            p.Name,
		"__meta_kubernetes_pod_ip":              p.IP,
		"__meta_kubernetes_pod_ready":           "true",
		"__meta_kubernetes_pod_phase":           "Running",
		"__meta_kubernetes_pod_node_name":       p.Node,
		"__meta_kubernetes_pod_host_ip":         p.HostIP,
		"__meta_kubernetes_pod_uid":             "00000000-0000-4000-8000-" + fmt.Sprintf("%012x", len(p.Name)),
		"__meta_kubernetes_pod_controller_kind": p.OwnerKind,
		"__meta_kubernetes_pod_controller_name": p.OwnerName,
	}
	if p.OwnerKind == "Deployment" {
		m["__meta_kubernetes_pod_controller_kind"] = "ReplicaSet"
	}
	for k, v := range p.Labels {
		m["__meta_kubernetes_pod_label_"+sanitize(k)] = v
		m["__meta_kubernetes_pod_labelpresent_"+sanitize(k)] = "true"
	}
	for k, v := range p.Annotations {
		m["__meta_kubernetes_pod_annotation_"+sanitize(k)] = v
		m["__meta_kubernetes_pod_annotationpresent_"+sanitize(k)] = "true"
	}
	return m
}

// discover finds a job's targets, relabels them and keeps those left.
func (e *promEnv) discover(sc scrapeConfig) {
	t := e.t
	var found []map[string]string
	var pods []*simPod
	add := func(ls map[string]string, p *simPod) {
		found = append(found, ls)
		pods = append(pods, p)
	}
	for _, sc := range sc.StaticConfigs {
		for _, addr := range sc.Targets {
			ls := maps.Clone(sc.Labels)
			if ls == nil {
				ls = map[string]string{}
			}
			ls["__address__"] = addr
			add(ls, nil)
		}
	}
	for _, sd := range sc.KubernetesSDConfigs {
		inNS := func(ns string) bool {
			return sd.Namespaces == nil || len(sd.Namespaces.Names) == 0 || slices.Contains(sd.Namespaces.Names, ns)
		}
		switch sd.Role {
		case "node":
			for _, n := range e.nodes {
				ls := map[string]string{"__address__": plan.HostPort(n.IP, 10250), "instance": n.Name,
					"__meta_kubernetes_node_name": n.Name, "__meta_kubernetes_node_address_InternalIP": n.IP,
					"__meta_kubernetes_node_address_Hostname": n.Name, "__meta_kubernetes_node_provider_id": ""}
				for k, v := range n.Labels {
					ls["__meta_kubernetes_node_label_"+sanitize(k)] = v
					ls["__meta_kubernetes_node_labelpresent_"+sanitize(k)] = "true"
				}
				add(ls, nil)
			}
		case "pod":
			for i := range e.pods {
				p := &e.pods[i]
				if !inNS(p.Namespace) {
					continue
				}
				for ci, c := range append(append([]corev1.Container{}, p.Spec.Containers...), p.Spec.InitContainers...) {
					base := podMeta(p)
					base["__meta_kubernetes_pod_container_name"] = c.Name
					base["__meta_kubernetes_pod_container_init"] = strconv.FormatBool(ci >= len(p.Spec.Containers))
					if len(c.Ports) == 0 {
						base["__address__"] = p.IP
						add(base, p)
						continue
					}
					for _, cp := range c.Ports {
						ls := maps.Clone(base)
						ls["__address__"] = plan.HostPort(p.IP, int(cp.ContainerPort))
						ls["__meta_kubernetes_pod_container_port_name"] = cp.Name
						ls["__meta_kubernetes_pod_container_port_number"] = strconv.Itoa(int(cp.ContainerPort))
						ls["__meta_kubernetes_pod_container_port_protocol"] = string(orTCP(cp.Protocol))
						add(ls, p)
					}
				}
			}
		case "endpointslice":
			for _, s := range e.services {
				if !inNS(s.Namespace) {
					continue
				}
				svc := map[string]string{"__meta_kubernetes_namespace": s.Namespace, "__meta_kubernetes_service_name": s.Name,
					"__meta_kubernetes_endpointslice_address_type": "IPv4"}
				for _, port := range s.Ports {
					if s.Selector == nil {
						for _, a := range s.Endpoints {
							ls := maps.Clone(svc)
							ls["__address__"] = plan.HostPort(a, port.TargetPort.IntValue())
							ls["__meta_kubernetes_endpointslice_port_name"] = port.Name
							ls["__meta_kubernetes_endpointslice_port"] = strconv.Itoa(port.TargetPort.IntValue())
							ls["__meta_kubernetes_endpointslice_endpoint_conditions_ready"] = "true"
							add(ls, nil)
						}
						continue
					}
					for i := range e.pods {
						p := &e.pods[i]
						if p.Namespace != s.Namespace || !labels.SelectorFromSet(s.Selector).Matches(labels.Set(p.Labels)) {
							continue
						}
						number := resolvePort(p, port)
						if number == 0 {
							continue
						}
						ls := maps.Clone(svc)
						maps.Copy(ls, podMeta(p))
						ls["__address__"] = plan.HostPort(p.IP, number)
						ls["__meta_kubernetes_endpointslice_port_name"] = port.Name
						ls["__meta_kubernetes_endpointslice_port"] = strconv.Itoa(number)
						ls["__meta_kubernetes_endpointslice_port_protocol"] = string(orTCP(port.Protocol))
						ls["__meta_kubernetes_endpointslice_endpoint_conditions_ready"] = "true"
						ls["__meta_kubernetes_endpointslice_endpoint_node_name"] = p.Node
						ls["__meta_kubernetes_endpointslice_address_target_kind"] = "Pod"
						ls["__meta_kubernetes_endpointslice_address_target_name"] = p.Name
						add(ls, p)
					}
				}
			}
		default:
			t.Fatalf("job %s: Kubernetes discovery role %q is not simulated here; add it to discover()", sc.JobName, sd.Role)
		}
	}
	seen := map[string]bool{}
	for i, ls := range found {
		// PopulateDiscoveredLabels: what the scrape config sets, unless
		// discovery did.
		for k, v := range map[string]string{"job": sc.JobName, "__scheme__": or(sc.Scheme, "http"),
			"__metrics_path__": or(sc.MetricsPath, "/metrics"), "__scrape_interval__": "30s", "__scrape_timeout__": "10s"} {
			if ls[k] == "" {
				ls[k] = v
			}
		}
		if !relabel(t, sc.JobName, ls, sc.RelabelConfigs) || ls["__address__"] == "" {
			continue
		}
		if ls["instance"] == "" {
			ls["instance"] = ls["__address__"]
		}
		out := map[string]string{}
		for k, v := range ls {
			if !strings.HasPrefix(k, "__") && v != "" {
				out[k] = v
			}
		}
		// Targets with the same labels are one target.
		key := fmt.Sprint(sortedPairs(out))
		if seen[key] {
			continue
		}
		seen[key] = true
		e.targets[sc.JobName] = append(e.targets[sc.JobName], promTarget{Job: sc.JobName, Labels: out, Honor: sc.HonorLabels, Pod: pods[i]})
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func orTCP(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

// resolvePort finds the container port a Service port sends to on a pod,
// or 0 if the pod has none of that name.
func resolvePort(p *simPod, sp corev1.ServicePort) int {
	tp := sp.TargetPort
	if tp.String() == "0" || tp.String() == "" {
		return int(sp.Port)
	}
	if tp.IntValue() > 0 {
		return tp.IntValue()
	}
	for _, c := range p.Spec.Containers {
		for _, cp := range c.Ports {
			if cp.Name == tp.StrVal {
				return int(cp.ContainerPort)
			}
		}
	}
	return 0
}

func sortedPairs(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, k+"="+m[k])
	}
	return out
}

// promSeries is one input series of a promtool test.
type promSeries struct {
	Labels map[string]string // __name__ included
	Values string            // promtool's expanding notation; {n} is replaced by the sample count
}

// String writes the series as promtool reads it.
func (s promSeries) String() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(s.Labels)) {
		if k != "__name__" {
			parts = append(parts, k+"="+strconv.Quote(s.Labels[k]))
		}
	}
	return s.Labels["__name__"] + "{" + strings.Join(parts, ",") + "}"
}

// sample is a series as an exporter exposes it: its own labels and values.
type sample struct {
	Labels map[string]string
	Values string
}

// scraped merges what an exporter exposes with its target's labels, as a
// scrape does: with honor_labels the exporter's labels win, otherwise the
// target's do and a clashing exporter label is kept as exported_<name>.
func scraped(tg promTarget, metric string, s sample) promSeries {
	ls := map[string]string{}
	for k, v := range s.Labels {
		if v != "" {
			ls[k] = v
		}
	}
	for k, v := range tg.Labels {
		if old, clash := ls[k]; clash {
			if tg.Honor {
				continue
			}
			ls["exported_"+k] = old
		}
		ls[k] = v
	}
	ls["__name__"] = metric
	return promSeries{Labels: ls, Values: s.Values}
}

// Targets returns the targets of a job, failing when there are none.
func (e *promEnv) Targets(job string) []promTarget {
	e.t.Helper()
	ts := e.targets[job]
	if len(ts) == 0 {
		e.t.Fatalf("%s: scrape job %s discovers no target in the simulated cluster", e.ex.name, job)
	}
	return ts
}

// Series builds one metric's input series from the targets of a job that
// pass filter (nil: all), with what each exposes.
func (e *promEnv) Series(job string, filter func(promTarget) bool, metric string, exposes func(i int, tg promTarget) []sample) []promSeries {
	var out []promSeries
	i := 0
	for _, tg := range e.Targets(job) {
		if filter != nil && !filter(tg) {
			continue
		}
		for _, s := range exposes(i, tg) {
			out = append(out, scraped(tg, metric, s))
		}
		i++
	}
	if len(out) == 0 {
		e.t.Fatalf("%s: no target of job %s exposes %s", e.ex.name, job, metric)
	}
	return out
}

// Up is the up series of a job's targets: value(i) for the i-th.
func (e *promEnv) Up(job string, value func(i int) string) []promSeries {
	return e.Series(job, nil, "up", func(i int, _ promTarget) []sample {
		return []sample{{Values: value(i)}}
	})
}

// Pods returns the simulated pods of a workload.
func (e *promEnv) Pods(namespace, owner string) []simPod {
	var out []simPod
	for _, p := range e.pods {
		if p.Namespace == namespace && p.OwnerName == owner {
			out = append(out, p)
		}
	}
	return out
}

// Value notations for promtool: {n} becomes the number of samples after
// the first.
func gauge(v float64) string { return fmt.Sprintf("%g+0x{n}", v) }

// counter rises by perSecond every second, scraped every 30 seconds.
func counter(start, perSecond float64) string { return fmt.Sprintf("%g+%gx{n}", start, perSecond*30) }

// onePod keeps the targets of one pod by name prefix.
func podPrefix(prefix string) func(promTarget) bool {
	return func(tg promTarget) bool { return strings.HasPrefix(tg.Labels["pod"], prefix) }
}

// --- PromQL helpers ---

var (
	promqlStrings   = regexp.MustCompile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")
	promqlMatchers  = regexp.MustCompile(`\{[^{}]*\}`)
	promqlRanges    = regexp.MustCompile(`\[[^\]]*\]`)
	promqlGrouping  = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)`)
	promqlIdent     = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	promqlDurations = regexp.MustCompile(`\[(\d+)([smhd])(?::[^\]]*)?\]`)
	promqlKeywords  = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true, "by": true,
		"without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true, "inf": true, "nan": true, "Inf": true, "NaN": true}
)

// metricNames returns the metrics a PromQL expression selects.
func metricNames(expr string) []string {
	s := promqlStrings.ReplaceAllString(expr, `""`)
	s = promqlMatchers.ReplaceAllString(s, " ")
	s = promqlRanges.ReplaceAllString(s, " ")
	s = promqlGrouping.ReplaceAllString(s, " ")
	set := map[string]bool{}
	for _, m := range promqlIdent.FindAllStringIndex(s, -1) {
		name := s[m[0]:m[1]]
		rest := strings.TrimLeft(s[m[1]:], " \t\n")
		if promqlKeywords[name] || strings.HasPrefix(rest, "(") || (m[0] > 0 && (s[m[0]-1] >= '0' && s[m[0]-1] <= '9' || s[m[0]-1] == '.')) {
			continue
		}
		set[name] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// longestRange is the longest range or subquery window in an expression.
func longestRange(expr string) time.Duration {
	var max time.Duration
	for _, m := range promqlDurations.FindAllStringSubmatch(expr, -1) {
		n, _ := strconv.Atoi(m[1])
		d := time.Duration(n) * map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}[m[2]]
		if d > max {
			max = d
		}
	}
	return max
}

// sources follows recorded series to the metrics they are computed from:
// the exporters' metrics an expression needs, and the longest window on
// the way.
func (e *promEnv) sources(expr string) ([]string, time.Duration) {
	recorded := map[string]string{}
	for _, r := range e.rules {
		if r.Record != "" {
			recorded[r.Record] = r.Expr
		}
	}
	set := map[string]bool{}
	longest := time.Duration(0)
	var walk func(string, int)
	walk = func(x string, depth int) {
		if depth > 10 {
			e.t.Fatalf("recording rules nest too deep at %q", x)
		}
		longest = max(longest, longestRange(x))
		for _, m := range metricNames(x) {
			if r, ok := recorded[m]; ok {
				walk(r, depth+1)
				continue
			}
			set[m] = true
		}
	}
	walk(expr, 0)
	return slices.Sorted(maps.Keys(set)), longest
}

// jobsOf returns the jobs an expression names in job= and job=~ matchers,
// or every job when it names none.
func (e *promEnv) jobsOf(expr string) []string {
	var out []string
	for job := range e.targets {
		if len(jobMatcher.FindAllStringSubmatch(expr, -1)) == 0 {
			out = append(out, job)
			continue
		}
		for _, m := range jobMatcher.FindAllStringSubmatch(expr, -1) {
			if jobMatched(m[1], m[2], map[string]bool{job: true}) {
				out = append(out, job)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// healthy returns the catalog's series of every metric an expression
// reads, as a healthy cluster exposes them; up for the jobs it names.
func (e *promEnv) healthy(expr string) []promSeries {
	e.t.Helper()
	metrics, _ := e.sources(expr)
	var out []promSeries
	for _, m := range metrics {
		if m == "up" {
			for _, job := range e.jobsOf(expr) {
				out = append(out, e.Up(job, func(int) string { return gauge(1) })...)
			}
			continue
		}
		c, ok := metricCatalog[m]
		if !ok {
			e.t.Errorf("%s: %q reads metric %s, which promcatalog_test.go's metricCatalog does not know: add what its exporter exposes", e.ex.name, expr, m)
			continue
		}
		out = append(out, c(e)...)
	}
	return out
}

// replace returns base without the series of the metrics in over, plus over.
func replace(base, over []promSeries) []promSeries {
	names := map[string]bool{}
	for _, s := range over {
		names[s.Labels["__name__"]] = true
	}
	var out []promSeries
	for _, s := range base {
		if !names[s.Labels["__name__"]] {
			out = append(out, s)
		}
	}
	return append(out, over...)
}

// --- promtool test files ---

type promtoolFile struct {
	RuleFiles          []string        `json:"rule_files"`
	EvaluationInterval string          `json:"evaluation_interval"`
	Tests              []promtoolGroup `json:"tests"`
}

type promtoolGroup struct {
	Name        string          `json:"name"`
	Interval    string          `json:"interval"`
	InputSeries []promtoolInput `json:"input_series"`
	PromQLTests []promtoolExpr  `json:"promql_expr_test"`
}

type promtoolInput struct {
	Series string `json:"series"`
	Values string `json:"values"`
}

type promtoolExpr struct {
	Expr       string           `json:"expr"`
	EvalTime   string           `json:"eval_time"`
	ExpSamples []promtoolSample `json:"exp_samples"`
}

type promtoolSample struct {
	Labels string  `json:"labels"`
	Value  float64 `json:"value"`
}

const scrapeInterval = 30 * time.Second

// promCheck is a query with one sample, 1 or 0 and no labels, and the
// value it must have at a time.
type promCheck struct {
	Expr string
	At   time.Duration
	Want float64
}

// group makes a promtool test group that evaluates checks on input series.
// Series given twice (the same labels from two healthy inputs) are kept
// once.
func group(name string, input []promSeries, checks ...promCheck) promtoolGroup {
	last := time.Duration(0)
	for _, c := range checks {
		last = max(last, c.At)
	}
	n := int(last/scrapeInterval) + 4
	g := promtoolGroup{Name: name, Interval: scrapeInterval.String()}
	seen := map[string]bool{}
	for _, s := range input {
		key := s.String()
		if seen[key] {
			continue
		}
		seen[key] = true
		g.InputSeries = append(g.InputSeries, promtoolInput{Series: key, Values: strings.ReplaceAll(s.Values, "{n}", strconv.Itoa(n))})
	}
	for _, c := range checks {
		g.PromQLTests = append(g.PromQLTests, promtoolExpr{Expr: c.Expr, EvalTime: c.At.String(), ExpSamples: []promtoolSample{{Labels: "{}", Value: c.Want}}})
	}
	return g
}

// firing is a check that is 1 while the rule's alert fires and 0 while it
// does not.
func firing(r promRule) string {
	sel := []string{`alertname=` + strconv.Quote(r.Alert), `alertstate="firing"`}
	for _, k := range slices.Sorted(maps.Keys(r.Labels)) {
		sel = append(sel, k+"="+strconv.Quote(r.Labels[k]))
	}
	return "count(ALERTS{" + strings.Join(sel, ",") + "}) > bool 0 or vector(0)"
}

// grafanaVars replaces a dashboard query's variables as Grafana does when
// "All" is chosen and the interval is the scrape interval's.
var grafanaVars = strings.NewReplacer("$__rate_interval", "2m", "${__rate_interval}", "2m", "$__interval", "30s", "$__range", "1h")

// dashboardQuery is a query of a rendered dashboard: a panel's target or a
// templating variable's.
type dashboardQuery struct{ Where, Expr string }

// dashboardQueries reads every query of every dashboard of the tree, with
// its variables replaced by their "All" values.
func dashboardQueries(t *testing.T, ex example) []dashboardQuery {
	t.Helper()
	var out []dashboardQuery
	labelValues := regexp.MustCompile(`^label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$`)
	for _, p := range ex.tree.Paths() {
		if !strings.HasPrefix(p, monitoringDir+"/grafana/dashboards/") || !strings.HasSuffix(p, ".json") {
			continue
		}
		var d struct {
			Templating struct {
				List []struct {
					Name     string `json:"name"`
					Type     string `json:"type"`
					AllValue string `json:"allValue"`
					Query    struct {
						Query string `json:"query"`
					} `json:"query"`
				} `json:"list"`
			} `json:"templating"`
			Panels []struct {
				Title   string `json:"title"`
				Targets []struct {
					Expr string `json:"expr"`
				} `json:"targets"`
			} `json:"panels"`
		}
		if err := json.Unmarshal(ex.tree[p], &d); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		var pairs []string
		for _, v := range d.Templating.List {
			if v.Type != "query" {
				t.Fatalf("%s: variable %s of type %s is not simulated here", p, v.Name, v.Type)
			}
			pairs = append(pairs, "$"+v.Name, or(v.AllValue, ".*"), "${"+v.Name+"}", or(v.AllValue, ".*"))
			m := labelValues.FindStringSubmatch(v.Query.Query)
			if m == nil {
				t.Fatalf("%s: variable %s queries %q, not label_values(series, label)", p, v.Name, v.Query.Query)
			}
			out = append(out, dashboardQuery{fmt.Sprintf("%s variable %s", filepath.Base(p), v.Name), fmt.Sprintf("count by (%s) (%s)", m[2], m[1])})
		}
		vars := strings.NewReplacer(pairs...)
		for _, panel := range d.Panels {
			for i, q := range panel.Targets {
				out = append(out, dashboardQuery{fmt.Sprintf("%s panel %q query %d", filepath.Base(p), panel.Title, i+1), vars.Replace(grafanaVars.Replace(q.Expr))})
			}
		}
	}
	return out
}

// TestPrometheusRulesAndDashboards runs the rendered alerting rules and
// dashboard queries of every example with monitoring through promtool
// test rules, on input series with the labels the rendered scrape
// configuration gives them: each alert must fire on its case's bad input
// and stay silent on a healthy cluster, each dashboard query must return a
// value on a healthy cluster. A rendered alert without a case in
// alertCases, or a metric without an entry in metricCatalog, fails.
func TestPrometheusRulesAndDashboards(t *testing.T) {
	promtool := lookupTool(t, "promtool")
	covered := map[string]bool{}
	n, ran := 0, 0
	for _, ex := range examples(t) {
		if ex.plan.Services.Monitoring == nil {
			continue
		}
		n++
		t.Run(ex.name, func(t *testing.T) {
			ran++
			e := newPromEnv(t, ex)
			// A test file per alert: a rule file with the rule as it is
			// rendered and the recording rules it reads, and two groups,
			// one where its bad input must make it fire and one where the
			// healthy cluster must leave it silent (the Watchdog fires
			// there too). promtool evaluates every rule of a file at every
			// step, so one rule per file keeps it fast. The dashboard
			// queries share one file, with every recording rule.
			dir := writeTree(t, ex.tree, nil)
			var files []string
			write := func(name string, rules []promRule, groups ...promtoolGroup) {
				rulePath := filepath.Join(dir, name+".rules.yml")
				writeYAML(t, rulePath, ruleFileOf(rules))
				path := filepath.Join(dir, name+"_test.yml")
				writeYAML(t, path, promtoolFile{EvaluationInterval: scrapeInterval.String(), RuleFiles: []string{rulePath}, Tests: groups})
				files = append(files, path)
			}
			alerts, queries := 0, 0
			for i, r := range e.rules {
				if r.Alert == "" {
					continue
				}
				key := r.key(e.rules)
				covered[key] = true
				c, ok := alertCases[key]
				if !ok {
					t.Errorf("alert %s (%s) has no case in alertCases: add one with an input that makes it fire", key, r.File)
					continue
				}
				good := e.healthy(r.Expr)
				_, window := e.sources(r.Expr)
				eval := c.EvalTime
				if eval == 0 {
					forDur := time.Duration(0)
					if r.For != "" {
						d, err := time.ParseDuration(r.For)
						if err != nil {
							t.Fatalf("alert %s: for %q: %v", key, r.For, err)
						}
						forDur = d
					}
					eval = (forDur + window + 5*time.Minute).Round(time.Minute)
				}
				rules := append(e.recordingRulesFor(r.Expr), r)
				switch {
				case c.AlwaysFires:
					write(fmt.Sprintf("alert-%03d", i), rules, group("alert "+key+" fires on a healthy cluster", good, promCheck{firing(r), eval, 1}))
				case c.Bad == nil:
					t.Errorf("alert %s: its case has no bad input", key)
					continue
				default:
					write(fmt.Sprintf("alert-%03d", i), rules,
						group("alert "+key+" fires on its bad input", replace(good, c.Bad(e)), promCheck{firing(r), eval, 1}),
						group("alert "+key+" stays silent on a healthy cluster", good, promCheck{firing(r), eval, 0}))
				}
				alerts++
			}
			var panels []promSeries
			var data []promCheck
			for _, q := range dashboardQueries(t, ex) {
				panels = append(panels, e.healthy(q.Expr)...)
				data = append(data, promCheck{"count((" + q.Expr + ") >= -Inf) > bool 0 or vector(0)", time.Hour, 1})
				queries++
			}
			write("dashboards", e.recordingRulesFor(""), group("a healthy cluster: every dashboard query returns data", panels, data...))
			if t.Failed() {
				return
			}
			if promtool == "" {
				t.Skipf("SKIPPED, not passed: promtool is not installed here, so %d generated test files did not run", len(files))
			}
			out, err := exec.Command(promtool, append([]string{"test", "rules"}, files...)...).CombinedOutput()
			if err != nil {
				t.Errorf("promtool test rules: %v\n%s", err, failedOnly(string(out)))
				for _, f := range files {
					if strings.Contains(string(out), f) && strings.Contains(string(out), "FAILED") {
						t.Log(keep(t, f))
					}
				}
				return
			}
			t.Logf("promtool: %d alerts fire on their bad input and are silent on a healthy cluster (the Watchdog fires there); %d dashboard queries return data",
				alerts, queries)
		})
	}
	if n == 0 {
		t.Fatal("no example turns monitoring on")
	}
	if ran < n {
		return // a -run pattern left examples out: their alerts are not known
	}
	for key := range alertCases {
		if !covered[key] {
			t.Errorf("alertCases has a case for %s, which no example renders: remove it or render the rule", key)
		}
	}
}

// recordingRulesFor returns the recording rules an expression reads,
// directly or through others, in their rendered order; every recording
// rule for an empty expression.
func (e *promEnv) recordingRulesFor(expr string) []promRule {
	need := map[string]bool{}
	var walk func(string)
	walk = func(x string) {
		for _, m := range metricNames(x) {
			for _, r := range e.rules {
				if r.Record == m && !need[m] {
					need[m] = true
					walk(r.Expr)
				}
			}
		}
	}
	walk(expr)
	var out []promRule
	for _, r := range e.rules {
		if r.Record != "" && (expr == "" || need[r.Record]) {
			out = append(out, r)
		}
	}
	return out
}

// ruleFileOf writes rules back as a rule file, one group each as rendered.
func ruleFileOf(rules []promRule) map[string]any {
	var groups []map[string]any
	index := map[string]int{}
	for _, r := range rules {
		rule := map[string]any{"expr": r.Expr}
		if r.Record != "" {
			rule["record"] = r.Record
		} else {
			rule["alert"] = r.Alert
		}
		if r.For != "" {
			rule["for"] = r.For
		}
		if len(r.Labels) > 0 {
			rule["labels"] = r.Labels
		}
		if len(r.Annotations) > 0 {
			rule["annotations"] = r.Annotations
		}
		i, ok := index[r.Group]
		if !ok {
			i = len(groups)
			index[r.Group] = i
			groups = append(groups, map[string]any{"name": r.Group, "rules": []any{}})
		}
		groups[i]["rules"] = append(groups[i]["rules"].([]any), rule)
	}
	return map[string]any{"groups": groups}
}

func writeYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// failedOnly keeps the parts of promtool's output about failures.
func failedOnly(out string) string {
	var keep []string
	for _, block := range strings.Split(out, "Unit Testing: ") {
		if strings.Contains(block, "FAILED") {
			keep = append(keep, "Unit Testing: "+block)
		}
	}
	if len(keep) == 0 {
		return out
	}
	return strings.Join(keep, "")
}

// keep copies a failing generated test file out of the temporary folder.
func keep(t *testing.T, path string) string {
	dst := filepath.Join(os.TempDir(), "blueprint-rules-test-"+strings.ReplaceAll(t.Name(), "/", "-")+"-"+filepath.Base(path))
	if b, err := os.ReadFile(path); err == nil && os.WriteFile(dst, b, 0o644) == nil {
		return "the generated test file is kept at " + dst
	}
	return ""
}

// TestPromtestHelpers checks the framework's own pieces on cases worked
// out by hand: the metrics a query reads, relabeling as model/relabel does
// it, and how a scrape merges a target's labels into an exporter's.
func TestPromtestHelpers(t *testing.T) {
	for expr, want := range map[string]string{
		`node_load1{job="node-exporter",instance=~"$x"} / on (instance) count by (instance) (node_cpu_seconds_total{mode="idle"})`: "node_cpu_seconds_total node_load1",
		`rate(a_total[5m]) / ignoring (reason) group_left rate(b_total{x="y(z)"}[5m]) > 0.01`:                                      "a_total b_total",
		`absent(up{job="kubelet"} == 1)`:                                             "up",
		`sum(x:y:z) by (le) unless on(a) c offset 5m or vector(1) and bool`:          "c x:y:z",
		`histogram_quantile(0.99, sum by (instance, le) (rate(h_bucket[5m]))) > 1e3`: "h_bucket",
	} {
		if got := strings.Join(metricNames(expr), " "); got != want {
			t.Errorf("metricNames(%q) = %q, want %q", expr, got, want)
		}
	}
	if d := longestRange(`increase(a[3h]) > 0 and rate(b[5m]) and max_over_time(c[1d:5m])`); d != 24*time.Hour {
		t.Errorf("longestRange = %v, want 24h", d)
	}

	str := func(s string) *string { return &s }
	ls := map[string]string{"__address__": "10.0.0.1:10250", "__meta_kubernetes_node_name": "n1", "__meta_x": "a"}
	keep := relabel(t, "test", ls, []relabelConfig{
		{SourceLabels: []string{"__address__"}, Regex: str(`(.+):10250`), Replacement: str("${1}:10249"), TargetLabel: "__address__"},
		{SourceLabels: []string{"__meta_kubernetes_node_name"}, TargetLabel: "node"},
		{SourceLabels: []string{"__meta_missing"}, TargetLabel: "gone"},
		{SourceLabels: []string{"node", "__meta_x"}, Regex: str(`n1;a`), Action: "keep"},
	})
	if !keep || ls["__address__"] != "10.0.0.1:10249" || ls["node"] != "n1" || ls["gone"] != "" {
		t.Errorf("relabel kept %v with %v", keep, ls)
	}
	if relabel(t, "test", map[string]string{"a": "b"}, []relabelConfig{{SourceLabels: []string{"a"}, Regex: str("c"), Action: "keep"}}) {
		t.Error("keep must drop a target whose value does not match")
	}

	tg := promTarget{Labels: map[string]string{"job": "j", "instance": "i", "pod": "p"}}
	s := scraped(tg, "m", sample{Labels: map[string]string{"pod": "other", "x": "y", "empty": ""}})
	if s.String() != `m{exported_pod="other",instance="i",job="j",pod="p",x="y"}` {
		t.Errorf("without honor_labels: %s", s)
	}
	tg.Honor = true
	if s := scraped(tg, "m", sample{Labels: map[string]string{"pod": "other"}}); s.String() != `m{instance="i",job="j",pod="other"}` {
		t.Errorf("with honor_labels: %s", s)
	}
}
