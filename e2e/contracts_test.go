package e2e

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
)

// The contracts of the components blueprint renders whose clients call the
// API server. Each lists the calls of the pinned release, in the order the
// component makes them, with the file and function that makes each; the
// account, namespaces and options come from the rendered tree, so that a
// contract follows what blueprint writes. Components with no contract here:
// Grafana, Alertmanager, the exporters other than kube-state-metrics, the
// search cluster, Kafka on StatefulSets and HDFS call no Kubernetes API
// (Kafka on the Strimzi engine has strimziContract, the search cluster
// on the ECK engine eckContract, Spark on the operator engine
// sparkOperatorContracts); Argo CD and Flux run nothing blueprint
// renders (their objects in gitops/ are dry-run
// against their CRDs instead, see gitops_test.go); the Cluster Autoscaler
// is refused by validate, so nothing renders it.

// contractsFor returns the contracts of the components r renders.
func contractsFor(t *testing.T, r rendered, objs []controlplane.Object) []Contract {
	t.Helper()
	var out []Contract
	out = append(out, sparkContracts(t, r)...)
	out = append(out, sparkOperatorContracts(t, r, objs)...)
	for _, f := range []func(*testing.T, rendered, []controlplane.Object) (Contract, bool){
		fluentBitContract, prometheusContract, kubeStateMetricsContract, metricsServerContract, vpaRecommenderContract,
		csrApproverContract, trivyOperatorContract, strimziContract, promopContract, eckContract,
	} {
		if c, ok := f(t, r, objs); ok {
			out = append(out, c)
		}
	}
	return out
}

// account finds a rendered workload by kind and name and returns its
// namespace, ServiceAccount and object.
func account(objs []controlplane.Object, kind, name string) (string, string, controlplane.Object, bool) {
	for _, o := range objs {
		if o.Kind() != kind || o.Name() != name {
			continue
		}
		var w struct {
			Spec struct {
				Template struct {
					Spec struct{ ServiceAccountName string }
				}
			}
		}
		if o.Into(&w) != nil || w.Spec.Template.Spec.ServiceAccountName == "" {
			return "", "", nil, false
		}
		return o.Namespace(), w.Spec.Template.Spec.ServiceAccountName, o, true
	}
	return "", "", nil, false
}

// listWatch is the list and the watch of a client-go informer (or any
// reflector) on one resource.
func listWatch(group, version, resource, ns, labels, fields, source string) []Request {
	r := Request{Group: group, Version: version, Resource: resource, Namespace: ns, LabelSelector: labels, FieldSelector: fields, Source: source}
	l, w := r, r
	l.Verb, w.Verb = "list", "watch"
	return []Request{l, w}
}

// probePod is a Pod that passes the restricted Pod Security level and is
// never scheduled: something for a component to read, label and delete.
func probePod(ns, name string, labels map[string]any) controlplane.Object {
	return controlplane.Object{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": name, "namespace": ns, "labels": labels},
		"spec": map[string]any{
			"automountServiceAccountToken": false,
			"nodeSelector":                 map[string]any{"blueprint.dev/contract-probe": "never"},
			"securityContext": map[string]any{"runAsNonRoot": true, "runAsUser": 65534,
				"seccompProfile": map[string]any{"type": "RuntimeDefault"}},
			"containers": []any{map[string]any{
				"name": "probe", "image": "registry.k8s.io/pause:3.10",
				"resources": map[string]any{
					"requests": map[string]any{"cpu": "10m", "memory": "16Mi"},
					"limits":   map[string]any{"cpu": "10m", "memory": "16Mi"},
				},
				"securityContext": map[string]any{"allowPrivilegeEscalation": false,
					"capabilities": map[string]any{"drop": []any{"ALL"}}},
			}},
		},
	}
}

// sparkDefaults reads the rendered spark-defaults.conf (Java properties as
// Spark writes them: key, whitespace, value).
func sparkDefaults(t *testing.T, dir string) (map[string]string, bool) {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "manifests", "spark", "spark-defaults.conf"))
	if err != nil {
		return nil, false
	}
	defer f.Close()
	conf := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, _ := strings.Cut(line, " ")
		conf[k] = strings.TrimSpace(v)
	}
	return conf, true
}

// Spark 4.0.0 (docker.io/apache/spark:4.0.0). The apache/spark repository
// is larger than a snapshot can be brought here, so the files were read at
// the revisions the code index holds of the Spark 4.0 line (structured
// logging, fabric8 server-side apply, no scheduling gates yet).
const (
	sparkRepo  = "apache/spark"
	sparkK8s   = "resource-managers/kubernetes/core/src/main/scala/org/apache/spark/"
	sparkAppID = "spark-contract"
)

// sparkContracts are spark-submit's in cluster mode and the driver's. Both
// run as spark.kubernetes.authenticate.driver.serviceAccountName: the driver
// by Spark's design, spark-submit because the rendered RBAC says a pod that
// submits jobs uses that account.
func sparkContracts(t *testing.T, r rendered) []Contract {
	conf, ok := sparkDefaults(t, r.dir)
	if !ok {
		return nil
	}
	return sparkContractsOf(t, conf)
}

