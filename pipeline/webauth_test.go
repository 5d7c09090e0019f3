package pipeline_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/internal/manifest"
	"github.com/blueprint-dev/blueprint/plan"
)

// webAuthMounts are where Prometheus and Alertmanager read the Secret of
// their basic authentication.
var webAuthMounts = map[string]string{"prometheus": "/etc/prometheus/web", "alertmanager": "/etc/alertmanager/web"}

// TestMonitoringWebAuth checks that Prometheus and Alertmanager ask every
// client for a password and that their clients have one. In every
// monitoring case on the StatefulSet engine: both serve with
// --web.config.file from the spec's Secret (mounted, never rendered),
// their readiness probes run the image's
// own promtool or amtool with a client configuration that logs in (the
// kubelet's HTTP probes cannot) and their liveness only opens the port;
// Prometheus logs in to the Alertmanagers it alerts and the two it scrapes,
// and Grafana's data source logs in to Prometheus. Before this test
// Alertmanager was published with no authentication at all.
//
// On the operator engine the pods ask no password (validate refuses
// web_auth_secret there), so such a case is checked for the converse:
// nothing sends or expects the password Secret. The test fails if no case
// runs on the StatefulSet engine.
func TestMonitoringWebAuth(t *testing.T) {
	checked := 0
	for _, ex := range monitoringCases(t) {
		m := ex.plan.Services.Monitoring
		objs, err := manifest.Decode(builtManifests(t, ex)["manifests/monitoring"])
		if err != nil {
			t.Fatal(err)
		}
		if m.Operator != nil {
			checkNoWebAuth(t, ex, objs)
			continue
		}
		checked++
		for _, app := range []string{"prometheus", "alertmanager"} {
			sts := lookup[appsv1.StatefulSet](objs, m.Namespace, app)
			if sts == nil {
				t.Fatalf("%s: no StatefulSet %s", ex.name, app)
			}
			checkWebAuthPod(t, ex.name+": "+app, &sts.Spec.Template, m.WebAuthSecret, webAuthMounts[app])
		}
		var prom struct {
			Alerting struct {
				Alertmanagers []struct {
					BasicAuth *basicAuthFiles `json:"basic_auth"`
				} `json:"alertmanagers"`
			} `json:"alerting"`
			ScrapeConfigs []struct {
				JobName   string          `json:"job_name"`
				BasicAuth *basicAuthFiles `json:"basic_auth"`
			} `json:"scrape_configs"`
		}
		if err := yaml.Unmarshal(ex.tree[monitoringDir+"/prometheus/prometheus.yml"], &prom); err != nil {
			t.Fatal(err)
		}
		want := basicAuthFiles{webAuthMounts["prometheus"] + "/username", webAuthMounts["prometheus"] + "/password"}
		for _, am := range prom.Alerting.Alertmanagers {
			if am.BasicAuth == nil || *am.BasicAuth != want {
				t.Errorf("%s: Prometheus sends alerts without logging in to Alertmanager: %+v", ex.name, am.BasicAuth)
			}
		}
		for _, sc := range prom.ScrapeConfigs {
			needs := sc.JobName == "prometheus" || sc.JobName == "alertmanager"
			if needs != (sc.BasicAuth != nil && *sc.BasicAuth == want) {
				t.Errorf("%s: scrape job %s has basic_auth %+v; only the prometheus and alertmanager jobs log in, with %+v", ex.name, sc.JobName, sc.BasicAuth, want)
			}
		}
		for _, app := range []string{"prometheus", "alertmanager"} {
			var probe struct {
				BasicAuth basicAuthFiles `json:"basic_auth"`
			}
			if err := yaml.UnmarshalStrict(ex.tree[monitoringDir+"/"+app+"/probe-http.yml"], &probe); err != nil ||
				probe.BasicAuth != (basicAuthFiles{webAuthMounts[app] + "/username", webAuthMounts[app] + "/password"}) {
				t.Errorf("%s: %s/probe-http.yml must log in with the mounted Secret: %+v (%v)", ex.name, app, probe, err)
			}
		}
		grafana := lookup[appsv1.Deployment](objs, m.Namespace, "grafana")
		refs := map[string]string{}
		for _, e := range grafana.Spec.Template.Spec.Containers[0].Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && e.ValueFrom.SecretKeyRef.Name == m.WebAuthSecret {
				refs[e.Name] = e.ValueFrom.SecretKeyRef.Key
			}
		}
		var ds struct {
			Datasources []struct {
				Type           string            `json:"type"`
				BasicAuth      bool              `json:"basicAuth"`
				BasicAuthUser  string            `json:"basicAuthUser"`
				SecureJSONData map[string]string `json:"secureJsonData"`
			} `json:"datasources"`
		}
		if err := yaml.Unmarshal(ex.tree[monitoringDir+"/grafana/datasources.yaml"], &ds); err != nil || len(ds.Datasources) != 1 {
			t.Fatalf("%s: datasources.yaml: %v", ex.name, err)
		}
		d := ds.Datasources[0]
		if !d.BasicAuth || d.BasicAuthUser != "${PROMETHEUS_USERNAME}" || d.SecureJSONData["basicAuthPassword"] != "${PROMETHEUS_PASSWORD}" ||
			refs["PROMETHEUS_USERNAME"] != "username" || refs["PROMETHEUS_PASSWORD"] != "password" {
			t.Errorf("%s: Grafana's data source must log in to Prometheus with Secret %s's account: %+v, environment %v", ex.name, m.WebAuthSecret, d, refs)
		}
		listed := false
		for _, s := range ex.plan.Services.Secrets() {
			listed = listed || (s.Namespace == m.Namespace && s.Name == m.WebAuthSecret && strings.Contains(s.Keys, "`web-config.yml`"))
		}
		if !listed {
			t.Errorf("%s: ARCHITECTURE.md's Secrets table must list %s/%s with its keys", ex.name, m.Namespace, m.WebAuthSecret)
		}
	}
	if checked == 0 {
		t.Fatal("no monitoring case runs on the StatefulSet engine: web authentication went unchecked")
	}
}

