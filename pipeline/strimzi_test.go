package pipeline_test

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/forecast"
	"github.com/blueprint-dev/blueprint/internal/manifest"
	"github.com/blueprint-dev/blueprint/internal/operatorcrds"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/spec"
)

// strimziSpec is kafkaSpec with engine = "operator".
const (
	strimziSpec   = "testdata/workloads/kafka-strimzi.hcl"
	strimziGolden = "testdata/workloads/kafka-strimzi.golden"
)

func renderStrimzi(t *testing.T) *kafkaCase {
	t.Helper()
	b, err := os.ReadFile(strimziSpec)
	if err != nil {
		t.Fatal(err)
	}
	c := renderKafka(t, string(b))
	if k := c.plan.Workloads.Kafka; k == nil || k.Strimzi == nil || k.Engine != spec.EngineOperator {
		t.Fatalf("%s does not put Kafka on the operator engine", strimziSpec)
	}
	return c
}

// TestStrimziGolden compares the operator engine's folders with
// testdata/workloads/kafka-strimzi.golden/, which only -update rewrites.
func TestStrimziGolden(t *testing.T) {
	c := renderStrimzi(t)
	files := operatorGoldenFiles(c.tree, "manifests/kafka", "manifests/strimzi")
	goldenFolder(t, c.tree, files, strimziGolden, strimziSpec, "TestStrimziGolden")
}

// TestStrimziCRDsAsReleased checks that the tree carries Strimzi's CRDs
// exactly as internal/operatorcrds holds them (which checks them against
// the release), listed first in the folder's kustomization.
func TestStrimziCRDsAsReleased(t *testing.T) {
	c := renderStrimzi(t)
	crdsAsReleased(t, c.tree, "manifests/strimzi", operatorcrds.Strimzi)
}

// strimziKafka is the part of the rendered Kafka and KafkaNodePools that
// the checks below read.
type strimziKafka struct {
	Kind     string
	Metadata struct {
		Name        string
		Annotations map[string]string
	}
	Spec struct {
		Kafka struct {
			Version string
			Config  map[string]any
			Rack    struct{ TopologyKey string }
		}
		Replicas   int
		Roles      []string
		Storage    struct{ Type, Class, Size string }
		Resources  corev1.ResourceRequirements
		JVMOptions map[string]string `json:"jvmOptions"`
		Template   struct {
			Pod struct {
				Affinity                  corev1.Affinity
				Tolerations               []corev1.Toleration
				TopologySpreadConstraints []corev1.TopologySpreadConstraint
			}
		}
	}
}

