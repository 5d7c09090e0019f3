package pipeline_test

import (
	"fmt"
	"os"
	"os/exec"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/internal/manifest"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
)

// loggingCase is a spec of testdata/services rendered with some variables.
type loggingCase struct {
	name  string
	plan  *plan.Plan
	log   *plan.Logging
	tree  render.Tree
	objs  []manifest.Object // what manifests/logging builds to
	files map[string]map[string]any
}

// renderLogging validates and renders a spec; render builds every
// kustomization of the tree, so a folder that does not build fails here.
func renderLogging(t *testing.T, file string, vars ...string) *loggingCase {
	t.Helper()
	p := path.Join("testdata/services", file)
	pl, tree, diags, err := renderLoaded(spec.NewLoader().Load(p, spec.Options{Vars: vars}))
	if len(diags) > 0 {
		t.Fatalf("%s must validate cleanly, got: %v", p, diags)
	}
	if err != nil {
		t.Fatalf("rendering %s: %v", p, err)
	}
	c := &loggingCase{name: file, plan: pl, log: pl.Services.Logging, tree: tree, files: map[string]map[string]any{}}
	if c.log == nil {
		t.Fatalf("%s: the plan has no logging", p)
	}

	// Each folder builds on its own, and the parent builds them all.
	dirs := []string{"manifests/logging", "manifests/logging/search", "manifests/logging/shipper", "manifests/logging/dashboards"}
	built, err := render.BuildKustomizations(tree, dirs)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	for _, d := range dirs {
		objs, err := manifest.Decode(built[d])
		if err != nil {
			t.Fatalf("%s: %s does not strict-decode: %v", file, d, err)
		}
		if len(objs) == 0 {
			t.Fatalf("%s: %s builds to nothing", file, d)
		}
		if d == "manifests/logging" {
			c.objs = objs
		}
	}
	if !strings.Contains(string(tree["manifests/kustomization.yaml"]), "- logging\n") {
		t.Errorf("%s: manifests/kustomization.yaml does not list logging", file)
	}

	// The configuration files beside the kustomizations parse as YAML.
	for _, name := range tree.Paths() {
		if strings.HasPrefix(name, "manifests/logging/") && (strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, "fluent-bit.yaml")) {
			var m map[string]any
			if err := yaml.Unmarshal(tree[name], &m); err != nil || len(m) == 0 {
				t.Fatalf("%s: %s does not parse as a YAML map: %v", file, name, err)
			}
			c.files[path.Base(name)] = m
		}
	}
	return c
}

// find returns the decoded object of a kind and name.
func logFind[T any](t *testing.T, c *loggingCase, kind, name string) T {
	t.Helper()
	var zero T
	for _, o := range c.objs {
		if o.GVK.Kind == kind && o.Name == name {
			obj, ok := o.Object.(T)
			if !ok {
				t.Fatalf("%s: %s/%s is a %T", c.name, kind, name, o.Object)
			}
			return obj
		}
	}
	t.Fatalf("%s: no %s/%s among the logging objects", c.name, kind, name)
	return zero
}

func TestLoggingElasticsearch(t *testing.T) {
	c := renderLogging(t, "logging-elasticsearch.hcl")
	if c.log.OpenSearch || c.log.Search != "elasticsearch" || c.log.Dashboards != "kibana" || !c.log.ZoneAware {
		t.Fatalf("unexpected plan: %+v", c.log)
	}
	checkLogging(t, c)
	cfg := c.files["elasticsearch.yml"]
	if cfg == nil || c.files["opensearch.yml"] != nil || c.files["kibana.yml"] == nil {
		t.Fatalf("want elasticsearch.yml and kibana.yml only, got %v", logKeys(c.files))
	}
	checkLogSearchConfig(t, c, cfg, "cluster.initial_master_nodes")
	if cfg["xpack.security.enabled"] != true || cfg["xpack.security.http.ssl.enabled"] != true || cfg["xpack.security.transport.ssl.enabled"] != true {
		t.Errorf("elasticsearch.yml must keep security and TLS on: %v", cfg)
	}
	roles := c.files["roles.yml"]
	want := map[string]any{"log_shipper": map[string]any{"indices": []any{
		map[string]any{"names": []any{"logs-*"}, "privileges": []any{"create_doc", "create_index"}}}}}
	if fmt.Sprint(roles) != fmt.Sprint(want) {
		t.Errorf("roles.yml: the shipper may only create logs-* indices and documents, got %v", roles)
	}

	kb := c.files["kibana.yml"]
	if kb["elasticsearch.hosts"].([]any)[0] != "https://elasticsearch.logging.svc:9200" || kb["elasticsearch.ssl.verificationMode"] != "full" {
		t.Errorf("kibana.yml must reach the client Service over verified HTTPS: %v", kb)
	}
	if kb["server.publicBaseUrl"] != "https://logs.example.test" || kb["xpack.security.secureCookies"] != true {
		t.Errorf("exposed Kibana needs its public URL and secure cookies: %v", kb)
	}
	ing := logFind[*networkingv1.Ingress](t, c, "Ingress", "kibana")
	if ing.Spec.IngressClassName == nil || *ing.Spec.IngressClassName != "nginx" || len(ing.Spec.TLS) != 1 ||
		ing.Spec.TLS[0].SecretName != "logs-tls" || !slices.Equal(ing.Spec.TLS[0].Hosts, []string{"logs.example.test"}) ||
		ing.Spec.Rules[0].Host != "logs.example.test" || ing.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Name != "kibana" {
		t.Errorf("kibana ingress: %+v", ing.Spec)
	}

	// The general pool is tainted: search and dashboard pods select and
	// tolerate it, the shipper tolerates everything.
	sts := logFind[*appsv1.StatefulSet](t, c, "StatefulSet", "elasticsearch")
	if sts.Spec.Template.Spec.NodeSelector[spec.PoolLabel] != "general" || len(sts.Spec.Template.Spec.Tolerations) != 1 {
		t.Errorf("elasticsearch must run on pool general: %v %v", sts.Spec.Template.Spec.NodeSelector, sts.Spec.Template.Spec.Tolerations)
	}
}

