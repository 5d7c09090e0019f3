package validate

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/blueprint-dev/blueprint/spec"
)

var (
	hdfsBlockSize = regexp.MustCompile(`^[1-9][0-9]*[kmg]?$`)
	sparkMemory   = regexp.MustCompile(`^[1-9][0-9]*[kmgt]$`)
)

// poolNodes counts a pool's nodes per zone. Pods only land on the zones
// that have nodes of the pool, which are the domains a topology spread
// counts.
func (v *validator) poolNodes(pool string) map[string]int {
	perZone := map[string]int{}
	for _, m := range v.all {
		if m.Role == spec.RoleWorker && m.Pool != nil && m.Pool.Name == pool {
			perZone[m.Zone]++
		}
	}
	return perZone
}

// placeable is how many pods with required hostname anti-affinity and a
// hard zone spread (maxSkew 1) fit on a pool, whose nodes per zone are
// both where the pods may run and the zones the spread counts.
func placeable(perZone map[string]int) int {
	domains := make(map[string]bool, len(perZone))
	for z := range perZone {
		domains[z] = true
	}
	return placeableIn(perZone, domains)
}

// LossPerZone is the most pods of a set of n, spread evenly over z zones,
// that one zone holds: what losing the worst zone costs.
func LossPerZone(n, z int) int {
	if z <= 0 {
		return n
	}
	return (n + z - 1) / z
}

// workloadPool checks a workload's pool and that count pods with required
// anti-affinity fit on it; it returns the pool's nodes per zone.
func (v *validator) workloadPool(pool string, poolRange hcl.Range, ctx *hcl.Range, count int, countRange hcl.Range, what string) map[string]int {
	var decl *spec.NodePool
	for _, p := range v.s.NodePools {
		if p.Name == pool {
			decl = p
		}
	}
	if decl == nil {
		v.poolRef(&pool, poolRange, ctx)
		return nil
	}
	perZone := v.poolNodes(pool)
	if fit := placeable(perZone); count > fit {
		zones := make([]string, 0, len(perZone))
		for z, n := range perZone {
			zones = append(zones, fmt.Sprintf("%s: %d", z, n))
		}
		sort.Strings(zones)
		v.errorf(rangeOr(countRange, poolRange), ctx, "Workload does not fit its pool",
			"%d %s need %d nodes of pool %q, one each (required anti-affinity on kubernetes.io/hostname) and spread evenly over zones; the pool (declared at %s) has nodes per zone {%s}, which place at most %d. Add nodes to the pool or lower the count.",
			count, what, count, pool, decl.DeclRange.String(), strings.Join(zones, ", "), fit)
	}
	return perZone
}

func (v *validator) workloads() {
	v.kafka()
	v.hdfs()
	v.spark()
}

func (v *validator) onlyOne(n int, name hcl.Range, ctx *hcl.Range, block string) {
	if n > 1 {
		v.errorf(name, ctx, "More than one "+block+" block", "A spec describes one %s deployment; put further ones in another spec.", block)
	}
}

