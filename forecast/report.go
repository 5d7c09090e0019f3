package forecast

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	storagev1 "k8s.io/api/storage/v1"

	"github.com/blueprint-dev/blueprint/plan"
)

// ArchitectureView is what ARCHITECTURE.md is rendered from: the plan and
// the capacity forecast of its rendered pods.
type ArchitectureView struct {
	*plan.Plan
	Capacity *CapacityReport
}

// CapacityReport is the forecast as ARCHITECTURE.md shows it.
type CapacityReport struct {
	Groups []GroupRow
	// Zones name the zone-loss columns of Groups; Losses the columns of
	// Quorum (every zone, then each group's busiest node).
	Zones     []string
	Losses    []string
	Workloads []WorkloadLine
	Pending   []PendingLine // on the intact cluster
	Failures  []FailureLine // per loss: what moves, what waits, what is stuck
	Quorum    []QuorumLine
	// Pods is every pod of the intact cluster; Limit the most Kubernetes
	// is tested with.
	Pods, PodLimit int
	// Provisioned names the WaitForFirstConsumer classes whose volumes a
	// provisioner makes on demand: a loss while a pod of theirs is being
	// placed can leave its claim tied to a node that is gone.
	Provisioned []string
}

// GroupRow is one node pool (or the control plane) with its capacity.
type GroupRow struct {
	Group                string
	Nodes                int
	PerNode, Allocatable string // per node
	MaxPods              int64
	Requested            string // on the intact cluster, all nodes
	Headroom             string // allocatable less requested, all nodes
	// AfterLoss is the headroom left after each zone loss of Zones, "-"
	// when the loss takes the whole group.
	AfterLoss []string
	unknown   bool // the spec does not size the pool's machines
}

// WorkloadLine is one workload: its pods, requests and where they land.
type WorkloadLine struct {
	Workload string
	Pods     string
	Requests string // per pod
	Where    string
	Pending  int
}

// PendingLine is one pod the scheduler would leave Pending.
type PendingLine struct {
	Pod, Workload, Why string
}

// FailureLine is one loss: how many pods it displaces and what becomes of
// them.
type FailureLine struct {
	Lost                         string
	Nodes                        int
	Displaced, Rescheduled, Wait int
	Stuck                        []string // pods that find no node although their volumes are elsewhere: "pod (reasons)"
}

// QuorumLine is one quorum-based service and whether it keeps serving
// after each loss of Losses.
type QuorumLine struct {
	Service string
	Rule    string
	Cells   []string `markdown:"blueprint"`
}

// Report summarises a forecast of plan p for ARCHITECTURE.md; nil gives nil.
func Report(p *plan.Plan, f *Forecast) *CapacityReport {
	if f == nil {
		return nil
	}
	r := &CapacityReport{PodLimit: plan.MaxPods, Pods: len(f.Intact.Pods)}
	losses := append(append([]*Scenario{}, f.ZoneLosses...), f.NodeLosses...)
	for _, sc := range losses {
		r.Losses = append(r.Losses, sc.Name)
	}
	for _, sc := range f.ZoneLosses {
		r.Zones = append(r.Zones, sc.Zone)
	}
	r.groups(f, f.ZoneLosses)
	r.workloads(f)
	for _, pr := range f.Intact.Pods {
		if !pr.Bound() && pr.Pending != nil {
			r.Pending = append(r.Pending, PendingLine{pr.Pod.Name, pr.Pod.Workload.String(), pr.Pending.Message()})
		}
	}
	for _, sc := range losses {
		r.Failures = append(r.Failures, failureLine(f, sc))
	}
	r.Quorum = quorum(p, f, losses)
	r.Provisioned = provisionedClasses(f.Objects)
	return r
}

