package pipeline_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/forecast"
	"github.com/blueprint-dev/blueprint/internal/operatorcrds"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
)

// sparkOpSpec puts Spark on the Spark operator; without its engine line it
// is the same design on the spark-submit engine.
const (
	sparkOpSpec   = "testdata/workloads/spark-operator.hcl"
	sparkOpGolden = "testdata/workloads/spark-operator.golden"
	sparkOpLine   = "  engine          = \"operator\"\n"
)

func sparkOpText(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(sparkOpSpec)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(sparkOpLine)) {
		t.Fatalf("%s has no line %q", sparkOpSpec, sparkOpLine)
	}
	return string(b)
}

// renderSparkOp renders the spec with the operator engine (op) and with
// the spark-submit engine (sts).
func renderSparkOp(t *testing.T) (op, sts *kafkaCase) {
	t.Helper()
	text := sparkOpText(t)
	op = renderKafka(t, text)
	if s := op.plan.Workloads.Spark; s == nil || s.Operator == nil || s.Engine != spec.EngineOperator {
		t.Fatalf("%s does not put Spark on the operator engine", sparkOpSpec)
	}
	sts = renderKafka(t, strings.Replace(text, sparkOpLine, "", 1))
	if s := sts.plan.Workloads.Spark; s == nil || s.Operator != nil || s.Engine != spec.EngineStatefulSet {
		t.Fatal("without the engine line Spark is not on the spark-submit engine")
	}
	return op, sts
}

// TestSparkOperatorGolden compares the operator engine's folders with
// testdata/workloads/spark-operator.golden/, which only -update rewrites.
func TestSparkOperatorGolden(t *testing.T) {
	c := renderKafka(t, sparkOpText(t))
	goldenFolder(t, c.tree, operatorGoldenFiles(c.tree, "manifests/spark", "manifests/spark-operator"), sparkOpGolden, sparkOpSpec, "TestSparkOperatorGolden")
}

// TestSparkOperatorCRDsAsReleased checks that the tree carries the
// operator's CRDs exactly as internal/operatorcrds holds them (which
// checks them against the release), first in the folder's kustomization.
func TestSparkOperatorCRDsAsReleased(t *testing.T) {
	c := renderKafka(t, sparkOpText(t))
	if names := operatorcrds.SparkOperator.Names(); len(names) != 3 {
		t.Errorf("CRDs %v: the controller needs SparkApplication, ScheduledSparkApplication and SparkConnect", names)
	}
	crdsAsReleased(t, c.tree, "manifests/spark-operator", operatorcrds.SparkOperator)
}

// sparkApp is the part of a SparkApplication's spec the checks read.
type sparkApp struct {
	Type, Mode, SparkVersion, Image, MainApplicationFile string
	SparkConf                                            map[string]string
	DynamicAllocation                                    struct {
		Enabled, ShuffleTrackingEnabled bool
		MinExecutors, MaxExecutors      int
	}
	Driver, Executor struct {
		Cores                  int
		CoreRequest, CoreLimit string
		Memory, ServiceAccount string
		Template               corev1.PodTemplateSpec
	}
}

// sparkTemplates reads the SparkApplication and the
// ScheduledSparkApplication's template from the operator engine's
// ConfigMap, as the cluster holds them.
func sparkTemplates(t *testing.T, c *kafkaCase) (app, scheduled sparkApp, sched map[string]any) {
	t.Helper()
	var cm *corev1.ConfigMap
	for _, o := range c.objs {
		if x, ok := o.Object.(*corev1.ConfigMap); ok && x.Name == plan.SparkTemplatesConfigMap {
			cm = x
		}
	}
	if cm == nil {
		t.Fatalf("no ConfigMap %s", plan.SparkTemplatesConfigMap)
	}
	var a struct {
		APIVersion, Kind string
		Spec             sparkApp
	}
	if err := yaml.Unmarshal([]byte(cm.Data["sparkapplication.yaml"]), &a); err != nil {
		t.Fatal(err)
	}
	var s struct {
		APIVersion, Kind string
		Spec             struct {
			Schedule          string
			Suspend           bool
			ConcurrencyPolicy string
			Template          sparkApp
		}
	}
	if err := yaml.Unmarshal([]byte(cm.Data["scheduledsparkapplication.yaml"]), &s); err != nil {
		t.Fatal(err)
	}
	if a.APIVersion != "sparkoperator.k8s.io/v1beta2" || a.Kind != "SparkApplication" ||
		s.APIVersion != "sparkoperator.k8s.io/v1beta2" || s.Kind != "ScheduledSparkApplication" {
		t.Errorf("templates are %s %s and %s %s", a.APIVersion, a.Kind, s.APIVersion, s.Kind)
	}
	return a.Spec, s.Spec.Template, map[string]any{"suspend": s.Spec.Suspend, "schedule": s.Spec.Schedule, "concurrencyPolicy": s.Spec.ConcurrencyPolicy}
}