func (v *validator) kafka() {
	for i, k := range v.s.Kafka {
		ctx := &k.DeclRange
		if i > 0 {
			v.onlyOne(len(v.s.Kafka), k.NameRange, ctx, "kafka")
			continue
		}
		v.objectName(k.Name, k.NameRange, ctx, "kafka")
		v.serviceNamespace(k.Namespace, k.NamespaceRange, ctx)
		v.kafkaEngine(k, ctx)
		if c := v.s.Cluster; c != nil && k.EngineOrDefault() == spec.EngineStatefulSet {
			if ver, ok := KubernetesVersion(c.KubernetesVersion); ok && ver.Minor < 35 {
				v.errorf(k.NameRange, ctx, "Rack awareness needs Kubernetes 1.35",
					"Each broker learns its zone (broker.rack) from the pod label that the PodTopologyLabels admission plugin copies from its node, which is on by default from Kubernetes 1.35 (cluster %q runs %s). Use kubernetes_version 1.35 or newer.", c.Name, ver)
			}
		}
		brokers, controllers := k.BrokersOrDefault(), k.ControllersOrDefault()
		rf, isr := k.ReplicationFactorOrDefault(), k.MinInsyncReplicasOrDefault()
		if brokers < 1 || brokers > 100 {
			v.errorf(k.BrokersRange, ctx, "Invalid broker count", "brokers must be 1 to 100; got %d.", brokers)
		}
		if controllers != 3 && controllers != 5 {
			v.errorf(k.ControllersRange, ctx, "Invalid controller count", "KRaft needs 3 or 5 controllers: a majority must survive one (or two) losses; got %d.", controllers)
		}
		switch {
		case rf < 1:
			v.errorf(k.ReplicationFactorRange, ctx, "Invalid replication factor", "replication_factor must be at least 1; got %d.", rf)
		case rf > brokers:
			v.errorf(rangeOr(k.ReplicationFactorRange, k.BrokersRange), ctx, "Replication factor above the broker count",
				"replication_factor %d needs %d brokers, but brokers is %d: topics could not be created.", rf, rf, brokers)
		}
		switch {
		case isr < 1:
			v.errorf(k.MinInsyncReplicasRange, ctx, "Invalid min.insync.replicas", "min_insync_replicas must be at least 1; got %d.", isr)
		case isr >= rf && rf >= 1:
			v.errorf(rangeOr(k.MinInsyncReplicasRange, k.ReplicationFactorRange), ctx, "min.insync.replicas not below the replication factor",
				"min_insync_replicas %d must be below replication_factor %d, or a single broker down stops every acks=all write.", isr, rf)
		}
		if k.Partitions != nil && (*k.Partitions < 1 || *k.Partitions > 10000) {
			v.errorf(k.PartitionsRange, ctx, "Invalid partition count", "default_partitions must be 1 to 10000.")
		}
		v.storageClassRef(k.StorageClass, k.StorageClassRange, ctx)
		v.dataVolumesRetained(k.StorageClass, k.StorageClassRange, ctx, "Kafka", k.Name)
		if k.VolumeSize != nil {
			v.quantity(*k.VolumeSize, k.VolumeSizeRange, ctx, "volume size")
		}
		if k.Heap != nil && !jvmHeap.MatchString(*k.Heap) {
			v.errorf(k.HeapRange, ctx, "Invalid heap size", "heap %q should be a JVM size such as \"4g\".", *k.Heap)
		}
		v.resources(k.CPU, k.CPURange, k.Memory, k.MemoryRange, ctx)
		memory := memoryBytes(k.MemoryOrDefault())
		v.heapFits(k.HeapOrDefault(), rangeOr(k.HeapRange, rangeOr(k.MemoryRange, k.NameRange)), memory, k.MemoryOrDefault(), ctx, "Kafka broker")
		perZone := v.workloadPool(k.NodePool, k.NodePoolRange, ctx, brokers, k.BrokersRange, "Kafka brokers")
		cpool := k.ControllerPoolOrDefault()
		cZones := v.workloadPool(cpool, rangeOr(k.ControllerPoolRange, k.NodePoolRange), ctx, controllers, k.ControllersRange, "Kafka controllers")
		v.serviceFit(fit{what: "Kafka brokers", memory: memory, memoryRange: k.MemoryRange, pool: &k.NodePool, poolRange: k.NodePoolRange, ctx: ctx})
		v.serviceFit(fit{what: "Kafka controllers", memory: memoryBytes(spec.KafkaControllerMemory), pool: &cpool,
			poolRange: rangeOr(k.ControllerPoolRange, k.NodePoolRange), ctx: ctx})
		v.claimFits(k.VolumeSizeOrDefault(), &k.StorageClass, rwo, rangeOr(k.VolumeSizeRange, k.StorageClassRange), ctx, "Each Kafka broker's volume")
		if perZone != nil && rf <= brokers && isr < rf && len(perZone) > 0 {
			// Rack awareness spreads each partition's replicas over zones.
			if lost := LossPerZone(rf, min(len(perZone), rf)); rf-lost < isr {
				v.warnIn(Scope{Workload: k.Name}, CodeKafkaZoneWrites, rangeOr(k.MinInsyncReplicasRange, k.NodePoolRange), ctx, "Losing one zone stops writes",
					"Pool %q spans %d zone(s): losing one takes %d of each partition's %d replicas, leaving %d, below min_insync_replicas %d, so acks=all producers stop. Spread the pool over more zones or lower min_insync_replicas.",
					k.NodePool, len(perZone), lost, rf, rf-lost, isr)
			}
		}
		if cZones != nil && len(cZones) > 0 {
			if lost := LossPerZone(controllers, len(cZones)); controllers-lost < controllers/2+1 {
				v.warnIn(Scope{Workload: k.Name}, CodeKafkaZoneQuorum, rangeOr(k.ControllersRange, k.NodePoolRange), ctx, "Losing one zone loses the KRaft quorum",
					"%d controllers over %d zone(s): one zone holds %d, and the %d left are not a majority. Spread the controllers' pool over at least three zones.",
					controllers, len(cZones), lost, controllers-lost)
			}
		}
	}
}