// TestStrimziSameSettings renders kafkaSpec with either engine and checks
// that the operator engine's Kafka and KafkaNodePools carry what the
// StatefulSet engine runs with: every replication setting and policy of
// broker.properties, the broker and controller counts, their pools'
// nodes and taints, zone spread, volumes, resources and heaps, and rack
// awareness by the zone label.
func TestStrimziSameSettings(t *testing.T) {
	sts := renderKafka(t, kafkaSpecText(t))
	op := renderStrimzi(t)
	k := op.plan.Workloads.Kafka

	props := map[string]string{}
	for _, line := range strings.Split(string(sts.tree["manifests/kafka/broker.properties"]), "\n") {
		if key, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			props[key] = v
		}
	}
	docs, err := manifest.Split(op.tree["manifests/kafka/kafka.yaml"])
	if err != nil {
		t.Fatal(err)
	}
	pools := map[string]strimziKafka{}
	var kafka strimziKafka
	for _, d := range docs {
		var o strimziKafka
		if err := yaml.Unmarshal(d, &o); err != nil {
			t.Fatal(err)
		}
		if o.Kind == "Kafka" {
			kafka = o
		} else {
			pools[o.Metadata.Name] = o
		}
	}
	// Everything of broker.properties but what Strimzi sets itself
	// (roles, listeners, quorum, directories) is in the Kafka's config.
	strimziOwns := regexp.MustCompile(`^(process\.roles|controller\.|listeners|listener\.|inter\.broker\.listener\.name|log\.dirs)`)
	compared := 0
	for key, v := range props {
		if strimziOwns.MatchString(key) {
			continue
		}
		got, ok := kafka.Spec.Kafka.Config[key]
		if !ok {
			t.Errorf("broker.properties sets %s=%s; the Kafka's config does not", key, v)
			continue
		}
		if s := strings.TrimSpace(strings.Trim(strings.TrimSpace(string(mustJSON(t, got))), `"`)); s != v {
			t.Errorf("%s: Kafka config %s, broker.properties %s", key, s, v)
		}
		compared++
	}
	if compared < 10 || len(kafka.Spec.Kafka.Config) != compared {
		t.Errorf("compared %d settings; the Kafka's config has %d", compared, len(kafka.Spec.Kafka.Config))
	}
	if kafka.Spec.Kafka.Rack.TopologyKey != corev1.LabelTopologyZone {
		t.Errorf("rack.topologyKey %q, want %s", kafka.Spec.Kafka.Rack.TopologyKey, corev1.LabelTopologyZone)
	}

	statefulSets := map[string]*appsv1.StatefulSet{}
	for _, o := range sts.objs {
		if s, ok := o.Object.(*appsv1.StatefulSet); ok {
			statefulSets[s.Name] = s
		}
	}
	for pool, set := range map[string]string{k.Strimzi.BrokerPool: "kafka", k.Strimzi.ControllerPool: "kafka-controller"} {
		np, s := pools[pool], statefulSets[set]
		if s == nil {
			t.Fatalf("no StatefulSet %s in the StatefulSet engine's tree", set)
		}
		pod := s.Spec.Template.Spec
		if np.Spec.Replicas != int(*s.Spec.Replicas) {
			t.Errorf("pool %s: %d replicas, StatefulSet %s %d", pool, np.Spec.Replicas, set, *s.Spec.Replicas)
		}
		// The StatefulSet's nodeSelector is the node pool's required node
		// affinity (Strimzi's pod template has no nodeSelector).
		var terms []corev1.NodeSelectorRequirement
		if na := np.Spec.Template.Pod.Affinity.NodeAffinity; na != nil && na.RequiredDuringSchedulingIgnoredDuringExecution != nil &&
			len(na.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms) == 1 {
			terms = na.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchExpressions
		}
		if len(terms) != len(pod.NodeSelector) {
			t.Errorf("pool %s: node affinity %v, StatefulSet nodeSelector %v", pool, terms, pod.NodeSelector)
		}
		for _, e := range terms {
			if e.Operator != corev1.NodeSelectorOpIn || len(e.Values) != 1 || pod.NodeSelector[e.Key] != e.Values[0] {
				t.Errorf("pool %s: node affinity %v, StatefulSet nodeSelector %v", pool, e, pod.NodeSelector)
			}
		}
		if string(mustJSON(t, np.Spec.Template.Pod.Tolerations)) != string(mustJSON(t, pod.Tolerations)) {
			t.Errorf("pool %s: tolerations %v, StatefulSet %v", pool, np.Spec.Template.Pod.Tolerations, pod.Tolerations)
		}
		spread := np.Spec.Template.Pod.TopologySpreadConstraints
		if len(spread) == 0 || spread[0].TopologyKey != corev1.LabelTopologyZone || spread[0].MaxSkew != 1 ||
			spread[0].WhenUnsatisfiable != corev1.DoNotSchedule || spread[0].LabelSelector.MatchLabels["strimzi.io/pool-name"] != pool {
			t.Errorf("pool %s: not spread evenly over zones: %v", pool, spread)
		}
		anti := np.Spec.Template.Pod.Affinity.PodAntiAffinity
		if anti == nil || len(anti.RequiredDuringSchedulingIgnoredDuringExecution) != 1 ||
			anti.RequiredDuringSchedulingIgnoredDuringExecution[0].TopologyKey != corev1.LabelHostname {
			t.Errorf("pool %s: not one pod per host: %v", pool, anti)
		}
		claim := s.Spec.VolumeClaimTemplates[0].Spec
		if np.Spec.Storage.Type != "persistent-claim" || np.Spec.Storage.Class != *claim.StorageClassName ||
			np.Spec.Storage.Size != claim.Resources.Requests.Storage().String() {
			t.Errorf("pool %s: storage %+v, StatefulSet claim %s %s", pool, np.Spec.Storage, *claim.StorageClassName, claim.Resources.Requests.Storage())
		}
		ctr := pod.Containers[0]
		if !np.Spec.Resources.Requests.Cpu().Equal(*ctr.Resources.Requests.Cpu()) || !np.Spec.Resources.Requests.Memory().Equal(*ctr.Resources.Requests.Memory()) ||
			!np.Spec.Resources.Limits.Memory().Equal(*ctr.Resources.Limits.Memory()) {
			t.Errorf("pool %s: resources %v, StatefulSet %v", pool, np.Spec.Resources, ctr.Resources)
		}
		heap := ""
		for _, e := range ctr.Env {
			if e.Name == "KAFKA_HEAP_OPTS" {
				heap = e.Value
			}
		}
		if want := "-Xmx" + np.Spec.JVMOptions["-Xmx"] + " -Xms" + np.Spec.JVMOptions["-Xms"]; heap != want {
			t.Errorf("pool %s: JVM options %v, StatefulSet KAFKA_HEAP_OPTS %q", pool, np.Spec.JVMOptions, heap)
		}
	}
	if r := pools[k.Strimzi.BrokerPool].Spec.Roles; !slices.Equal(r, []string{"broker"}) {
		t.Errorf("broker pool roles %v", r)
	}
	if r := pools[k.Strimzi.ControllerPool].Spec.Roles; !slices.Equal(r, []string{"controller"}) {
		t.Errorf("controller pool roles %v", r)
	}
	// Node ids as the StatefulSet engine numbers them.
	if a := pools[k.Strimzi.BrokerPool].Metadata.Annotations["strimzi.io/next-node-ids"]; !strings.HasPrefix(a, "[100-") {
		t.Errorf("broker node ids %q, want from %d", a, plan.KafkaBrokerIDBase)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSpace(b)
}