// sparkContractsOf are the spark-submit and driver contracts of a Spark
// configuration (spark-defaults.conf, or what the Spark operator passes).
func sparkContractsOf(t *testing.T, conf map[string]string) []Contract {
	ns, sa := conf["spark.kubernetes.namespace"], conf["spark.kubernetes.authenticate.driver.serviceAccountName"]
	if ns == "" || sa == "" {
		t.Errorf("spark-defaults.conf names no namespace or driver account: %v", conf)
		return nil
	}
	const (
		submitted = "contract-submitted-driver"
		driver    = "contract-driver"
		executor  = "contract-exec-1"
	)
	app := map[string]any{"spark-app-selector": sparkAppID, "spark-role": "driver"}
	submitSrc := sparkK8s + "deploy/k8s/submit/KubernetesClientApplication.scala"
	configMap := func(name string) map[string]any {
		return map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": name, "namespace": ns, "labels": app},
			"data":     map[string]any{"spark.properties": "spark.app.id=" + sparkAppID}}
	}
	submit := Contract{
		Component: "Spark submission client (spark-submit, cluster mode)", Version: "Spark 4.0.0",
		Sources:   []string{sparkRepo + "@fb5cb5ed " + submitSrc},
		Namespace: ns, ServiceAccount: sa,
		Requests: []Request{
			{Verb: "create", Version: "v1", Resource: "pods", Namespace: ns, Body: probePod(ns, submitted, app),
				Source: "Client.run: pods().inNamespace(ns).resource(resolvedDriverPod).create()"},
			{Verb: "apply", Version: "v1", Resource: "services", Namespace: ns, Name: submitted + "-svc", FieldManager: "fabric8",
				Body: map[string]any{"apiVersion": "v1", "kind": "Service",
					"metadata": map[string]any{"name": submitted + "-svc", "namespace": ns, "labels": app},
					"spec": map[string]any{"clusterIP": "None", "selector": app,
						"ports": []any{map[string]any{"name": "driver-rpc-port", "port": 7078}}}},
				Source: "Client.run: resourceList(otherKubernetesResources).forceConflicts().serverSideApply(), the driver Service of DriverServiceFeatureStep"},
			{Verb: "apply", Version: "v1", Resource: "configmaps", Namespace: ns, Name: "spark-drv-contract-conf-map", FieldManager: "fabric8",
				Body:   configMap("spark-drv-contract-conf-map"),
				Source: "Client.run: the same server-side apply, the driver's conf ConfigMap (KubernetesClientUtils.buildConfigMap)"},
		},
	}
	if conf["spark.kubernetes.executor.podTemplateFile"] != "" {
		submit.Requests = append(submit.Requests, Request{Verb: "apply", Version: "v1", Resource: "configmaps", Namespace: ns,
			Name: "contract-podspec-configmap", FieldManager: "fabric8", Body: configMap("contract-podspec-configmap"),
			Source: "Client.run: the same server-side apply, the executor pod template's ConfigMap (PodTemplateConfigMapStep), since spark.kubernetes.executor.podTemplateFile is set"})
	}
	submit.Requests = append(submit.Requests,
		Request{Verb: "watch", Version: "v1", Resource: "pods", Namespace: ns, FieldSelector: "metadata.name=" + submitted,
			Source: "Client.run: pods().withName(driverPodName).watch(watcher), while waiting for the application"},
		Request{Verb: "get", Version: "v1", Resource: "pods", Namespace: ns, Name: submitted,
			Source: "Client.run: podWithName.get()"},
		Request{Verb: "delete", Version: "v1", Resource: "pods", Namespace: ns, Name: submitted,
			Source: "Client.run: pods().resource(createdDriverPod).delete(), when creating the resources fails"},
	)

	backend := sparkK8s + "scheduler/cluster/k8s/KubernetesClusterSchedulerBackend.scala"
	allocator := sparkK8s + "scheduler/cluster/k8s/ExecutorPodsAllocator.scala"
	lifecycle := sparkK8s + "scheduler/cluster/k8s/ExecutorPodsLifecycleManager.scala"
	executors := "spark-app-selector=" + sparkAppID + ",spark-role=executor"
	execLabels := map[string]any{"spark-app-selector": sparkAppID, "spark-role": "executor", "spark-exec-id": "1"}
	var d []Request
	d = append(d, Request{Verb: "get", Version: "v1", Resource: "pods", Namespace: ns, Name: driver,
		Source: "ExecutorPodsAllocator: driverPod, pods().inNamespace(ns).withName(name).get()"})
	d = append(d, listWatch("", "v1", "pods", ns, "", "metadata.name="+driver,
		"ExecutorPodsAllocator.start: waitUntilReady on the driver pod, a fabric8 informer on that one pod")...)
	d = append(d,
		Request{Verb: "create", Version: "v1", Resource: "configmaps", Namespace: ns,
			Body: map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
				"metadata": map[string]any{"name": "spark-exec-contract-conf-map", "namespace": ns, "labels": execLabels}},
			Source: "KubernetesClusterSchedulerBackend.setUpExecutorConfigMap: configMaps().create(configMap)"},
		Request{Verb: "watch", Version: "v1", Resource: "pods", Namespace: ns, LabelSelector: executors,
			Source: "ExecutorPodsWatchSnapshotSource.start: pods().withLabel(app).withLabel(role).watch()"},
		Request{Verb: "list", Version: "v1", Resource: "pods", Namespace: ns, LabelSelector: executors + ",spark-exec-inactive!=true",
			Source: "ExecutorPodsPollingSnapshotSource: pods().withLabel(...).withoutLabel(inactive).list(), every 30 s"},
		Request{Verb: "create", Version: "v1", Resource: "pods", Namespace: ns, Body: probePod(ns, executor, execLabels),
			Source: "ExecutorPodsAllocator.requestNewExecutors: pods().inNamespace(ns).resource(pod).create()"},
	)
	// Executors' PVCs are listed for reuse only when the driver owns and
	// reuses them, which both default to true.
	if conf["spark.kubernetes.driver.ownPersistentVolumeClaim"] != "false" && conf["spark.kubernetes.driver.reusePersistentVolumeClaim"] != "false" {
		d = append(d, Request{Verb: "list", Version: "v1", Resource: "persistentvolumeclaims", Namespace: ns, LabelSelector: "spark-app-selector=" + sparkAppID,
			Source:    "ExecutorPodsAllocator.getReusablePVCs, in requestNewExecutors (spark.kubernetes.driver.ownPersistentVolumeClaim and reusePersistentVolumeClaim are true)",
			Tolerated: "getReusablePVCs catches the KubernetesClientException and logs \"Cannot list PVC resources\"; blueprint's executors claim no volumes"})
	}
	// Not made with blueprint's settings: the pod patches of
	// KubernetesDriverEndpoint.generateExecID (only for executors started
	// with the EXECID placeholder, by the statefulset and deployment
	// allocators; the default direct allocator sets SPARK_EXECUTOR_ID), of
	// labelDecommissioningExecs (only with
	// spark.kubernetes.executor.decommissionLabel) and of
	// ExecutorPodsLifecycleManager (only with spark.kubernetes.executor.deleteOnTermination=false).
	d = append(d,
		Request{Verb: "delete", Version: "v1", Resource: "pods", Namespace: ns, Name: executor,
			Source: "ExecutorPodsLifecycleManager.removeExecutorFromK8s: pods().withName(name).delete()"},
		Request{Verb: "list", Version: "v1", Resource: "pods", Namespace: ns, LabelSelector: executors + ",spark-exec-id in (1)", FieldSelector: "status.phase=Running",
			Source: "KubernetesClusterSchedulerBackend.doKillExecutors: the running executors left after the grace period"},
		Request{Verb: "deletecollection", Version: "v1", Resource: "pods", Namespace: ns, LabelSelector: executors + ",spark-exec-id in (1)", FieldSelector: "status.phase=Running",
			Source: "KubernetesClusterSchedulerBackend.doKillExecutors: running.delete()"},
		Request{Verb: "deletecollection", Version: "v1", Resource: "pods", Namespace: ns, LabelSelector: executors + ",spark-exec-id in (1)", FieldSelector: "status.phase=Pending",
			Source: "ExecutorPodsAllocator.onNewSnapshots: deleting excess pending executors"},
		Request{Verb: "deletecollection", Version: "v1", Resource: "services", Namespace: ns, LabelSelector: "spark-app-selector=" + sparkAppID,
			Source: "KubernetesClusterSchedulerBackend.stop: services().withLabel(app).delete(), the driver Service"},
		Request{Verb: "deletecollection", Version: "v1", Resource: "persistentvolumeclaims", Namespace: ns, LabelSelector: "spark-app-selector=" + sparkAppID,
			Source:    "KubernetesClusterSchedulerBackend.stop: persistentVolumeClaims().withLabel(app).delete()",
			Tolerated: "stop wraps it in Utils.tryLogNonFatalError and logs a refusal; blueprint's executors claim no volumes"},
		Request{Verb: "deletecollection", Version: "v1", Resource: "pods", Namespace: ns, LabelSelector: executors,
			Source: "ExecutorPodsAllocator.stop: pods().withLabel(app).withLabel(role).delete()"},
		Request{Verb: "deletecollection", Version: "v1", Resource: "configmaps", Namespace: ns, LabelSelector: executors,
			Source: "KubernetesClusterSchedulerBackend.stop: configMaps().withLabel(app).withLabel(role).delete()"},
	)
	driverContract := Contract{
		Component: "Spark driver", Version: "Spark 4.0.0",
		Sources: []string{sparkRepo + "@68999a43 " + backend, sparkRepo + "@8ed977f8 " + allocator,
			sparkRepo + "@de717935 " + lifecycle},
		Namespace: ns, ServiceAccount: sa,
		Setup:    []controlplane.Object{probePod(ns, driver, app)},
		Requests: d,
	}
	return []Contract{submit, driverContract}
}

