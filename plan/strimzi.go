package plan

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/blueprint-dev/blueprint/internal/operatorcrds"
	"github.com/blueprint-dev/blueprint/spec"
)

// Strimzi is the operator engine of a kafka block: the Strimzi cluster
// operator (github.com/strimzi/strimzi-kafka-operator, spec.StrimziVersion)
// installed in its own namespace, watching the Kafka namespace, and the
// Kafka resource with two KafkaNodePools it makes the cluster from. The
// counts, placement, zones, volumes and replication settings are the
// Kafka block's, as for the StatefulSet engine; the operator makes the
// pods (through StrimziPodSets), so they are not in the tree.
type Strimzi struct {
	Version, KafkaVersion string
	// Namespace is the operator's; it watches only the Kafka namespace
	// (STRIMZI_NAMESPACE).
	Namespace string
	Placement Placement // the operator's
	// CRDs are the files of internal/operatorcrds' Strimzi set, in
	// install order; render copies them into manifests/strimzi/crds/.
	CRDs []string
	// APIServerPorts are where the operator and the Kafka pods' init
	// container (which reads its node's zone) reach the API server.
	APIServerPorts []int
	// Cluster is the Kafka resource's name: the block's name. Strimzi
	// names everything after it (Cluster-kafka-bootstrap, pods
	// Cluster-POOL-ID).
	Cluster string
	// ControllerPool and BrokerPool are the KafkaNodePools' names, and
	// ControllerIDs and BrokerIDs the node id ranges they take their ids
	// from (the strimzi.io/next-node-ids annotation): controllers from 0,
	// brokers from KafkaBrokerIDBase, as with the StatefulSet engine.
	ControllerPool, BrokerPool string
	ControllerIDs, BrokerIDs   string
	// Config is spec.kafka.config: the replication settings and policies
	// the StatefulSet engine writes into broker.properties.
	Config []KafkaSetting
	// Bootstrap is the client address: Strimzi's bootstrap Service.
	Bootstrap string
	// ControlPlanePort and ReplicationPort are the listeners Strimzi adds
	// (controllers; replication and the operator's admin client).
	ControlPlanePort, ReplicationPort int
	// AgentPort is the Kafka agent's, which the operator asks whether a
	// starting broker has recovered its logs.
	AgentPort int
	// Exporter is whether Strimzi runs the Kafka exporter (with
	// monitoring), ExporterPort where it serves metrics.
	Exporter     bool
	ExporterPort int
	// KafkaImages are the Kafka image of every Kafka version the release
	// supports (STRIMZI_KAFKA_IMAGES and its Connect and MirrorMaker 2
	// twins): the operator refuses to start unless each has one. Only
	// KafkaVersion's runs (it is the one in images.txt); the others follow
	// its registry and differ in the tag's Kafka version.
	KafkaImages []Label
	// OperatorHTTPPort serves the operator's health and metrics.
	OperatorHTTPPort int
	// LeaseName is the Lease the operator elects its leader with.
	LeaseName string
	// OperatorCPU and OperatorMemory are the operator's requests (memory
	// also its limit), as its release's Deployment has them.
	OperatorCPU, OperatorMemory string
}

// KafkaSetting is one entry of a Kafka configuration; Quoted says whether
// its value is a string (otherwise a number or a boolean).
type KafkaSetting struct {
	Key, Value string
	Quoted     bool
}

// Names and ports of the Strimzi engine.
const (
	StrimziNamespace        = "strimzi"
	StrimziOperatorName     = "strimzi-cluster-operator"
	StrimziControllerPool   = "controllers"
	StrimziBrokerPool       = "brokers"
	StrimziControlPlanePort = 9090
	StrimziReplicationPort  = 9091
	StrimziAgentPort        = 8443
	StrimziExporterPort     = 9404
	StrimziOperatorHTTPPort = 8080
	// StrimziLeaseName is the Lease the operator's replicas elect their
	// leader with (STRIMZI_LEADER_ELECTION_LEASE_NAME).
	StrimziLeaseName = "strimzi-cluster-operator"
)

