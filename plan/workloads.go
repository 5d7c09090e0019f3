package plan

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"sort"
	"strings"

	"github.com/blueprint-dev/blueprint/spec"
)

// Workloads are the data platform's services, each in its own folder of
// the manifests tree.
type Workloads struct {
	Kafka *Kafka
	HDFS  *HDFS
	Spark *Spark
}

// Ports of the workloads.
const (
	KafkaClientPort     = 9092
	KafkaControllerPort = 9093
	KafkaExporterPort   = 9308
	// KafkaBrokerIDBase keeps broker ids apart from controller ids, which
	// start at 0: KRaft needs every node id unique across both roles.
	KafkaBrokerIDBase    = 100
	NameNodeRPCPort      = 8020
	NameNodeHTTPPort     = 9870
	DataNodeDataPort     = 9866
	DataNodeHTTPPort     = 9864
	DataNodeIPCPort      = 9867
	JournalNodeRPCPort   = 8485
	JournalNodeHTTPPort  = 8480
	SparkDriverPort      = 7078
	SparkBlockPort       = 7079
	SparkUIPort          = 4040
	NameNodeNodePortBase = 30870
)

// Kafka is a KRaft cluster: controllers and brokers, with its settings.
type Kafka struct {
	Name, Namespace     string
	Brokers             int
	Controllers         int
	Placement           Placement // brokers
	ControllerPlacement Placement
	ReplicationFactor   int
	MinInsyncReplicas   int
	Partitions          int
	StorageClass        string
	VolumeSize          string
	Heap                string // JVM -Xmx/-Xms
	CPU                 string
	Memory              string
	// ClusterID formats the storage of every node; derived from the
	// cluster and block names so renders are reproducible.
	ClusterID string
	// Voters is controller.quorum.voters: id@host:port of each controller.
	Voters string
	// BrokerHosts are the brokers' stable DNS names, for clients.
	BrokerHosts []string
	// Bootstrap is the client Service's address.
	Bootstrap string
	// Zones the brokers spread over: broker.rack takes each broker's zone.
	Zones []string
	// BrokerDomain and ControllerDomain follow a pod's name in its stable
	// DNS name (kafka-0.BrokerDomain), through the headless Services.
	BrokerDomain, ControllerDomain string
	// Ports and the first broker id, for the manifests.
	ClientPort, ControllerPort, ExporterPort, BrokerIDBase int
	// The controllers' JVM heap, requests and metadata volume: they hold
	// only the metadata log, so they are small and fixed.
	ControllerHeap, ControllerCPU, ControllerMemory, ControllerVolumeSize string
	// Engine is spec.EngineStatefulSet (the StatefulSets of
	// manifests/kafka/) or spec.EngineOperator, with Strimzi set.
	Engine  string
	Strimzi *Strimzi
	// ExporterPods matches the exporter's pod names, for the alert rules.
	ExporterPods string
}

// HDFS is a NameNode (two with JournalNodes for HA) and DataNodes.
type HDFS struct {
	Name, Namespace string
	HA              bool
	NameNodes       int // 1 or 2
	JournalNodes    int // 0 or 3
	DataNodes       int
	Replication     int
	BlockSize       string
	StorageClass    string
	DataVolumeSize  string
	NameVolumeSize  string
	NodePort        bool
	Placement       Placement
	// Nameservice is the logical file-system name clients use
	// (hdfs://NAMESERVICE) in HA mode.
	Nameservice string
	// NameNodeHosts are the NameNodes' stable DNS names.
	NameNodeHosts []string
	// JournalHosts are the JournalNodes' stable DNS names.
	JournalHosts []string
	Zones        []string
	// DefaultFS is fs.defaultFS.
	DefaultFS string
	// NameNodeIDs are the NameNodes' ids in HA mode (dfs.ha.namenodes),
	// nn0 for namenode-0 and so on.
	NameNodeIDs []string
	// SharedEdits is dfs.namenode.shared.edits.dir in HA mode: the
	// JournalNodes' quorum, with the nameservice as journal id.
	SharedEdits string
	// DataNodeSets are the DataNodes, one StatefulSet per zone: the zone a
	// DataNode runs in is then known from the headless Service it belongs
	// to, which the NameNode's topology script looks up (rack awareness).
	DataNodeSets []DataNodeSet
	// Ports, for the manifests.
	RPCPort, HTTPPort, DataPort, DataHTTPPort, DataIPCPort, JournalRPCPort, JournalHTTPPort int
	// NodePorts of the NameNode's HTTP and RPC ports when NodePort is set.
	HTTPNodePort, RPCNodePort int
	// JVM heap and container memory of each role, fixed: the NameNode's
	// heap bounds the number of files and blocks (about 1 GB a million).
	NameNodeHeap, NameNodeMemory, JournalHeap, JournalMemory, DataNodeHeap, DataNodeMemory string
}