func TestLoggingOpenSearch(t *testing.T) {
	c := renderLogging(t, "logging-opensearch.hcl")
	if !c.log.OpenSearch || c.log.Search != "opensearch" || c.log.Dashboards != "opensearch-dashboards" || c.log.Namespace != "logs" {
		t.Fatalf("unexpected plan: %+v", c.log)
	}
	checkLogging(t, c)
	cfg := c.files["opensearch.yml"]
	if cfg == nil || c.files["elasticsearch.yml"] != nil || c.files["opensearch_dashboards.yml"] == nil || c.files["roles_mapping.yml"] == nil {
		t.Fatalf("want opensearch.yml, roles_mapping.yml and opensearch_dashboards.yml, got %v", logKeys(c.files))
	}
	checkLogSearchConfig(t, c, cfg, "cluster.initial_cluster_manager_nodes")
	if cfg["plugins.security.ssl.http.enabled"] != true || fmt.Sprint(cfg["plugins.security.nodes_dn"]) != "[CN=opensearch.logs.svc]" {
		t.Errorf("opensearch.yml must keep TLS on and name the nodes' certificate: %v", cfg)
	}
	shipper := c.files["roles.yml"]["log_shipper"].(map[string]any)
	perms := shipper["index_permissions"].([]any)[0].(map[string]any)
	if fmt.Sprint(perms["index_patterns"]) != "[logs-*]" || fmt.Sprint(perms["allowed_actions"]) != "[create_index index]" {
		t.Errorf("roles.yml: the shipper may only write logs-* indices, got %v", shipper)
	}
	if m := c.files["roles_mapping.yml"]["log_shipper"].(map[string]any); fmt.Sprint(m["users"]) != "[fluent-bit]" {
		t.Errorf("roles_mapping.yml maps log_shipper to %v", m)
	}
	if od := c.files["opensearch_dashboards.yml"]; od["opensearch.hosts"].([]any)[0] != "https://opensearch.logs.svc:9200" {
		t.Errorf("opensearch_dashboards.yml must reach the client Service: %v", od)
	}
	for _, o := range c.objs {
		if o.GVK.Kind == "Ingress" {
			t.Errorf("no expose block, yet %s is rendered", o)
		}
	}
	// The OpenSearch image writes demo certificates and users unless told not to.
	env := logEnv(logFind[*appsv1.StatefulSet](t, c, "StatefulSet", "opensearch").Spec.Template.Spec.Containers[0])
	if env["DISABLE_INSTALL_DEMO_CONFIG"].Value != "true" {
		t.Errorf("opensearch must not install the demo security configuration")
	}
}

// TestLoggingZoneAwarenessNeeds135 renders for Kubernetes 1.34, which does
// not copy the node's zone onto pods: no awareness, no ZONE variable.
func TestLoggingZoneAwarenessNeeds135(t *testing.T) {
	c := renderLogging(t, "logging-elasticsearch.hcl", "kubernetes_version=1.34.3")
	if c.log.ZoneAware {
		t.Fatal("Kubernetes 1.34 has no pod topology labels by default; the plan must not rely on them")
	}
	checkLogging(t, c)
	checkLogSearchConfig(t, c, c.files["elasticsearch.yml"], "cluster.initial_master_nodes")
}

// checkLogging checks what both backends share.
func checkLogging(t *testing.T, c *loggingCase) {
	t.Helper()
	l := c.log
	for _, o := range c.objs {
		if o.GVK.Kind == "Secret" {
			t.Errorf("%s: %s: the output must never contain a Secret", c.name, o)
		}
		if o.Namespace != "" && o.Namespace != l.Namespace {
			t.Errorf("%s: %s is outside namespace %s", c.name, o, l.Namespace)
		}
		if tmpl, replicas := manifest.PodTemplate(o.Object); tmpl != nil {
			checkPod(t, c.name+": "+o.String(), tmpl, replicas)
			checkLoggingPod(t, c, o.String(), tmpl)
		}
	}
	checkLogSearch(t, c)
	checkLogShipper(t, c)
	checkLogSecrets(t, c)
	checkLogRetention(t, c)

	dep := logFind[*appsv1.Deployment](t, c, "Deployment", l.Dashboards)
	if dep.Spec.Replicas == nil || *dep.Spec.Replicas != 2 {
		t.Errorf("%s: the dashboard runs 2 replicas", c.name)
	}
	checkLogService(t, c, l.Dashboards, dep.Spec.Template.Labels)
	checkLogPDB(t, c, l.Dashboards, dep.Spec.Template.Labels)
	checkLogEnvRefs(t, c, c.files[map[bool]string{false: "kibana.yml", true: "opensearch_dashboards.yml"}[l.OpenSearch]], dep.Spec.Template.Spec.Containers[0])
	np := logFind[*networkingv1.NetworkPolicy](t, c, "NetworkPolicy", l.Dashboards)
	if !logEgressTo(np.Spec.Egress, l.Search, 9200) {
		t.Errorf("%s: the dashboard must reach the search cluster on 9200: %+v", c.name, np.Spec)
	}
	// Who may open the dashboard, by the NetworkPolicy evaluator: the
	// proxies in front of it when it is exposed, nobody else (its users
	// log in through those proxies; an operator without them uses
	// kubectl port-forward, which no NetworkPolicy sees).
	policies := networkPolicies(c.objs)
	dashboard := netPod{l.Namespace, labels.Set(dep.Spec.Template.Labels)}
	var proxies []string
	if e := c.plan.Services.Expose; e != nil && e.Route(l.Dashboards) != nil {
		proxies = e.ProxyNamespaces()
		if len(proxies) == 0 {
			t.Errorf("%s: the dashboard is exposed, yet no proxy namespace is admitted", c.name)
		}
	}
	for _, ns := range proxies {
		if !policyAllows(policies, netPod{ns, labels.Set{"app.kubernetes.io/name": "proxy"}}, dashboard, plan.DashboardsPort) {
			t.Errorf("%s: a proxy in namespace %s cannot open the exposed dashboard on %d", c.name, ns, plan.DashboardsPort)
		}
	}
	for _, ns := range []string{"default", "tenant-a", l.Namespace} {
		if policyAllows(policies, netPod{ns, labels.Set{"app.kubernetes.io/name": "debug"}}, dashboard, plan.DashboardsPort) {
			t.Errorf("%s: a pod of namespace %s opens the dashboard on %d", c.name, ns, plan.DashboardsPort)
		}
	}
}

