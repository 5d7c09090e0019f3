package spec

import "github.com/hashicorp/hcl/v2"

// The blocks of this file describe the data platform's workloads: Kafka,
// HDFS and Spark, each placed on a node pool and rendered into its own
// folder of the manifests tree.

// Kafka is a KRaft-mode Kafka cluster: dedicated controllers and a
// StatefulSet of brokers.
type Kafka struct {
	Name                   string    `hcl:"name,label"`
	NameRange              hcl.Range `hcl:"name,label_range"`
	Namespace              *string   `hcl:"namespace,optional"`
	NamespaceRange         hcl.Range `hcl:"namespace,attr_value_range"`
	NodePool               string    `hcl:"node_pool,attr"`
	NodePoolRange          hcl.Range `hcl:"node_pool,attr_value_range"`
	Brokers                *int      `hcl:"brokers,optional"`
	BrokersRange           hcl.Range `hcl:"brokers,attr_value_range"`
	Controllers            *int      `hcl:"controllers,optional"`
	ControllersRange       hcl.Range `hcl:"controllers,attr_value_range"`
	ControllerPool         *string   `hcl:"controller_node_pool,optional"`
	ControllerPoolRange    hcl.Range `hcl:"controller_node_pool,attr_value_range"`
	ReplicationFactor      *int      `hcl:"replication_factor,optional"`
	ReplicationFactorRange hcl.Range `hcl:"replication_factor,attr_value_range"`
	MinInsyncReplicas      *int      `hcl:"min_insync_replicas,optional"`
	MinInsyncReplicasRange hcl.Range `hcl:"min_insync_replicas,attr_value_range"`
	Partitions             *int      `hcl:"default_partitions,optional"`
	PartitionsRange        hcl.Range `hcl:"default_partitions,attr_value_range"`
	StorageClass           string    `hcl:"storage_class,attr"`
	StorageClassRange      hcl.Range `hcl:"storage_class,attr_value_range"`
	VolumeSize             *string   `hcl:"volume_size,optional"`
	VolumeSizeRange        hcl.Range `hcl:"volume_size,attr_value_range"`
	Heap                   *string   `hcl:"heap,optional"`
	HeapRange              hcl.Range `hcl:"heap,attr_value_range"`
	CPU                    *string   `hcl:"cpu,optional"`
	CPURange               hcl.Range `hcl:"cpu,attr_value_range"`
	Memory                 *string   `hcl:"memory,optional"`
	MemoryRange            hcl.Range `hcl:"memory,attr_value_range"`
	Engine                 *string   `hcl:"engine,optional"`
	EngineRange            hcl.Range `hcl:"engine,attr_value_range"`
	DeclRange              hcl.Range `hcl:",def_range"`
}

// The engines a workload runs on: blueprint's own StatefulSets, or the
// established operator of that workload, whose custom resources blueprint
// renders and whose controller makes the pods.
const (
	EngineStatefulSet = "statefulset"
	EngineOperator    = "operator"
	DefaultEngine     = EngineStatefulSet
)

// StrimziVersion is the release of the Strimzi operator that the operator
// engine of a kafka block installs, and StrimziKafkaVersion the Kafka
// version its Kafka resource asks for (the newest that release supports:
// STRIMZI_KAFKA_IMAGES of its install/cluster-operator Deployment).
const (
	StrimziVersion      = "1.2.0"
	StrimziKafkaVersion = "4.3.1"
)

// ECKVersion is the release of ECK (Elastic Cloud on Kubernetes,
// github.com/elastic/cloud-on-k8s/v3) that the operator engine of the
// logging block installs.
const ECKVersion = "3.5.0"

// SparkOperatorVersion is the release of the Kubernetes Spark operator
// (github.com/kubeflow/spark-operator) that the operator engine of a spark
// block installs, and SparkOperatorSparkVersion the Spark its controller
// image submits with (spark-submit runs inside the controller: the
// SPARK_IMAGE its Dockerfile builds on).
// The operator runs in namespace SparkOperatorNamespace.
const (
	SparkOperatorVersion      = "2.5.2"
	SparkOperatorSparkVersion = "4.0.4"
	SparkOperatorNamespace    = "spark-operator"
)

// Engines are the values of a workload's engine attribute.
var Engines = []string{EngineStatefulSet, EngineOperator}

