package pipeline_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/internal/manifest"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
)

// kafkaSpec is a cluster with a tainted three-node kafka pool, a Kafka
// block and monitoring.
const kafkaSpec = "testdata/workloads/kafka.hcl"

// kafkaClientLabel admits a pod of any namespace to the brokers.
const kafkaClientLabel = "kafka.blueprint.dev/client"

// kafkaCase is a rendered spec with a kafka block and its built objects.
type kafkaCase struct {
	plan *plan.Plan
	pool plan.Pool // the brokers' pool
	tree render.Tree
	objs []manifest.Object // everything manifests/ builds, strictly decoded
}

// renderKafka renders src (the text of a spec) and builds and strictly
// decodes the manifests tree, as render and the lead's decode test do.
func renderKafka(t *testing.T, src string) *kafkaCase {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kafka.hcl")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	p, tree, diags, err := renderLoaded(spec.NewLoader().Load(path, spec.Options{}))
	if len(diags) > 0 {
		t.Fatalf("the spec must validate without errors or warnings: %v", diags)
	}
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	built, err := render.BuildKustomizations(tree, render.KustomizationDirs(tree))
	if err != nil {
		t.Fatal(err)
	}
	for dir, y := range built {
		if strings.HasPrefix(dir, "manifests") {
			if _, err := manifest.Decode(y); err != nil {
				t.Errorf("%s does not strict-decode into k8s.io/api types: %v", dir, err)
			}
		}
	}
	objs, err := manifest.Decode(built["manifests"])
	if err != nil {
		t.Fatal(err)
	}
	c := &kafkaCase{plan: p, tree: tree, objs: objs}
	if p.Workloads.Kafka != nil {
		for _, pl := range p.Pools {
			if pl.Name == p.Workloads.Kafka.Placement.Pool {
				c.pool = pl
			}
		}
	}
	return c
}