// TestStrimziEngineAlone checks that each engine renders only its own:
// the default engine no Strimzi folder, image or custom resource; the
// operator engine no StatefulSet of Kafka, no apache/kafka image, and the
// exporter's alert rules matching Strimzi's pod names.
func TestStrimziEngineAlone(t *testing.T) {
	sts := renderKafka(t, kafkaSpecText(t))
	if sts.plan.Workloads.Kafka.Engine != spec.EngineStatefulSet {
		t.Errorf("the default engine is %q", sts.plan.Workloads.Kafka.Engine)
	}
	for _, p := range sts.tree.Paths() {
		if strings.Contains(p, "strimzi") {
			t.Errorf("the StatefulSet engine renders %s", p)
		}
	}
	if bytes.Contains(sts.tree["images.txt"], []byte("strimzi")) {
		t.Error("the StatefulSet engine lists a Strimzi image")
	}
	op := renderStrimzi(t)
	const engineText = "**Kafka, on the Strimzi operator**"
	if !bytes.Contains(op.tree["ARCHITECTURE.md"], []byte(engineText)) || bytes.Contains(sts.tree["ARCHITECTURE.md"], []byte(engineText)) {
		t.Error("ARCHITECTURE.md does not say which engine runs Kafka")
	}
	for _, o := range op.objs {
		if o.Namespace == op.plan.Workloads.Kafka.Namespace && (o.GVK.Kind == "StatefulSet" || o.GVK.Kind == "Deployment") {
			t.Errorf("the operator engine renders %s, which the operator makes", o)
		}
	}
	images := string(op.tree["images.txt"])
	for _, want := range []string{spec.DefaultImages["strimzi-operator"], spec.DefaultImages["strimzi-kafka"]} {
		if !strings.Contains(images, want+"\n") {
			t.Errorf("images.txt lacks %s", want)
		}
	}
	if strings.Contains(images, spec.DefaultImages["kafka"]) || strings.Contains(images, spec.DefaultImages["kafka-exporter"]) {
		t.Errorf("images.txt lists the StatefulSet engine's images:\n%s", images)
	}
	if !strings.HasSuffix(spec.DefaultImages["strimzi-operator"], ":"+spec.StrimziVersion) ||
		!strings.HasSuffix(spec.DefaultImages["strimzi-kafka"], ":"+spec.StrimziVersion+"-kafka-"+spec.StrimziKafkaVersion) ||
		operatorcrds.Strimzi.Tag != spec.StrimziVersion {
		t.Error("the Strimzi images and CRDs are not all of spec.StrimziVersion")
	}
	rules := string(op.tree["manifests/monitoring/prometheus/kafka.rules.yml"])
	if !strings.Contains(rules, `pod=~"`+op.plan.Workloads.Kafka.Strimzi.Cluster+`-kafka-exporter-.+"`) {
		t.Errorf("the Kafka alert rules do not select Strimzi's exporter pods:\n%s", rules)
	}
}