// StrimziKafkaVersions are the Kafka versions Strimzi spec.StrimziVersion
// supports (its kafka-versions.yaml, as STRIMZI_KAFKA_IMAGES of its
// release's Deployment lists them).
var StrimziKafkaVersions = []string{"4.2.0", "4.2.1", "4.3.0", "4.3.1"}

func buildStrimzi(p *Plan, s *spec.Spec, k *Kafka) *Strimzi {
	monitoring := s.Monitoring != nil
	st := &Strimzi{
		Version: spec.StrimziVersion, KafkaVersion: spec.StrimziKafkaVersion, Namespace: StrimziNamespace,
		CRDs:           operatorcrds.Strimzi.Names(),
		APIServerPorts: sortedPorts(map[int]bool{APIServerPort: true, p.Endpoint.Port: p.Endpoint.Port > 0}),
		Cluster:        k.Name, ControllerPool: StrimziControllerPool, BrokerPool: StrimziBrokerPool,
		ControllerIDs: fmt.Sprintf("[0-%d]", KafkaBrokerIDBase-1), BrokerIDs: fmt.Sprintf("[%d-%d]", KafkaBrokerIDBase, 2*KafkaBrokerIDBase-1),
		Bootstrap:        fmt.Sprintf("%s-kafka-bootstrap.%s.svc.%s:%d", k.Name, k.Namespace, p.DNSDomain, KafkaClientPort),
		ControlPlanePort: StrimziControlPlanePort, ReplicationPort: StrimziReplicationPort, AgentPort: StrimziAgentPort,
		Exporter: monitoring, ExporterPort: StrimziExporterPort,
		OperatorCPU: "200m", OperatorMemory: "384Mi", LeaseName: StrimziLeaseName, OperatorHTTPPort: StrimziOperatorHTTPPort,
	}
	run := p.imageRefs["strimzi-kafka"]
	base, tagged := strings.CutSuffix(s.Images.ResolveImage("strimzi-kafka"), "-kafka-"+spec.StrimziKafkaVersion)
	for _, v := range StrimziKafkaVersions {
		ref := run
		if v != spec.StrimziKafkaVersion && tagged {
			ref = base + "-kafka-" + v
		}
		st.KafkaImages = append(st.KafkaImages, Label{v, ref})
	}
	n := func(key string, v int) KafkaSetting { return KafkaSetting{Key: key, Value: strconv.Itoa(v)} }
	st.Config = []KafkaSetting{
		{Key: "auto.create.topics.enable", Value: "false"},
		n("default.replication.factor", k.ReplicationFactor),
		n("min.insync.replicas", k.MinInsyncReplicas),
		n("num.partitions", k.Partitions),
		n("offsets.topic.replication.factor", k.ReplicationFactor),
		{Key: "replica.selector.class", Value: "org.apache.kafka.common.replica.RackAwareReplicaSelector", Quoted: true},
		n("share.coordinator.state.topic.min.isr", k.MinInsyncReplicas),
		n("share.coordinator.state.topic.replication.factor", k.ReplicationFactor),
		n("transaction.state.log.min.isr", k.MinInsyncReplicas),
		n("transaction.state.log.replication.factor", k.ReplicationFactor),
		{Key: "unclean.leader.election.enable", Value: "false"},
	}
	return st
}

// StrimziPool is what a KafkaNodePool's pod template places its pods
// with: the cluster and pool (Strimzi's labels strimzi.io/cluster and
// strimzi.io/pool-name select them) and the node pool.
type StrimziPool struct {
	Cluster, Name string
	Placement     Placement
}

// Pool returns the placement of the KafkaNodePool name; templates call it.
func (s *Strimzi) Pool(name string, pl Placement) StrimziPool {
	return StrimziPool{Cluster: s.Cluster, Name: name, Placement: pl}
}