// provisionedClasses names, sorted, the WaitForFirstConsumer classes with
// a provisioner that makes volumes on demand.
func provisionedClasses(o *Objects) []string {
	var out []string
	for name, sc := range o.StorageClasses {
		if sc.Provisioner != NoProvisioner && sc.VolumeBindingMode != nil && *sc.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// groupOf names a machine's group: its pool, or the control plane.
func groupOf(m *Machine) string {
	if m.Pool == "" {
		return "control plane"
	}
	return "pool " + m.Pool
}

func (r *CapacityReport) groups(f *Forecast, losses []*Scenario) {
	var order []string
	rows := map[string]*GroupRow{}
	alloc := map[string]Resources{}
	for i := range f.Machines {
		m := &f.Machines[i]
		g := groupOf(m)
		row, ok := rows[g]
		if !ok {
			row = &GroupRow{Group: g, PerNode: m.Capacity.String(), Allocatable: m.Allocatable.String(), MaxPods: m.Allocatable.Pods, unknown: m.UnknownSize}
			if m.UnknownSize {
				row.PerNode, row.Allocatable = "unknown", "unknown"
			}
			rows[g] = row
			order = append(order, g)
		}
		row.Nodes++
		alloc[g] = alloc[g].Add(m.Allocatable)
	}
	used := func(sc *Scenario) (map[string]Resources, map[string]Resources) {
		req, al := map[string]Resources{}, map[string]Resources{}
		for _, n := range sc.Nodes {
			g := groupOf(n.Machine)
			req[g] = req[g].Add(n.Requested)
			al[g] = al[g].Add(n.Machine.Allocatable)
		}
		return req, al
	}
	req, _ := used(f.Intact)
	for _, g := range order {
		row := rows[g]
		row.Requested = req[g].String()
		row.Headroom = headroom(alloc[g], req[g])
		if row.unknown {
			row.Headroom = "unknown"
		}
	}
	for _, sc := range losses {
		req, al := used(sc)
		for _, g := range order {
			cell := "-"
			if al[g].Pods > 0 {
				cell = headroom(al[g], req[g])
				if rows[g].unknown {
					cell = "unknown"
				}
			}
			rows[g].AfterLoss = append(rows[g].AfterLoss, cell)
		}
	}
	for _, g := range order {
		r.Groups = append(r.Groups, *rows[g])
	}
}

// headroom writes what is left of allocatable, with the share of it.
func headroom(alloc, req Resources) string {
	left := alloc.Sub(req)
	pct := func(a, b int64) string {
		if b <= 0 {
			return "0%"
		}
		return fmt.Sprintf("%d%%", a*100/b)
	}
	return fmt.Sprintf("%s CPU (%s), %s (%s)", CPUText(left.MilliCPU), pct(left.MilliCPU, alloc.MilliCPU), MemoryText(left.Memory), pct(left.Memory, alloc.Memory))
}

func (r *CapacityReport) workloads(f *Forecast) {
	type tally struct {
		pods, pending int
		perGroup      map[string]int
		req           Resources
	}
	t := map[*Workload]*tally{}
	zoneOf := map[string]string{}
	groupOfNode := map[string]string{}
	for i := range f.Machines {
		zoneOf[f.Machines[i].Name] = f.Machines[i].Zone
		groupOfNode[f.Machines[i].Name] = groupOf(&f.Machines[i])
	}
	for _, pr := range f.Intact.Pods {
		x := t[pr.Pod.Workload]
		if x == nil {
			x = &tally{perGroup: map[string]int{}, req: pr.Requests}
			t[pr.Pod.Workload] = x
		}
		x.pods++
		if !pr.Bound() {
			x.pending++
			continue
		}
		x.perGroup[groupOfNode[pr.Node]+" "+zoneOf[pr.Node]]++
	}
	for _, w := range f.Workloads {
		x := t[w]
		if x == nil {
			continue
		}
		pods := fmt.Sprint(x.pods)
		switch w.Kind {
		case KindDaemonSet:
			pods += " (one per node it may use)"
		case KindStaticPod:
			pods += " (static, one on each node whose kubelet runs it)"
		}
		var where []string
		for k, n := range x.perGroup {
			where = append(where, fmt.Sprintf("%s: %d", k, n))
		}
		sort.Strings(where)
		r.Workloads = append(r.Workloads, WorkloadLine{Workload: w.String(), Pods: pods, Requests: x.req.String(),
			Where: strings.Join(where, ", "), Pending: x.pending})
	}
}

// failureLine counts what a loss does to the pods.
func failureLine(f *Forecast, sc *Scenario) FailureLine {
	l := FailureLine{Lost: sc.Name, Nodes: len(sc.Lost)}
	before := map[*Pod]bool{}
	for _, pr := range f.Intact.Pods {
		before[pr.Pod] = pr.Bound()
	}
	for _, pr := range sc.Pods {
		if !pr.Lost {
			if !pr.Bound() && before[pr.Pod] {
				l.Stuck = append(l.Stuck, pr.Pod.Name+" (preempted)")
			}
			continue
		}
		l.Displaced++
		switch {
		case pr.Bound():
			l.Rescheduled++
		case pr.WaitsForVolume:
			l.Wait++
		default:
			l.Stuck = append(l.Stuck, pr.Pod.Name+" ("+pr.Pending.ReasonSet()+")")
		}
	}
	return l
}

// quorum says, per quorum-based service, whether it keeps serving after
// each loss.
func quorum(p *plan.Plan, f *Forecast, losses []*Scenario) []QuorumLine {
	var out []QuorumLine
	lostIn := func(sc *Scenario) func(plan.Node) bool {
		return func(n plan.Node) bool {
			if sc.Zone != "" {
				return n.Zone == sc.Zone
			}
			return slices.Contains(sc.Lost, n.Name)
		}
	}
	etcd := QuorumLine{Service: "etcd", Rule: fmt.Sprintf("%d of %d members", p.Etcd.Quorum, len(p.Etcd.Members))}
	api := QuorumLine{Service: "Kubernetes API", Rule: "etcd quorum, an API server and the endpoint"}
	for _, sc := range losses {
		fl := p.FailureOf(sc.Name, lostIn(sc))
		etcd.Cells = append(etcd.Cells, verdict(fl.EtcdQuorum, fmt.Sprintf("%d left", fl.EtcdLeft)))
		api.Cells = append(api.Cells, verdict(fl.APIReachable, fmt.Sprintf("%d API servers", fl.APIServers)))
	}
	out = append(out, etcd, api)

	// running counts the bound pods of the workloads named.
	running := func(sc *Scenario, component string, match func(name string) bool) (up, all int) {
		for _, pr := range sc.Pods {
			w := pr.Pod.Workload
			if w.Component != component || !match(w.Name) {
				continue
			}
			all++
			if pr.Bound() {
				up++
			}
		}
		return up, all
	}
	named := func(n string) func(string) bool { return func(s string) bool { return s == n } }
	majority := func(service, component string, match func(string) bool) {
		up, all := running(f.Intact, component, match)
		if all == 0 {
			return
		}
		q := QuorumLine{Service: service, Rule: fmt.Sprintf("a majority, %d of %d", all/2+1, all)}
		for _, sc := range losses {
			up, _ = running(sc, component, match)
			q.Cells = append(q.Cells, verdict(up >= all/2+1, fmt.Sprintf("%d running", up)))
		}
		out = append(out, q)
	}
	atLeastOne := func(service, component string, match func(string) bool, why string) {
		_, all := running(f.Intact, component, match)
		if all == 0 {
			return
		}
		q := QuorumLine{Service: service, Rule: why}
		for _, sc := range losses {
			up, _ := running(sc, component, match)
			q.Cells = append(q.Cells, verdict(up >= 1, fmt.Sprintf("%d running", up)))
		}
		out = append(out, q)
	}
	// copies: a set of copies spread over zones (rack awareness), of which
	// need must stay; a zone loss takes at most ceil(copies / zones) of
	// them, a node loss at most one per pod down.
	copies := func(service, component string, match func(string) bool, n, need int, rule string) {
		_, all := running(f.Intact, component, match)
		if all == 0 || n < 1 {
			return
		}
		zones := map[string]bool{}
		for _, pr := range f.Intact.Pods {
			if w := pr.Pod.Workload; w.Component == component && match(w.Name) && pr.Bound() {
				zones[pr.Zone] = true
			}
		}
		q := QuorumLine{Service: service, Rule: rule}
		for _, sc := range losses {
			up, _ := running(sc, component, match)
			down := all - up
			lost := min(n, down)
			if sc.Zone != "" && len(zones) > 0 {
				lost = min(lost, (n+min(len(zones), n)-1)/min(len(zones), n))
			}
			q.Cells = append(q.Cells, verdict(n-lost >= need, fmt.Sprintf("%d of %d copies", n-lost, n)))
		}
		out = append(out, q)
	}
	if k := p.Workloads.Kafka; k != nil {
		// The StatefulSets' names, or the operator engine's StrimziPodSets'.
		controllers, brokers := "kafka-controller", "kafka"
		if st := k.Strimzi; st != nil {
			controllers, brokers = st.Cluster+"-"+st.ControllerPool, st.Cluster+"-"+st.BrokerPool
		}
		majority("Kafka controllers (KRaft)", "kafka", named(controllers))
		copies("Kafka partitions, acks=all writes", "kafka", named(brokers), k.ReplicationFactor, k.MinInsyncReplicas,
			fmt.Sprintf("min.insync.replicas %d of %d replicas in sync", k.MinInsyncReplicas, k.ReplicationFactor))
		copies("Kafka partitions, reads", "kafka", named(brokers), k.ReplicationFactor, 1, "a replica of each partition")
	}
	if h := p.Workloads.HDFS; h != nil {
		if h.HA {
			atLeastOne("HDFS NameNodes", "hdfs", named("namenode"), "one of two (a lost active one needs hdfs haadmin -failover)")
			majority("HDFS JournalNodes", "hdfs", named("journalnode"))
		} else {
			atLeastOne("HDFS NameNode", "hdfs", named("namenode"), "the one NameNode")
		}
		copies("HDFS blocks", "hdfs", func(s string) bool { return strings.HasPrefix(s, "datanode") }, h.Replication, 1,
			fmt.Sprintf("a copy of each block (replication %d, rack-fault-tolerant over zones)", h.Replication))
	}
	if l := p.Services.Logging; l != nil {
		majority("Search cluster masters", "logging/search", named(l.Search))
		copies("Search shards", "logging/search", named(l.Search), 2, 1, "a copy of each shard (primary and one replica, in different zones)")
	}
	if p.Services.Monitoring != nil {
		atLeastOne("Alertmanager", "monitoring/alertmanager", named("alertmanager"), "one replica sends, the others deduplicate")
		atLeastOne("Prometheus", "monitoring/prometheus", named("prometheus"), "one replica scrapes everything")
	}
	return out
}

// verdict writes a quorum cell: kept, or lost in bold.
func verdict(ok bool, what string) string {
	if ok {
		return "kept (" + what + ")"
	}
	return "**lost** (" + what + ")"
}