// fluentBitContract: Fluent Bit 4.2.0's kubernetes filter reads each
// record's pod, and with namespace_labels its namespace, by plain GETs (no
// watch), and its own pod and namespace once at start.
func fluentBitContract(t *testing.T, r rendered, objs []controlplane.Object) (Contract, bool) {
	ns, sa, _, ok := account(objs, "DaemonSet", "fluent-bit")
	if !ok {
		return Contract{}, false
	}
	b, err := os.ReadFile(filepath.Join(r.dir, "manifests", "logging", "shipper", "fluent-bit.yaml"))
	if err != nil {
		t.Errorf("fluent-bit runs but its configuration is not where the contract reads it: %v", err)
		return Contract{}, false
	}
	const src = "plugins/filter_kubernetes/kube_meta.c"
	c := Contract{
		Component: "Fluent Bit kubernetes filter", Version: "Fluent Bit 4.2.0",
		Sources:   []string{"fluent/fluent-bit@v4.2.0 " + src, "fluent/fluent-bit@v4.2.0 plugins/filter_kubernetes/kube_meta.h"},
		Namespace: ns, ServiceAccount: sa,
		Setup: []controlplane.Object{probePod(ns, "contract-probe", nil), probePod("default", "contract-probe", nil)},
	}
	namespaceLabels := strings.Contains(string(b), "namespace_labels: on")
	for _, podNS := range []string{ns, "default"} {
		c.Requests = append(c.Requests, Request{Verb: "get", Version: "v1", Resource: "pods", Namespace: podNS, Name: "contract-probe",
			Source: "get_pod_api_server_info: GET FLB_KUBE_API_POD_FMT (/api/v1/namespaces/%s/pods/%s), its own pod at start and each record's pod"})
		if namespaceLabels {
			c.Requests = append(c.Requests, Request{Verb: "get", Version: "v1", Resource: "namespaces", Name: podNS,
				Source: "get_namespace_api_server_info: GET FLB_KUBE_API_NAMESPACE_FMT (/api/v1/namespaces/%s), with namespace_labels on"})
		}
	}
	return c, true
}

// prometheusContract: Prometheus 3.16's Kubernetes service discovery, for
// the roles and namespaces the rendered prometheus.yml uses, and the
// scrapes that an API server, kubelet or control-plane component
// authorizes with the service account's token.
func prometheusContract(t *testing.T, r rendered, objs []controlplane.Object) (Contract, bool) {
	ns, sa, _, ok := account(objs, "StatefulSet", "prometheus")
	if !ok {
		return Contract{}, false
	}
	b, err := os.ReadFile(filepath.Join(r.dir, "manifests", "monitoring", "prometheus", "prometheus.yml"))
	if err != nil {
		t.Errorf("Prometheus runs but its prometheus.yml is not where the contract reads it: %v", err)
		return Contract{}, false
	}
	var cfg struct {
		ScrapeConfigs []struct {
			JobName    string `json:"job_name"`
			Kubernetes []struct {
				Role       string `json:"role"`
				Namespaces struct {
					Names []string `json:"names"`
				} `json:"namespaces"`
				AttachMetadata struct {
					Node, Namespace bool
				} `json:"attach_metadata"`
			} `json:"kubernetes_sd_configs"`
		} `json:"scrape_configs"`
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Errorf("prometheus.yml: %v", err)
		return Contract{}, false
	}
	const src = "discovery/kubernetes/kubernetes.go"
	c := Contract{
		Component: "Prometheus", Version: "Prometheus 3.16.0",
		Sources:   []string{"github.com/prometheus/prometheus@v0.316.0 " + src},
		Namespace: ns, ServiceAccount: sa,
	}
	seen := map[string]bool{}
	add := func(reqs ...Request) {
		for _, q := range reqs {
			if k := q.String(); !seen[k] {
				seen[k] = true
				c.Requests = append(c.Requests, q)
			}
		}
	}
	roleResources := map[string][][3]string{
		"node":          {{"", "v1", "nodes"}},
		"pod":           {{"", "v1", "pods"}},
		"service":       {{"", "v1", "services"}},
		"endpoints":     {{"", "v1", "endpoints"}, {"", "v1", "services"}, {"", "v1", "pods"}},
		"endpointslice": {{"discovery.k8s.io", "v1", "endpointslices"}, {"", "v1", "services"}, {"", "v1", "pods"}},
		"ingress":       {{"networking.k8s.io", "v1", "ingresses"}},
	}
	for _, job := range cfg.ScrapeConfigs {
		for _, sd := range job.Kubernetes {
			res, known := roleResources[sd.Role]
			if !known {
				t.Errorf("job %s: the contract does not know kubernetes_sd_configs role %q; read %s and add it", job.JobName, sd.Role, src)
				continue
			}
			namespaces := sd.Namespaces.Names
			if len(namespaces) == 0 || sd.Role == "node" {
				namespaces = []string{""}
			}
			for _, n := range namespaces {
				for _, gvr := range res {
					scope := n
					if gvr[2] == "nodes" {
						scope = ""
					}
					add(listWatch(gvr[0], gvr[1], gvr[2], scope, "", "",
						"Discovery.Run, role "+sd.Role+": an informer per namespace (getNamespaces), job "+job.JobName)...)
				}
			}
			if sd.AttachMetadata.Node {
				add(listWatch("", "v1", "nodes", "", "", "", "Discovery.newNodeInformer (attach_metadata.node), job "+job.JobName)...)
			}
			if sd.AttachMetadata.Namespace {
				add(listWatch("", "v1", "namespaces", "", "", "", "Discovery.newNamespaceInformer (attach_metadata.namespace), job "+job.JobName)...)
			}
		}
		switch job.JobName {
		case "apiserver":
			add(Request{Verb: "get", Path: "/metrics", Source: "scrape of job apiserver with the account's token"})
		case "kubelet", "cadvisor":
			add(Request{Verb: "get", Resource: "nodes", Subresource: "metrics", ByKubelet: true,
				Source: "scrape of job " + job.JobName + ": the kubelet authorizes /metrics and /metrics/cadvisor as get nodes/metrics"})
		case "kube-scheduler", "kube-controller-manager":
			add(Request{Path: "/metrics", ByKubelet: true,
				Source: "scrape of job " + job.JobName + ": the component authorizes /metrics with a SubjectAccessReview"})
		}
	}
	return c, len(c.Requests) > 0
}