// checkLoggingPod checks every logging pod: its containers' images, the
// ConfigMaps it mounts exist under their hashed names, read-only roots.
func checkLoggingPod(t *testing.T, c *loggingCase, what string, tmpl *corev1.PodTemplateSpec) {
	t.Helper()
	images := map[string]bool{}
	for _, img := range c.plan.Services.Images {
		images[img.Ref] = true
	}
	for _, ct := range append(append([]corev1.Container{}, tmpl.Spec.InitContainers...), tmpl.Spec.Containers...) {
		if !images[ct.Image] {
			t.Errorf("%s: %s: container %s runs %s, which images.txt does not list", c.name, what, ct.Name, ct.Image)
		}
		sc := ct.SecurityContext
		if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.Capabilities == nil ||
			!slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0 {
			t.Errorf("%s: %s: container %s needs a read-only root and all capabilities dropped", c.name, what, ct.Name)
		}
		if ct.Resources.Limits.Cpu().IsZero() {
			t.Errorf("%s: %s: container %s needs a CPU limit", c.name, what, ct.Name)
		}
	}
	ps := tmpl.Spec.SecurityContext
	if ps == nil || ps.SeccompProfile == nil || ps.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: %s: the pod needs the RuntimeDefault seccomp profile", c.name, what)
	}
	for _, v := range tmpl.Spec.Volumes {
		if v.ConfigMap == nil {
			continue
		}
		if !regexp.MustCompile(`-config-[a-z0-9]{10}$`).MatchString(v.ConfigMap.Name) {
			t.Errorf("%s: %s mounts ConfigMap %s, not a generated, content-hashed one", c.name, what, v.ConfigMap.Name)
		}
		logFind[*corev1.ConfigMap](t, c, "ConfigMap", v.ConfigMap.Name)
	}
}