// TestStrimziRBAC holds the operator's RBAC to what its source at the
// pinned release calls for this design (see rbac.yaml): no wildcard;
// none of the OpenShift, entity-operator or client grants of its release;
// namespaced permissions only by RoleBindings in the watched namespace
// (and the Lease in its own), which is the one the Deployment watches;
// cluster-wide only the ClusterRoleBindings, StorageClasses and the
// nodes/get it must hold to bind strimzi-kafka-broker.
func TestStrimziRBAC(t *testing.T) {
	c := renderStrimzi(t)
	k := c.plan.Workloads.Kafka
	st := k.Strimzi
	roles := map[string][]rbacv1.PolicyRule{}
	var bindings []*rbacv1.RoleBinding
	var clusterBindings []*rbacv1.ClusterRoleBinding
	var deploy *appsv1.Deployment
	for _, o := range c.objs {
		switch x := o.Object.(type) {
		case *rbacv1.ClusterRole:
			roles["ClusterRole/"+x.Name] = x.Rules
		case *rbacv1.Role:
			roles["Role/"+x.Name] = x.Rules
		case *rbacv1.RoleBinding:
			bindings = append(bindings, x)
		case *rbacv1.ClusterRoleBinding:
			clusterBindings = append(clusterBindings, x)
		case *appsv1.Deployment:
			if x.Name == plan.StrimziOperatorName {
				deploy = x
			}
		}
	}
	operator := rbacv1.Subject{Kind: "ServiceAccount", Name: plan.StrimziOperatorName, Namespace: st.Namespace}
	isOperator := func(s []rbacv1.Subject) bool { return len(s) == 1 && s[0] == operator }
	grants := map[string]bool{} // roles the operator is bound to
	for _, b := range bindings {
		if !isOperator(b.Subjects) {
			continue
		}
		grants[b.RoleRef.Kind+"/"+b.RoleRef.Name] = true
		switch {
		case b.RoleRef.Kind == "Role" && b.Namespace == st.Namespace:
		case b.RoleRef.Kind == "ClusterRole" && b.Namespace == k.Namespace:
		default:
			t.Errorf("RoleBinding %s/%s grants %s/%s outside the watched namespace", b.Namespace, b.Name, b.RoleRef.Kind, b.RoleRef.Name)
		}
	}
	var cluster []string
	for _, b := range clusterBindings {
		if isOperator(b.Subjects) {
			grants["ClusterRole/"+b.RoleRef.Name] = true
			cluster = append(cluster, b.RoleRef.Name)
		}
	}
	slices.Sort(cluster)
	if !slices.Equal(cluster, []string{"strimzi-cluster-operator-global", "strimzi-kafka-broker"}) {
		t.Errorf("the operator is bound cluster-wide to %v", cluster)
	}
	if len(grants) != 5 {
		t.Errorf("the operator is bound to %d roles: %v", len(grants), grants)
	}
	allowedGroups := []string{"", "apps", "rbac.authorization.k8s.io", "events.k8s.io", "networking.k8s.io", "policy",
		"gateway.networking.k8s.io", "kafka.strimzi.io", "core.strimzi.io", "coordination.k8s.io", "storage.k8s.io"}
	for name, rules := range roles {
		if !strings.Contains(name, "strimzi") {
			continue
		}
		for _, r := range rules {
			for _, g := range r.APIGroups {
				if !slices.Contains(allowedGroups, g) {
					t.Errorf("%s grants API group %q", name, g)
				}
			}
			for _, x := range append(append(append([]string{}, r.APIGroups...), r.Resources...), r.Verbs...) {
				if x == "*" {
					t.Errorf("%s has a wildcard: %v", name, r)
				}
			}
			for _, res := range r.Resources {
				if res == "kafkatopics" || res == "kafkausers" || res == "nodes" && name != "ClusterRole/strimzi-kafka-broker" {
					t.Errorf("%s grants %s, which this design's operator does not call", name, res)
				}
			}
		}
	}
	global := roles["ClusterRole/strimzi-cluster-operator-global"]
	for _, r := range global {
		if !slices.Equal(r.Resources, []string{"clusterrolebindings"}) && !(slices.Equal(r.Resources, []string{"storageclasses"}) && slices.Equal(r.Verbs, []string{"get"})) {
			t.Errorf("the cluster-wide role grants %v", r)
		}
	}
	if b := roles["ClusterRole/strimzi-kafka-broker"]; len(b) != 1 || !slices.Equal(b[0].Resources, []string{"nodes"}) || !slices.Equal(b[0].Verbs, []string{"get"}) {
		t.Errorf("strimzi-kafka-broker grants %v, want nodes get", b)
	}
	// The CRDs the watched role names are the ones the tree installs.
	installed := map[string]bool{}
	for _, f := range operatorcrds.Strimzi.Names() {
		var crd struct {
			Spec struct{ Names struct{ Plural string } }
		}
		if err := yaml.Unmarshal(operatorcrds.Strimzi.Read(f), &crd); err != nil {
			t.Fatal(err)
		}
		installed[crd.Spec.Names.Plural] = true
	}
	for _, r := range roles["ClusterRole/strimzi-cluster-operator-watched"] {
		for _, res := range r.Resources {
			if base, _, _ := strings.Cut(res, "/"); base != "pods" && !installed[base] {
				t.Errorf("the watched role grants %s, whose CRD the tree does not install", res)
			}
		}
	}
	if deploy == nil {
		t.Fatal("no operator Deployment")
	}
	env := map[string]string{}
	for _, e := range deploy.Spec.Template.Spec.Containers[0].Env {
		env[e.Name] = e.Value
	}
	if env["STRIMZI_NAMESPACE"] != k.Namespace || deploy.Namespace != st.Namespace || deploy.Spec.Template.Spec.ServiceAccountName != operator.Name {
		t.Errorf("the operator runs as %s in %s watching %q; its RoleBindings are for %s", deploy.Spec.Template.Spec.ServiceAccountName, deploy.Namespace, env["STRIMZI_NAMESPACE"], k.Namespace)
	}
	if env["STRIMZI_POD_SECURITY_PROVIDER_CLASS"] != "restricted" {
		t.Error("the operator would make pods for the baseline level; the namespace enforces restricted")
	}
	// Every Kafka version the release supports has an image, or the
	// operator refuses to start (ClusterOperatorConfig.parseKafkaVersions).
	for _, v := range plan.StrimziKafkaVersions {
		for _, name := range []string{"STRIMZI_KAFKA_IMAGES", "STRIMZI_KAFKA_CONNECT_IMAGES", "STRIMZI_KAFKA_MIRROR_MAKER_2_IMAGES"} {
			if !strings.Contains(env[name], v+"=") {
				t.Errorf("%s names no image for Kafka %s", name, v)
			}
		}
	}
}