// kubeStateMetricsContract: kube-state-metrics v2.18.0 lists and watches,
// in every namespace, each resource its --resources flag names, and asks
// the server's version at start.
func kubeStateMetricsContract(t *testing.T, r rendered, objs []controlplane.Object) (Contract, bool) {
	ns, sa, o, ok := account(objs, "Deployment", "kube-state-metrics")
	if !ok {
		return Contract{}, false
	}
	var resources []string
	for _, a := range deploymentArgs(o) {
		if v, ok := strings.CutPrefix(a, "--resources="); ok {
			resources = strings.Split(v, ",")
		}
	}
	if len(resources) == 0 {
		t.Error("kube-state-metrics runs without --resources: the contract cannot tell what it watches")
		return Contract{}, false
	}
	// The group and version of each store's client call in
	// internal/store/*.go (createXListWatch).
	gv := map[string][2]string{
		"certificatesigningrequests": {"certificates.k8s.io", "v1"}, "configmaps": {"", "v1"}, "cronjobs": {"batch", "v1"},
		"daemonsets": {"apps", "v1"}, "deployments": {"apps", "v1"}, "endpoints": {"", "v1"},
		"endpointslices": {"discovery.k8s.io", "v1"}, "horizontalpodautoscalers": {"autoscaling", "v2"},
		"ingressclasses": {"networking.k8s.io", "v1"}, "ingresses": {"networking.k8s.io", "v1"}, "jobs": {"batch", "v1"},
		"leases": {"coordination.k8s.io", "v1"}, "limitranges": {"", "v1"},
		"mutatingwebhookconfigurations": {"admissionregistration.k8s.io", "v1"}, "namespaces": {"", "v1"},
		"networkpolicies": {"networking.k8s.io", "v1"}, "nodes": {"", "v1"}, "persistentvolumeclaims": {"", "v1"},
		"persistentvolumes": {"", "v1"}, "poddisruptionbudgets": {"policy", "v1"}, "pods": {"", "v1"},
		"replicasets": {"apps", "v1"}, "replicationcontrollers": {"", "v1"}, "resourcequotas": {"", "v1"},
		"secrets": {"", "v1"}, "serviceaccounts": {"", "v1"}, "services": {"", "v1"}, "statefulsets": {"apps", "v1"},
		"storageclasses": {"storage.k8s.io", "v1"}, "validatingwebhookconfigurations": {"admissionregistration.k8s.io", "v1"},
		"volumeattachments": {"storage.k8s.io", "v1"},
	}
	c := Contract{
		Component: "kube-state-metrics", Version: "kube-state-metrics v2.18.0",
		Sources: []string{"k8s.io/kube-state-metrics/v2@v2.18.0 internal/store/builder.go",
			"k8s.io/kube-state-metrics/v2@v2.18.0 internal/store/*.go (createXListWatch)", "k8s.io/kube-state-metrics/v2@v2.18.0 pkg/util/utils.go"},
		Namespace: ns, ServiceAccount: sa,
		Requests: []Request{{Verb: "get", Path: "/version", Source: "utils.go: Discovery().ServerVersion() at start"}},
	}
	sort.Strings(resources)
	for _, res := range resources {
		g, known := gv[res]
		if !known {
			t.Errorf("kube-state-metrics --resources names %q, which the contract does not map; read internal/store and add it", res)
			continue
		}
		c.Requests = append(c.Requests, listWatch(g[0], g[1], res, "", "", "", "Builder.buildStoresFunc: a reflector on "+res+" in every namespace")...)
	}
	return c, true
}

// metricsServerContract: metrics-server v0.8.0 watches nodes and running
// pods (the pods as metadata only), and, as an aggregated API server built
// on k8s.io/apiserver v0.33.2, delegates authentication and authorization
// to the API server and reads the front proxy's CA from a ConfigMap.
func metricsServerContract(t *testing.T, r rendered, objs []controlplane.Object) (Contract, bool) {
	ns, sa, _, ok := account(objs, "Deployment", "metrics-server")
	if !ok {
		return Contract{}, false
	}
	const cm = "extension-apiserver-authentication"
	c := Contract{
		Component: "metrics-server", Version: "metrics-server v0.8.0",
		Sources: []string{"sigs.k8s.io/metrics-server@v0.8.0 pkg/server/config.go", "sigs.k8s.io/metrics-server@v0.8.0 pkg/server/informer.go",
			"k8s.io/apiserver@v0.33.2 pkg/server/options/authentication.go",
			"k8s.io/apiserver@v0.33.2 pkg/authentication/request/headerrequest/requestheader_controller.go",
			"k8s.io/apiserver@v0.33.2 pkg/server/dynamiccertificates/configmap_cafile_content.go"},
		Namespace: ns, ServiceAccount: sa,
	}
	c.Requests = append(c.Requests, listWatch("", "v1", "nodes", "", "", "", "config.go: informer.Core().V1().Nodes()")...)
	c.Requests = append(c.Requests, listWatch("", "v1", "pods", "", "", "status.phase=Running",
		"informer.go: runningPodMetadataInformer, a metadata informer on running pods")...)
	c.Requests = append(c.Requests,
		Request{Verb: "get", Version: "v1", Resource: "configmaps", Namespace: "kube-system", Name: cm,
			Source: "RequestHeaderAuthRequestController.RunOnce: ConfigMaps(kube-system).Get(extension-apiserver-authentication)"})
	c.Requests = append(c.Requests, listWatch("", "v1", "configmaps", "kube-system", "", "metadata.name="+cm,
		"NewDynamicCAFromConfigMapController and the request-header controller: a filtered ConfigMap informer")...)
	c.Requests = append(c.Requests,
		Request{Verb: "create", Group: "authentication.k8s.io", Version: "v1", Resource: "tokenreviews",
			Body:   map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": map[string]any{"token": "contract"}},
			Source: "DelegatingAuthenticationOptions.ApplyTo: TokenAccessReviewClient, for each bearer token a client presents"},
		Request{Verb: "create", Group: "authorization.k8s.io", Version: "v1", Resource: "subjectaccessreviews",
			Body: map[string]any{"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
				"spec": map[string]any{"user": "contract", "resourceAttributes": map[string]any{"verb": "list", "group": "metrics.k8s.io", "resource": "pods"}}},
			Source: "DelegatingAuthorizationOptions: a SubjectAccessReview for each request to metrics.k8s.io"},
		Request{Verb: "get", Resource: "nodes", Subresource: "metrics", ByKubelet: true,
			Source: "scraper: GET /metrics/resource on each kubelet, which authorizes it as get nodes/metrics"},
	)
	return c, true
}