func kafkaSpecText(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(kafkaSpec)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// kafkaWithout removes the top-level block that starts with header.
func kafkaWithout(t *testing.T, src, header string) string {
	t.Helper()
	start := strings.Index(src, "\n"+header+" {")
	if start < 0 {
		t.Fatalf("no %q block", header)
	}
	end := strings.Index(src[start:], "\n}\n")
	if end < 0 {
		t.Fatalf("%q block does not end", header)
	}
	return src[:start+1] + src[start+end+3:]
}

// kafkaFind returns the decoded object of a kind and name, failing without it.
func kafkaFind[T any](t *testing.T, c *kafkaCase, kind, name string) T {
	t.Helper()
	for _, o := range c.objs {
		if o.GVK.Kind == kind && o.Name == name {
			if v, ok := o.Object.(T); ok {
				return v
			}
		}
	}
	var zero T
	t.Fatalf("no %s %s among the built objects", kind, name)
	return zero
}

// TestKafka renders the Kafka spec and checks the brokers, the controllers,
// their services, budgets, configuration, policies and the exporter.
func TestKafka(t *testing.T) {
	c := renderKafka(t, kafkaSpecText(t))
	k := c.plan.Workloads.Kafka
	if k == nil || c.pool.Name == "" {
		t.Fatal("the spec has no kafka block on a declared pool")
	}
	for _, o := range c.objs {
		if o.GVK.Kind == "Secret" {
			t.Errorf("%s: the output must never hold a Secret", o)
		}
	}
	brokers := kafkaFind[*appsv1.StatefulSet](t, c, "StatefulSet", "kafka")
	controllers := kafkaFind[*appsv1.StatefulSet](t, c, "StatefulSet", "kafka-controller")
	exporter := kafkaFind[*appsv1.Deployment](t, c, "Deployment", "kafka-exporter")
	pods := map[string]labels.Set{
		"brokers":     brokers.Spec.Template.Labels,
		"controllers": controllers.Spec.Template.Labels,
		"exporter":    exporter.Spec.Template.Labels,
	}

	t.Run("brokers", func(t *testing.T) {
		checkKafkaSet(t, c, brokers, "brokers", k.Brokers, k.Placement, pods)
		ct := brokers.Spec.Template.Spec.Containers[0]
		if got := *brokers.Spec.Template.Spec.TerminationGracePeriodSeconds; got < 120 {
			t.Errorf("terminationGracePeriodSeconds %d leaves too little time for a controlled shutdown", got)
		}
		if env := kafkaEnv(ct); env["KAFKA_HEAP_OPTS"].Value != fmt.Sprintf("-Xmx%s -Xms%s", k.Heap, k.Heap) {
			t.Errorf("KAFKA_HEAP_OPTS = %q, want the heap %s", env["KAFKA_HEAP_OPTS"].Value, k.Heap)
		}
		zone := kafkaEnv(ct)["ZONE"]
		if zone.ValueFrom == nil || zone.ValueFrom.FieldRef == nil ||
			zone.ValueFrom.FieldRef.FieldPath != "metadata.labels['topology.kubernetes.io/zone']" {
			t.Errorf("ZONE must come from the pod's zone label through the downward API, got %+v", zone)
		}
		for name, want := range map[corev1.ResourceName]string{corev1.ResourceCPU: k.CPU, corev1.ResourceMemory: k.Memory} {
			if got := ct.Resources.Requests[name]; got.String() != want {
				t.Errorf("request %s = %s, want %s", name, got.String(), want)
			}
		}
		if got := ct.Resources.Limits[corev1.ResourceMemory]; got.String() != k.Memory {
			t.Errorf("memory limit = %s, want %s", got.String(), k.Memory)
		}
		vct := brokers.Spec.VolumeClaimTemplates
		if len(vct) != 1 || vct[0].Spec.StorageClassName == nil || *vct[0].Spec.StorageClassName != k.StorageClass ||
			vct[0].Spec.Resources.Requests.Storage().String() != k.VolumeSize {
			t.Errorf("the brokers need one claim template of %s on class %s, got %+v", k.VolumeSize, k.StorageClass, vct)
		}
		checkKafkaServices(t, c, "kafka-headless", k.ClientPort, pods["brokers"])
		svc := kafkaFind[*corev1.Service](t, c, "Service", "kafka")
		if svc.Spec.ClusterIP == corev1.ClusterIPNone || svc.Spec.Type != corev1.ServiceTypeClusterIP ||
			len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != int32(k.ClientPort) ||
			!labels.SelectorFromSet(svc.Spec.Selector).Matches(pods["brokers"]) ||
			labels.SelectorFromSet(svc.Spec.Selector).Matches(pods["controllers"]) {
			t.Errorf("Service kafka must be a ClusterIP on %d selecting only the brokers, got %+v", k.ClientPort, svc.Spec)
		}
		// Readiness is the roll gate (in sync everywhere, which needs the
		// controllers' quorum); the bootstrap Service must keep its
		// endpoints when a quorum hiccup turns every broker unready.
		if !svc.Spec.PublishNotReadyAddresses {
			t.Error("Service kafka must publish brokers that are not ready: otherwise a controller quorum hiccup empties the bootstrap address")
		}
		checkKafkaScript(t, c, brokers, "broker.properties")
	})
	t.Run("controllers", func(t *testing.T) {
		checkKafkaSet(t, c, controllers, "controllers", k.Controllers, k.ControllerPlacement, pods)
		checkKafkaServices(t, c, "kafka-controller-headless", k.ControllerPort, pods["controllers"])
		checkKafkaScript(t, c, controllers, "controller.properties")
	})
	// Each kind of pod has an account of its own, not the namespace's
	// default, and none mounts a token: none calls the API.
	t.Run("service accounts", func(t *testing.T) {
		for account, ps := range map[string]corev1.PodSpec{
			"kafka":            brokers.Spec.Template.Spec,
			"kafka-controller": controllers.Spec.Template.Spec,
			"kafka-exporter":   exporter.Spec.Template.Spec,
		} {
			if ps.ServiceAccountName != account {
				t.Errorf("pods of %s run as service account %q, want their own %q", account, ps.ServiceAccountName, account)
			}
			sa := kafkaFind[*corev1.ServiceAccount](t, c, "ServiceAccount", account)
			if sa.Namespace != k.Namespace || sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken ||
				ps.AutomountServiceAccountToken == nil || *ps.AutomountServiceAccountToken {
				t.Errorf("service account %s/%s and its pods must not mount a token", sa.Namespace, sa.Name)
			}
		}
		for _, o := range c.objs {
			if o.Namespace == k.Namespace && (o.GVK.Kind == "RoleBinding" || o.GVK.Kind == "Role") {
				t.Errorf("%s: Kafka's pods call no API and need no role", o)
			}
		}
	})
	t.Run("properties", func(t *testing.T) { checkKafkaProperties(t, c) })
	t.Run("network policies", func(t *testing.T) { checkKafkaPolicies(t, c, pods) })
	t.Run("exporter", func(t *testing.T) {
		ps := exporter.Spec.Template.Spec
		if len(ps.Containers) != 1 {
			t.Fatalf("want one exporter container, got %d", len(ps.Containers))
		}
		ct := ps.Containers[0]
		if ct.Image != c.plan.Image("kafka-exporter") {
			t.Errorf("exporter image %q, want the plan's %q", ct.Image, c.plan.Image("kafka-exporter"))
		}
		ann := exporter.Spec.Template.Annotations
		if ann["prometheus.io/scrape"] != "true" || ann["prometheus.io/port"] != strconv.Itoa(k.ExporterPort) {
			t.Errorf("the exporter pod must be annotated for scraping on %d, got %v", k.ExporterPort, ann)
		}
		if len(ct.Ports) != 1 || ct.Ports[0].ContainerPort != int32(k.ExporterPort) {
			t.Errorf("the exporter must listen on %d only, got %+v", k.ExporterPort, ct.Ports)
		}
		for _, h := range k.BrokerHosts {
			if want := "--kafka.server=" + plan.HostPort(h, k.ClientPort); !slices.Contains(ct.Args, want) {
				t.Errorf("exporter args %v lack %s", ct.Args, want)
			}
		}
		if ct.SecurityContext == nil || ct.SecurityContext.ReadOnlyRootFilesystem == nil || !*ct.SecurityContext.ReadOnlyRootFilesystem {
			t.Error("the exporter's root filesystem must be read-only")
		}
		jobs := kafkaScrapeJobs(t, c)
		if !jobs["kubernetes-pods"] {
			t.Error("prometheus.yml has no kubernetes-pods job to scrape the annotated exporter")
		}
	})
}

// checkKafkaSet checks what brokers and controllers share: count,
// placement on the pool, one per host, spread over zones, a budget, the
// hardened pod and the PodSecurity of the image's user.
func checkKafkaSet(t *testing.T, c *kafkaCase, ss *appsv1.StatefulSet, what string, replicas int, pl plan.Placement, pods map[string]labels.Set) {
	t.Helper()
	if ss.Spec.Replicas == nil || int(*ss.Spec.Replicas) != replicas {
		t.Errorf("%s: replicas %v, want %d", what, ss.Spec.Replicas, replicas)
	}
	onlyOwn := func(where string, ls *metav1.LabelSelector) {
		t.Helper()
		sel, err := metav1.LabelSelectorAsSelector(ls)
		if err != nil || ls == nil || sel.Empty() {
			t.Errorf("%s: %s has no usable selector: %v", what, where, ls)
			return
		}
		for other, set := range pods {
			if sel.Matches(set) != (other == what) {
				t.Errorf("%s: %s selector %v matches %s: %v, want only %s", what, where, ls, other, sel.Matches(set), what)
			}
		}
	}
	onlyOwn("the StatefulSet", ss.Spec.Selector)
	ps := ss.Spec.Template.Spec
	aff := ps.Affinity
	if aff == nil || aff.PodAntiAffinity == nil || len(aff.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution) == 0 {
		t.Fatalf("%s: no required pod anti-affinity", what)
	}
	hostname := false
	for _, term := range aff.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
		onlyOwn("anti-affinity on "+term.TopologyKey, term.LabelSelector)
		hostname = hostname || term.TopologyKey == "kubernetes.io/hostname"
	}
	if !hostname {
		t.Errorf("%s: the required anti-affinity is not on kubernetes.io/hostname", what)
	}
	zone := false
	for _, sc := range ps.TopologySpreadConstraints {
		onlyOwn("topology spread on "+sc.TopologyKey, sc.LabelSelector)
		if sc.TopologyKey == "topology.kubernetes.io/zone" {
			zone = sc.WhenUnsatisfiable == corev1.DoNotSchedule && sc.MaxSkew == 1
		}
	}
	if !zone {
		t.Errorf("%s: no hard (DoNotSchedule, maxSkew 1) spread over topology.kubernetes.io/zone", what)
	}

	// The node selector picks exactly the nodes of the pool, and the
	// tolerations let the pods onto them.
	var pool plan.Pool
	for _, p := range c.plan.Pools {
		if p.Name == pl.Pool {
			pool = p
		}
	}
	if pool.Name == "" {
		t.Fatalf("%s: placed on %q, which is no pool of the plan", what, pl.Pool)
	}
	nodeLabels := func(p plan.Pool) labels.Set {
		set := labels.Set{}
		for _, l := range p.Labels {
			set[l.Key] = l.Value
		}
		return set
	}
	if len(ps.NodeSelector) == 0 {
		t.Errorf("%s: no node selector", what)
	}
	for _, p := range c.plan.Pools {
		if got := labels.SelectorFromSet(ps.NodeSelector).Matches(nodeLabels(p)); got != (p.Name == pool.Name) {
			t.Errorf("%s: node selector %v selects pool %s: %v", what, ps.NodeSelector, p.Name, got)
		}
	}
	if len(pool.Taints) == 0 {
		t.Errorf("%s: pool %s has no taint; the ps should test tolerations", what, pool.Name)
	}
	for _, taint := range pool.Taints {
		ok := false
		for _, tol := range ps.Tolerations {
			ok = ok || kafkaTolerates(tol, taint)
		}
		if !ok {
			t.Errorf("%s: no toleration for the pool's taint %s=%s:%s", what, taint.Key, taint.Value, taint.Effect)
		}
	}
	if len(ps.Tolerations) != len(pool.Taints) {
		t.Errorf("%s: %d tolerations for the pool's %d taints", what, len(ps.Tolerations), len(pool.Taints))
	}

	pdbName := ss.Name
	pdb := kafkaFind[*policyv1.PodDisruptionBudget](t, c, "PodDisruptionBudget", pdbName)
	if pdb.Spec.MaxUnavailable == nil || pdb.Spec.MaxUnavailable.IntValue() != 1 || pdb.Spec.MinAvailable != nil {
		t.Errorf("%s: PodDisruptionBudget %s must allow exactly one pod down, got %+v", what, pdbName, pdb.Spec)
	}
	onlyOwn("the PodDisruptionBudget", pdb.Spec.Selector)

	// Hardening: the image's user, read-only root with emptyDirs where the
	// JVM writes, no capabilities, the runtime's seccomp profile, no token.
	psc := ps.SecurityContext
	if psc == nil || psc.RunAsUser == nil || *psc.RunAsUser != 1000 || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot ||
		psc.FSGroup == nil || *psc.FSGroup != 1000 || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: pod security context %+v, want non-root uid 1000 (appuser), fsGroup 1000, seccomp RuntimeDefault", what, psc)
	}
	if ps.AutomountServiceAccountToken == nil || *ps.AutomountServiceAccountToken {
		t.Errorf("%s: Kafka does not use the API: no service account token", what)
	}
	if ps.EnableServiceLinks == nil || *ps.EnableServiceLinks {
		t.Errorf("%s: enableServiceLinks must be false, or the Service kafka puts KAFKA_* variables into the environment", what)
	}
	if len(ps.Containers) != 1 {
		t.Fatalf("%s: want one container, got %d", what, len(ps.Containers))
	}
	ct := ps.Containers[0]
	if ct.Image != c.plan.Image("kafka") {
		t.Errorf("%s: image %q, want the plan's %q", what, ct.Image, c.plan.Image("kafka"))
	}
	sc := ct.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil ||
		*sc.AllowPrivilegeEscalation || sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
		t.Errorf("%s: container security context %+v, want a read-only root, no privilege escalation, drop ALL", what, sc)
	}
	emptyDirs := map[string]bool{}
	for _, v := range ps.Volumes {
		if v.EmptyDir != nil {
			emptyDirs[v.Name] = true
		}
		if v.Secret != nil || (v.Projected != nil && len(v.Projected.Sources) > 0) {
			t.Errorf("%s: volume %s mounts secret material", what, v.Name)
		}
	}
	mounts := map[string]string{}
	for _, m := range ct.VolumeMounts {
		mounts[m.MountPath] = m.Name
	}
	logDir := kafkaEnv(ct)["LOG_DIR"].Value
	for _, dir := range []string{"/tmp", logDir} {
		if !emptyDirs[mounts[dir]] {
			t.Errorf("%s: %q must be an emptyDir (the root filesystem is read-only), mounts %v", what, dir, mounts)
		}
	}
	if len(ss.Spec.VolumeClaimTemplates) != 1 || mounts["/var/lib/kafka/data"] != ss.Spec.VolumeClaimTemplates[0].Name {
		t.Errorf("%s: /var/lib/kafka/data must be the pod's own claim, mounts %v", what, mounts)
	}
	for _, e := range ct.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			t.Errorf("%s: %s comes from a Secret", what, e.Name)
		}
	}
	port := ct.Ports[0].Name
	probes := map[string]*corev1.Probe{"startup": ct.StartupProbe, "liveness": ct.LivenessProbe}
	if what != "brokers" { // the brokers' readiness: TestKafkaBrokerReadiness
		probes["readiness"] = ct.ReadinessProbe
	}
	for name, p := range probes {
		if p == nil || p.TCPSocket == nil || p.TCPSocket.Port.String() != port {
			t.Errorf("%s: the %s probe must be a TCP check of port %s, got %+v", what, name, port, p)
		}
	}
}