// TestStrimziForecast checks that the capacity forecast counts the pods
// the Strimzi operator makes from the KafkaNodePools (they are not in the
// tree) as it counts the StatefulSet engine's: intact and after each
// zone's loss, the same number of Kafka pods on the same nodes, with the
// same requests, pending or waiting for a volume alike.
func TestStrimziForecast(t *testing.T) {
	sts, op := forecastOf(t, kafkaSpec), forecastOf(t, strimziSpec)
	ns := renderStrimzi(t).plan.Workloads.Kafka.Namespace
	summary := func(s *forecast.Scenario) []string {
		var out []string
		for _, p := range s.Pods {
			if p.Pod.Workload.Namespace != ns || p.Pod.Workload.Kind == forecast.KindDeployment {
				continue // the exporter: not sized by either engine
			}
			role := "broker"
			if strings.Contains(p.Pod.Workload.Name, "controller") {
				role = "controller"
			}
			out = append(out, fmt.Sprintf("%s on %q pending=%v volume=%v cpu=%d mem=%d", role, p.Node, p.Pending != nil, p.WaitsForVolume,
				p.Requests.MilliCPU, p.Requests.Memory))
		}
		slices.Sort(out)
		return out
	}
	scenarios := func(f *forecast.Forecast) []*forecast.Scenario {
		return append([]*forecast.Scenario{f.Intact}, f.ZoneLosses...)
	}
	a, b := scenarios(sts), scenarios(op)
	if len(a) != len(b) || len(a) < 2 {
		t.Fatalf("%d and %d scenarios", len(a), len(b))
	}
	for i := range a {
		x, y := summary(a[i]), summary(b[i])
		if len(x) != 6 || !slices.Equal(x, y) {
			t.Errorf("%s: the StatefulSet engine's Kafka pods\n  %s\nthe operator engine's\n  %s", a[i].Name, strings.Join(x, "\n  "), strings.Join(y, "\n  "))
		}
	}
	for _, w := range op.Workloads {
		if w.Namespace == ns && w.Kind != forecast.KindStrimziPodSet && w.Kind != forecast.KindDeployment {
			t.Errorf("the operator engine's forecast has %s", w)
		}
	}
}