// kafkaEngine checks the engine attribute of a kafka block: one of the
// engines, and no images override that the engine would not use.
func (v *validator) kafkaEngine(k *spec.Kafka, ctx *hcl.Range) {
	v.knownEngine(k.Engine, k.EngineRange, ctx)
	im := v.s.Images
	if k.EngineOrDefault() != spec.EngineOperator || im == nil {
		return
	}
	// Strimzi runs its own Kafka build (with its agents and scripts) for
	// brokers, controllers and the exporter, so the StatefulSet engine's
	// images would silently not apply.
	for _, name := range []string{"kafka", "kafka-exporter"} {
		if _, ok := im.Overrides[name]; ok {
			v.errorf(im.OverridesRange, &im.DeclRange, "Image override not used by the operator engine",
				"kafka %q runs on the Strimzi operator (engine = \"operator\"), which runs its own Kafka image: the override of %q would not apply. Override \"strimzi-kafka\" (and \"strimzi-operator\") instead, or use engine = \"statefulset\".", k.Name, name)
		}
	}
}

// resources checks a CPU and a memory request written as quantities.
func (v *validator) resources(cpu *string, cpuRange hcl.Range, mem *string, memRange hcl.Range, ctx *hcl.Range) {
	if cpu != nil {
		if q, err := resource.ParseQuantity(*cpu); err != nil || q.Sign() <= 0 {
			v.errorf(cpuRange, ctx, "Invalid CPU", "cpu %q should be a Kubernetes quantity such as \"2\" or \"500m\".", *cpu)
		} else if q.Cmp(maxCPU) > 0 {
			v.errorf(cpuRange, ctx, "Invalid CPU", "cpu %q is more than the %s cores blueprint takes for one container: is a unit wrong (500m is half a core)?", *cpu, maxCPU.String())
		}
	}
	if mem != nil {
		v.quantity(*mem, memRange, ctx, "memory")
	}
}

func (v *validator) hdfs() {
	for i, h := range v.s.HDFS {
		ctx := &h.DeclRange
		if i > 0 {
			v.onlyOne(len(v.s.HDFS), h.NameRange, ctx, "hdfs")
			continue
		}
		v.objectName(h.Name, h.NameRange, ctx, "hdfs")
		v.serviceNamespace(h.Namespace, h.NamespaceRange, ctx)
		dn, repl := h.DataNodesOrDefault(), h.ReplicationOrDefault()
		if dn < 1 || dn > 500 {
			v.errorf(h.DataNodesRange, ctx, "Invalid DataNode count", "datanodes must be 1 to 500; got %d.", dn)
		}
		switch {
		case repl < 1 || repl > 10:
			v.errorf(h.ReplicationRange, ctx, "Invalid replication", "replication must be 1 to 10; got %d.", repl)
		case repl > dn:
			v.errorf(rangeOr(h.ReplicationRange, h.DataNodesRange), ctx, "Replication above the DataNode count",
				"replication %d needs %d DataNodes, but datanodes is %d: every block would stay under-replicated.", repl, repl, dn)
		}
		if h.BlockSize != nil && !hdfsBlockSize.MatchString(*h.BlockSize) {
			v.errorf(h.BlockSizeRange, ctx, "Invalid block size", "block_size %q should be a size such as \"128m\" or \"256m\".", *h.BlockSize)
		}
		v.storageClassRef(h.StorageClass, h.StorageClassRange, ctx)
		v.dataVolumesRetained(h.StorageClass, h.StorageClassRange, ctx, "HDFS", h.Name)
		if h.DataVolumeSize != nil {
			v.quantity(*h.DataVolumeSize, h.DataVolumeSizeRange, ctx, "volume size")
		}
		if h.NameVolumeSize != nil {
			v.quantity(*h.NameVolumeSize, h.NameVolumeSizeRange, ctx, "volume size")
		}
		perZone := v.workloadPool(h.NodePool, h.NodePoolRange, ctx, dn, h.DataNodesRange, "DataNodes")
		v.serviceFit(fit{what: "HDFS NameNodes and DataNodes", memory: max(memoryBytes(spec.HDFSNameNodeMemory), memoryBytes(spec.HDFSDataNodeMemory)),
			pool: &h.NodePool, poolRange: h.NodePoolRange, ctx: ctx})
		v.claimFits(h.DataVolumeSizeOrDefault(), &h.StorageClass, rwo, rangeOr(h.DataVolumeSizeRange, h.StorageClassRange), ctx, "Each DataNode's volume")
		v.claimFits(h.NameVolumeSizeOrDefault(), &h.StorageClass, rwo, rangeOr(h.NameVolumeSizeRange, h.StorageClassRange), ctx, "Each NameNode's volume")
		if h.HAOrDefault() {
			v.workloadPool(h.NodePool, h.NodePoolRange, ctx, 3, h.HARange, "JournalNodes (NameNode HA)")
		}
		if perZone != nil && len(perZone) > 0 && repl <= dn {
			if lost := LossPerZone(repl, min(len(perZone), repl)); lost >= repl {
				v.warnIn(Scope{Workload: h.Name}, CodeHDFSZoneData, rangeOr(h.ReplicationRange, h.NodePoolRange), ctx, "Losing one zone loses data",
					"Pool %q spans one zone, so every replica of a block is in it; losing the zone makes the data unavailable.", h.NodePool)
			}
		}
	}
}