// TestSparkOperatorSameSettings renders the spec with either engine and
// checks that the SparkApplication template (and the
// ScheduledSparkApplication's) make the operator submit with every
// setting of the spark-submit engine's spark-defaults.conf: its typed
// fields become the --conf the operator's submission.go writes for them
// (driver/executor cores, request and limit cores, memory, the driver's
// account, the image, dynamic allocation), the rest is sparkConf; and that
// its driver and executor pod templates are the spark-submit engine's pod
// template files (placement, tolerations, local dir, security, account).
func TestSparkOperatorSameSettings(t *testing.T) {
	op, sts := renderSparkOp(t)
	app, scheduled, sched := sparkTemplates(t, op)
	if string(mustJSON(t, app)) != string(mustJSON(t, scheduled)) {
		t.Errorf("the ScheduledSparkApplication's template differs from the SparkApplication")
	}
	if sched["suspend"] != true || sched["concurrencyPolicy"] != "Forbid" {
		t.Errorf("the ScheduledSparkApplication is %v: it must be suspended (nothing runs on apply)", sched)
	}
	defaults := map[string]string{}
	for _, line := range strings.Split(string(sts.tree["manifests/spark/spark-defaults.conf"]), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && !strings.HasPrefix(line, "#") {
			defaults[f[0]] = f[1]
		}
	}
	if len(defaults) < 25 {
		t.Fatalf("read %d settings from spark-defaults.conf", len(defaults))
	}
	// What the operator passes to spark-submit for the template
	// (internal/controller/sparkapplication/submission.go at v2.5.2).
	conf := map[string]string{}
	for k, v := range app.SparkConf {
		conf[k] = v
	}
	i := strconv.Itoa
	d, e := app.Driver, app.Executor
	for k, v := range map[string]string{
		"spark.kubernetes.container.image":                        app.Image,
		"spark.driver.cores":                                      i(d.Cores),
		"spark.kubernetes.driver.request.cores":                   d.CoreRequest,
		"spark.kubernetes.driver.limit.cores":                     d.CoreLimit,
		"spark.driver.memory":                                     d.Memory,
		"spark.kubernetes.authenticate.driver.serviceAccountName": d.ServiceAccount,
		"spark.executor.cores":                                    i(e.Cores),
		"spark.kubernetes.executor.request.cores":                 e.CoreRequest,
		"spark.kubernetes.executor.limit.cores":                   e.CoreLimit,
		"spark.executor.memory":                                   e.Memory,
		"spark.dynamicAllocation.minExecutors":                    i(app.DynamicAllocation.MinExecutors),
		"spark.dynamicAllocation.maxExecutors":                    i(app.DynamicAllocation.MaxExecutors),
		"spark.dynamicAllocation.enabled":                         strconv.FormatBool(app.DynamicAllocation.Enabled),
		"spark.dynamicAllocation.shuffleTracking.enabled":         strconv.FormatBool(app.DynamicAllocation.ShuffleTrackingEnabled),
	} {
		if _, dup := conf[k]; dup {
			t.Errorf("%s is both a typed field and in sparkConf", k)
		}
		conf[k] = v
	}
	// What the operator sets itself: the API server, the namespace, its
	// own files of the pod templates below and their container names
	// (spark-kubernetes-driver, spark-kubernetes-executor, as the
	// templates name them).
	operatorOwns := map[string]bool{
		"spark.master": true, "spark.kubernetes.namespace": true,
		"spark.kubernetes.driver.podTemplateFile": true, "spark.kubernetes.executor.podTemplateFile": true,
		"spark.kubernetes.driver.podTemplateContainerName": true, "spark.kubernetes.executor.podTemplateContainerName": true,
	}
	compared := 0
	for k, v := range defaults {
		if operatorOwns[k] {
			continue
		}
		got, ok := conf[k]
		switch {
		case !ok:
			t.Errorf("spark-defaults.conf sets %s %s; the SparkApplication does not", k, v)
		case got != v:
			t.Errorf("%s: SparkApplication %q, spark-defaults.conf %q", k, got, v)
		}
		compared++
	}
	if compared != len(conf) {
		t.Errorf("compared %d settings, the SparkApplication makes %d", compared, len(conf))
	}
	if d.Template.Spec.Containers[0].Name != defaults["spark.kubernetes.driver.podTemplateContainerName"] ||
		e.Template.Spec.Containers[0].Name != defaults["spark.kubernetes.executor.podTemplateContainerName"] {
		t.Errorf("template containers %s, %s", d.Template.Spec.Containers[0].Name, e.Template.Spec.Containers[0].Name)
	}
	for file, tmpl := range map[string]corev1.PodTemplateSpec{"driver-pod-template.yaml": d.Template, "executor-pod-template.yaml": e.Template} {
		var pod corev1.Pod
		if err := yaml.UnmarshalStrict(sts.tree["manifests/spark/"+file], &pod); err != nil {
			t.Fatal(err)
		}
		if a, b := mustJSON(t, pod.ObjectMeta), mustJSON(t, tmpl.ObjectMeta); !bytes.Equal(a, b) {
			t.Errorf("%s: metadata\n%s\nthe SparkApplication's\n%s", file, a, b)
		}
		if a, b := mustJSON(t, pod.Spec), mustJSON(t, tmpl.Spec); !bytes.Equal(a, b) {
			t.Errorf("%s: spec\n%s\nthe SparkApplication's\n%s", file, a, b)
		}
		// The placement compared is the pool's: its nodes and its taint.
		pl := op.plan.Workloads.Spark.Placement
		if tmpl.Spec.NodeSelector[spec.PoolLabel] != "spark" || len(tmpl.Spec.Tolerations) != 1 || len(pl.Tolerations) != 1 ||
			tmpl.Spec.Tolerations[0].Key != "example.com/dedicated" {
			t.Errorf("%s: placement %v %v", file, tmpl.Spec.NodeSelector, tmpl.Spec.Tolerations)
		}
		var local *corev1.Volume
		for i := range tmpl.Spec.Volumes {
			if tmpl.Spec.Volumes[i].Name == "spark-local-dir-1" {
				local = &tmpl.Spec.Volumes[i]
			}
		}
		if local == nil || local.HostPath == nil || local.HostPath.Path != "/mnt/fast-disk/spark" {
			t.Errorf("%s: local dir %v", file, local)
		}
	}
	if d.Template.Spec.ServiceAccountName != d.ServiceAccount || d.ServiceAccount != "spark-driver" {
		t.Errorf("driver account %q, template %q", d.ServiceAccount, d.Template.Spec.ServiceAccountName)
	}
	if app.Type != "Scala" || app.Mode != "cluster" || app.SparkVersion != "4.0.0" || app.MainApplicationFile == "" {
		t.Errorf("application %s %s %s %s", app.Type, app.Mode, app.SparkVersion, app.MainApplicationFile)
	}
}

