package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/forecast"
	"github.com/blueprint-dev/blueprint/internal/controlplane"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

// TestPrometheusOperatorRuns runs the real prometheus-operator v0.85.0
// (scripts/install-prometheus-operator.sh builds it from the Go module
// proxy) against the test control plane, as its ServiceAccount with the
// rendered RBAC and the rendered Deployment's arguments, on the tree of
// testdata/monitoring/monitoring-operator.hcl. It must make the
// StatefulSets the capacity forecast counts: the same names, replicas,
// selector, placement and claim templates.
func TestPrometheusOperatorRuns(t *testing.T) {
	bin := needTool(t, "prometheus-operator")
	opts := need(t, controlplane.Options{ControllerManager: true, Scheduler: true})
	path := "../testdata/monitoring/monitoring-operator.hcl"
	p, dir := renderFile(t, path, spec.Options{})
	o := p.Services.Monitoring.Operator
	opts.WorkDir = t.TempDir()
	opts.ServiceCIDR = p.ServiceSubnet
	opts.APIServerArgs = apiServerArgs(t, dir)
	cp := start(t, opts)
	c := cp.Client()
	ctx := context.Background()
	if _, err := c.RegisterNodes(ctx, nodeSpecs(p)); err != nil {
		t.Fatal(err)
	}
	objs := kustomize(t, filepath.Join(dir, "manifests"))
	t.Logf("%s", verifyManifests(t, c, objs)) // dry-run, then applied

	// The operator's account, as the pod would have it.
	token, err := c.ServiceAccountToken(ctx, o.Namespace, plan.PrometheusOperatorName)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := os.ReadFile(cp.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	var kc map[string]any
	if err := yaml.Unmarshal(admin, &kc); err != nil {
		t.Fatal(err)
	}
	kc["users"] = []any{map[string]any{"name": "blueprint", "user": map[string]any{"token": token}}}
	b, err := yaml.Marshal(kc)
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig := filepath.Join(t.TempDir(), "operator.kubeconfig")
	if err := os.WriteFile(kubeconfig, b, 0o600); err != nil {
		t.Fatal(err)
	}
	var deploy appsv1.Deployment
	for _, x := range objs {
		if x.Kind() == "Deployment" && x.Name() == plan.PrometheusOperatorName {
			if err := x.Into(&deploy); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(deploy.Spec.Template.Spec.Containers) == 0 {
		t.Fatal("no operator Deployment in the tree")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	var args []string
	for _, a := range deploy.Spec.Template.Spec.Containers[0].Args {
		if !slices.Contains([]string{"--web.listen-address"}, a[:min(len(a), len("--web.listen-address"))]) {
			args = append(args, a)
		}
	}
	args = append(args, "--web.listen-address=127.0.0.1:"+strconv.Itoa(port))
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = cmd.Process.Kill() // the process this test started, by its id
			_ = cmd.Wait()
		})
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("prometheus-operator's log:\n%s", tail(log.Bytes(), 6000))
		}
	})

	// What the forecast counts for the same design.
	s, diags := spec.NewLoader().Load(path, spec.Options{})
	if diags = validate.Check(s, diags); diags.HasErrors() {
		t.Fatal(diags)
	}
	_, fc, err := render.RenderForecast(plan.Build(s), render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*forecast.Workload{}
	for _, w := range fc.Workloads {
		if w.Name == o.PrometheusStatefulSet || w.Name == o.AlertmanagerStatefulSet {
			want[w.Name] = w
		}
	}
	if len(want) != 2 {
		t.Fatalf("the forecast counts %v", want)
	}

	// Bounded by count and time: the operator lists, reconciles and creates
	// within seconds of its start.
	got := map[string]*appsv1.StatefulSet{}
	for i := 0; i < 120 && len(got) < 2; i++ {
		var list []appsv1.StatefulSet
		if err := c.List(ctx, "apps/v1", "StatefulSet", p.Services.Monitoring.Namespace, "", &list); err != nil {
			t.Fatal(err)
		}
		for j := range list {
			if want[list[j].Name] != nil {
				got[list[j].Name] = &list[j]
			}
		}
		if len(got) < 2 {
			time.Sleep(time.Second)
		}
	}
	if len(got) < 2 {
		t.Fatalf("after two minutes the operator has made %d of its StatefulSets", len(got))
	}
	for name, w := range want {
		s := got[name]
		ps := s.Spec.Template.Spec
		if s.Spec.Replicas == nil || int(*s.Spec.Replicas) != w.Replicas {
			t.Errorf("%s: %v replicas, the forecast counts %d", name, s.Spec.Replicas, w.Replicas)
		}
		if !reflect.DeepEqual(s.Spec.Selector.MatchLabels, w.Selector.MatchLabels) {
			t.Errorf("%s: selector %v, the forecast's %v", name, s.Spec.Selector.MatchLabels, w.Selector.MatchLabels)
		}
		for k, v := range w.Template.Labels {
			if s.Spec.Template.Labels[k] != v {
				t.Errorf("%s: pods labelled %v, the forecast's %v", name, s.Spec.Template.Labels, w.Template.Labels)
				break
			}
		}
		if !reflect.DeepEqual(ps.NodeSelector, w.Template.Spec.NodeSelector) || !reflect.DeepEqual(ps.Tolerations, w.Template.Spec.Tolerations) ||
			!reflect.DeepEqual(ps.Affinity, w.Template.Spec.Affinity) {
			t.Errorf("%s: placed by %v %v %v, the forecast by %v %v %v", name, ps.NodeSelector, ps.Tolerations, ps.Affinity,
				w.Template.Spec.NodeSelector, w.Template.Spec.Tolerations, w.Template.Spec.Affinity)
		}
		var containers []string
		for _, ctr := range ps.Containers {
			containers = append(containers, ctr.Name)
			for _, fc := range w.Template.Spec.Containers {
				if fc.Name == ctr.Name && !reflect.DeepEqual(fc.Resources, ctr.Resources) {
					t.Errorf("%s: container %s asks %v, the forecast counts %v", name, ctr.Name, ctr.Resources, fc.Resources)
				}
			}
		}
		var counted []string
		for _, fc := range w.Template.Spec.Containers {
			counted = append(counted, fc.Name)
		}
		slices.Sort(containers)
		slices.Sort(counted)
		if !slices.Equal(containers, counted) {
			t.Errorf("%s: containers %v, the forecast counts %v", name, containers, counted)
		}
		var claims, wantClaims []string
		for _, ct := range s.Spec.VolumeClaimTemplates {
			claims = append(claims, ct.Name+" "+*ct.Spec.StorageClassName+" "+ct.Spec.Resources.Requests.Storage().String())
		}
		for _, ct := range w.ClaimTemplates {
			wantClaims = append(wantClaims, ct.Name+" "+*ct.Spec.StorageClassName+" "+ct.Spec.Resources.Requests.Storage().String())
		}
		if !slices.Equal(claims, wantClaims) {
			t.Errorf("%s: claim templates %v, the forecast counts %v", name, claims, wantClaims)
		}
		t.Logf("%s: %d replicas, containers %v, claims %v, as the forecast counts", name, *s.Spec.Replicas, containers, claims)
	}
	// The configuration it generated for Prometheus (Secret
	// prometheus-main, prometheus.yaml.gz): every ScrapeConfig of the tree
	// is a job in it (a ScrapeConfig it cannot resolve, such as one whose
	// credentials it may not read, it leaves out), every PrometheusRule is
	// loaded from its rule files, and promtool accepts its syntax.
	promtool := needTool(t, "promtool")
	var secret corev1.Secret
	var cfg []byte
	for i := 0; i < 60; i++ {
		if err := c.Get(ctx, "/api/v1/namespaces/"+p.Services.Monitoring.Namespace+"/secrets/"+o.PrometheusStatefulSet, &secret); err == nil && len(secret.Data["prometheus.yaml.gz"]) > 0 {
			zr, err := gzip.NewReader(bytes.NewReader(secret.Data["prometheus.yaml.gz"]))
			if err != nil {
				t.Fatal(err)
			}
			if cfg, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
			if bytes.Count(cfg, []byte("job_name: scrapeConfig/")) >= 14 {
				break
			}
		}
		time.Sleep(time.Second)
	}
	var gen struct {
		RuleFiles     []string `json:"rule_files"`
		ScrapeConfigs []struct {
			JobName       string `json:"job_name"`
			Authorization *struct {
				Type            string `json:"type"`
				CredentialsFile string `json:"credentials_file"`
			} `json:"authorization"`
		} `json:"scrape_configs"`
	}
	if err := yaml.Unmarshal(cfg, &gen); err != nil {
		t.Fatalf("the generated configuration: %v", err)
	}
	var jobs, wantJobs []string
	for _, j := range gen.ScrapeConfigs {
		jobs = append(jobs, j.JobName)
	}
	// The jobs of the ScrapeConfigs that name the token scrape class send
	// the pod's own token file (rotated by the kubelet); no other job
	// sends anything.
	withToken := map[string]bool{}
	for _, x := range objs {
		if x.Kind() == "ScrapeConfig" {
			job := "scrapeConfig/" + x.Namespace() + "/" + x.Name()
			wantJobs = append(wantJobs, job)
			spec, _ := x["spec"].(map[string]any)
			withToken[job] = spec["scrapeClass"] == o.TokenClass
		}
	}
	tokenJobs := 0
	for _, j := range gen.ScrapeConfigs {
		sends := j.Authorization != nil && j.Authorization.Type == "Bearer" && j.Authorization.CredentialsFile == plan.ServiceAccountTokenFile
		if sends != withToken[j.JobName] || (!sends && j.Authorization != nil) {
			t.Errorf("the operator's job %s has authorization %+v; want the token file: %v", j.JobName, j.Authorization, withToken[j.JobName])
		}
		if sends {
			tokenJobs++
		}
	}
	if tokenJobs == 0 {
		t.Error("no job of the operator's configuration sends Prometheus' token: the kubelets and API servers would refuse every scrape")
	}
	slices.Sort(jobs)
	slices.Sort(wantJobs)
	if !slices.Equal(jobs, wantJobs) || len(gen.RuleFiles) == 0 {
		t.Errorf("the operator's configuration has jobs %v and rule files %v; the tree's ScrapeConfigs are %v", jobs, gen.RuleFiles, wantJobs)
	}
	cfgPath := filepath.Join(t.TempDir(), "prometheus.yaml")
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "config", "--syntax-only", cfgPath).CombinedOutput(); err != nil {
		t.Errorf("promtool check config --syntax-only on the operator's configuration: %v\n%s", err, out)
	}
	t.Logf("the operator's Prometheus configuration: %d jobs, the tree's ScrapeConfigs; promtool accepts it", len(jobs))

	// With the rendered RBAC the operator was refused nothing: every call
	// it made, in its start (its access checks included: it turns off what
	// it may not do, such as events, with a warning) and its
	// reconciliations, was allowed.
	stop()
	for _, refusal := range []string{"forbidden", "missing permission", "lacks required permissions"} {
		if n := bytes.Count(bytes.ToLower(log.Bytes()), []byte(refusal)); n > 0 {
			t.Errorf("the operator logs %q %d times", refusal, n)
		}
	}
	t.Logf("prometheus-operator ran %d log lines, none refused", bytes.Count(log.Bytes(), []byte("\n")))
}

// tail returns the last n bytes of b.
func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