func (v *validator) spark() {
	for i, s := range v.s.Spark {
		ctx := &s.DeclRange
		if i > 0 {
			v.onlyOne(len(v.s.Spark), s.NameRange, ctx, "spark")
			continue
		}
		v.objectName(s.Name, s.NameRange, ctx, "spark")
		v.serviceNamespace(s.Namespace, s.NamespaceRange, ctx)
		minE, maxE := s.MinExecutorsOrDefault(), s.MaxExecutorsOrDefault()
		if minE < 0 || maxE < 1 || minE > maxE || maxE > 10000 {
			v.errorf(rangeOr(s.MaxExecutorsRange, s.MinExecutorsRange), ctx, "Invalid executor range",
				"Need 0 ≤ min_executors ≤ max_executors, 1 ≤ max_executors ≤ 10000; got %d and %d.", minE, maxE)
		}
		var pool *spec.NodePool
		for _, p := range v.s.NodePools {
			if p.Name == s.NodePool {
				pool = p
			}
		}
		if pool == nil {
			v.poolRef(&s.NodePool, s.NodePoolRange, ctx)
		}
		for _, c := range []struct {
			cores      int
			coresRange hcl.Range
			mem        string
			memRange   hcl.Range
			what       string
		}{
			{s.ExecutorCPUOrDefault(), s.ExecutorCPURange, s.ExecutorMemoryOrDefault(), s.ExecutorMemoryRange, "executor"},
			{s.DriverCPUOrDefault(), s.DriverCPURange, s.DriverMemoryOrDefault(), s.DriverMemoryRange, "driver"},
		} {
			if c.cores < 1 || (pool != nil && pool.CPU > 0 && c.cores > pool.CPU) {
				v.errorf(c.coresRange, ctx, "Invalid "+c.what+" cores", "%s cores must be at least 1 and fit a node of the pool; got %d.", c.what, c.cores)
			}
			if !sparkMemory.MatchString(c.mem) {
				v.errorf(c.memRange, ctx, "Invalid "+c.what+" memory", "%s memory %q should be a Spark size such as \"4g\" or \"512m\".", c.what, c.mem)
			} else if pool != nil {
				if q, err := resource.ParseQuantity(pool.Memory); err == nil && sparkBytes(c.mem) >= q.Value() {
					v.errorf(c.memRange, ctx, "Pod larger than a node", "A %s with %s of memory (plus overhead) does not fit a node of pool %q, which has %s.", c.what, c.mem, pool.Name, pool.Memory)
				}
			}
		}
		if s.LocalDir != nil {
			v.absPath(*s.LocalDir, s.LocalDirRange, ctx)
		}
		v.sparkEngine(s, ctx)
	}
}

func sparkBytes(s string) int64 {
	n, err := resource.ParseQuantity(s[:len(s)-1])
	if err != nil {
		return 0
	}
	shift := map[byte]uint{'k': 10, 'm': 20, 'g': 30, 't': 40}[s[len(s)-1]]
	return n.Value() << shift
}

// dataVolumesRetained warns when a data workload's volumes come from a
// class that deletes a volume with its claim: a namespace removed from the
// spec and pruned by GitOps, or one kubectl delete pvc, then destroys the
// data. Statically provisioned volumes carry their own policy.
func (v *validator) dataVolumesRetained(class string, rng hcl.Range, ctx *hcl.Range, what, workload string) {
	for _, c := range v.s.StorageClasses {
		if c.Name != class || c.Provisioner == noProvisioner || c.ReclaimPolicyOrDefault() != "Delete" {
			continue
		}
		v.warnIn(Scope{Workload: workload}, CodeVolumesDeleted, rng, ctx, "Data volumes deleted with their claims",
			"Storage class %q has reclaim_policy %q (the default), so deleting a claim of %s's volumes (a removed namespace, kubectl delete pvc) deletes the volume and its data. Set reclaim_policy = \"Retain\" on the class; a StorageClass cannot change in place, so an existing one is deleted and created again (its volumes stay).",
			c.Name, c.ReclaimPolicyOrDefault(), what)
	}
}