// vpaRecommenderContract: the VPA recommender 1.8.1, with the flags the
// rendered Deployment passes (leader election on its named Lease).
func vpaRecommenderContract(t *testing.T, r rendered, objs []controlplane.Object) (Contract, bool) {
	ns, sa, o, ok := account(objs, "Deployment", "vpa-recommender")
	if !ok {
		return Contract{}, false
	}
	lease := "vpa-recommender-lease"
	for _, a := range deploymentArgs(o) {
		if v, ok := strings.CutPrefix(a, "--leader-elect-resource-name="); ok {
			lease = v
		}
	}
	var vpaNS, vpaName string
	for _, x := range objs {
		if x.Kind() == "VerticalPodAutoscaler" {
			vpaNS, vpaName = x.Namespace(), x.Name()
			break
		}
	}
	const mod = "k8s.io/autoscaler/vertical-pod-autoscaler@v1.8.1 "
	c := Contract{
		Component: "VPA recommender", Version: "vertical-pod-autoscaler 1.8.1",
		Sources: []string{mod + "pkg/recommender/main.go", mod + "pkg/recommender/routines/recommender_controller.go",
			mod + "pkg/recommender/input/cluster_feeder.go", mod + "pkg/utils/vpa/api.go",
			mod + "pkg/target/controller_fetcher/controller_fetcher.go"},
		Namespace: ns, ServiceAccount: sa,
	}
	const le = "main.go: leaderelection.RunOrDie with a LeasesResourceLock"
	c.Requests = append(c.Requests,
		Request{Verb: "create", Group: "coordination.k8s.io", Version: "v1", Resource: "leases", Namespace: "kube-system",
			Body: map[string]any{"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
				"metadata": map[string]any{"name": lease, "namespace": "kube-system"}, "spec": map[string]any{"holderIdentity": "contract"}},
			Source: le + " (Create, first start)"},
		Request{Verb: "get", Group: "coordination.k8s.io", Version: "v1", Resource: "leases", Namespace: "kube-system", Name: lease, Source: le + " (Get)"},
		Request{Verb: "update", Group: "coordination.k8s.io", Version: "v1", Resource: "leases", Namespace: "kube-system", Name: lease, Source: le + " (Update, every renewal)"},
		Request{Verb: "get", Path: "/apis", Source: "controller_fetcher.go: NewDiscoveryScaleKindResolver and the discovery REST mapper"},
	)
	c.Requests = append(c.Requests, listWatch("", "v1", "pods", "", "", "status.phase!=Pending", "cluster_feeder.go: newPodClients")...)
	c.Requests = append(c.Requests, Request{Verb: "watch", Version: "v1", Resource: "events", FieldSelector: "reason=Evicted",
		Source: "cluster_feeder.go: WatchEvictionEventsWithRetries"})
	c.Requests = append(c.Requests, listWatch("autoscaling.k8s.io", "v1", "verticalpodautoscalers", "", "", "", "api.go: NewVpasLister")...)
	c.Requests = append(c.Requests, listWatch("autoscaling.k8s.io", "v1", "verticalpodautoscalercheckpoints", "", "", "", "api.go: NewVpaCheckpointLister")...)
	for _, w := range [][3]string{{"apps", "v1", "daemonsets"}, {"apps", "v1", "deployments"}, {"apps", "v1", "replicasets"},
		{"apps", "v1", "statefulsets"}, {"", "v1", "replicationcontrollers"}, {"batch", "v1", "jobs"}, {"batch", "v1", "cronjobs"}} {
		c.Requests = append(c.Requests, listWatch(w[0], w[1], w[2], "", "", "", "controller_fetcher.go: NewControllerFetcher, the informers of well-known controllers")...)
	}
	c.Requests = append(c.Requests, Request{Verb: "list", Group: "metrics.k8s.io", Version: "v1beta1", Resource: "pods", Aggregated: true,
		Source: "recommender_controller.go: NewPodMetricsesSource, usage from metrics-server"})
	// The scale of each custom resource a VPA targets (its selector) and of
	// each owner of a targeted workload that has none (the read must find
	// it missing: refused, the target would be ConfigUnsupported).
	if a := r.plan.Services.Autoscaling; a != nil && a.VPA != nil {
		for _, s := range a.VPA.ScaleReads {
			kind, version := crdKind(objs, s.Group, s.Resource)
			n := 0
			for _, x := range objs {
				if x.Group() == s.Group && x.Kind() == kind {
					c.Requests = append(c.Requests, Request{Verb: "get", Group: s.Group, Version: version, Resource: s.Resource, Subresource: "scale",
						Namespace: x.Namespace(), Name: x.Name(), Missing: s.Owner,
						Source: "controller_fetcher.go: getScaleForResource (isWellKnownOrScalable, getOwnerForScaleResource)"})
					n++
				}
			}
			if n == 0 {
				t.Errorf("the recommender reads the scale of %s.%s, and the tree has none", s.Resource, s.Group)
			}
		}
	}
	if vpaName == "" {
		t.Error("the VPA recommender runs but the tree has no VerticalPodAutoscaler for it to write to")
		return c, true
	}
	c.Requests = append(c.Requests,
		Request{Verb: "patch", Group: "autoscaling.k8s.io", Version: "v1", Resource: "verticalpodautoscalers", Subresource: "status",
			Namespace: vpaNS, Name: vpaName, PatchType: "application/json-patch+json",
			Body:   []any{map[string]any{"op": "add", "path": "/status", "value": map[string]any{}}},
			Source: "api.go: UpdateVpaStatusIfNeeded, a JSON patch of the status subresource"},
		Request{Verb: "create", Group: "autoscaling.k8s.io", Version: "v1", Resource: "verticalpodautoscalercheckpoints", Namespace: vpaNS,
			Body: map[string]any{"apiVersion": "autoscaling.k8s.io/v1", "kind": "VerticalPodAutoscalerCheckpoint",
				"metadata": map[string]any{"name": "contract-checkpoint", "namespace": vpaNS},
				"spec":     map[string]any{"vpaObjectName": vpaName, "containerName": "contract"}},
			Source: "api.go: CreateOrUpdateVpaCheckpoint (create when the patch finds none)"},
		Request{Verb: "patch", Group: "autoscaling.k8s.io", Version: "v1", Resource: "verticalpodautoscalercheckpoints",
			Namespace: vpaNS, Name: "contract-checkpoint", PatchType: "application/json-patch+json",
			Body:   []any{map[string]any{"op": "add", "path": "/status", "value": map[string]any{}}},
			Source: "api.go: CreateOrUpdateVpaCheckpoint, a JSON patch"},
		Request{Verb: "delete", Group: "autoscaling.k8s.io", Version: "v1", Resource: "verticalpodautoscalercheckpoints",
			Namespace: vpaNS, Name: "contract-checkpoint",
			Source: "cluster_feeder.go: GarbageCollectCheckpoints"},
	)
	return c, true
}