// HDFS is a Hadoop file system: NameNode (two, with JournalNodes, for HA)
// and DataNodes.
type HDFS struct {
	Name                string    `hcl:"name,label"`
	NameRange           hcl.Range `hcl:"name,label_range"`
	Namespace           *string   `hcl:"namespace,optional"`
	NamespaceRange      hcl.Range `hcl:"namespace,attr_value_range"`
	NodePool            string    `hcl:"node_pool,attr"`
	NodePoolRange       hcl.Range `hcl:"node_pool,attr_value_range"`
	HA                  *bool     `hcl:"namenode_ha,optional"`
	HARange             hcl.Range `hcl:"namenode_ha,attr_value_range"`
	DataNodes           *int      `hcl:"datanodes,optional"`
	DataNodesRange      hcl.Range `hcl:"datanodes,attr_value_range"`
	Replication         *int      `hcl:"replication,optional"`
	ReplicationRange    hcl.Range `hcl:"replication,attr_value_range"`
	BlockSize           *string   `hcl:"block_size,optional"`
	BlockSizeRange      hcl.Range `hcl:"block_size,attr_value_range"`
	StorageClass        string    `hcl:"storage_class,attr"`
	StorageClassRange   hcl.Range `hcl:"storage_class,attr_value_range"`
	DataVolumeSize      *string   `hcl:"datanode_volume_size,optional"`
	DataVolumeSizeRange hcl.Range `hcl:"datanode_volume_size,attr_value_range"`
	NameVolumeSize      *string   `hcl:"namenode_volume_size,optional"`
	NameVolumeSizeRange hcl.Range `hcl:"namenode_volume_size,attr_value_range"`
	NodePort            *bool     `hcl:"expose_node_port,optional"`
	NodePortRange       hcl.Range `hcl:"expose_node_port,attr_value_range"`
	DeclRange           hcl.Range `hcl:",def_range"`
}

// Spark is what Spark jobs need to run on the cluster: a namespace, an
// account the drivers use, defaults and pod templates.
type Spark struct {
	Name                string    `hcl:"name,label"`
	NameRange           hcl.Range `hcl:"name,label_range"`
	Namespace           *string   `hcl:"namespace,optional"`
	NamespaceRange      hcl.Range `hcl:"namespace,attr_value_range"`
	NodePool            string    `hcl:"node_pool,attr"`
	NodePoolRange       hcl.Range `hcl:"node_pool,attr_value_range"`
	MinExecutors        *int      `hcl:"min_executors,optional"`
	MinExecutorsRange   hcl.Range `hcl:"min_executors,attr_value_range"`
	MaxExecutors        *int      `hcl:"max_executors,optional"`
	MaxExecutorsRange   hcl.Range `hcl:"max_executors,attr_value_range"`
	ExecutorCPU         *int      `hcl:"executor_cpu,optional"`
	ExecutorCPURange    hcl.Range `hcl:"executor_cpu,attr_value_range"`
	ExecutorMemory      *string   `hcl:"executor_memory,optional"`
	ExecutorMemoryRange hcl.Range `hcl:"executor_memory,attr_value_range"`
	DriverCPU           *int      `hcl:"driver_cpu,optional"`
	DriverCPURange      hcl.Range `hcl:"driver_cpu,attr_value_range"`
	DriverMemory        *string   `hcl:"driver_memory,optional"`
	DriverMemoryRange   hcl.Range `hcl:"driver_memory,attr_value_range"`
	LocalDir            *string   `hcl:"local_dir,optional"`
	LocalDirRange       hcl.Range `hcl:"local_dir,attr_value_range"`
	Engine              *string   `hcl:"engine,optional"`
	EngineRange         hcl.Range `hcl:"engine,attr_value_range"`
	DeclRange           hcl.Range `hcl:",def_range"`
}

// Defaults of the workload blocks.
const (
	DefaultKafkaBrokers      = 3
	DefaultKafkaControllers  = 3
	DefaultReplicationFactor = 3
	DefaultMinInsyncReplicas = 2
	DefaultKafkaPartitions   = 6
	DefaultKafkaVolume       = "100Gi"
	DefaultKafkaHeap         = "4g"
	DefaultKafkaCPU          = "2"
	DefaultKafkaMemory       = "8Gi"
	DefaultHDFSDataNodes     = 3
	DefaultHDFSReplication   = 3
	DefaultHDFSBlockSize     = "128m"
	DefaultHDFSDataVolume    = "500Gi"
	DefaultHDFSNameVolume    = "50Gi"
	DefaultSparkMinExecutors = 0
	DefaultSparkMaxExecutors = 10
	DefaultSparkExecutorCPU  = 2
	DefaultSparkExecutorMem  = "4g"
	DefaultSparkDriverCPU    = 1
	DefaultSparkDriverMem    = "2g"

	// Fixed sizes of the JVMs blueprint runs beside the ones a spec sizes:
	// heap and container memory (request and limit) of each. The
	// NameNode's heap bounds the files and blocks it tracks (about 1 GB a
	// million). Validation checks that a pool's machines can hold them.
	KafkaControllerHeap   = "1g"
	KafkaControllerMemory = "2Gi"
	KafkaControllerVolume = "10Gi"
	HDFSNameNodeHeap      = "3g"
	HDFSNameNodeMemory    = "4Gi"
	HDFSJournalHeap       = "512m"
	HDFSJournalMemory     = "1Gi"
	HDFSDataNodeHeap      = "2g"
	HDFSDataNodeMemory    = "4Gi"
)

// NamespaceOrDefault returns the namespace, by default the block's name.
func (k *Kafka) NamespaceOrDefault() string { return or(k.Namespace, k.Name) }