// TestSparkOperatorEngineAlone checks that each engine renders only its
// own: spark-submit no operator folder, image, namespace or template;
// the operator no spark-defaults, pod template files or spark-submit
// policy; the driver's account and Role, and the driver and executor
// policies, the same in both (one truth).
func TestSparkOperatorEngineAlone(t *testing.T) {
	op, sts := renderSparkOp(t)
	for _, p := range sts.tree.Paths() {
		if strings.HasPrefix(p, "manifests/spark-operator/") || strings.Contains(p, "sparkapplication") {
			t.Errorf("the spark-submit engine renders %s", p)
		}
	}
	if bytes.Contains(sts.tree["images.txt"], []byte("spark-operator")) || bytes.Contains(sts.tree["manifests/namespaces/namespaces.yaml"], []byte("spark-operator")) {
		t.Error("the spark-submit engine names the operator's image or namespace")
	}
	for _, f := range []string{"spark-defaults.conf", "driver-pod-template.yaml", "executor-pod-template.yaml"} {
		if _, ok := op.tree["manifests/spark/"+f]; ok {
			t.Errorf("the operator engine renders manifests/spark/%s", f)
		}
	}
	if !bytes.Contains(op.tree["images.txt"], []byte(spec.DefaultImages["spark-operator"])) || !bytes.Contains(op.tree["images.txt"], []byte(spec.DefaultImages["spark"])) {
		t.Errorf("images.txt of the operator engine lacks the controller or Spark:\n%s", op.tree["images.txt"])
	}
	if !bytes.Equal(op.tree["manifests/spark/rbac.yaml"], sts.tree["manifests/spark/rbac.yaml"]) {
		t.Error("manifests/spark/rbac.yaml differs between the engines")
	}
	policies := func(c *kafkaCase) map[string]string {
		out := map[string]string{}
		for _, o := range c.objs {
			if o.GVK.Kind == "NetworkPolicy" && o.Namespace == "spark" {
				out[o.Name] = string(mustJSON(t, o.Object))
			}
		}
		return out
	}
	ps, po := policies(sts), policies(op)
	if _, ok := ps["spark-submit"]; !ok {
		t.Error("the spark-submit engine has no spark-submit policy")
	}
	delete(ps, "spark-submit")
	if len(po) != len(ps) {
		t.Errorf("policies %v and %v", po, ps)
	}
	for name, p := range ps {
		if po[name] != p {
			t.Errorf("policy %s differs between the engines", name)
		}
	}
}