// checkSearch checks the search cluster's objects.
func checkLogSearch(t *testing.T, c *loggingCase) {
	t.Helper()
	l := c.log
	sts := logFind[*appsv1.StatefulSet](t, c, "StatefulSet", l.Search)
	pod := sts.Spec.Template
	if sts.Spec.Replicas == nil || int(*sts.Spec.Replicas) != l.Replicas || l.Replicas < 3 {
		t.Errorf("%s: want %d search nodes (at least 3), got %v", c.name, l.Replicas, sts.Spec.Replicas)
	}
	if sts.Spec.ServiceName != l.Search+"-headless" || sts.Spec.PodManagementPolicy != appsv1.ParallelPodManagement {
		t.Errorf("%s: the StatefulSet must use the headless Service and start its pods together", c.name)
	}
	if aff := pod.Spec.Affinity; aff == nil || aff.PodAntiAffinity == nil ||
		len(aff.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution) != 1 ||
		aff.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution[0].TopologyKey != "kubernetes.io/hostname" {
		t.Errorf("%s: search nodes need required hostname anti-affinity", c.name)
	}
	hardZone := false
	for _, sc := range pod.Spec.TopologySpreadConstraints {
		hardZone = hardZone || sc.TopologyKey == "topology.kubernetes.io/zone" && sc.WhenUnsatisfiable == corev1.DoNotSchedule
	}
	if !hardZone {
		t.Errorf("%s: search nodes need a DoNotSchedule spread over zones", c.name)
	}

	// Storage and memory from the plan: limit twice the heap.
	if len(sts.Spec.VolumeClaimTemplates) != 1 {
		t.Fatalf("%s: want one volume claim template", c.name)
	}
	vct := sts.Spec.VolumeClaimTemplates[0].Spec
	if vct.StorageClassName == nil || *vct.StorageClassName != l.StorageClass || !vct.Resources.Requests.Storage().Equal(resource.MustParse(l.VolumeSize)) {
		t.Errorf("%s: data volumes must be %s of class %s: %+v", c.name, l.VolumeSize, l.StorageClass, vct)
	}
	main := pod.Spec.Containers[0]
	n := len(l.Heap)
	heap := resource.MustParse(l.Heap[:n-1] + map[byte]string{'g': "Gi", 'm': "Mi"}[l.Heap[n-1]])
	limit := main.Resources.Limits.Memory()
	if limit.Value() != 2*heap.Value() || !main.Resources.Requests.Memory().Equal(*limit) {
		t.Errorf("%s: memory request and limit must be twice the heap %s, got %s", c.name, l.Heap, limit)
	}
	env := logEnv(main)
	opts := map[bool]string{false: "ES_JAVA_OPTS", true: "OPENSEARCH_JAVA_OPTS"}[l.OpenSearch]
	if want := "-Xms" + l.Heap + " -Xmx" + l.Heap; env[opts].Value != want {
		t.Errorf("%s: %s = %q, want %q", c.name, opts, env[opts].Value, want)
	}
	zone, hasZone := env["ZONE"]
	if hasZone != l.ZoneAware || hasZone && (zone.ValueFrom == nil || zone.ValueFrom.FieldRef == nil ||
		zone.ValueFrom.FieldRef.FieldPath != "metadata.labels['topology.kubernetes.io/zone']") {
		t.Errorf("%s: ZONE must come from the pod's zone label exactly when the plan is zone-aware (%v): %+v", c.name, l.ZoneAware, zone)
	}
	if pod.Spec.SecurityContext.RunAsUser == nil || *pod.Spec.SecurityContext.RunAsUser != 1000 {
		t.Errorf("%s: search nodes run as uid 1000", c.name)
	}
	config := map[bool]string{false: "elasticsearch.yml", true: "opensearch.yml"}[l.OpenSearch]
	checkLogEnvRefs(t, c, c.files[config], main)

	headless := logFind[*corev1.Service](t, c, "Service", l.Search+"-headless")
	if headless.Spec.ClusterIP != corev1.ClusterIPNone || !headless.Spec.PublishNotReadyAddresses {
		t.Errorf("%s: the discovery Service must be headless and publish unready pods", c.name)
	}
	checkLogService(t, c, l.Search+"-headless", pod.Labels)
	checkLogService(t, c, l.Search, pod.Labels)
	pdb := checkLogPDB(t, c, l.Search, pod.Labels)
	if pdb.Spec.MaxUnavailable == nil || pdb.Spec.MaxUnavailable.IntValue() != 1 {
		t.Errorf("%s: the search PDB allows one node down", c.name)
	}

	np := logFind[*networkingv1.NetworkPolicy](t, c, "NetworkPolicy", l.Search)
	var peers, clients bool
	for _, r := range np.Spec.Ingress {
		for _, from := range r.From {
			switch app := from.PodSelector.MatchLabels["app.kubernetes.io/name"]; {
			case app == l.Search && logAllowsPort([]networkingv1.NetworkPolicyIngressRule{r}, 9300):
				peers = true
			case (app == "fluent-bit" || app == l.Dashboards) && logAllowsPort([]networkingv1.NetworkPolicyIngressRule{r}, 9200):
				clients = true
			}
		}
	}
	if !peers || !clients || !logEgressTo(np.Spec.Egress, l.Search, 9300) {
		t.Errorf("%s: search policy must allow 9300 between nodes and 9200 from the shipper and dashboard: %+v", c.name, np.Spec)
	}
}

// checkSearchConfig checks elasticsearch.yml or opensearch.yml.
func checkLogSearchConfig(t *testing.T, c *loggingCase, cfg map[string]any, initial string) {
	t.Helper()
	l := c.log
	if cfg["node.store.allow_mmap"] != false {
		t.Errorf("%s: node.store.allow_mmap must be false (no privileged sysctl)", c.name)
	}
	if got := logStrings(cfg["discovery.seed_hosts"]); !slices.Equal(got, l.SeedHosts) || len(got) != l.Replicas {
		t.Errorf("%s: discovery.seed_hosts = %v, want %v", c.name, got, l.SeedHosts)
	}
	for i, h := range l.SeedHosts {
		want := fmt.Sprintf("%s-%d.%s-headless.%s.svc.%s", l.Search, i, l.Search, l.Namespace, c.plan.DNSDomain)
		if h != want {
			t.Errorf("%s: seed host %q, want %q", c.name, h, want)
		}
	}
	if got := logStrings(cfg[initial]); !slices.Equal(got, l.SearchPods) || len(got) != l.Replicas {
		t.Errorf("%s: %s = %v, want the pod names %v", c.name, initial, got, l.SearchPods)
	}
	aware := cfg["cluster.routing.allocation.awareness.attributes"] == "zone" && cfg["node.attr.zone"] == "${ZONE}"
	if aware != l.ZoneAware {
		t.Errorf("%s: shard allocation awareness by zone is %v, the plan says %v", c.name, aware, l.ZoneAware)
	}
}

