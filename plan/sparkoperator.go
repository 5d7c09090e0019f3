package plan

import (
	"strings"

	"github.com/blueprint-dev/blueprint/internal/operatorcrds"
	"github.com/blueprint-dev/blueprint/spec"
)

// SparkOperator is the operator engine of a spark block: the Kubernetes
// Spark operator's controller (github.com/kubeflow/spark-operator,
// spec.SparkOperatorVersion) installed in its own namespace, watching the
// Spark namespace only. It runs spark-submit itself, as its own
// ServiceAccount, for each SparkApplication; the driver then runs as
// spark-driver with the Role the StatefulSet engine renders, and makes its
// executors. No webhook: placement, volumes and security come from the pod
// templates of the SparkApplication (spec.driver.template and
// spec.executor.template), which the controller hands to spark-submit as
// spark.kubernetes.*.podTemplateFile, so no pod needs mutating.
type SparkOperator struct {
	Version, SparkVersion string
	// Name is the controller's Deployment, ServiceAccount and Roles.
	Name string
	// Namespace is the operator's; JobNamespace the one it watches
	// (--namespaces), the spark block's.
	Namespace, JobNamespace string
	Placement               Placement // the controller's
	// CRDs are the files of internal/operatorcrds' SparkOperator set;
	// render copies them into manifests/spark-operator/crds/.
	CRDs []string
	// APIServerPorts are where the controller (and the spark-submit it
	// runs) reaches the API server.
	APIServerPorts []int
	// LeaseName is the Lease its replicas elect a leader with
	// (--leader-election-lock-name), in Namespace.
	LeaseName string
	// HealthPort serves /healthz and /readyz (--health-probe-bind-address).
	HealthPort int
	// Threads is --controller-threads: how many SparkApplications it
	// submits at once, each a spark-submit JVM in its container.
	Threads int
	// CPU and Memory are the controller's requests (Memory also its
	// limit): the release's chart sets none; each spark-submit is a JVM.
	CPU, Memory string
	// Templates are the files of ConfigMap spark-application-templates.
	Templates []string
	ConfigMap string
	// JobSparkVersion is the Spark of the jobs' image (the tag of the
	// "spark" image), which a SparkApplication's sparkVersion states.
	JobSparkVersion string
	// ExampleClass and ExampleFile are the job the templates name, which
	// users replace: SparkPi from the Spark image's examples.
	ExampleClass, ExampleFile string
}

// Names and ports of the Spark operator engine.
const (
	SparkOperatorName       = "spark-operator-controller"
	SparkOperatorLeaseName  = "spark-operator-controller-lock"
	SparkOperatorHealthPort = 8081
	SparkOperatorThreads    = 10
	// SparkTemplatesConfigMap holds the SparkApplication and
	// ScheduledSparkApplication templates.
	SparkTemplatesConfigMap = "spark-application-templates"
)

func buildSparkOperator(s *spec.Spec, sp *Spark) *SparkOperator {
	return &SparkOperator{
		JobSparkVersion: imageVersion(s.Images.ResolveImage("spark"), spec.SparkOperatorSparkVersion),
		Name:            SparkOperatorName, Version: spec.SparkOperatorVersion, SparkVersion: spec.SparkOperatorSparkVersion,
		Namespace: spec.SparkOperatorNamespace, JobNamespace: sp.Namespace,
		CRDs:           operatorcrds.SparkOperator.Names(),
		APIServerPorts: sp.APIServerPorts, LeaseName: SparkOperatorLeaseName,
		HealthPort: SparkOperatorHealthPort, Threads: SparkOperatorThreads,
		CPU: "100m", Memory: "1Gi",
		Templates: []string{"sparkapplication.yaml", "scheduledsparkapplication.yaml"}, ConfigMap: SparkTemplatesConfigMap,
		ExampleClass: "org.apache.spark.examples.SparkPi", ExampleFile: "local:///opt/spark/examples/jars/spark-examples.jar",
	}
}

// imageVersion returns the version an image's tag names (4.0.0 of
// apache/spark:4.0.0 or of apache/spark:4.0.0-scala2.13), or def if the
// tag is not one.
func imageVersion(ref, def string) string {
	ref, _, _ = strings.Cut(ref, "@")
	i := strings.LastIndex(ref, ":")
	if i < 0 || strings.Contains(ref[i:], "/") {
		return def
	}
	v, _, _ := strings.Cut(strings.TrimPrefix(ref[i+1:], "v"), "-")
	if v == "" || v[0] < '0' || v[0] > '9' {
		return def
	}
	return v
}