// checkNoWebAuth checks an operator engine's case: Grafana's data source
// logs in to nothing and reads no password, no pod mounts or reads the
// web authentication Secret, and ARCHITECTURE.md does not ask for it.
func checkNoWebAuth(t *testing.T, ex example, objs []manifest.Object) {
	t.Helper()
	m := ex.plan.Services.Monitoring
	if ds := string(ex.tree[monitoringDir+"/grafana/datasources.yaml"]); ds == "" || strings.Contains(ds, "basicAuth") {
		t.Errorf("%s: on the operator engine Grafana's data source must not log in:\n%s", ex.name, ds)
	}
	for _, o := range objs {
		tmpl, _ := manifest.PodTemplate(o.Object)
		if tmpl == nil {
			continue
		}
		for _, v := range tmpl.Spec.Volumes {
			if v.Secret != nil && v.Secret.SecretName == m.WebAuthSecret {
				t.Errorf("%s: %s mounts Secret %s, which the operator engine does not use", ex.name, o, m.WebAuthSecret)
			}
		}
		for _, c := range tmpl.Spec.Containers {
			for _, e := range c.Env {
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && e.ValueFrom.SecretKeyRef.Name == m.WebAuthSecret {
					t.Errorf("%s: %s reads %s from Secret %s, which the operator engine does not use", ex.name, o, e.Name, m.WebAuthSecret)
				}
			}
		}
	}
	for _, s := range ex.plan.Services.Secrets() {
		if s.Namespace == m.Namespace && s.Name == m.WebAuthSecret {
			t.Errorf("%s: ARCHITECTURE.md asks for Secret %s/%s, which the operator engine does not use", ex.name, s.Namespace, s.Name)
		}
	}
}

type basicAuthFiles struct {
	UsernameFile string `json:"username_file"`
	PasswordFile string `json:"password_file"`
}

// checkWebAuthPod checks a pod's web configuration, its Secret volume and
// its probes.
func checkWebAuthPod(t *testing.T, what string, tmpl *corev1.PodTemplateSpec, secret, mount string) {
	t.Helper()
	c := tmpl.Spec.Containers[0]
	if !slices.Contains(c.Args, "--web.config.file="+mount+"/web-config.yml") {
		t.Errorf("%s: args %v lack --web.config.file=%s/web-config.yml", what, c.Args, mount)
	}
	mounted := false
	for _, vm := range c.VolumeMounts {
		if vm.MountPath != mount || vm.SubPath != "" {
			continue
		}
		for _, v := range tmpl.Spec.Volumes {
			if v.Name == vm.Name && v.Secret != nil && v.Secret.SecretName == secret {
				mounted = true
			}
		}
	}
	if !mounted {
		t.Errorf("%s: Secret %s is not mounted whole at %s (a subPath mount would not see a changed password)", what, secret, mount)
	}
	r, l := c.ReadinessProbe, c.LivenessProbe
	if r == nil || r.Exec == nil || len(r.Exec.Command) == 0 || !strings.Contains(strings.Join(r.Exec.Command, " "), "--http.config.file=") {
		t.Errorf("%s: readiness must run the image's client with a login, got %+v", what, r)
	}
	if l == nil || l.TCPSocket == nil || l.HTTPGet != nil {
		t.Errorf("%s: liveness must only open the port (a wrong password must not restart it), got %+v", what, l)
	}
	if s := c.StartupProbe; s != nil && s.HTTPGet != nil {
		t.Errorf("%s: an HTTP startup probe cannot log in", what)
	}
}