// TestSparkOperatorRBAC checks the controller's rights against what its
// source calls at v2.5.2 (sparkOperatorCalls): no ClusterRole or
// ClusterRoleBinding at all, a Role in the Spark namespace and one in its
// own, each granting exactly its list, and no right beyond them; its
// Deployment runs as that account, watching the Spark namespace only.
func TestSparkOperatorRBAC(t *testing.T) {
	c := renderKafka(t, sparkOpText(t))
	o := c.plan.Workloads.Spark.Operator
	account := rbacv1.Subject{Kind: "ServiceAccount", Name: o.Name, Namespace: o.Namespace}
	roles := map[string][]rbacv1.PolicyRule{}
	var granted []string
	var deploy *appsv1.Deployment
	for _, obj := range c.objs {
		switch x := obj.Object.(type) {
		case *rbacv1.Role:
			roles[x.Namespace+"/"+x.Name] = x.Rules
		case *rbacv1.ClusterRole:
			if strings.Contains(x.Name, "spark") {
				t.Errorf("ClusterRole %s", x.Name)
			}
		case *rbacv1.ClusterRoleBinding:
			if slices.Contains(x.Subjects, account) {
				t.Errorf("ClusterRoleBinding %s binds the controller", x.Name)
			}
		case *rbacv1.RoleBinding:
			if slices.Contains(x.Subjects, account) {
				if len(x.Subjects) != 1 || x.RoleRef.Kind != "Role" {
					t.Errorf("RoleBinding %s/%s: %v %v", x.Namespace, x.Name, x.Subjects, x.RoleRef)
				}
				granted = append(granted, x.Namespace+"/"+x.RoleRef.Name)
			}
		case *appsv1.Deployment:
			if x.Name == o.Name {
				deploy = x
			}
		}
	}
	slices.Sort(granted)
	want := []string{o.Namespace + "/" + o.Name + "-leader-election", o.JobNamespace + "/" + o.Name}
	slices.Sort(want)
	if !slices.Equal(granted, want) {
		t.Fatalf("the controller is bound to %v, want %v", granted, want)
	}
	for _, ns := range []string{o.JobNamespace, o.Namespace} {
		name := ns + "/" + o.Name
		if ns == o.Namespace {
			name += "-leader-election"
		}
		got := map[string]bool{}
		for _, r := range roles[name] {
			for _, g := range r.APIGroups {
				for _, res := range r.Resources {
					for _, v := range r.Verbs {
						key := g + "/" + res + " " + v
						if len(r.ResourceNames) > 0 {
							key += " " + strings.Join(r.ResourceNames, ",")
						}
						got[key] = true
					}
				}
			}
		}
		calls := sparkOperatorCalls(ns == o.Namespace, o.LeaseName)
		for _, k := range calls {
			if !got[k] {
				t.Errorf("Role %s lacks %s, which the controller calls", name, k)
			}
			delete(got, k)
		}
		for k := range got {
			t.Errorf("Role %s grants %s, which the controller does not call", name, k)
		}
	}
	if deploy == nil {
		t.Fatal("no controller Deployment")
	}
	ps := deploy.Spec.Template.Spec
	if ps.ServiceAccountName != o.Name || !slices.Contains(ps.Containers[0].Args, "--namespaces="+o.JobNamespace) ||
		!slices.Contains(ps.Containers[0].Args, "--leader-election-lock-name="+o.LeaseName) ||
		!slices.Contains(ps.Containers[0].Args, "--leader-election-lock-namespace="+o.Namespace) {
		t.Errorf("controller runs as %s with %v", ps.ServiceAccountName, ps.Containers[0].Args)
	}
	for _, a := range ps.Containers[0].Args {
		if strings.HasPrefix(a, "--ingress-url-format") || strings.HasPrefix(a, "--namespace-selector") || strings.HasPrefix(a, "--enable-batch-scheduler") {
			t.Errorf("controller flag %s needs rights it is not given", a)
		}
	}
}