// checkShipper checks fluent-bit: the DaemonSet, its configuration and
// its access rights.
func checkLogShipper(t *testing.T, c *loggingCase) {
	t.Helper()
	l := c.log
	ds := logFind[*appsv1.DaemonSet](t, c, "DaemonSet", "fluent-bit")
	pod := ds.Spec.Template.Spec
	everywhere := false
	for _, tol := range pod.Tolerations {
		everywhere = everywhere || tol.Key == "" && tol.Operator == corev1.TolerationOpExists && tol.Effect == ""
	}
	if !everywhere {
		t.Errorf("%s: fluent-bit must tolerate every taint to run on every node: %v", c.name, pod.Tolerations)
	}
	host := map[string]bool{}
	for _, v := range pod.Volumes {
		if v.HostPath != nil {
			host[v.Name] = true
			if v.HostPath.Path != "/var/log" {
				t.Errorf("%s: fluent-bit mounts host path %s", c.name, v.HostPath.Path)
			}
		}
	}
	ct := pod.Containers[0]
	mounts := map[string]string{}
	for _, m := range ct.VolumeMounts {
		mounts[m.MountPath] = m.Name
		if host[m.Name] && !m.ReadOnly {
			t.Errorf("%s: host path %s must be mounted read-only", c.name, m.MountPath)
		}
	}
	if ds.Spec.Template.Annotations["prometheus.io/port"] != "2020" || ds.Spec.Template.Annotations["prometheus.io/scrape"] != "true" ||
		len(ct.Ports) != 1 || ct.Ports[0].ContainerPort != 2020 {
		t.Errorf("%s: fluent-bit must serve and announce metrics on 2020", c.name)
	}

	fb := c.files["fluent-bit.yaml"]
	pipeline, _ := fb["pipeline"].(map[string]any)
	in := logFirst(pipeline["inputs"])
	out := logFirst(pipeline["outputs"])
	if in["name"] != "tail" || in["path"] != "/var/log/containers/*.log" || in["multiline.parser"] != "cri" {
		t.Errorf("%s: fluent-bit must tail /var/log/containers/*.log with the cri parser: %v", c.name, in)
	}
	if db, _ := in["db"].(string); mounts[path.Dir(db)] == "" || host[mounts[path.Dir(db)]] {
		t.Errorf("%s: the position database %s must be on a writable, non-host volume: mounts %v", c.name, db, mounts)
	}
	if f := logFirst(pipeline["filters"]); f["name"] != "kubernetes" {
		t.Errorf("%s: fluent-bit must add Kubernetes metadata: %v", c.name, f)
	}
	wantOut := map[bool]string{false: "es", true: "opensearch"}[l.OpenSearch]
	if out["name"] != wantOut || out["host"] != l.Search+"."+l.Namespace+".svc" || out["logstash_format"] != true ||
		out["logstash_prefix"] != "logs" || out["tls"] != true || out["tls.verify"] != true {
		t.Errorf("%s: fluent-bit must send dated logs-* indices to %s over verified TLS: %v", c.name, l.Search, out)
	}
	if ca, _ := out["tls.ca_file"].(string); mounts[path.Dir(ca)] == "" {
		t.Errorf("%s: fluent-bit's CA file %s is on no mount", c.name, ca)
	}
	checkLogEnvRefs(t, c, fb, ct)

	// Only get, list and watch on pods and namespaces, bound to its account.
	role := logFind[*rbacv1.ClusterRole](t, c, "ClusterRole", l.Namespace+"-fluent-bit")
	if len(role.Rules) != 1 || !slices.Equal(role.Rules[0].APIGroups, []string{""}) ||
		!logSameSet(role.Rules[0].Resources, "pods", "namespaces") || !logSameSet(role.Rules[0].Verbs, "get", "list", "watch") ||
		len(role.Rules[0].ResourceNames)+len(role.Rules[0].NonResourceURLs) > 0 || role.AggregationRule != nil {
		t.Errorf("%s: fluent-bit's ClusterRole may only get, list and watch pods and namespaces: %+v", c.name, role.Rules)
	}
	for _, o := range c.objs {
		if o.GVK.Kind == "Role" || o.GVK.Kind == "RoleBinding" || o.GVK.Kind == "ClusterRole" && o.Name != role.Name {
			t.Errorf("%s: unexpected %s", c.name, o)
		}
	}
	crb := logFind[*rbacv1.ClusterRoleBinding](t, c, "ClusterRoleBinding", l.Namespace+"-fluent-bit")
	if crb.RoleRef.Name != role.Name || len(crb.Subjects) != 1 || crb.Subjects[0].Kind != "ServiceAccount" ||
		crb.Subjects[0].Name != pod.ServiceAccountName || crb.Subjects[0].Namespace != l.Namespace {
		t.Errorf("%s: fluent-bit's binding: %+v", c.name, crb)
	}

	np := logFind[*networkingv1.NetworkPolicy](t, c, "NetworkPolicy", "fluent-bit")
	if !logEgressTo(np.Spec.Egress, l.Search, 9200) {
		t.Errorf("%s: fluent-bit must reach the search cluster on 9200", c.name)
	}
	api := map[string]bool{}
	for _, r := range np.Spec.Egress {
		for _, to := range r.To {
			if to.IPBlock == nil {
				continue
			}
			for _, p := range r.Ports {
				api[fmt.Sprintf("%s:%d", to.IPBlock.CIDR, p.Port.IntValue())] = true
			}
		}
	}
	for _, subnet := range c.plan.NodeSubnets {
		for _, port := range []int{plan.APIServerPort, c.plan.Endpoint.Port} {
			if !api[fmt.Sprintf("%s:%d", subnet, port)] {
				t.Errorf("%s: fluent-bit may not reach the API server at %s port %d: %v", c.name, subnet, port, api)
			}
		}
	}
}