// TestStrimziImagesLocked renders the operator engine with an images lock
// file: the operator's image, and the Kafka image of the version the Kafka
// resource runs wherever the operator reads it (its exporter, Cruise
// Control and init images, STRIMZI_KAFKA_IMAGES), carry the lock's digest,
// as images.txt does.
func TestStrimziImagesLocked(t *testing.T) {
	path, digest := lockedSpec(t, strimziSpec)
	p, tree, diags, err := renderLoaded(spec.NewLoader().Load(path, spec.Options{}))
	if diags.HasErrors() || err != nil {
		t.Fatalf("%v %v", diags, err)
	}
	operator := spec.DefaultImages["strimzi-operator"] + "@" + digest["strimzi-operator"]
	kafka := spec.DefaultImages["strimzi-kafka"] + "@" + digest["strimzi-kafka"]
	var deploy appsv1.Deployment
	docs, err := manifest.Split(tree["manifests/strimzi/deployment.yaml"])
	if err != nil || len(docs) != 1 || yaml.Unmarshal(docs[0], &deploy) != nil {
		t.Fatalf("manifests/strimzi/deployment.yaml: %v", err)
	}
	ctr := deploy.Spec.Template.Spec.Containers[0]
	if ctr.Image != operator {
		t.Errorf("the operator runs %s, want %s", ctr.Image, operator)
	}
	env := map[string]string{}
	for _, e := range ctr.Env {
		env[e.Name] = e.Value
	}
	for name, want := range map[string]string{"STRIMZI_DEFAULT_KAFKA_EXPORTER_IMAGE": kafka, "STRIMZI_DEFAULT_CRUISE_CONTROL_IMAGE": kafka,
		"STRIMZI_DEFAULT_KAFKA_INIT_IMAGE": operator} {
		if env[name] != want {
			t.Errorf("%s = %q, want %s", name, env[name], want)
		}
	}
	if !strings.Contains(env["STRIMZI_KAFKA_IMAGES"], spec.StrimziKafkaVersion+"="+kafka+"\n") {
		t.Errorf("STRIMZI_KAFKA_IMAGES does not run Kafka %s as %s:\n%s", spec.StrimziKafkaVersion, kafka, env["STRIMZI_KAFKA_IMAGES"])
	}
	for _, want := range []string{operator, kafka} {
		if !strings.Contains(string(tree["images.txt"]), want+"\n") {
			t.Errorf("images.txt lacks %s", want)
		}
	}
	if p.Workloads.Kafka.Strimzi == nil {
		t.Error("not the operator engine")
	}
}