// sparkOperatorCalls are the requests the controller makes, as
// "group/resource verb", in the Spark namespace or (own) its own, read
// from its source at v2.5.2.
func sparkOperatorCalls(own bool, lease string) []string {
	if own {
		// controller-runtime's leader election (start.go: LeaderElection,
		// lock name and namespace): a Lease, and events about it.
		return []string{"coordination.k8s.io/leases create", "coordination.k8s.io/leases get " + lease, "coordination.k8s.io/leases update " + lease,
			"/events create", "/events update", "/events patch"}
	}
	var out []string
	add := func(gr string, verbs ...string) {
		for _, v := range verbs {
			out = append(out, gr+" "+v)
		}
	}
	// internal/controller/sparkapplication/controller.go's markers (and
	// the spark-submit it runs: the driver pod, then its Service and
	// ConfigMaps by server-side apply); sparkconnect/reconciler.go's
	// (list and watch of the ConfigMaps and Services it owns);
	// scheduledsparkapplication/controller.go's (it creates
	// SparkApplications).
	add("/pods", "get", "list", "watch", "create", "update", "delete")
	add("/configmaps", "get", "list", "watch", "create", "update", "patch")
	add("/services", "get", "list", "watch", "create", "update", "patch", "delete")
	add("/events", "create", "update", "patch")
	add("sparkoperator.k8s.io/sparkapplications", "get", "list", "watch", "create", "delete")
	for _, kind := range []string{"scheduledsparkapplications", "sparkconnects"} {
		add("sparkoperator.k8s.io/"+kind, "get", "list", "watch")
	}
	for _, kind := range []string{"sparkapplications", "scheduledsparkapplications", "sparkconnects"} {
		add("sparkoperator.k8s.io/"+kind+"/status", "update")
		add("sparkoperator.k8s.io/"+kind+"/finalizers", "update")
	}
	return out
}