// DataNodeSet is the DataNodes of one zone: a StatefulSet and the headless
// Service of the same name.
type DataNodeSet struct {
	Name     string
	Zone     string
	Replicas int
	// Service is the headless Service's DNS name: it resolves to the pod
	// address of every DataNode of the zone, ready or not.
	Service string
}

// Spark is the namespace, account and defaults Spark jobs run with.
type Spark struct {
	Name, Namespace string
	MinExecutors    int
	MaxExecutors    int
	ExecutorCPU     int
	ExecutorMemory  string // Spark form, such as 4g
	DriverCPU       int
	DriverMemory    string
	// Executor and driver pod memory: the JVM heap plus Spark's default
	// overhead (10%, at least 384 MiB), as Kubernetes quantities.
	ExecutorPodMemory string
	DriverPodMemory   string
	LocalDir          string // hostPath for shuffle and spill; empty: emptyDir
	Placement         Placement
	APIServer         string // https://kubernetes.default.svc
	// ScratchDir is where driver and executor pods mount their local
	// (shuffle and spill) volume: spark.local.dir.
	ScratchDir string
	// APIServerPorts are where drivers reach the API server: 6443 and, if
	// it differs, the load balancer's port.
	APIServerPorts []int
	// Fixed ports, so that NetworkPolicies can allow them.
	DriverPort, BlockManagerPort, UIPort int
	// Engine is spec.EngineStatefulSet (spark-submit with spark-defaults)
	// or spec.EngineOperator, with Operator set.
	Engine   string
	Operator *SparkOperator
}