// TestMonitoringWebAuthAgainstAlertmanager runs what the pods run: the
// real Alertmanager 0.35 with ha.hcl's rendered alertmanager.yml and a web
// configuration made as ARCHITECTURE.md says (checked by promtool check
// web-config). Asked without a password it answers 401; the rendered
// readiness probes of both StatefulSets (amtool cluster show, promtool
// check ready) with their rendered client configuration succeed, and fail
// with a wrong password. Both servers take the web configuration through
// the same exporter-toolkit handler, which exempts no path.
func TestMonitoringWebAuthAgainstAlertmanager(t *testing.T) {
	var ex example
	for _, e := range examples(t) {
		if e.name == "ha" {
			ex = e
		}
	}
	m := ex.plan.Services.Monitoring
	doc := string(ex.tree["ARCHITECTURE.md"])
	for _, want := range []string{"htpasswd -nbBC 10", "printf 'basic_auth_users:\\n  prometheus: %s\\n'", "promtool check web-config web-config.yml",
		"kubectl -n " + m.Namespace + " create secret generic " + m.WebAuthSecret, "--from-literal=username=prometheus"} {
		if !strings.Contains(doc, want) {
			t.Errorf("ARCHITECTURE.md must say how to make Secret %s: %q", m.WebAuthSecret, want)
		}
	}
	alertmanager, promtool, amtool := tool(t, "alertmanager"), tool(t, "promtool"), tool(t, "amtool")

	// The Secret, as the documented commands make it.
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	key := make([]byte, 24)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	password := base64.StdEncoding.EncodeToString(key)
	hash, err := bcrypt.GenerateFromPassword([]byte(password), 10)
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"web-config.yml": fmt.Sprintf("basic_auth_users:\n  prometheus: %s\n", hash),
		"username":       "prometheus",
		"password":       password,
	} {
		if err := os.MkdirAll(secret, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(secret, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if out := run(t, promtool, "check", "web-config", filepath.Join(secret, "web-config.yml")); !strings.Contains(out, "SUCCESS") {
		t.Fatalf("promtool check web-config: %s", out)
	}

	tree := writeTree(t, ex.tree, nil)
	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	am := exec.CommandContext(ctx, alertmanager,
		"--config.file="+filepath.Join(tree, monitoringDir, "alertmanager", "alertmanager.yml"),
		"--storage.path="+filepath.Join(dir, "data"), fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port),
		"--web.config.file="+filepath.Join(secret, "web-config.yml"), "--cluster.listen-address=")
	logs := &strings.Builder{}
	am.Stdout, am.Stderr = logs, logs
	if err := am.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		_ = am.Wait()
		if t.Failed() {
			t.Logf("alertmanager's log:\n%s", logs)
		}
	}()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	status := 0
	for i := 0; i < 150 && status == 0; i++ { // up to 30 s
		if resp, err := http.Get(base + "/api/v2/status"); err == nil {
			status = resp.StatusCode
			resp.Body.Close()
		} else {
			time.Sleep(200 * time.Millisecond)
		}
	}
	for _, path := range []string{"/api/v2/status", "/-/ready", "/-/healthy", "/api/v2/silences", "/metrics"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatalf("alertmanager does not answer %s: %v", path, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s without a password: %d, want 401", path, resp.StatusCode)
		}
	}

	// The probes as the StatefulSets run them, pointed at this server and
	// at the test's copy of the Secret.
	objs, err := manifest.Decode(builtManifests(t, ex)["manifests/monitoring"])
	if err != nil {
		t.Fatal(err)
	}
	probe := func(app, bin, password string) error {
		sts := lookup[appsv1.StatefulSet](objs, m.Namespace, app)
		client := filepath.Join(dir, app+"-probe-http.yml")
		secretCopy := filepath.Join(dir, app+"-secret")
		if err := os.MkdirAll(secretCopy, 0o700); err != nil {
			t.Fatal(err)
		}
		for name, content := range map[string]string{"username": "prometheus", "password": password} {
			if err := os.WriteFile(filepath.Join(secretCopy, name), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		cfg := strings.ReplaceAll(string(ex.tree[monitoringDir+"/"+app+"/probe-http.yml"]), webAuthMounts[app], secretCopy)
		if err := os.WriteFile(client, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		var args []string
		for _, a := range sts.Spec.Template.Spec.Containers[0].ReadinessProbe.Exec.Command[1:] {
			a = strings.NewReplacer("localhost:9093", fmt.Sprintf("127.0.0.1:%d", port), "localhost:9090", fmt.Sprintf("127.0.0.1:%d", port)).Replace(a)
			if strings.HasPrefix(a, "--http.config.file=") {
				a = "--http.config.file=" + client
			}
			args = append(args, a)
		}
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
		}
		return nil
	}
	for app, bin := range map[string]string{"alertmanager": amtool, "prometheus": promtool} {
		if err := probe(app, bin, password); err != nil {
			t.Errorf("%s's readiness probe fails with the right password: %v", app, err)
		}
		if err := probe(app, bin, password+"x"); err == nil {
			t.Errorf("%s's readiness probe succeeds with a wrong password", app)
		}
	}
}

// freePort returns a TCP port free on 127.0.0.1 now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestDashboardPolicies evaluates the NetworkPolicies of every exposed
// design for who may reach the monitoring stack: a proxy in the ingress
// controller's or Gateway's namespace reaches each exposed dashboard, a pod
// of any other namespace reaches none; Prometheus reaches Alertmanager and
// the other Prometheus replica (alerts and scrapes), and Grafana reaches
// Prometheus; a pod of the monitoring namespace that is
// neither reaches neither. Before this test Alertmanager admitted port
// 9093 from every namespace.
func TestDashboardPolicies(t *testing.T) {
	checked := 0
	for _, ex := range append(monitoringCases(t), gatewayCases(t)...) {
		e, m := ex.plan.Services.Expose, ex.plan.Services.Monitoring
		if m == nil {
			continue
		}
		policies := networkPolicies(rootObjects(t, ex))
		pod := func(ns, app string) netPod {
			return netPod{ns, labels.Set{"app.kubernetes.io/name": app, "app.kubernetes.io/managed-by": "blueprint"}}
		}
		prometheus, alertmanager, grafana := pod(m.Namespace, "prometheus"), pod(m.Namespace, "alertmanager"), pod(m.Namespace, "grafana")
		flows := []struct {
			what     string
			from, to netPod
			port     int
			want     bool
		}{
			{"Prometheus sends alerts to Alertmanager and scrapes it", prometheus, alertmanager, plan.AlertmanagerPort, true},
			{"Prometheus scrapes the other Prometheus replica", prometheus, prometheus, plan.PrometheusPort, true},
			{"Grafana queries Prometheus", grafana, prometheus, plan.PrometheusPort, true},
			{"another pod of the monitoring namespace opens Alertmanager", pod(m.Namespace, "debug"), alertmanager, plan.AlertmanagerPort, false},
			{"another pod of the monitoring namespace opens Prometheus", pod(m.Namespace, "debug"), prometheus, plan.PrometheusPort, false},
			{"Grafana opens Alertmanager (it has no such data source)", grafana, alertmanager, plan.AlertmanagerPort, false},
		}
		dashboards := map[string]struct {
			pod  netPod
			port int
		}{"grafana": {grafana, plan.GrafanaPort}, "alertmanager": {alertmanager, plan.AlertmanagerPort}, "prometheus": {prometheus, plan.PrometheusPort}}
		if l := ex.plan.Services.Logging; l != nil {
			dashboards[l.Dashboards] = struct {
				pod  netPod
				port int
			}{pod(l.Namespace, l.Dashboards), plan.DashboardsPort}
		}
		for name, d := range dashboards {
			exposed := e != nil && e.Route(name) != nil
			var admitted []string
			if exposed {
				admitted = e.ProxyNamespaces()
			}
			for _, ns := range admitted {
				flows = append(flows, struct {
					what     string
					from, to netPod
					port     int
					want     bool
				}{"a proxy in " + ns + " opens " + name, pod(ns, "proxy"), d.pod, d.port, true})
			}
			for _, ns := range []string{"default", "tenant-a"} {
				flows = append(flows, struct {
					what     string
					from, to netPod
					port     int
					want     bool
				}{"a pod of namespace " + ns + " opens " + name, pod(ns, "proxy"), d.pod, d.port, false})
			}
		}
		for _, f := range flows {
			if got := policyAllows(policies, f.from, f.to, f.port); got != f.want {
				t.Errorf("%s: %s on port %d: allowed %v, want %v", ex.name, f.what, f.port, got, f.want)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no flows checked")
	}
}