// deploymentArgs returns the arguments of a workload's first container.
func deploymentArgs(o controlplane.Object) []string {
	var d struct {
		Spec struct {
			Template struct {
				Spec struct {
					Containers []struct{ Args []string }
				}
			}
		}
	}
	if o.Into(&d) != nil || len(d.Spec.Template.Spec.Containers) == 0 {
		return nil
	}
	return slices.Clone(d.Spec.Template.Spec.Containers[0].Args)
}

// csrApproverContract: kubelet-csr-approver v1.2.14, with leader election as
// the rendered Deployment turns it on. Its controller-runtime manager lists
// and watches CSRs, gets each one it reconciles, and writes the decision
// through the approval subresource, which the API server authorizes as
// approve on the request's signer.
func csrApproverContract(t *testing.T, r rendered, objs []controlplane.Object) (Contract, bool) {
	ns, sa, _, ok := account(objs, "Deployment", "kubelet-csr-approver")
	if !ok {
		return Contract{}, false
	}
	const mod = "github.com/postfinance/kubelet-csr-approver@v1.2.14 "
	csr := controlplane.Object{"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
		"metadata": map[string]any{"name": "contract-kubelet-serving"},
		"spec": map[string]any{"request": contractCSR(t), "signerName": "kubernetes.io/kubelet-serving",
			"usages": []any{"digital signature", "server auth"}}}
	approved := map[string]any{"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
		"metadata": csr["metadata"], "spec": csr["spec"],
		"status": map[string]any{"conditions": []any{map[string]any{"type": "Approved", "status": "True",
			"reason": "kubelet-serving cert validated", "message": "contract"}}}}
	c := Contract{
		Component: "kubelet-csr-approver", Version: "kubelet-csr-approver v1.2.14",
		Sources:   []string{mod + "internal/cmd/cmd.go", mod + "internal/controller/csr_controller.go"},
		Namespace: ns, ServiceAccount: sa,
		Setup: []controlplane.Object{csr},
	}
	const le = "cmd.go: ctrl.NewManager with LeaderElection, LeaderElectionID kubelet-csr-approver (controller-runtime's Lease lock)"
	c.Requests = append(c.Requests,
		Request{Verb: "create", Group: "coordination.k8s.io", Version: "v1", Resource: "leases", Namespace: ns,
			Body: map[string]any{"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
				"metadata": map[string]any{"name": "kubelet-csr-approver", "namespace": ns}, "spec": map[string]any{"holderIdentity": "contract"}},
			Source: le + " (Create, first start)"},
		Request{Verb: "get", Group: "coordination.k8s.io", Version: "v1", Resource: "leases", Namespace: ns, Name: "kubelet-csr-approver", Source: le + " (Get)"},
		Request{Verb: "update", Group: "coordination.k8s.io", Version: "v1", Resource: "leases", Namespace: ns, Name: "kubelet-csr-approver", Source: le + " (Update, every renewal)"},
		Request{Verb: "create", Version: "v1", Resource: "events", Namespace: ns,
			Body: map[string]any{"apiVersion": "v1", "kind": "Event", "metadata": map[string]any{"name": "contract.leader", "namespace": ns},
				"involvedObject": map[string]any{"kind": "Lease", "namespace": ns, "name": "kubelet-csr-approver"}, "reason": "LeaderElection", "message": "contract"},
			Source: le + ": the leader election's event recorder"},
	)
	c.Requests = append(c.Requests, listWatch("certificates.k8s.io", "v1", "certificatesigningrequests", "", "", "",
		"csr_controller.go: SetupWithManager, For(&CertificateSigningRequest{})")...)
	c.Requests = append(c.Requests,
		Request{Verb: "get", Group: "certificates.k8s.io", Version: "v1", Resource: "certificatesigningrequests", Name: "contract-kubelet-serving",
			Source: "csr_controller.go: Reconcile, r.Client.Get (from the informer's cache; a cache miss reads the API)"},
		Request{Verb: "update", Group: "certificates.k8s.io", Version: "v1", Resource: "certificatesigningrequests", Subresource: "approval",
			Name: "contract-kubelet-serving", Body: approved,
			Source: "csr_controller.go: Reconcile, ClientSet.CertificatesV1().CertificateSigningRequests().UpdateApproval"},
	)
	return c, true
}

