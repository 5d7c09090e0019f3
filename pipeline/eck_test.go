package pipeline_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/forecast"
	"github.com/blueprint-dev/blueprint/internal/manifest"
	"github.com/blueprint-dev/blueprint/internal/operatorcrds"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

// eckSpec is logging-elasticsearch.hcl with monitoring and the engine a
// variable (default operator).
const (
	eckSpec   = "logging-eck.hcl"
	eckGolden = "testdata/services/logging-eck.golden"
)

func renderECK(t *testing.T) *loggingCase {
	t.Helper()
	c := renderLogging(t, eckSpec)
	if c.log.ECK == nil {
		t.Fatalf("%s does not put the search cluster on the operator engine", eckSpec)
	}
	return c
}

// TestECKGolden compares the operator engine's folders with
// testdata/services/logging-eck.golden/, which only -update rewrites.
func TestECKGolden(t *testing.T) {
	c := renderECK(t)
	files := operatorGoldenFiles(c.tree, "manifests/logging", "manifests/eck")
	goldenFolder(t, c.tree, files, eckGolden, eckSpec, "TestECKGolden")
}

// TestECKCRDsAsReleased checks that the tree carries ECK's CRDs exactly as
// internal/operatorcrds holds them (which checks them against the
// release), listed first in the folder's kustomization.
func TestECKCRDsAsReleased(t *testing.T) {
	c := renderECK(t)
	crdsAsReleased(t, c.tree, "manifests/eck", operatorcrds.ECK)
}

// eckPodSpec is the part of a node set's or Kibana's pod template the
// checks read.
type eckPodTemplate struct {
	Metadata struct{ Labels map[string]string }
	Spec     corev1.PodSpec
}

// eckElasticsearch and eckKibana are the parts of the rendered resources
// the checks below read.
type eckElasticsearch struct {
	Spec struct {
		Version, Image string
		Auth           struct{ Roles []struct{ SecretName string } }
		NodeSets       []struct {
			Name                 string
			Count                int
			Config               map[string]any
			PodTemplate          eckPodTemplate
			VolumeClaimTemplates []corev1.PersistentVolumeClaim
		}
	}
}

type eckKibana struct {
	Spec struct {
		Version, Image   string
		Count            int
		ElasticsearchRef struct{ Name string }
		HTTP             struct {
			TLS struct{ SelfSignedCertificate struct{ Disabled bool } }
		}
		Config      map[string]any
		PodTemplate eckPodTemplate
	}
}