// checkSecretRefs checks that the pods refer only to the Secrets the plan
// lists for ARCHITECTURE.md, with keys it names, and that each is used.
func checkLogSecrets(t *testing.T, c *loggingCase) {
	t.Helper()
	listed := map[string]plan.SecretRef{}
	for _, s := range c.log.Secrets {
		if s.Namespace != c.log.Namespace {
			t.Errorf("%s: Secret %s is listed in namespace %s", c.name, s.Name, s.Namespace)
		}
		listed[s.Name] = s
	}
	used := map[string]bool{}
	ref := func(what, name, key string) {
		used[name] = true
		s, ok := listed[name]
		if !ok {
			t.Errorf("%s: %s refers to Secret %s, which ARCHITECTURE.md does not list", c.name, what, name)
		} else if !strings.Contains(s.Keys, "`"+key+"`") {
			t.Errorf("%s: %s uses key %s of Secret %s; listed keys: %s", c.name, what, key, name, s.Keys)
		}
	}
	for _, o := range c.objs {
		tmpl, _ := manifest.PodTemplate(o.Object)
		if tmpl == nil {
			continue
		}
		for _, v := range tmpl.Spec.Volumes {
			if v.Secret == nil {
				continue
			}
			if len(v.Secret.Items) == 0 {
				t.Errorf("%s: %s mounts every key of Secret %s; name the ones it needs", c.name, o, v.Secret.SecretName)
			}
			for _, it := range v.Secret.Items {
				ref(o.String(), v.Secret.SecretName, it.Key)
			}
		}
		for _, ct := range append(append([]corev1.Container{}, tmpl.Spec.InitContainers...), tmpl.Spec.Containers...) {
			for _, e := range ct.Env {
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					ref(o.String(), e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key)
				}
			}
		}
	}
	for name := range listed {
		if !used[name] {
			t.Errorf("%s: Secret %s is listed but nothing uses it", c.name, name)
		}
	}
}