// contractCSR is a PEM certificate request of a kubelet's serving
// certificate, for a CSR object the approver's contract decides on.
func contractCSR(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: "system:node:contract", Organization: []string{"system:nodes"}}, DNSNames: []string{"contract"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

// trivyOperatorContract: the Trivy Operator v0.32.0 with the rendered
// settings (only the vulnerability scanner, findings metrics, leader
// election, every namespace): its start-up reads and writes past the cache
// with a clientset, the informers of its controller-runtime cache
// (cluster-wide: the install mode with no target namespaces), a scan Job's
// life in its namespace, and a VulnerabilityReport written beside a
// workload, realistic enough that the CRD's schema is checked too.
func trivyOperatorContract(t *testing.T, r rendered, objs []controlplane.Object) (Contract, bool) {
	ns, sa, o, ok := account(objs, "Deployment", "trivy-operator")
	if !ok {
		return Contract{}, false
	}
	env := map[string]string{}
	var d struct {
		Spec struct {
			Template struct {
				Spec struct {
					Containers []struct {
						Env []struct{ Name, Value string }
					}
				}
			}
		}
	}
	if o.Into(&d) == nil && len(d.Spec.Template.Spec.Containers) > 0 {
		for _, e := range d.Spec.Template.Spec.Containers[0].Env {
			env[e.Name] = e.Value
		}
	}
	if env["OPERATOR_TARGET_NAMESPACES"] != "" || env["OPERATOR_VULNERABILITY_SCANNER_ENABLED"] != "true" ||
		env["OPERATOR_CONFIG_AUDIT_SCANNER_ENABLED"] != "false" || env["OPERATOR_LEADER_ELECTION_ENABLED"] != "true" {
		t.Errorf("the Trivy Operator runs with settings this contract was not read for: %v", env)
	}
	lease := env["OPERATOR_LEADER_ELECTION_ID"]
	pullSecret := ""
	if v := env["OPERATOR_PRIVATE_REGISTRY_SCAN_SECRETS_NAMES"]; v != "" {
		var m map[string]string
		if err := json.Unmarshal([]byte(v), &m); err != nil || m[ns] == "" {
			t.Errorf("OPERATOR_PRIVATE_REGISTRY_SCAN_SECRETS_NAMES %q names no Secret of %s", v, ns)
		}
		pullSecret = m[ns]
	}
	// The workload whose report is written: any rendered Deployment other
	// than the operator's.
	var wns, wname string
	for _, x := range objs {
		if x.Kind() == "Deployment" && x.Name() != "trivy-operator" {
			wns, wname = x.Namespace(), x.Name()
			break
		}
	}
	const src = "github.com/aquasecurity/trivy-operator@v0.32.0 "
	c := Contract{
		Component: "Trivy Operator", Version: "trivy-operator v0.32.0",
		Sources: []string{src + "pkg/operator/operator.go", src + "pkg/trivyoperator/config.go", src + "pkg/trivyoperator/plugin.go",
			src + "pkg/vulnerabilityreport/controller/workload.go", src + "pkg/vulnerabilityreport/controller/scanjob.go",
			src + "pkg/kube/secrets.go", src + "pkg/kube/logs.go", src + "pkg/operator/ttl_report.go", src + "pkg/metrics/collector.go",
			"sigs.k8s.io/controller-runtime@v0.24.1 pkg/leaderelection/leader_election.go"},
		Namespace: ns, ServiceAccount: sa,
	}
	cm := func(name string) map[string]any {
		return map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": name, "namespace": ns}}
	}
	secret := func(name string) controlplane.Object {
		return controlplane.Object{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": name, "namespace": ns}}
	}
	c.Setup = []controlplane.Object{cm("trivy-operator-policies-config"), secret("trivy-operator-trivy-config")}
	const le = "operator.go: ctrl.NewManager with LeaderElection in the operator's namespace (controller-runtime's Lease lock)"
	c.Requests = append(c.Requests,
		Request{Verb: "get", Version: "v1", Resource: "configmaps", Namespace: ns, Name: "trivy-operator",
			Source: "config.go: configManager.EnsureDefault, clientset ConfigMaps.Get"},
		Request{Verb: "get", Version: "v1", Resource: "configmaps", Namespace: ns, Name: "trivy-operator-policies-config",
			Source: "config.go: configManager.EnsureDefault, clientset ConfigMaps.Get of the policies ConfigMap (a NotFound is fine; set up here so that only the authorization is judged)"},
		Request{Verb: "create", Version: "v1", Resource: "secrets", Namespace: ns,
			Body:   map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "trivy-operator", "namespace": ns}},
			Source: "config.go: configManager.EnsureDefault, clientset Secrets.Create (AlreadyExists ignored)"},
		Request{Verb: "get", Version: "v1", Resource: "secrets", Namespace: ns, Name: "trivy-operator",
			Source: "config.go: configManager.Read, clientset Secrets.Get"},
		Request{Verb: "create", Version: "v1", Resource: "configmaps", Namespace: ns, Body: cm("contract-trivy-config"),
			Source: "plugin.go: pluginContext.EnsureConfig, Create of trivy-operator-trivy-config (AlreadyExists ignored; authorized before the name is looked up)"},
		Request{Verb: "get", Version: "v1", Resource: "secrets", Namespace: ns, Name: "trivy-operator-trivy-config",
			Source: "plugin.go: pluginContext.GetConfig, the optional Secret of the plugin's name (Secrets bypass the cache; set up here)"},
		Request{Verb: "get", Path: "/version", Source: "operator.go: clientSet.ServerVersion()"},
		Request{Verb: "create", Group: "coordination.k8s.io", Version: "v1", Resource: "leases", Namespace: ns,
			Body: map[string]any{"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
				"metadata": map[string]any{"name": lease, "namespace": ns}, "spec": map[string]any{"holderIdentity": "contract"}},
			Source: le + " (Create, first start)"},
		Request{Verb: "get", Group: "coordination.k8s.io", Version: "v1", Resource: "leases", Namespace: ns, Name: lease, Source: le + " (Get)"},
		Request{Verb: "update", Group: "coordination.k8s.io", Version: "v1", Resource: "leases", Namespace: ns, Name: lease, Source: le + " (Update, every renewal)"},
		Request{Verb: "create", Version: "v1", Resource: "events", Namespace: ns,
			Body: map[string]any{"apiVersion": "v1", "kind": "Event", "metadata": map[string]any{"name": "contract.leader", "namespace": ns},
				"involvedObject": map[string]any{"kind": "Lease", "namespace": ns, "name": lease}, "reason": "LeaderElection", "message": "contract"},
			Source: le + ": the leader election's event recorder"},
	)
	if pullSecret != "" {
		c.Setup = append(c.Setup, secret(pullSecret))
		c.Requests = append(c.Requests, Request{Verb: "get", Version: "v1", Resource: "secrets", Namespace: ns, Name: pullSecret,
			Source: "secrets.go: GetSecretsFromEnv, the Secret of OPERATOR_PRIVATE_REGISTRY_SCAN_SECRETS_NAMES"})
	}
	for _, w := range [][3]string{{"", "v1", "pods"}, {"apps", "v1", "replicasets"}, {"", "v1", "replicationcontrollers"},
		{"apps", "v1", "statefulsets"}, {"apps", "v1", "daemonsets"}, {"batch", "v1", "cronjobs"}, {"batch", "v1", "jobs"},
		{"apps", "v1", "deployments"}, {"", "v1", "configmaps"},
		{"aquasecurity.github.io", "v1alpha1", "vulnerabilityreports"}, {"aquasecurity.github.io", "v1alpha1", "exposedsecretreports"},
		{"aquasecurity.github.io", "v1alpha1", "sbomreports"}} {
		c.Requests = append(c.Requests, listWatch(w[0], w[1], w[2], "", "", "",
			"the manager's cache: an informer on "+w[2]+" in every namespace (workload.go For/Owns, scanjob.go, the owners object.go resolves, GetConfig's ConfigMaps, collector.go's lists)")...)
	}
	// The scan Job as the operator builds it from the rendered ConfigMaps
	// (pkg/plugins/trivy/image.go): Trivy's image, the pod and container
	// security contexts and the pod label; the images admission policy, when
	// the tree has one, must admit it.
	conf := map[string]string{}
	for _, x := range objs {
		if x.Kind() == "ConfigMap" && x.Namespace() == ns {
			var m struct{ Data map[string]string }
			if x.Into(&m) == nil {
				for k, v := range m.Data {
					conf[k] = v
				}
			}
		}
	}
	var podSC, ctrSC map[string]any
	if json.Unmarshal([]byte(conf["scanJob.podTemplatePodSecurityContext"]), &podSC) != nil ||
		json.Unmarshal([]byte(conf["scanJob.podTemplateContainerSecurityContext"]), &ctrSC) != nil || conf["trivy.repository"] == "" {
		t.Errorf("the rendered trivy-operator ConfigMaps lack the scan job's image or security contexts: %v", conf)
	}
	jobLabel, jobLabelValue, _ := strings.Cut(conf["scanJob.podTemplateLabels"], "=")
	job := map[string]any{"apiVersion": "batch/v1", "kind": "Job",
		"metadata": map[string]any{"name": "scan-vulnerabilityreport-contract", "namespace": ns},
		"spec": map[string]any{"template": map[string]any{
			"metadata": map[string]any{"labels": map[string]any{jobLabel: jobLabelValue}},
			"spec": map[string]any{
				"restartPolicy": "Never", "automountServiceAccountToken": false, "serviceAccountName": sa,
				"nodeSelector":    map[string]any{"blueprint.dev/contract-probe": "never"},
				"securityContext": podSC,
				"containers": []any{map[string]any{
					"name": "contract", "image": conf["trivy.repository"] + ":" + conf["trivy.tag"],
					"securityContext": ctrSC,
					"resources": map[string]any{
						"requests": map[string]any{"cpu": conf["trivy.resources.requests.cpu"], "memory": conf["trivy.resources.requests.memory"]},
						"limits":   map[string]any{"cpu": conf["trivy.resources.limits.cpu"], "memory": conf["trivy.resources.limits.memory"]},
					},
				}},
			}}}}
	c.Requests = append(c.Requests,
		Request{Verb: "create", Group: "batch", Version: "v1", Resource: "jobs", Namespace: ns, Body: job,
			Source: "workload.go: SubmitScanJob, r.Client.Create(scanJob) in the operator's namespace"},
		Request{Verb: "get", Version: "v1", Resource: "pods", Subresource: "log", Namespace: ns, Name: "scan-vulnerabilityreport-contract-pod",
			ByKubelet: true,
			Source:    "logs.go: GetLogsByJobAndContainerName, clientset Pods.GetLogs of the scan job's pod (no pod runs here: the API server's authorization of it is asked as a review)"},
		Request{Verb: "delete", Group: "batch", Version: "v1", Resource: "jobs", Namespace: ns, Name: "scan-vulnerabilityreport-contract",
			Source: "scanjob.go: deleteJob once the report is written"},
	)
	if wname == "" {
		t.Error("the Trivy Operator runs but the tree has no other Deployment for the contract to write a report for")
		return c, true
	}
	report := map[string]any{"apiVersion": "aquasecurity.github.io/v1alpha1", "kind": "VulnerabilityReport",
		"metadata": map[string]any{"name": "replicaset-contract-app", "namespace": wns,
			"labels": map[string]any{"trivy-operator.resource.kind": "ReplicaSet", "trivy-operator.resource.name": wname + "-contract",
				"trivy-operator.resource.namespace": wns, "trivy-operator.container.name": "app"}},
		"report": map[string]any{
			"updateTimestamp": "2026-12-03T09:00:00Z",
			"scanner":         map[string]any{"name": "Trivy", "vendor": "Aqua Security", "version": "0.72.0"},
			"registry":        map[string]any{"server": "docker.io"},
			"artifact":        map[string]any{"repository": "library/contract", "tag": "1.0.0"},
			"os":              map[string]any{"family": "debian", "name": "12.8"},
			"summary":         map[string]any{"criticalCount": 1, "highCount": 0, "mediumCount": 0, "lowCount": 0, "unknownCount": 0},
			"vulnerabilities": []any{map[string]any{"vulnerabilityID": "CVE-2026-0001", "resource": "libcontract", "installedVersion": "1.0",
				"fixedVersion": "1.1", "severity": "CRITICAL", "title": "contract", "publishedDate": "2026-01-01T00:00:00Z",
				"lastModifiedDate": "2026-01-02T00:00:00Z"}},
		}}
	c.Requests = append(c.Requests,
		Request{Verb: "create", Group: "aquasecurity.github.io", Version: "v1alpha1", Resource: "vulnerabilityreports", Namespace: wns, Body: report,
			Source: "scanjob.go: processCompleteScanJob, VulnerabilityReadWriter.Write (Create beside the workload)"},
		Request{Verb: "update", Group: "aquasecurity.github.io", Version: "v1alpha1", Resource: "vulnerabilityreports", Namespace: wns, Name: "replicaset-contract-app",
			Source: "scanjob.go: VulnerabilityReadWriter.Write of an existing report, and the TTL annotation of an old ReplicaSet's report"},
		Request{Verb: "delete", Group: "aquasecurity.github.io", Version: "v1alpha1", Resource: "vulnerabilityreports", Namespace: wns, Name: "replicaset-contract-app",
			Source: "ttl_report.go: reconcileReport, Delete once the report's time to live runs out"},
	)
	return c, true
}

// crdKind returns the kind and the stored version of the CRD of objs that
// defines resource in group.
func crdKind(objs []controlplane.Object, group, resource string) (kind, version string) {
	for _, x := range objs {
		if x.Kind() != "CustomResourceDefinition" {
			continue
		}
		var crd struct {
			Spec struct {
				Group    string
				Names    struct{ Kind, Plural string }
				Versions []struct {
					Name    string
					Storage bool
				}
			}
		}
		if x.Into(&crd) != nil || crd.Spec.Group != group || crd.Spec.Names.Plural != resource {
			continue
		}
		for _, v := range crd.Spec.Versions {
			if v.Storage {
				version = v.Name
			}
		}
		return crd.Spec.Names.Kind, version
	}
	return "", ""
}