// eckResource decodes the one object of a kind among the logging objects.
func eckResource[T any](t *testing.T, c *loggingCase, kind string) T {
	t.Helper()
	var out T
	n := 0
	for _, o := range c.objs {
		if o.GVK.Kind == kind {
			n++
			if err := yaml.Unmarshal(o.Raw, &out); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d %s resources among the logging objects, want 1", n, kind)
	}
	return out
}

// TestECKSameSettings renders logging-eck.hcl with either engine and
// checks that the Elasticsearch and Kibana resources carry what the
// StatefulSet engine runs with: node count, roles, volumes (storage
// class, size, as ECK's elasticsearch-data claims), heap, resources, the
// pool's node selector and tolerations, zone spread, one node per host,
// zone awareness; Kibana's count, resources and placement; and that the
// shipper, the retention job and the exporter reach ECK's Service with
// its CA and the elastic user's Secret.
func TestECKSameSettings(t *testing.T) {
	sts := renderLogging(t, eckSpec, "engine=statefulset")
	op := renderECK(t)
	if sts.log.ECK != nil {
		t.Fatal("engine=statefulset must not plan ECK")
	}
	set := logFind[*appsv1.StatefulSet](t, sts, "StatefulSet", "elasticsearch")
	es := eckResource[eckElasticsearch](t, op, "Elasticsearch")
	if len(es.Spec.NodeSets) != 1 {
		t.Fatalf("want one node set, got %d", len(es.Spec.NodeSets))
	}
	ns := es.Spec.NodeSets[0]
	if ns.Count != int(*set.Spec.Replicas) || ns.Count != 5 {
		t.Errorf("node set count %d, StatefulSet replicas %d", ns.Count, *set.Spec.Replicas)
	}
	if es.Spec.Image != spec.DefaultImages["elasticsearch"] || !strings.HasSuffix(es.Spec.Image, ":"+es.Spec.Version) {
		t.Errorf("Elasticsearch runs %s as version %s", es.Spec.Image, es.Spec.Version)
	}
	// Volumes: ECK's claim name, the StatefulSet engine's class and size.
	if len(ns.VolumeClaimTemplates) != 1 || len(set.Spec.VolumeClaimTemplates) != 1 {
		t.Fatalf("claim templates: %d and %d", len(ns.VolumeClaimTemplates), len(set.Spec.VolumeClaimTemplates))
	}
	got, want := ns.VolumeClaimTemplates[0], set.Spec.VolumeClaimTemplates[0]
	if got.Name != plan.ECKDataClaim || *got.Spec.StorageClassName != *want.Spec.StorageClassName ||
		!got.Spec.Resources.Requests.Storage().Equal(*want.Spec.Resources.Requests.Storage()) ||
		!slices.Equal(got.Spec.AccessModes, want.Spec.AccessModes) {
		t.Errorf("claim %s %v, want elasticsearch-data like %v", got.Name, got.Spec, want.Spec)
	}
	// Pod placement, resources and heap.
	sp, op0 := set.Spec.Template.Spec, ns.PodTemplate.Spec
	if string(mustJSON(t, sp.NodeSelector)) != string(mustJSON(t, op0.NodeSelector)) ||
		string(mustJSON(t, sp.Tolerations)) != string(mustJSON(t, op0.Tolerations)) ||
		string(mustJSON(t, sp.TopologySpreadConstraints)) != string(mustJSON(t, op0.TopologySpreadConstraints)) ||
		string(mustJSON(t, sp.Affinity)) != string(mustJSON(t, op0.Affinity)) {
		t.Errorf("placement differs:\nstatefulset %s %s %s %s\noperator    %s %s %s %s",
			mustJSON(t, sp.NodeSelector), mustJSON(t, sp.Tolerations), mustJSON(t, sp.TopologySpreadConstraints), mustJSON(t, sp.Affinity),
			mustJSON(t, op0.NodeSelector), mustJSON(t, op0.Tolerations), mustJSON(t, op0.TopologySpreadConstraints), mustJSON(t, op0.Affinity))
	}
	if op0.NodeSelector[spec.PoolLabel] != "general" || len(op0.Tolerations) != 1 || len(op0.TopologySpreadConstraints) == 0 || op0.Affinity == nil {
		t.Errorf("the node set is not placed on pool general with spread and anti-affinity: %s", mustJSON(t, op0))
	}
	for k, v := range set.Spec.Template.Labels {
		if ns.PodTemplate.Metadata.Labels[k] != v {
			t.Errorf("the node set's pods lack label %s=%s, which the policies and the spread select", k, v)
		}
	}
	if len(op0.Containers) != 1 || op0.Containers[0].Name != "elasticsearch" {
		t.Fatalf("the node set's pod template must name ECK's container elasticsearch: %v", op0.Containers)
	}
	sc, oc := sp.Containers[0], op0.Containers[0]
	if string(mustJSON(t, sc.Resources)) != string(mustJSON(t, oc.Resources)) {
		t.Errorf("resources %s, StatefulSet engine %s", mustJSON(t, oc.Resources), mustJSON(t, sc.Resources))
	}
	senv, oenv := logEnv(sc), logEnv(oc)
	if senv["ES_JAVA_OPTS"].Value != oenv["ES_JAVA_OPTS"].Value || oenv["ES_JAVA_OPTS"].Value != "-Xms4g -Xmx4g" {
		t.Errorf("heap %q, StatefulSet engine %q", oenv["ES_JAVA_OPTS"].Value, senv["ES_JAVA_OPTS"].Value)
	}
	if string(mustJSON(t, senv["ZONE"])) != string(mustJSON(t, oenv["ZONE"])) || oenv["ZONE"].ValueFrom == nil {
		t.Errorf("ZONE %s, StatefulSet engine %s", mustJSON(t, oenv["ZONE"]), mustJSON(t, senv["ZONE"]))
	}
	cfg := sts.files["elasticsearch.yml"]
	if ns.Config["node.attr.zone"] != cfg["node.attr.zone"] || ns.Config["cluster.routing.allocation.awareness.attributes"] != "k8s_node_name,zone" ||
		cfg["cluster.routing.allocation.awareness.attributes"] != "zone" {
		t.Errorf("zone awareness: operator %v, StatefulSet engine %v", ns.Config, cfg)
	}
	for _, k := range []string{"node.roles", "node.store.allow_mmap", "ingest.geoip.downloader.enabled"} {
		if string(mustJSON(t, ns.Config[k])) != string(mustJSON(t, cfg[k])) {
			t.Errorf("%s: operator %v, StatefulSet engine %v", k, ns.Config[k], cfg[k])
		}
	}
	if len(es.Spec.Auth.Roles) != 1 || es.Spec.Auth.Roles[0].SecretName != "logs-roles" {
		t.Errorf("roles: %v", es.Spec.Auth.Roles)
	}
	var rolesSecret *corev1.Secret
	for _, o := range op.objs {
		if s, ok := o.Object.(*corev1.Secret); ok && s.Name == "logs-roles" {
			rolesSecret = s
		}
	}
	if rolesSecret == nil || !bytes.Equal(rolesSecret.Data["roles.yml"], sts.tree["manifests/logging/search/roles.yml"]) {
		t.Errorf("Secret logs-roles must hold the StatefulSet engine's roles.yml under key roles.yml")
	}

	// Kibana: count, resources, placement; HTTP inside the cluster so that
	// the ingress and the Service kibana work as before.
	dep := logFind[*appsv1.Deployment](t, sts, "Deployment", "kibana")
	kb := eckResource[eckKibana](t, op, "Kibana")
	if kb.Spec.Count != int(*dep.Spec.Replicas) || kb.Spec.ElasticsearchRef.Name != "logs" || !kb.Spec.HTTP.TLS.SelfSignedCertificate.Disabled ||
		kb.Spec.Image != spec.DefaultImages["kibana"] || !strings.HasSuffix(kb.Spec.Image, ":"+kb.Spec.Version) {
		t.Errorf("Kibana: %+v", kb.Spec)
	}
	dp, kp := dep.Spec.Template.Spec, kb.Spec.PodTemplate.Spec
	if string(mustJSON(t, dp.NodeSelector)) != string(mustJSON(t, kp.NodeSelector)) ||
		string(mustJSON(t, dp.Tolerations)) != string(mustJSON(t, kp.Tolerations)) ||
		string(mustJSON(t, dp.TopologySpreadConstraints)) != string(mustJSON(t, kp.TopologySpreadConstraints)) ||
		string(mustJSON(t, dp.Containers[0].Resources)) != string(mustJSON(t, kp.Containers[0].Resources)) || kp.Containers[0].Name != "kibana" {
		t.Errorf("Kibana's pods differ from the Deployment's: %s", mustJSON(t, kp))
	}
	if kb.Spec.Config["server.publicBaseUrl"] != sts.files["kibana.yml"]["server.publicBaseUrl"] || kb.Spec.Config["xpack.security.secureCookies"] != true {
		t.Errorf("Kibana config: %v", kb.Spec.Config)
	}
	svc := logFind[*corev1.Service](t, op, "Service", "kibana")
	if svc.Spec.Selector["app.kubernetes.io/name"] != kp.Containers[0].Name || kb.Spec.PodTemplate.Metadata.Labels["app.kubernetes.io/name"] != "kibana" {
		t.Errorf("Service kibana selects %v, Kibana's pods carry %v", svc.Spec.Selector, kb.Spec.PodTemplate.Metadata.Labels)
	}

	// The clients: ECK's HTTP Service, its CA, the elastic user's Secret.
	if h := op.files["fluent-bit.yaml"]["pipeline"].(map[string]any)["outputs"].([]any)[0].(map[string]any)["host"]; h != "logs-es-http.logging.svc" {
		t.Errorf("fluent-bit writes to %v", h)
	}
	ds := logFind[*appsv1.DaemonSet](t, op, "DaemonSet", "fluent-bit")
	cj := logFind[*batchv1.CronJob](t, op, "CronJob", "log-retention")
	ex := logFind[*appsv1.Deployment](t, op, "Deployment", "elasticsearch-exporter")
	for name, vols := range map[string][]corev1.Volume{"fluent-bit": ds.Spec.Template.Spec.Volumes,
		"log-retention": cj.Spec.JobTemplate.Spec.Template.Spec.Volumes, "exporter": ex.Spec.Template.Spec.Volumes} {
		found := false
		for _, v := range vols {
			if v.Secret != nil && v.Name == "certs" {
				found = v.Secret.SecretName == "logs-es-http-certs-public"
			}
		}
		if !found {
			t.Errorf("%s does not trust the CA of logs-es-http-certs-public: %s", name, mustJSON(t, vols))
		}
	}
	pw := cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Env[0].ValueFrom.SecretKeyRef
	if pw.Name != "logs-es-elastic-user" || pw.Key != "elastic" {
		t.Errorf("the retention job logs in with %s/%s", pw.Name, pw.Key)
	}
	if !slices.Contains(ex.Spec.Template.Spec.Containers[0].Args, "--es.uri=https://logs-es-http.logging.svc:9200") {
		t.Errorf("exporter args %v", ex.Spec.Template.Spec.Containers[0].Args)
	}
	if !strings.Contains(string(op.tree["manifests/logging/search/log-retention.sh"]), "url='https://logs-es-http.logging.svc:9200'") {
		t.Error("log-retention.sh does not call ECK's Service")
	}
	// Each engine alone: no StatefulSet, Deployment of Kibana or client
	// Services of blueprint's own with the operator engine; no ECK with the
	// StatefulSet engine.
	for _, o := range op.objs {
		if o.GVK.Kind == "StatefulSet" || o.GVK.Kind == "PodDisruptionBudget" || (o.GVK.Kind == "Deployment" && o.Name == "kibana") ||
			(o.GVK.Kind == "Service" && o.Name != "kibana") || o.GVK.Kind == "HorizontalPodAutoscaler" {
			t.Errorf("the operator engine renders %s, which ECK makes", o)
		}
	}
	for p := range sts.tree {
		if strings.HasPrefix(p, "manifests/eck/") || strings.Contains(string(sts.tree[p]), "k8s.elastic.co") {
			t.Errorf("the StatefulSet engine renders %s with ECK in it", p)
		}
	}
	if strings.Contains(string(sts.tree["images.txt"]), "eck-operator") || !strings.Contains(string(op.tree["images.txt"]), spec.DefaultImages["eck-operator"]) {
		t.Error("images.txt must list the ECK operator with the operator engine only")
	}
}

// TestECKRBAC checks the operator's rights: namespaced Roles in the
// logging namespace and its own, nothing cluster-wide, no wildcard,
// writes only to the kinds ECK makes for Elasticsearch and Kibana, and the
// leader Lease by name; and that the operator runs as its ServiceAccount
// in the restricted namespace, managing only the logging namespace.
func TestECKRBAC(t *testing.T) {
	c := renderECK(t)
	e := c.log.ECK
	built, err := render.BuildKustomizations(c.tree, []string{"manifests/eck"})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := manifest.Decode(built["manifests/eck"])
	if err != nil {
		t.Fatal(err)
	}
	sa := rbacv1.Subject{Kind: "ServiceAccount", Name: plan.ECKOperatorName, Namespace: e.Namespace}
	roles := map[string][]rbacv1.PolicyRule{}
	bound := map[string]bool{}
	var set *appsv1.StatefulSet
	for _, o := range objs {
		switch x := o.Object.(type) {
		case *rbacv1.ClusterRole, *rbacv1.ClusterRoleBinding:
			t.Errorf("%s: the operator engine grants nothing cluster-wide", o)
		case *rbacv1.Role:
			roles[x.Namespace] = x.Rules
		case *rbacv1.RoleBinding:
			if len(x.Subjects) != 1 || x.Subjects[0] != sa || x.RoleRef.Kind != "Role" {
				t.Errorf("%s binds %v to %v", o, x.Subjects, x.RoleRef)
			}
			bound[x.Namespace] = true
		case *appsv1.StatefulSet:
			set = x
		}
	}
	if len(roles) != 2 || roles["logging"] == nil || roles[e.Namespace] == nil || !bound["logging"] || !bound[e.Namespace] {
		t.Fatalf("want a bound Role in logging and in %s, got roles in %v, bindings in %v", e.Namespace, roles, bound)
	}
	write := []string{"create", "update", "patch", "delete", "deletecollection"}
	for ns, rules := range roles {
		for _, r := range rules {
			for _, x := range append(append(append([]string{}, r.APIGroups...), r.Resources...), r.Verbs...) {
				if x == "*" {
					t.Errorf("Role %s has a wildcard: %v", ns, r)
				}
			}
			writes := slices.ContainsFunc(r.Verbs, func(v string) bool { return slices.Contains(write, v) })
			for _, res := range r.Resources {
				if res == "nodes" || res == "namespaces" || res == "subjectaccessreviews" || res == "validatingwebhookconfigurations" {
					t.Errorf("Role %s grants %s", ns, res)
				}
				if !writes {
					continue
				}
				var ok bool
				switch ns {
				case "logging":
					ok = slices.Contains([]string{"pods", "events", "persistentvolumeclaims", "secrets", "services", "configmaps", "deployments", "statefulsets",
						"poddisruptionbudgets", "elasticsearches", "elasticsearches/status", "elasticsearches/finalizers", "kibanas", "kibanas/status", "kibanas/finalizers"}, res)
				default:
					ok = slices.Contains([]string{"configmaps", "events", "leases"}, res)
				}
				if !ok {
					t.Errorf("Role %s lets the operator write %s", ns, res)
				}
				if res == "leases" && slices.Contains(r.Verbs, "update") && !slices.Equal(r.ResourceNames, []string{plan.ECKLeaseName}) {
					t.Errorf("Role %s lets the operator update Leases other than its own: %v", ns, r)
				}
			}
		}
	}
	if set == nil || set.Namespace != e.Namespace || set.Spec.Template.Spec.ServiceAccountName != plan.ECKOperatorName {
		t.Fatalf("the operator StatefulSet must run as %s in %s", plan.ECKOperatorName, e.Namespace)
	}
	cm := c.tree["manifests/eck/statefulset.yaml"]
	for _, want := range []string{"namespaces: [logging]", "operator-namespace: elastic-system", "enable-webhook: false", "validate-storage-class: false", "disable-telemetry: true"} {
		if !bytes.Contains(cm, []byte(want)) {
			t.Errorf("eck.yaml lacks %q", want)
		}
	}
	var nsRestricted bool
	for _, n := range c.plan.Services.Namespaces {
		nsRestricted = nsRestricted || n.Name == e.Namespace && n.PodSecurity == "restricted"
	}
	if !nsRestricted {
		t.Errorf("namespace %s must be restricted", e.Namespace)
	}
}

// eckForecast is forecastOf with the spec's variables set.
func eckForecast(t *testing.T, vars ...string) *forecast.Forecast {
	t.Helper()
	s, diags := spec.NewLoader().Load("testdata/services/"+eckSpec, spec.Options{Vars: vars})
	if diags = validate.Check(s, diags); diags.HasErrors() {
		t.Fatal(diags)
	}
	_, fc, err := render.RenderForecast(plan.Build(s), render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return fc
}

// TestECKForecast checks that the forecast counts the pods ECK makes as it
// makes them (StatefulSet logs-es-nodes with ECK's labels and one
// elasticsearch-data claim per pod, Deployment logs-kb), and that intact
// and after each zone's loss they land, pend and wait for volumes in the
// same zones, with the same requests, as the StatefulSet engine's
// search nodes and Kibana replicas.
func TestECKForecast(t *testing.T) {
	sts, op := eckForecast(t, "engine=statefulset"), eckForecast(t)
	kibanaZones := map[string]int{}
	summary := func(engine string, s *forecast.Scenario) []string {
		var out []string
		for _, p := range s.Pods {
			w := p.Pod.Workload
			if w.Namespace != "logging" || w.Kind == forecast.KindDaemonSet || strings.Contains(w.Name, "exporter") {
				continue
			}
			where := fmt.Sprintf("search in %q", p.Zone)
			if w.Kind == forecast.KindDeployment {
				// Kibana's zones follow the ties the operator's own pod
				// breaks differently; that they differ is checked below.
				where = "kibana"
				if p.Node != "" {
					kibanaZones[engine+", "+s.Name+", "+p.Zone]++
				}
			}
			out = append(out, fmt.Sprintf("%s pending=%v volume=%v cpu=%d mem=%d", where, p.Pending != nil, p.WaitsForVolume,
				p.Requests.MilliCPU, p.Requests.Memory))
		}
		slices.Sort(out)
		return out
	}
	a := append([]*forecast.Scenario{sts.Intact}, sts.ZoneLosses...)
	b := append([]*forecast.Scenario{op.Intact}, op.ZoneLosses...)
	if len(a) != len(b) || len(a) < 2 {
		t.Fatalf("%d and %d scenarios", len(a), len(b))
	}
	for i := range a {
		x, y := summary("statefulset", a[i]), summary("operator", b[i])
		if len(x) != 7 || !slices.Equal(x, y) {
			t.Errorf("%s: the StatefulSet engine's search and Kibana pods\n  %s\nthe operator engine's\n  %s", a[i].Name, strings.Join(x, "\n  "), strings.Join(y, "\n  "))
		}
	}
	for z, n := range kibanaZones {
		if n > 1 {
			t.Errorf("%s: %d Kibana pods of one engine in one zone", z, n)
		}
	}
	var es, kb *forecast.Workload
	for _, w := range op.Workloads {
		switch {
		case w.Namespace == "logging" && w.Kind == forecast.KindStatefulSet:
			if es != nil {
				t.Errorf("two StatefulSets in logging: %s and %s", es.Name, w.Name)
			}
			es = w
		case w.Namespace == "logging" && w.Kind == forecast.KindDeployment && w.Name != "elasticsearch-exporter":
			kb = w
		}
	}
	if es == nil || es.Name != "logs-es-nodes" || es.Replicas != 5 || len(es.ClaimTemplates) != 1 || es.ClaimTemplates[0].Name != plan.ECKDataClaim ||
		es.Selector.MatchLabels["elasticsearch.k8s.elastic.co/statefulset-name"] != "logs-es-nodes" ||
		es.Template.Labels["common.k8s.elastic.co/type"] != "elasticsearch" || es.Template.Labels["app.kubernetes.io/name"] != "elasticsearch" {
		t.Errorf("ECK's StatefulSet: %+v", es)
	}
	if kb == nil || kb.Name != "logs-kb" || kb.Replicas != 2 || kb.Selector.MatchLabels["kibana.k8s.elastic.co/name"] != "logs" {
		t.Errorf("ECK's Kibana Deployment: %+v", kb)
	}
	var names []string
	for _, p := range op.Intact.Pods {
		if p.Pod.Workload == es {
			names = append(names, p.Pod.Name)
		}
	}
	if !slices.Equal(names, []string{"logs-es-nodes-0", "logs-es-nodes-1", "logs-es-nodes-2", "logs-es-nodes-3", "logs-es-nodes-4"}) {
		t.Errorf("ECK's pods: %v", names)
	}
}

// TestECKImagesLocked renders the operator engine with an images lock
// file: the operator's image and the Elasticsearch and Kibana images ECK
// runs carry the lock's digests, as images.txt does, and the resources'
// versions stay the images' tags.
func TestECKImagesLocked(t *testing.T) {
	path, digest := lockedSpec(t, "testdata/services/"+eckSpec)
	p, tree, diags, err := renderLoaded(spec.NewLoader().Load(path, spec.Options{}))
	if diags.HasErrors() || err != nil || p.Services.Logging.ECK == nil {
		t.Fatalf("%v %v", diags, err)
	}
	locked := func(name string) string { return spec.DefaultImages[name] + "@" + digest[name] }
	var es eckElasticsearch
	var kb eckKibana
	if yaml.Unmarshal(tree["manifests/logging/search/elasticsearch.yaml"], &es) != nil || yaml.Unmarshal(tree["manifests/logging/dashboards/kibana.yaml"], &kb) != nil {
		t.Fatal("the resources do not parse")
	}
	if es.Spec.Image != locked("elasticsearch") || kb.Spec.Image != locked("kibana") || es.Spec.Version != "8.19.7" || kb.Spec.Version != "8.19.7" {
		t.Errorf("Elasticsearch %s %s, Kibana %s %s", es.Spec.Image, es.Spec.Version, kb.Spec.Image, kb.Spec.Version)
	}
	for _, name := range []string{"eck-operator", "elasticsearch", "kibana"} {
		if !strings.Contains(string(tree["images.txt"]), locked(name)+"\n") {
			t.Errorf("images.txt lacks %s", locked(name))
		}
	}
	if !strings.Contains(string(tree["manifests/eck/statefulset.yaml"]), "image: \""+locked("eck-operator")+"\"") {
		t.Error("the operator does not run its locked image")
	}
}