// kafkaTolerates reports whether a toleration lets a pod onto a node with
// the taint, as the scheduler decides.
func kafkaTolerates(tol corev1.Toleration, taint plan.Taint) bool {
	if tol.Effect != "" && string(tol.Effect) != taint.Effect {
		return false
	}
	switch tol.Operator {
	case corev1.TolerationOpExists:
		return tol.Key == "" || tol.Key == taint.Key
	case corev1.TolerationOpEqual, "":
		return tol.Key == taint.Key && tol.Value == taint.Value
	}
	return false
}

// checkKafkaServices checks a headless Service (DNS before readiness) and
// that it selects the set's pods.
func checkKafkaServices(t *testing.T, c *kafkaCase, headless string, port int, own labels.Set) {
	t.Helper()
	svc := kafkaFind[*corev1.Service](t, c, "Service", headless)
	if svc.Spec.ClusterIP != corev1.ClusterIPNone || !svc.Spec.PublishNotReadyAddresses {
		t.Errorf("Service %s must be headless and publish addresses before readiness, got %+v", headless, svc.Spec)
	}
	if !labels.SelectorFromSet(svc.Spec.Selector).Matches(own) || len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != int32(port) {
		t.Errorf("Service %s must select its pods on port %d, got %+v", headless, port, svc.Spec)
	}
}