func buildWorkloads(p *Plan, s *spec.Spec, placement func(*string) Placement, pools map[string]*spec.NodePool) {
	w := &p.Workloads
	svcDomain := func(ns string) string { return ns + ".svc." + p.DNSDomain }
	if len(s.Kafka) > 0 {
		k := s.Kafka[0]
		ns := k.NamespaceOrDefault()
		pool, cpool := k.NodePool, k.ControllerPoolOrDefault()
		kp := &Kafka{
			Name: k.Name, Namespace: ns, Brokers: k.BrokersOrDefault(), Controllers: k.ControllersOrDefault(),
			Placement: placement(&pool), ControllerPlacement: placement(&cpool),
			ReplicationFactor: k.ReplicationFactorOrDefault(), MinInsyncReplicas: k.MinInsyncReplicasOrDefault(),
			Partitions: k.PartitionsOrDefault(), StorageClass: k.StorageClass, VolumeSize: k.VolumeSizeOrDefault(),
			Heap: k.HeapOrDefault(), CPU: k.CPUOrDefault(), Memory: k.MemoryOrDefault(),
			ClusterID:    kafkaClusterID(p.Name, k.Name),
			Bootstrap:    fmt.Sprintf("kafka.%s:%d", svcDomain(ns), KafkaClientPort),
			BrokerDomain: "kafka-headless." + svcDomain(ns), ControllerDomain: "kafka-controller-headless." + svcDomain(ns),
			ClientPort: KafkaClientPort, ControllerPort: KafkaControllerPort, ExporterPort: KafkaExporterPort,
			BrokerIDBase: KafkaBrokerIDBase, ControllerHeap: spec.KafkaControllerHeap, ControllerCPU: "500m", ControllerMemory: spec.KafkaControllerMemory,
			ControllerVolumeSize: spec.KafkaControllerVolume,
		}
		var voters []string
		for i := 0; i < kp.Controllers; i++ {
			voters = append(voters, fmt.Sprintf("%d@kafka-controller-%d.kafka-controller-headless.%s:%d", i, i, svcDomain(ns), KafkaControllerPort))
		}
		kp.Voters = strings.Join(voters, ",")
		for i := 0; i < kp.Brokers; i++ {
			kp.BrokerHosts = append(kp.BrokerHosts, fmt.Sprintf("kafka-%d.kafka-headless.%s", i, svcDomain(ns)))
		}
		if np := pools[pool]; np != nil {
			kp.Zones = np.Zones
		}
		kp.Engine, kp.ExporterPods = k.EngineOrDefault(), "kafka-exporter-.+"
		if kp.Engine == spec.EngineOperator {
			kp.Strimzi = buildStrimzi(p, s, kp)
			kp.Strimzi.Placement = placement(nil)
			kp.Bootstrap, kp.ExporterPods = kp.Strimzi.Bootstrap, k.Name+"-kafka-exporter-.+"
			// The operator and the pods it makes meet the restricted level
			// (STRIMZI_POD_SECURITY_PROVIDER_CLASS=restricted).
			p.Services.addNamespace(Namespace{Name: StrimziNamespace, PodSecurity: "restricted"})
		}
		w.Kafka = kp
		p.Services.addNamespace(Namespace{Name: ns, PodSecurity: "restricted"})
	}
	if len(s.HDFS) > 0 {
		h := s.HDFS[0]
		ns := h.NamespaceOrDefault()
		pool := h.NodePool
		hp := &HDFS{
			Name: h.Name, Namespace: ns, HA: h.HAOrDefault(), NameNodes: 1, DataNodes: h.DataNodesOrDefault(),
			Replication: h.ReplicationOrDefault(), BlockSize: h.BlockSizeOrDefault(), StorageClass: h.StorageClass,
			DataVolumeSize: h.DataVolumeSizeOrDefault(), NameVolumeSize: h.NameVolumeSizeOrDefault(),
			NodePort: h.NodePort != nil && *h.NodePort, Placement: placement(&pool), Nameservice: h.Name,
		}
		if hp.HA {
			hp.NameNodes, hp.JournalNodes = 2, 3
		}
		for i := 0; i < hp.NameNodes; i++ {
			hp.NameNodeHosts = append(hp.NameNodeHosts, fmt.Sprintf("namenode-%d.namenode.%s", i, svcDomain(ns)))
		}
		for i := 0; i < hp.JournalNodes; i++ {
			hp.JournalHosts = append(hp.JournalHosts, fmt.Sprintf("journalnode-%d.journalnode.%s", i, svcDomain(ns)))
		}
		if hp.HA {
			hp.DefaultFS = "hdfs://" + hp.Nameservice
			var journals []string
			for i := range hp.NameNodeHosts {
				hp.NameNodeIDs = append(hp.NameNodeIDs, fmt.Sprintf("nn%d", i))
			}
			for _, host := range hp.JournalHosts {
				journals = append(journals, fmt.Sprintf("%s:%d", host, JournalNodeRPCPort))
			}
			hp.SharedEdits = "qjournal://" + strings.Join(journals, ";") + "/" + hp.Nameservice
		} else {
			hp.DefaultFS = fmt.Sprintf("hdfs://%s:%d", hp.NameNodeHosts[0], NameNodeRPCPort)
		}
		if np := pools[pool]; np != nil {
			hp.Zones = np.Zones
		}
		hp.DataNodeSets = dataNodeSets(p, pool, hp.DataNodes, svcDomain(ns))
		hp.RPCPort, hp.HTTPPort = NameNodeRPCPort, NameNodeHTTPPort
		hp.DataPort, hp.DataHTTPPort, hp.DataIPCPort = DataNodeDataPort, DataNodeHTTPPort, DataNodeIPCPort
		hp.JournalRPCPort, hp.JournalHTTPPort = JournalNodeRPCPort, JournalNodeHTTPPort
		hp.HTTPNodePort, hp.RPCNodePort = NameNodeNodePortBase, NameNodeNodePortBase+1
		hp.NameNodeHeap, hp.NameNodeMemory = spec.HDFSNameNodeHeap, spec.HDFSNameNodeMemory
		hp.JournalHeap, hp.JournalMemory = spec.HDFSJournalHeap, spec.HDFSJournalMemory
		hp.DataNodeHeap, hp.DataNodeMemory = spec.HDFSDataNodeHeap, spec.HDFSDataNodeMemory
		w.HDFS = hp
		p.Services.addNamespace(Namespace{Name: ns, PodSecurity: "restricted"})
	}
	if len(s.Spark) > 0 {
		sk := s.Spark[0]
		ns := sk.NamespaceOrDefault()
		pool := sk.NodePool
		sp := &Spark{
			Name: sk.Name, Namespace: ns, MinExecutors: sk.MinExecutorsOrDefault(), MaxExecutors: sk.MaxExecutorsOrDefault(),
			ExecutorCPU: sk.ExecutorCPUOrDefault(), ExecutorMemory: sk.ExecutorMemoryOrDefault(),
			DriverCPU: sk.DriverCPUOrDefault(), DriverMemory: sk.DriverMemoryOrDefault(),
			Placement: placement(&pool), APIServer: "https://kubernetes.default.svc",
		}
		sp.ExecutorPodMemory = podMemory(sp.ExecutorMemory)
		sp.DriverPodMemory = podMemory(sp.DriverMemory)
		sp.ScratchDir = "/var/data/spark-local"
		sp.APIServerPorts = sortedPorts(map[int]bool{APIServerPort: true, p.Endpoint.Port: p.Endpoint.Port > 0})
		sp.DriverPort, sp.BlockManagerPort, sp.UIPort = SparkDriverPort, SparkBlockPort, SparkUIPort
		w.Spark = sp
		if sp.Engine = sk.EngineOrDefault(); sp.Engine == spec.EngineOperator {
			sp.Operator = buildSparkOperator(s, sp)
			sp.Operator.Placement = placement(nil)
			// The controller runs as uid 185 with a read-only root
			// filesystem and no capabilities.
			p.Services.addNamespace(Namespace{Name: sp.Operator.Namespace, PodSecurity: "restricted"})
		}
		if sk.LocalDir != nil {
			sp.LocalDir = *sk.LocalDir
			// Pod Security's baseline level already forbids hostPath volumes.
			p.Services.addNamespace(Namespace{Name: ns, PodSecurity: "privileged",
				Reason: "Spark drivers and executors keep shuffle and spill files on the nodes' disks through a hostPath volume (" + sp.LocalDir + ")"})
		} else {
			p.Services.addNamespace(Namespace{Name: ns, PodSecurity: "restricted"})
		}
	}
}