// checkEnvRefs checks that every ${NAME} a configuration file uses is set
// in the container's environment.
func checkLogEnvRefs(t *testing.T, c *loggingCase, cfg map[string]any, ct corev1.Container) {
	t.Helper()
	if cfg == nil {
		t.Errorf("%s: no configuration file for container %s", c.name, ct.Name)
		return
	}
	text, _ := yaml.Marshal(cfg)
	env := logEnv(ct)
	for _, m := range regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`).FindAllStringSubmatch(string(text), -1) {
		if _, ok := env[m[1]]; !ok {
			t.Errorf("%s: a configuration file uses ${%s}, which container %s does not set", c.name, m[1], ct.Name)
		}
	}
}

// checkServiceSelects checks that a Service selects the given pod labels.
func checkLogService(t *testing.T, c *loggingCase, name string, podLabels map[string]string) {
	t.Helper()
	svc := logFind[*corev1.Service](t, c, "Service", name)
	if len(svc.Spec.Selector) == 0 || !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(podLabels)) {
		t.Errorf("%s: Service %s selects %v, not the pods %v", c.name, name, svc.Spec.Selector, podLabels)
	}
}

// checkPDB checks that a PodDisruptionBudget selects the given pod labels.
func checkLogPDB(t *testing.T, c *loggingCase, name string, podLabels map[string]string) *policyv1.PodDisruptionBudget {
	t.Helper()
	pdb := logFind[*policyv1.PodDisruptionBudget](t, c, "PodDisruptionBudget", name)
	sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
	if err != nil || sel.Empty() || !sel.Matches(labels.Set(podLabels)) {
		t.Errorf("%s: PodDisruptionBudget %s selects %v, not the pods %v", c.name, name, pdb.Spec.Selector, podLabels)
	}
	return pdb
}

func logAllowsPort(rules []networkingv1.NetworkPolicyIngressRule, port int) bool {
	for _, r := range rules {
		for _, p := range r.Ports {
			if p.Port != nil && p.Port.IntValue() == port {
				return true
			}
		}
	}
	return false
}

// egressTo reports whether a rule lets traffic out to an app's pods on a port.
func logEgressTo(rules []networkingv1.NetworkPolicyEgressRule, app string, port int) bool {
	for _, r := range rules {
		for _, to := range r.To {
			if to.PodSelector == nil || to.PodSelector.MatchLabels["app.kubernetes.io/name"] != app {
				continue
			}
			for _, p := range r.Ports {
				if p.Port != nil && p.Port.IntValue() == port {
					return true
				}
			}
		}
	}
	return false
}

func logEnv(ct corev1.Container) map[string]corev1.EnvVar {
	env := map[string]corev1.EnvVar{}
	for _, e := range ct.Env {
		env[e.Name] = e
	}
	return env
}

func logFirst(v any) map[string]any {
	list, _ := v.([]any)
	if len(list) == 0 {
		return nil
	}
	m, _ := list[0].(map[string]any)
	return m
}

func logStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

func logSameSet(got []string, want ...string) bool {
	g := append([]string{}, got...)
	sort.Strings(g)
	sort.Strings(want)
	return slices.Equal(g, want)
}

func logKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkLogRetention checks the log-retention CronJob: its schedule and
// limits, that it logs in as the search nodes' readiness probe does, runs
// where the search cluster runs, and that the policies let it reach the
// search cluster's HTTPS port. TestLoggingRetentionScript runs its script.
func checkLogRetention(t *testing.T, c *loggingCase) {
	t.Helper()
	l := c.log
	cj := logFind[*batchv1.CronJob](t, c, "CronJob", "log-retention")
	s := cj.Spec
	if s.Schedule == "" || s.ConcurrencyPolicy != batchv1.ForbidConcurrent || s.StartingDeadlineSeconds == nil ||
		s.SuccessfulJobsHistoryLimit == nil || s.FailedJobsHistoryLimit == nil {
		t.Errorf("%s: log-retention needs a schedule, concurrencyPolicy Forbid, a starting deadline and history limits: %+v", c.name, s)
	}
	js := s.JobTemplate.Spec
	if js.BackoffLimit == nil || *js.BackoffLimit > 3 || js.TTLSecondsAfterFinished == nil || js.ActiveDeadlineSeconds == nil {
		t.Errorf("%s: log-retention's Jobs need a small backoffLimit, an active deadline and a TTL: %+v", c.name, js)
	}
	pod := js.Template.Spec
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken ||
		pod.SecurityContext == nil || pod.SecurityContext.RunAsUser == nil || *pod.SecurityContext.RunAsUser != 1000 {
		t.Errorf("%s: log-retention runs as uid 1000 without a service account token", c.name)
	}
	if len(pod.Containers) != 1 || len(pod.InitContainers) > 0 {
		t.Fatalf("%s: log-retention runs one container", c.name)
	}
	ct := pod.Containers[0]

	// Same image, same placement, same login as the search nodes.
	sts := logFind[*appsv1.StatefulSet](t, c, "StatefulSet", l.Search)
	node := sts.Spec.Template.Spec
	if ct.Image != node.Containers[0].Image {
		t.Errorf("%s: log-retention runs %s, not the search image %s", c.name, ct.Image, node.Containers[0].Image)
	}
	if fmt.Sprint(pod.NodeSelector) != fmt.Sprint(node.NodeSelector) || fmt.Sprint(pod.Tolerations) != fmt.Sprint(node.Tolerations) {
		t.Errorf("%s: log-retention must run on the search cluster's pool: %v %v, want %v %v", c.name, pod.NodeSelector, pod.Tolerations, node.NodeSelector, node.Tolerations)
	}
	var password string
	for _, e := range node.Containers[0].Env {
		if r := e.ValueFrom; r != nil && r.SecretKeyRef != nil && r.SecretKeyRef.Name == "logging-search-credentials" && r.SecretKeyRef.Key == "password" {
			password = e.Name
		}
	}
	if e, ok := logEnv(ct)[password]; password == "" || !ok || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil ||
		e.ValueFrom.SecretKeyRef.Name != "logging-search-credentials" || e.ValueFrom.SecretKeyRef.Key != "password" {
		t.Errorf("%s: log-retention must read the probe's password variable %q from logging-search-credentials: %+v", c.name, password, ct.Env)
	}
	probe := strings.Join(node.Containers[0].ReadinessProbe.Exec.Command, " ")
	m := regexp.MustCompile(`--cacert (\S+)`).FindStringSubmatch(probe)
	if m == nil {
		t.Fatalf("%s: the search readiness probe names no CA file: %s", c.name, probe)
	}
	if got := logMountedKey(pod, ct, path.Dir(m[1]), path.Base(m[1])); got != "logging-search-certs/ca.crt" {
		t.Errorf("%s: log-retention's %s is %q, want key ca.crt of logging-search-certs as the probe uses", c.name, m[1], got)
	}
	if !slices.Equal(ct.Command[:1], []string{"sh"}) || len(ct.Command) != 2 ||
		logMountedKey(pod, ct, path.Dir(ct.Command[1]), path.Base(ct.Command[1])) != "configmap/log-retention.sh" {
		t.Errorf("%s: log-retention must run sh on log-retention.sh from its ConfigMap: %v", c.name, ct.Command)
	}
	tmp := false
	for _, vm := range ct.VolumeMounts {
		for _, v := range pod.Volumes {
			tmp = tmp || vm.MountPath == "/tmp" && v.Name == vm.Name && v.EmptyDir != nil
		}
	}
	if !tmp {
		t.Errorf("%s: log-retention needs an emptyDir on /tmp beside its read-only root", c.name)
	}

	// The job's pods may open 9200 on the search pods: egress from the
	// job and ingress on the search nodes, across every policy.
	policies := networkPolicies(c.objs)
	job, search := netPod{l.Namespace, js.Template.Labels}, netPod{l.Namespace, sts.Spec.Template.Labels}
	if !policyAllows(policies, job, search, 9200) {
		t.Errorf("%s: the NetworkPolicies do not let log-retention reach %s on 9200", c.name, l.Search)
	}
	if policyAllows(policies, job, search, 9300) || policyAllows(policies, search, job, 9200) {
		t.Errorf("%s: log-retention may reach only 9200 of the search nodes, and nothing may reach it", c.name)
	}
}

// logMountedKey names what a container sees at dir/file: "SECRET/KEY" for
// a Secret item, "configmap/FILE" for a ConfigMap, "" for nothing.
func logMountedKey(pod corev1.PodSpec, ct corev1.Container, dir, file string) string {
	for _, vm := range ct.VolumeMounts {
		if path.Clean(vm.MountPath) != dir {
			continue
		}
		for _, v := range pod.Volumes {
			switch {
			case v.Name != vm.Name:
			case v.Secret != nil:
				for _, it := range v.Secret.Items {
					if it.Path == file {
						return v.Secret.SecretName + "/" + it.Key
					}
				}
			case v.ConfigMap != nil:
				return "configmap/" + file
			}
		}
	}
	return ""
}

// logRetentionCurl stands in for curl: it records each call's arguments in
// $CURL_LOG, prints $CURL_INDICES for the _cat/indices call, and fails
// like curl --fail on an HTTP error where $CURL_FAIL names the method.
const logRetentionCurl = `#!/bin/sh
printf '%s\n' "$*" >>"$CURL_LOG"
method=GET
while [ $# -gt 1 ]; do
	if [ "$1" = --request ]; then method=$2; fi
	shift
done
if [ "$method" = "${CURL_FAIL:-}" ]; then
	echo "curl: (22) The requested URL returned error: 403" >&2
	exit 22
fi
case "$method $1" in
"GET "*/_cat/indices/*) cat "$CURL_INDICES" ;;
"DELETE "*) echo '{"acknowledged":true}' ;;
*) echo "stub curl: unexpected $method $1" >&2; exit 2 ;;
esac
`

// TestLoggingRetentionScript runs the log-retention script the CronJob
// mounts, under /bin/sh with a stub curl and a fixed "now", and checks
// that exactly the daily indices older than retention_days are deleted.
func TestLoggingRetentionScript(t *testing.T) {
	for file, days := range map[string]int{"logging-elasticsearch.hcl": 14, "logging-opensearch.hcl": 30} {
		t.Run(file, func(t *testing.T) {
			c := renderLogging(t, file)
			l := c.log
			if l.RetentionDays != days {
				t.Fatalf("retention_days: plan has %d, want %d", l.RetentionDays, days)
			}
			cj := logFind[*batchv1.CronJob](t, c, "CronJob", "log-retention")
			pod := cj.Spec.JobTemplate.Spec.Template.Spec
			var script string
			for _, v := range pod.Volumes {
				if v.ConfigMap != nil {
					script = logFind[*corev1.ConfigMap](t, c, "ConfigMap", v.ConfigMap.Name).Data["log-retention.sh"]
				}
			}
			if script == "" || !strings.HasPrefix(script, "#!/bin/sh\n") {
				t.Fatalf("the CronJob's ConfigMap holds no log-retention.sh script")
			}
			var password string
			for _, e := range pod.Containers[0].Env {
				password = e.Name
			}
			user := map[bool]string{false: "elastic", true: "admin"}[l.OpenSearch]
			base := fmt.Sprintf("https://%s.%s.svc:9200", l.Search, l.Namespace)

			// Fixed now: 2025-03-15 00:30 UTC, half an hour into the day.
			now := time.Date(2025, 3, 15, 0, 30, 0, 0, time.UTC)
			day := func(ago int) string { return "logs-" + now.AddDate(0, 0, -ago).Format("2006.01.02") }
			var listed, wantDeleted []string
			for _, ago := range []int{0, 1, days - 1, days, days + 1, days + 2, days + 40, 400} {
				listed = append(listed, day(ago))
				if ago > days {
					wantDeleted = append(wantDeleted, base+"/"+day(ago))
				}
			}
			// Never deleted, however old they look.
			listed = append(listed, "logs-foo", ".kibana_1", "logs-2020.01.01-restored", "logs-2020.1.1",
				"logs-20200101", "logs-2020.01.01.bak", ".ds-logs-generic-default-2020.01.01-000001", "xlogs-2020.01.01")

			run := func(fail string) (deletes, calls []string, out string, err error) {
				dir := t.TempDir()
				bin := path.Join(dir, "bin")
				if err := os.Mkdir(bin, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path.Join(bin, "curl"), []byte(logRetentionCurl), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path.Join(dir, "indices"), []byte(strings.Join(listed, "\n")+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path.Join(dir, "log-retention.sh"), []byte(script), 0o644); err != nil {
					t.Fatal(err)
				}
				cmd := exec.Command("/bin/sh", path.Join(dir, "log-retention.sh"))
				cmd.Env = []string{
					"PATH=" + bin + ":" + os.Getenv("PATH"),
					"CURL_LOG=" + path.Join(dir, "calls"),
					"CURL_INDICES=" + path.Join(dir, "indices"),
					"CURL_FAIL=" + fail,
					"LOG_RETENTION_NOW=" + fmt.Sprint(now.Unix()),
					password + "=s3cret",
				}
				b, err := cmd.CombinedOutput()
				log, _ := os.ReadFile(path.Join(dir, "calls"))
				for _, call := range strings.Split(strings.TrimSpace(string(log)), "\n") {
					if call == "" {
						continue
					}
					calls = append(calls, call)
					if f := strings.Fields(call); slices.Contains(f, "DELETE") {
						deletes = append(deletes, f[len(f)-1])
					}
				}
				return deletes, calls, string(b), err
			}

			deletes, calls, out, err := run("")
			if err != nil {
				t.Fatalf("the script failed: %v\n%s", err, out)
			}
			sort.Strings(deletes)
			sort.Strings(wantDeleted)
			if !slices.Equal(deletes, wantDeleted) {
				t.Errorf("deleted %v\nwant exactly %v\noutput:\n%s", deletes, wantDeleted, out)
			}
			if len(calls) != 1+len(wantDeleted) || !strings.Contains(calls[0], base+"/_cat/indices/logs-*") {
				t.Errorf("want one _cat/indices call, then one DELETE per old index: %q", calls)
			}
			for _, call := range calls {
				for _, want := range []string{"--fail", "--cacert /usr/share/" + l.Search + "/config/certs/ca.crt", "--user " + user + ":s3cret"} {
					if !strings.Contains(call, want) {
						t.Errorf("curl %s: missing %s", call, want)
					}
				}
			}

			// An HTTP error stops the run with a failure.
			deletes, _, out, err = run("DELETE")
			if err == nil || len(deletes) != 1 {
				t.Errorf("a failed DELETE must fail the run at once: err %v, %d DELETEs\n%s", err, len(deletes), out)
			}
			deletes, _, out, err = run("GET")
			if err == nil || len(deletes) != 0 {
				t.Errorf("a failed listing must fail the run and delete nothing: err %v, %d DELETEs\n%s", err, len(deletes), out)
			}
		})
	}
}