func kafkaEnv(ct corev1.Container) map[string]corev1.EnvVar {
	out := map[string]corev1.EnvVar{}
	for _, e := range ct.Env {
		out[e.Name] = e
	}
	return out
}

// checkKafkaScript runs the container's start script with sh, with the
// Kafka scripts replaced by stubs that record their arguments: the storage
// is formatted with the cluster id and the pod's node id, and the server
// starts with the pod's node id, name and (brokers) zone. Without a zone a
// broker must not start.
func checkKafkaScript(t *testing.T, c *kafkaCase, ss *appsv1.StatefulSet, file string) {
	t.Helper()
	k := c.plan.Workloads.Kafka
	ct := ss.Spec.Template.Spec.Containers[0]
	if len(ct.Command) != 3 || ct.Command[0] != "/bin/sh" || len(ct.Args) != 0 {
		t.Fatalf("%s: want [/bin/sh -ec SCRIPT], got %q %q", ss.Name, ct.Command, ct.Args)
	}
	script := ct.Command[2]
	if strings.Contains(script, "$$") {
		t.Fatalf("%s: the kubelet turns $$ into $ in a command", ss.Name)
	}
	// The ConfigMap the pod mounts, by its hashed name, holds the file.
	var cmName string
	for _, v := range ss.Spec.Template.Spec.Volumes {
		if v.ConfigMap != nil {
			cmName = v.ConfigMap.Name
		}
	}
	cm := kafkaFind[*corev1.ConfigMap](t, c, "ConfigMap", cmName)
	if cm.Data[file] != string(c.tree["manifests/kafka/"+file]) || cm.Data["log4j2.properties"] == "" {
		t.Fatalf("%s: ConfigMap %s must hold %s as rendered and log4j2.properties", ss.Name, cmName, file)
	}
	if !regexp.MustCompile(`-[a-z0-9]{10}$`).MatchString(cmName) {
		t.Errorf("%s: ConfigMap %s has no content hash: a changed setting would not roll the pods", ss.Name, cmName)
	}

	dir := t.TempDir()
	bin, conf := filepath.Join(dir, "bin"), filepath.Join(dir, "config")
	for _, d := range []string{bin, conf} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range cm.Data {
		if err := os.WriteFile(filepath.Join(conf, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	stub := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"" + dir + "/$(basename \"$0\").args\"\n"
	for _, s := range []string{"kafka-storage.sh", "kafka-server-start.sh"} {
		if err := os.WriteFile(filepath.Join(bin, s), []byte(stub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	local := strings.NewReplacer("/opt/kafka/bin/", bin+"/", "/etc/kafka/config/", conf+"/", "/tmp/", dir+"/").Replace(script)
	run := func(host, zone string) (string, error) {
		_ = os.Remove(filepath.Join(dir, "kafka-server-start.sh.args"))
		cmd := exec.Command("/bin/sh", "-ec", local)
		cmd.Env = []string{"PATH=/usr/bin:/bin", "HOSTNAME=" + host, "ZONE=" + zone, "NODE_NAME=node-1"}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	readArgs := func(name string) []string {
		b, err := os.ReadFile(filepath.Join(dir, name+".args"))
		if err != nil {
			t.Fatalf("%s: %s did not run: %v", ss.Name, name, err)
		}
		return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	}

	broker := file == "broker.properties"
	ordinal := int(*ss.Spec.Replicas) - 1
	pod := fmt.Sprintf("%s-%d", ss.Name, ordinal)
	nodeID, domain, listener := ordinal, k.ControllerDomain, fmt.Sprintf("CONTROLLER://%s.%s:%d", pod, k.ControllerDomain, k.ControllerPort)
	if broker {
		nodeID, domain = plan.KafkaBrokerIDBase+ordinal, k.BrokerDomain
		listener = fmt.Sprintf("PLAINTEXT://%s.%s:%d", pod, domain, k.ClientPort)
		if !slices.Contains(k.BrokerHosts, pod+"."+domain) {
			t.Errorf("%s: the advertised name %s.%s is not among the plan's broker hosts %v", ss.Name, pod, domain, k.BrokerHosts)
		}
	}
	if out, err := run(pod, "az2"); err != nil {
		t.Fatalf("%s: start script failed: %v\n%s", ss.Name, err, out)
	}
	format := readArgs("kafka-storage.sh")
	if want := []string{"format", "--ignore-formatted", "--cluster-id=" + k.ClusterID, "--config"}; strings.Join(format[:len(format)-1], " ") != strings.Join(want, " ") {
		t.Errorf("%s: kafka-storage.sh %q, want %q FILE", ss.Name, format, want)
	}
	formatted, err := os.ReadFile(filepath.Join(dir, "format.properties"))
	if err != nil {
		t.Fatal(err)
	}
	props, err := parseKafkaProperties(string(formatted))
	if err != nil {
		t.Fatalf("%s: the file format reads: %v", ss.Name, err)
	}
	if props["node.id"] != strconv.Itoa(nodeID) {
		t.Errorf("%s: format's node.id = %q, want %d", ss.Name, props["node.id"], nodeID)
	}
	start := readArgs("kafka-server-start.sh")
	want := []string{conf + "/" + file, "--override", "node.id=" + strconv.Itoa(nodeID), "--override", "advertised.listeners=" + listener}
	if broker {
		want = append(want, "--override", "broker.rack=az2")
	}
	if strings.Join(start, " ") != strings.Join(want, " ") {
		t.Errorf("%s: kafka-server-start.sh %q, want %q", ss.Name, start, want)
	}
	if broker {
		out, err := run(pod, "")
		if err == nil {
			t.Errorf("%s: the script must fail without a zone label", ss.Name)
		}
		if !strings.Contains(out, "topology.kubernetes.io/zone") {
			t.Errorf("%s: without a zone the script must say which label is missing, said %q", ss.Name, out)
		}
		if _, err := os.Stat(filepath.Join(dir, "kafka-server-start.sh.args")); err == nil {
			t.Errorf("%s: the broker started without a zone", ss.Name)
		}
	}
	if out, err := run(ss.Name+"-x", "az2"); err == nil {
		t.Errorf("%s: a host name without an ordinal must fail, got %s", ss.Name, out)
	}
}

// parseKafkaProperties reads a Java properties file strictly: key=value
// lines and # comments only, no duplicate keys, no space around the
// separator or at the end of a value, no continuation lines and only the
// escapes Java defines.
func parseKafkaProperties(src string) (map[string]string, error) {
	out := map[string]string{}
	for i, line := range strings.Split(src, "\n") {
		n := i + 1
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		switch {
		case !ok:
			return nil, fmt.Errorf("line %d: no '=' in %q", n, line)
		case key == "" || strings.ContainsAny(key, " \t:\\!#"):
			return nil, fmt.Errorf("line %d: bad key %q", n, key)
		case strings.TrimSpace(value) != value:
			return nil, fmt.Errorf("line %d: space around the value of %s", n, key)
		case strings.HasSuffix(value, "\\"):
			return nil, fmt.Errorf("line %d: continuation line", n)
		}
		for j := 0; j < len(value); j++ {
			if value[j] != '\\' {
				continue
			}
			j++
			if j >= len(value) || !strings.ContainsRune(`\tnrf=: u`, rune(value[j])) {
				return nil, fmt.Errorf("line %d: unknown escape in %q", n, value)
			}
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("line %d: %s set twice", n, key)
		}
		out[key] = value
	}
	return out, nil
}

func TestKafkaPropertiesParser(t *testing.T) {
	good := "# comment\n\na=1\nb.c=x,y@z:9093\nd=a\\=b\n"
	if got, err := parseKafkaProperties(good); err != nil || got["d"] != `a\=b` || len(got) != 3 {
		t.Errorf("parse(%q) = %v, %v", good, got, err)
	}
	for _, bad := range []string{"a=1\na=2\n", "a 1\n", "a = 1\n", "a=1 \n", "a=\\q\n", "a=1\\\n", " =1\n"} {
		if _, err := parseKafkaProperties(bad); err == nil {
			t.Errorf("parse(%q) accepted bad input", bad)
		}
	}
}

// checkKafkaProperties reads both server files and checks the roles, the
// listeners, the quorum and the replication settings against the plan.
func checkKafkaProperties(t *testing.T, c *kafkaCase) {
	t.Helper()
	k := c.plan.Workloads.Kafka
	read := func(file string) map[string]string {
		t.Helper()
		props, err := parseKafkaProperties(string(c.tree["manifests/kafka/"+file]))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if len(props) == 0 {
			t.Fatalf("%s is empty", file)
		}
		// Set per pod by the start script: a value here would be the same
		// on every pod, or be overridden.
		for _, perPod := range []string{"node.id", "advertised.listeners", "broker.rack", "broker.id"} {
			if _, ok := props[perPod]; ok {
				t.Errorf("%s sets %s, which differs per pod", file, perPod)
			}
		}
		for key, v := range props {
			if strings.HasPrefix(key, "ssl.") || strings.HasPrefix(key, "sasl.") || strings.Contains(key, "password") {
				t.Errorf("%s: %s=%s: no secret material may be rendered", file, key, v)
			}
		}
		return props
	}
	rf, isr, parts := strconv.Itoa(k.ReplicationFactor), strconv.Itoa(k.MinInsyncReplicas), strconv.Itoa(k.Partitions)
	voters := make([]string, k.Controllers)
	for i := range voters {
		voters[i] = fmt.Sprintf("%d@kafka-controller-%d.%s:%d", i, i, k.ControllerDomain, k.ControllerPort)
	}
	common := map[string]string{
		"controller.quorum.voters":       strings.Join(voters, ","),
		"controller.listener.names":      "CONTROLLER",
		"num.partitions":                 parts,
		"default.replication.factor":     rf,
		"min.insync.replicas":            isr,
		"unclean.leader.election.enable": "false",
	}
	if common["controller.quorum.voters"] != k.Voters {
		t.Errorf("plan voters %q, want %q", k.Voters, common["controller.quorum.voters"])
	}
	wants := map[string]map[string]string{
		"broker.properties": {
			"process.roles":                            "broker",
			"listeners":                                fmt.Sprintf("PLAINTEXT://:%d", k.ClientPort),
			"inter.broker.listener.name":               "PLAINTEXT",
			"listener.security.protocol.map":           "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
			"offsets.topic.replication.factor":         rf,
			"transaction.state.log.replication.factor": rf,
			"transaction.state.log.min.isr":            isr,
			"auto.create.topics.enable":                "false",
		},
		"controller.properties": {
			"process.roles":                  "controller",
			"listeners":                      fmt.Sprintf("CONTROLLER://:%d", k.ControllerPort),
			"listener.security.protocol.map": "CONTROLLER:PLAINTEXT",
		},
	}
	for file, want := range wants {
		props := read(file)
		for key, v := range common {
			want[key] = v
		}
		for key, v := range want {
			if props[key] != v {
				t.Errorf("%s: %s = %q, want %q", file, key, props[key], v)
			}
		}
		if !strings.HasPrefix(props["log.dirs"], "/var/lib/kafka/data/") {
			t.Errorf("%s: log.dirs = %q, want a folder on the pod's volume /var/lib/kafka/data", file, props["log.dirs"])
		}
	}
}

// netPod is a pod as NetworkPolicies see it.
// checkKafkaPolicies evaluates every NetworkPolicy of the built tree for
// the flows Kafka needs and a few it must not allow.
func checkKafkaPolicies(t *testing.T, c *kafkaCase, pods map[string]labels.Set) {
	t.Helper()
	k := c.plan.Workloads.Kafka
	pols := networkPolicies(c.objs)
	ns := k.Namespace
	at := func(what string) netPod { return netPod{ns, pods[what]} }
	client := labels.Set{kafkaClientLabel: "true", "app": "ingest"}
	prometheus := netPod{c.plan.Services.Monitoring.Namespace, labels.Set{"app.kubernetes.io/name": "prometheus"}}
	for _, f := range []struct {
		what     string
		from, to netPod
		port     int
		want     bool
	}{
		{"replication between brokers", at("brokers"), at("brokers"), k.ClientPort, true},
		{"brokers to the controllers", at("brokers"), at("controllers"), k.ControllerPort, true},
		{"the controllers' quorum", at("controllers"), at("controllers"), k.ControllerPort, true},
		{"the exporter to the brokers", at("exporter"), at("brokers"), k.ClientPort, true},
		{"Prometheus to the exporter", prometheus, at("exporter"), k.ExporterPort, true},
		{"a labelled client in another namespace", netPod{"analytics", client}, at("brokers"), k.ClientPort, true},
		{"a labelled client in the namespace", netPod{ns, client}, at("brokers"), k.ClientPort, true},
		{"an unlabelled pod in another namespace", netPod{"analytics", labels.Set{"app": "ingest"}}, at("brokers"), k.ClientPort, false},
		{"an unlabelled pod in the namespace", netPod{ns, labels.Set{"app": "ingest"}}, at("brokers"), k.ClientPort, false},
		{"a labelled client to the controllers", netPod{"analytics", client}, at("controllers"), k.ControllerPort, false},
		{"a labelled client to the brokers' controller port", netPod{"analytics", client}, at("brokers"), k.ControllerPort, false},
		{"the controllers to the brokers", at("controllers"), at("brokers"), k.ClientPort, false},
		{"the exporter to the controllers", at("exporter"), at("controllers"), k.ControllerPort, false},
		{"the brokers to the exporter", at("brokers"), at("exporter"), k.ExporterPort, false},
	} {
		if got := policyAllows(pols, f.from, f.to, f.port); got != f.want {
			t.Errorf("%s (TCP %d): allowed %v, want %v", f.what, f.port, got, f.want)
		}
	}
}

// kafkaScrapeJobs lists the job names of prometheus.yml.
func kafkaScrapeJobs(t *testing.T, c *kafkaCase) map[string]bool {
	t.Helper()
	var cfg struct {
		ScrapeConfigs []struct {
			JobName string `json:"job_name"`
		} `json:"scrape_configs"`
	}
	if err := yaml.Unmarshal(c.tree["manifests/monitoring/prometheus/prometheus.yml"], &cfg); err != nil {
		t.Fatalf("prometheus.yml: %v", err)
	}
	jobs := map[string]bool{}
	for _, s := range cfg.ScrapeConfigs {
		jobs[s.JobName] = true
	}
	return jobs
}

// kafkaRules is the alert rule file for Kafka.
const kafkaRules = "manifests/monitoring/prometheus/kafka.rules.yml"

// TestKafkaRules checks the Kafka alerts: what on-call needs on each, that
// they read the series of the job that scrapes the exporter, and promtool.
func TestKafkaRules(t *testing.T) {
	c := renderKafka(t, kafkaSpecText(t))
	k := c.plan.Workloads.Kafka
	src, ok := c.tree[kafkaRules]
	if !ok {
		t.Fatalf("no %s", kafkaRules)
	}
	var f struct {
		Groups []struct {
			Name  string `json:"name"`
			Rules []struct {
				Alert       string            `json:"alert"`
				Expr        string            `json:"expr"`
				For         string            `json:"for"`
				Labels      map[string]string `json:"labels"`
				Annotations map[string]string `json:"annotations"`
			} `json:"rules"`
		} `json:"groups"`
	}
	if err := yaml.UnmarshalStrict(src, &f); err != nil {
		t.Fatal(err)
	}
	jobs := kafkaScrapeJobs(t, c)
	jobRe := regexp.MustCompile(`\bjob="([^"]*)"`)
	nsRe := regexp.MustCompile(`\bnamespace="([^"]*)"`)
	exprs := map[string]string{}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			exprs[r.Alert] = r.Expr
			if r.For == "" || r.Labels["severity"] == "" || r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("%s needs for, a severity label, a summary and a description", r.Alert)
			}
			ms := jobRe.FindAllStringSubmatch(r.Expr, -1)
			if len(ms) == 0 {
				t.Errorf("%s names no job", r.Alert)
			}
			for _, m := range ms {
				if m[1] != "kubernetes-pods" || !jobs[m[1]] {
					t.Errorf("%s reads job %q; the exporter is scraped by kubernetes-pods", r.Alert, m[1])
				}
			}
			for _, m := range nsRe.FindAllStringSubmatch(r.Expr, -1) {
				if m[1] != k.Namespace {
					t.Errorf("%s reads namespace %q, want %q", r.Alert, m[1], k.Namespace)
				}
			}
		}
	}
	for alert, part := range map[string]string{
		"KafkaUnderReplicatedPartitions": "kafka_topic_partition_under_replicated_partition",
		"KafkaOfflinePartitions":         "kafka_topic_partition_leader",
		"KafkaBrokersDown":               fmt.Sprintf("kafka_brokers{job=\"kubernetes-pods\",namespace=%q} < %d", k.Namespace, k.Brokers),
		"KafkaExporterDown":              "absent(up{",
	} {
		if expr, ok := exprs[alert]; !ok || !strings.Contains(expr, part) {
			t.Errorf("%s: want an expression with %q, got %q", alert, part, expr)
		}
	}
	promtool := tool(t, "promtool")
	dir := writeTree(t, render.Tree{"kafka.rules.yml": src}, nil)
	out := run(t, promtool, "check", "rules", filepath.Join(dir, "kafka.rules.yml"))
	if want := fmt.Sprintf("SUCCESS: %d rules found", len(exprs)); !strings.Contains(out, want) {
		t.Errorf("promtool check rules: want %q, got:\n%s", want, out)
	}
}

// TestKafkaOptionalParts renders without monitoring (no exporter, no rule
// file, no policy for it) and without Kafka (no rule file).
func TestKafkaOptionalParts(t *testing.T) {
	src := kafkaSpecText(t)
	noMon := renderKafka(t, kafkaWithout(t, src, "monitoring"))
	var names []string
	for _, o := range noMon.objs {
		if o.Namespace == noMon.plan.Workloads.Kafka.Namespace && strings.Contains(o.Name, "exporter") {
			names = append(names, o.String())
		}
	}
	sort.Strings(names)
	if len(names) > 0 {
		t.Errorf("without monitoring there is no exporter, got %v", names)
	}
	if _, ok := noMon.tree["manifests/kafka/exporter.yaml"]; ok {
		t.Error("without monitoring, exporter.yaml must not be written")
	}
	if _, ok := noMon.tree[kafkaRules]; ok {
		t.Errorf("without monitoring, %s must not be written", kafkaRules)
	}
	noKafka := renderKafka(t, kafkaWithout(t, src, `kafka "kafka"`))
	if _, ok := noKafka.tree[kafkaRules]; ok {
		t.Errorf("without a kafka block, %s must not be written", kafkaRules)
	}
	for p := range noKafka.tree {
		if strings.HasPrefix(p, "manifests/kafka/") {
			t.Errorf("without a kafka block, %s must not be written", p)
		}
	}
}

// kafkaFakeTopics stands in for kafka-topics.sh. It accepts only the
// arguments and environment the readiness probe must use (a small heap,
// no GC log, the tools' logging) and prints $FAKE_OUT as Kafka 4.1's
// TopicCommand prints partitions: one line each, tab-separated "Key: value"
// fields after a leading tab (PartitionDescription.printDescription).
const kafkaFakeTopics = `#!/bin/sh
want="--bootstrap-server localhost:%d --command-config /etc/kafka/config/probe.properties --describe --under-replicated-partitions"
[ "$*" = "$want" ] || { echo "kafka-topics.sh: unexpected arguments: $*" >&2; exit 2; }
[ -z "${KAFKA_GC_LOG_OPTS+set}" ] || { echo "the probe's JVM would write and rotate the broker's GC log" >&2; exit 3; }
[ -z "${KAFKA_LOG4J_OPTS+set}" ] || { echo "the tool would log to stdout through the broker's log4j2 config" >&2; exit 3; }
[ "$KAFKA_HEAP_OPTS" = -Xmx128m ] || { echo "the probe's JVM would take the broker's heap: $KAFKA_HEAP_OPTS" >&2; exit 3; }
cat "$FAKE_OUT"
exit "${FAKE_RC:-0}"
`

// kafkaPartitionLine is one partition as kafka-topics.sh --describe prints it.
func kafkaPartitionLine(topic string, partition int, leader, replicas, isr, adding string) string {
	line := fmt.Sprintf("\tTopic: %s\tPartition: %d\tLeader: %s\tReplicas: %s\tIsr: %s", topic, partition, leader, replicas, isr)
	if adding != "" {
		line += "\tAdding Replicas: " + adding + "\tRemoving Replicas: "
	}
	return line + "\tElr: N/A\tLastKnownElr: N/A\n"
}

// TestKafkaBrokerReadiness runs the brokers' readiness probe, as rendered,
// against a fake kafka-topics.sh, in the broker container's environment,
// for broker kafka-1 (node id 101): ready only when it is in the ISR of
// every partition it holds, whatever happens to other brokers. The probe
// before this test was a TCP check on the client port, ready as soon as a
// restarted broker listened.
func TestKafkaBrokerReadiness(t *testing.T) {
	c := renderKafka(t, kafkaSpecText(t))
	k := c.plan.Workloads.Kafka
	brokers := kafkaFind[*appsv1.StatefulSet](t, c, "StatefulSet", "kafka")
	ct := brokers.Spec.Template.Spec.Containers[0]
	rp := ct.ReadinessProbe
	if rp == nil || rp.Exec == nil || !slices.Equal(rp.Exec.Command, []string{"/bin/sh", "/etc/kafka/config/broker-ready.sh"}) {
		t.Fatalf("the brokers' readiness must run broker-ready.sh, got %+v", rp)
	}
	if rp.TimeoutSeconds < 20 || rp.PeriodSeconds < rp.TimeoutSeconds || rp.FailureThreshold < 2 {
		t.Errorf("readiness probe: timeout %ds, period %ds, failure threshold %d: a JVM needs seconds, and one slow run must not flap the broker",
			rp.TimeoutSeconds, rp.PeriodSeconds, rp.FailureThreshold)
	}
	cm := kafkaFind[*corev1.ConfigMap](t, c, "ConfigMap", brokerConfigMap(t, brokers))
	probeProps, err := parseKafkaProperties(cm.Data["probe.properties"])
	if err != nil || cm.Data["broker-ready.sh"] == "" {
		t.Fatalf("ConfigMap %s must hold broker-ready.sh and probe.properties: %v", cm.Name, err)
	}
	for _, key := range []string{"request.timeout.ms", "default.api.timeout.ms"} {
		if ms, err := strconv.Atoi(probeProps[key]); err != nil || ms >= int(rp.TimeoutSeconds)*1000 {
			t.Errorf("probe.properties %s = %q: the admin client must give up before the probe's %ds timeout", key, probeProps[key], rp.TimeoutSeconds)
		}
	}

	dir := t.TempDir()
	script := filepath.Join(dir, "broker-ready.sh")
	if err := os.WriteFile(script, []byte(cm.Data["broker-ready.sh"]), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "kafka-topics.sh"), []byte(fmt.Sprintf(kafkaFakeTopics, k.ClientPort)), 0o755); err != nil {
		t.Fatal(err)
	}
	// The container's own environment, as the kubelet gives it to an exec
	// probe: the broker's heap, GC log and logging included.
	var env []string
	for _, e := range ct.Env {
		if e.ValueFrom == nil {
			env = append(env, e.Name+"="+e.Value)
		}
	}
	env = append(env, "HOSTNAME=kafka-1", "KAFKA_BIN="+bin)
	id := strconv.Itoa(k.BrokerIDBase + 1)
	other := func(n int) string { return strconv.Itoa(k.BrokerIDBase + n) }
	all := other(0) + "," + id + "," + other(2)
	cases := []struct {
		what   string
		out    string
		rc     int
		ready  bool
		report string // in the probe's output
	}{
		{"freshly restarted, still copying two partitions", kafkaPartitionLine("orders", 0, other(0), all, other(0)+","+other(2), "") +
			kafkaPartitionLine("orders", 3, other(2), all, other(2)+","+other(0), "") +
			kafkaPartitionLine("__consumer_offsets", 7, other(0), all, other(0)+","+other(2), ""), 0, false, "not in the ISR of orders-0"},
		{"caught up: no partition short of a replica", "", 0, true, "in the ISR of every partition"},
		{"another broker down, this one in every ISR", kafkaPartitionLine("orders", 1, id, all, id+","+other(0), "") +
			kafkaPartitionLine("payments", 0, other(0), all, other(0)+","+id, ""), 0, true, "in the ISR of every partition"},
		{"a partition being reassigned onto this broker", kafkaPartitionLine("orders", 2, other(0), other(0)+","+other(2)+","+id, other(0)+","+other(2), id), 0, true, "in the ISR"},
		{"a partition without leader and empty ISR", kafkaPartitionLine("orders", 5, "none", all, "", ""), 0, false, "not in the ISR of orders-5"},
		{"the admin call fails", "", 1, false, "cannot list the under-replicated partitions"},
	}
	for _, sh := range scriptShells(t) {
		for i, tc := range cases {
			out := filepath.Join(dir, fmt.Sprintf("case%d.txt", i))
			if err := os.WriteFile(out, []byte(tc.out), 0o644); err != nil {
				t.Fatal(err)
			}
			got, code := runScript(t, sh, script, append(env, "FAKE_OUT="+out, fmt.Sprintf("FAKE_RC=%d", tc.rc)), "", 20*time.Second)
			if ready := code == 0; ready != tc.ready || !strings.Contains(got, tc.report) {
				t.Errorf("%s: %s: ready %v (exit %d), want %v with %q in:\n%s", sh.name, tc.what, ready, code, tc.ready, tc.report, got)
			}
		}
	}
}

// brokerConfigMap is the name kustomize gave the brokers' ConfigMap (with
// its hash), from the StatefulSet's config volume.
func brokerConfigMap(t *testing.T, ss *appsv1.StatefulSet) string {
	t.Helper()
	for _, v := range ss.Spec.Template.Spec.Volumes {
		if v.Name == "config" && v.ConfigMap != nil {
			return v.ConfigMap.Name
		}
	}
	t.Fatalf("StatefulSet %s mounts no config ConfigMap", ss.Name)
	return ""
}