// dataNodeSets splits n DataNodes over the zones that hold nodes of the
// pool, evenly, the remainder going to the zones with the most nodes. With
// one DataNode per node (required anti-affinity) this fits wherever
// validate's spread check found room.
func dataNodeSets(p *Plan, pool string, n int, domain string) []DataNodeSet {
	perZone := map[string]int{}
	for _, w := range p.Workers {
		if w.Pool == pool {
			perZone[w.Zone]++
		}
	}
	var zones []string
	for _, z := range p.Zones {
		if perZone[z] > 0 {
			zones = append(zones, z)
		}
	}
	if len(zones) == 0 {
		return nil
	}
	counts := make([]int, len(zones))
	for i := range counts {
		counts[i] = n / len(zones)
	}
	order := make([]int, len(zones))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return perZone[zones[order[a]]] > perZone[zones[order[b]]] })
	for i := 0; i < n%len(zones); i++ {
		counts[order[i]]++
	}
	// A StatefulSet's name, plus a hash, is a label value (63 characters);
	// zones with very long names fall back to their position.
	long := false
	for _, z := range zones {
		long = long || len("datanode-"+z) > 52
	}
	var sets []DataNodeSet
	for i, z := range zones {
		if counts[i] == 0 {
			continue
		}
		name := "datanode-" + z
		if long {
			name = fmt.Sprintf("datanode-z%d", i)
		}
		sets = append(sets, DataNodeSet{Name: name, Zone: z, Replicas: counts[i], Service: name + "." + domain})
	}
	return sets
}

// kafkaClusterID derives KRaft's cluster id (a base64url UUID of 16 bytes)
// from the names, so the same spec always formats the same cluster.
func kafkaClusterID(cluster, name string) string {
	sum := sha256.Sum256([]byte("blueprint/kafka/" + cluster + "/" + name))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// podMemory turns a Spark memory size (4g, 512m) into the pod's memory:
// the size plus Spark's default overhead of 10%, at least 384 MiB.
func podMemory(spark string) string {
	mib := SparkMiB(spark)
	overhead := mib / 10
	if overhead < 384 {
		overhead = 384
	}
	return fmt.Sprintf("%dMi", mib+overhead)
}

// SparkMiB reads a Spark memory size (k, m, g or t suffix) in MiB; 0 if
// it is not one.
func SparkMiB(s string) int64 {
	if len(s) < 2 {
		return 0
	}
	var n int64
	for _, c := range s[:len(s)-1] {
		if c < '0' || c > '9' || n > 1<<40 {
			return 0
		}
		n = n*10 + int64(c-'0')
	}
	switch s[len(s)-1] {
	case 'k':
		return n / 1024
	case 'm':
		return n
	case 'g':
		return n * 1024
	case 't':
		return n * 1024 * 1024
	}
	return 0
}