// TestSparkOperatorForecast checks how the forecast counts the operator
// engine: at rest no Spark pod runs with either engine (jobs are
// submitted later, and the SparkApplications are templates in a
// ConfigMap), and the operator engine adds exactly the controller's
// Deployment, one pod of its requests, placed in every scenario.
func TestSparkOperatorForecast(t *testing.T) {
	dir := t.TempDir()
	stsPath := filepath.Join(dir, "spark-submit.hcl")
	if err := os.WriteFile(stsPath, []byte(strings.Replace(sparkOpText(t), sparkOpLine, "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	sts, op := forecastOf(t, stsPath), forecastOf(t, sparkOpSpec)
	names := func(f *forecast.Forecast) map[string]*forecast.Workload {
		out := map[string]*forecast.Workload{}
		for _, w := range f.Workloads {
			out[w.String()] = w
		}
		return out
	}
	a, b := names(sts), names(op)
	for name, w := range b {
		if w.Namespace == "spark" {
			t.Errorf("the operator engine's forecast runs %s at rest", name)
		}
		if _, ok := a[name]; !ok && name != "Deployment spark-operator/spark-operator-controller" {
			t.Errorf("the operator engine adds %s", name)
		}
	}
	for name := range a {
		if _, ok := b[name]; !ok {
			t.Errorf("the operator engine drops %s", name)
		}
	}
	w := b["Deployment spark-operator/spark-operator-controller"]
	if w == nil || w.Replicas != 1 || w.Component != "spark-operator" {
		t.Fatalf("the controller is counted as %+v", w)
	}
	for _, s := range append([]*forecast.Scenario{op.Intact}, op.ZoneLosses...) {
		n := 0
		for _, p := range s.Pods {
			if p.Pod.Workload == w {
				n++
				if p.Pending != nil || p.Requests.MilliCPU != 100 || p.Requests.Memory != 1<<30 {
					t.Errorf("%s: controller pod pending=%v cpu=%d mem=%d", s.Name, p.Pending, p.Requests.MilliCPU, p.Requests.Memory)
				}
			}
		}
		if n != 1 {
			t.Errorf("%s: %d controller pods", s.Name, n)
		}
	}
	if len(b) != len(a)+1 {
		t.Errorf("%d workloads with the operator, %d without", len(b), len(a))
	}
}

// renderLocked renders a spec with an images lock file that pins every
// image blueprint knows (a made-up digest each, lockedSpec); it returns
// the digests by image name.
func renderLocked(t *testing.T, specPath string) (*plan.Plan, render.Tree, map[string]string) {
	t.Helper()
	path, digest := lockedSpec(t, specPath)
	p, tree, diags, err := renderLoaded(spec.NewLoader().Load(path, spec.Options{}))
	if diags.HasErrors() || err != nil {
		t.Fatalf("%v %v", diags, err)
	}
	return p, tree, digest
}

// TestSparkOperatorImagesLocked: with an images lock, the controller and
// the templates' Spark image carry the lock's digests, as images.txt does.
func TestSparkOperatorImagesLocked(t *testing.T) {
	_, tree, digest := renderLocked(t, sparkOpSpec)
	controller := spec.DefaultImages["spark-operator"] + "@" + digest["spark-operator"]
	spark := spec.DefaultImages["spark"] + "@" + digest["spark"]
	var deploy appsv1.Deployment
	if err := yaml.Unmarshal(tree["manifests/spark-operator/deployment.yaml"], &deploy); err != nil || len(deploy.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("manifests/spark-operator/deployment.yaml: %v", err)
	}
	if got := deploy.Spec.Template.Spec.Containers[0].Image; got != controller {
		t.Errorf("the controller runs %s, want %s", got, controller)
	}
	for _, f := range []string{"sparkapplication.yaml", "scheduledsparkapplication.yaml"} {
		if !bytes.Contains(tree["manifests/spark/"+f], []byte("image: \""+spark+"\"\n")) {
			t.Errorf("manifests/spark/%s does not run %s", f, spark)
		}
	}
	for _, want := range []string{controller, spark} {
		if !strings.Contains(string(tree["images.txt"]), want+"\n") {
			t.Errorf("images.txt lacks %s", want)
		}
	}
}

// BenchmarkRenderSparkOperator measures the first render of the Spark
// operator engine's test spec (its three CRDs, 1.7 MB, are copied as data
// and built with the tree).
func BenchmarkRenderSparkOperator(b *testing.B) { benchFirstRender(b, sparkOpSpec) }

// BenchmarkRenderSparkSubmit measures the same spec on the spark-submit
// engine, for comparison.
func BenchmarkRenderSparkSubmit(b *testing.B) {
	b.StopTimer()
	src, err := os.ReadFile(sparkOpSpec)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "spark-submit.hcl")
	if err := os.WriteFile(path, bytes.Replace(src, []byte(sparkOpLine), nil, 1), 0o644); err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
	benchFirstRender(b, path)
}