// EngineOrDefault returns the engine the cluster runs on: statefulset or
// operator (Strimzi).
func (k *Kafka) EngineOrDefault() string { return or(k.Engine, DefaultEngine) }

// BrokersOrDefault returns the broker count.
func (k *Kafka) BrokersOrDefault() int { return or(k.Brokers, DefaultKafkaBrokers) }

// ControllersOrDefault returns the KRaft controller count.
func (k *Kafka) ControllersOrDefault() int { return or(k.Controllers, DefaultKafkaControllers) }

// ControllerPoolOrDefault returns the pool of the controllers.
func (k *Kafka) ControllerPoolOrDefault() string { return or(k.ControllerPool, k.NodePool) }

// ReplicationFactorOrDefault returns the default and internal-topic
// replication factor.
func (k *Kafka) ReplicationFactorOrDefault() int {
	return or(k.ReplicationFactor, DefaultReplicationFactor)
}

// MinInsyncReplicasOrDefault returns min.insync.replicas.
func (k *Kafka) MinInsyncReplicasOrDefault() int {
	return or(k.MinInsyncReplicas, DefaultMinInsyncReplicas)
}

// PartitionsOrDefault returns num.partitions.
func (k *Kafka) PartitionsOrDefault() int { return or(k.Partitions, DefaultKafkaPartitions) }

// VolumeSizeOrDefault returns each broker's volume size.
func (k *Kafka) VolumeSizeOrDefault() string { return or(k.VolumeSize, DefaultKafkaVolume) }

// HeapOrDefault returns each broker's JVM heap.
func (k *Kafka) HeapOrDefault() string { return or(k.Heap, DefaultKafkaHeap) }

// CPUOrDefault returns each broker's CPU request.
func (k *Kafka) CPUOrDefault() string { return or(k.CPU, DefaultKafkaCPU) }

// MemoryOrDefault returns each broker's memory request and limit.
func (k *Kafka) MemoryOrDefault() string { return or(k.Memory, DefaultKafkaMemory) }

// NamespaceOrDefault returns the namespace, by default the block's name.
func (h *HDFS) NamespaceOrDefault() string { return or(h.Namespace, h.Name) }

// HAOrDefault reports whether two NameNodes share the namespace.
func (h *HDFS) HAOrDefault() bool { return or(h.HA, false) }

// DataNodesOrDefault returns the DataNode count.
func (h *HDFS) DataNodesOrDefault() int { return or(h.DataNodes, DefaultHDFSDataNodes) }

// ReplicationOrDefault returns dfs.replication.
func (h *HDFS) ReplicationOrDefault() int { return or(h.Replication, DefaultHDFSReplication) }

// BlockSizeOrDefault returns dfs.blocksize.
func (h *HDFS) BlockSizeOrDefault() string { return or(h.BlockSize, DefaultHDFSBlockSize) }

// DataVolumeSizeOrDefault returns each DataNode's volume size.
func (h *HDFS) DataVolumeSizeOrDefault() string { return or(h.DataVolumeSize, DefaultHDFSDataVolume) }

// NameVolumeSizeOrDefault returns each NameNode's (and JournalNode's) volume size.
func (h *HDFS) NameVolumeSizeOrDefault() string { return or(h.NameVolumeSize, DefaultHDFSNameVolume) }

// NamespaceOrDefault returns the namespace, by default the block's name.
func (s *Spark) NamespaceOrDefault() string { return or(s.Namespace, s.Name) }

// EngineOrDefault returns what runs Spark jobs: statefulset (spark-submit
// with spark-defaults.conf and pod templates) or operator (the Spark
// operator, from SparkApplications).
func (s *Spark) EngineOrDefault() string { return or(s.Engine, DefaultEngine) }

// MinExecutorsOrDefault returns spark.dynamicAllocation.minExecutors.
func (s *Spark) MinExecutorsOrDefault() int { return or(s.MinExecutors, DefaultSparkMinExecutors) }

// MaxExecutorsOrDefault returns spark.dynamicAllocation.maxExecutors.
func (s *Spark) MaxExecutorsOrDefault() int { return or(s.MaxExecutors, DefaultSparkMaxExecutors) }

// ExecutorCPUOrDefault returns each executor's cores.
func (s *Spark) ExecutorCPUOrDefault() int { return or(s.ExecutorCPU, DefaultSparkExecutorCPU) }

// ExecutorMemoryOrDefault returns spark.executor.memory.
func (s *Spark) ExecutorMemoryOrDefault() string {
	return or(s.ExecutorMemory, DefaultSparkExecutorMem)
}

// DriverCPUOrDefault returns the driver's cores.
func (s *Spark) DriverCPUOrDefault() int { return or(s.DriverCPU, DefaultSparkDriverCPU) }

// DriverMemoryOrDefault returns spark.driver.memory.
func (s *Spark) DriverMemoryOrDefault() string { return or(s.DriverMemory, DefaultSparkDriverMem) }
