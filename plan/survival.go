package plan

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/blueprint-dev/blueprint/validate"
)

// WorkloadRow is one line of ARCHITECTURE.md's workload table: where a
// set of pods goes and what is left when one zone is lost.
type WorkloadRow struct {
	Workload string // "Kafka brokers"
	Pods     int
	Pool     string
	PerZone  string // "az1: 1, az2: 1, az3: 1"
	ZoneLoss string `markdown:"blueprint"` // what the rest of the set still does, in Markdown blueprint writes
}

// spread is how a topology spread with maxSkew 1 places n pods over the
// zones of a pool that have nodes: as evenly as possible, the first zones
// (in name order) taking the remainder. It returns the zones in order and
// the most pods one zone holds, and how many zones that is.
func (p *Plan) spread(pool string, n int) (string, int, int) {
	perZone := map[string]int{}
	for _, pl := range p.Pools {
		if pl.Name != pool {
			continue
		}
		for _, node := range pl.Nodes {
			perZone[node.Zone]++
		}
	}
	zones := slices.Sorted(maps.Keys(perZone))
	if len(zones) == 0 {
		return "no nodes", n, 0
	}
	parts := make([]string, len(zones))
	most := 0
	for i, z := range zones {
		c := n / len(zones)
		if i < n%len(zones) {
			c++
		}
		most = max(most, c)
		parts[i] = fmt.Sprintf("%s: %d", z, c)
	}
	return strings.Join(parts, ", "), most, len(zones)
}

// WorkloadRows describes each workload's placement and its survival of one
// zone lost, worst case (the zone holding the most of its pods).
func (p *Plan) WorkloadRows() []WorkloadRow {
	var rows []WorkloadRow
	if k := p.Workloads.Kafka; k != nil {
		where, lost, zones := p.spread(k.Placement.Pool, k.Brokers)
		left := k.Brokers - lost
		// Rack awareness puts each partition's replicas in different zones,
		// so one zone holds at most ceil(rf / zones) of them.
		replicasLost := validate.LossPerZone(k.ReplicationFactor, min(max(1, zones), k.ReplicationFactor))
		replicasLeft := k.ReplicationFactor - replicasLost
		verdict := fmt.Sprintf("%d brokers left; each partition keeps %d of %d replicas", left, replicasLeft, k.ReplicationFactor)
		if replicasLeft >= k.MinInsyncReplicas {
			verdict += fmt.Sprintf(", at least min.insync.replicas %d: reads and acks=all writes go on", k.MinInsyncReplicas)
		} else {
			verdict += fmt.Sprintf(", below min.insync.replicas %d: **acks=all writes stop** until the zone is back", k.MinInsyncReplicas)
		}
		rows = append(rows, WorkloadRow{"Kafka brokers", k.Brokers, k.Placement.Pool, where, verdict})
		cwhere, clost, _ := p.spread(k.ControllerPlacement.Pool, k.Controllers)
		quorum := k.Controllers/2 + 1
		cverdict := fmt.Sprintf("%d of %d controllers left, quorum %d: metadata changes go on", k.Controllers-clost, k.Controllers, quorum)
		if k.Controllers-clost < quorum {
			cverdict = fmt.Sprintf("%d of %d controllers left, quorum %d: **the cluster cannot change leaders or topics**", k.Controllers-clost, k.Controllers, quorum)
		}
		rows = append(rows, WorkloadRow{"Kafka controllers (KRaft)", k.Controllers, k.ControllerPlacement.Pool, cwhere, cverdict})
	}
	if h := p.Workloads.HDFS; h != nil {
		nwhere, _, _ := p.spread(h.Placement.Pool, h.NameNodes)
		if h.HA {
			rows = append(rows, WorkloadRow{"HDFS NameNodes", h.NameNodes, h.Placement.Pool, nwhere,
				"the NameNode in the other zone holds the namespace: a lost standby changes nothing; if the active one was lost, **no NameNode is active** until an operator fails over to the other (`hdfs haadmin -failover`)"})
			jwhere, jlost, _ := p.spread(h.Placement.Pool, h.JournalNodes)
			jverdict := fmt.Sprintf("%d of %d JournalNodes left: edits are still written to a majority", h.JournalNodes-jlost, h.JournalNodes)
			if h.JournalNodes-jlost < h.JournalNodes/2+1 {
				jverdict = fmt.Sprintf("%d of %d JournalNodes left: **no majority, the NameNodes stop**", h.JournalNodes-jlost, h.JournalNodes)
			}
			rows = append(rows, WorkloadRow{"HDFS JournalNodes", h.JournalNodes, h.Placement.Pool, jwhere, jverdict})
		} else {
			rows = append(rows, WorkloadRow{"HDFS NameNode", 1, h.Placement.Pool, nwhere,
				"**HDFS is unavailable** while the NameNode's zone is down (no NameNode HA); its metadata volume keeps the data"})
		}
		dwhere, dlost, zones := p.spread(h.Placement.Pool, h.DataNodes)
		per := validate.LossPerZone(h.Replication, min(max(1, zones), h.Replication))
		// hdfs-site.xml sets the rack-fault-tolerant placement with one rack
		// per zone: at most ceil(replicas / zones) copies of a block in one zone.
		dverdict := fmt.Sprintf("%d DataNodes left; rack-fault-tolerant placement keeps at most %d of a block's %d copies in one zone, so each block keeps %d", h.DataNodes-dlost, per, h.Replication, h.Replication-per)
		if h.Replication-per < 1 {
			dverdict = fmt.Sprintf("%d DataNodes left; **blocks whose copies were all in that zone are unreadable**", h.DataNodes-dlost)
		}
		rows = append(rows, WorkloadRow{"HDFS DataNodes", h.DataNodes, h.Placement.Pool, dwhere, dverdict})
	}
	if s := p.Workloads.Spark; s != nil {
		rows = append(rows, WorkloadRow{fmt.Sprintf("Spark executors (%d to %d per job)", s.MinExecutors, s.MaxExecutors), s.MaxExecutors, s.Placement.Pool,
			"wherever the pool has room",
			"executors there are requested again in the other zones and their shuffle data is recomputed; jobs whose driver ran there fail and are resubmitted"})
	}
	return rows
}
