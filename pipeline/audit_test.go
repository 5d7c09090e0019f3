package pipeline_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// auditPolicy is the part of an audit.k8s.io/v1 Policy the test evaluates.
type auditPolicy struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	OmitStages []string `json:"omitStages"`
	Rules      []struct {
		Level           string   `json:"level"`
		Verbs           []string `json:"verbs"`
		Users           []string `json:"users"`
		NonResourceURLs []string `json:"nonResourceURLs"`
		Resources       []struct {
			Group     string   `json:"group"`
			Resources []string `json:"resources"`
		} `json:"resources"`
	} `json:"rules"`
}

// level evaluates the policy for a resource request by a user the rules do
// not name, the way the API server's policy checker does: the first rule
// whose verbs and resources match decides. A resource entry matches
// "resource", "resource/subresource", "*", "*/subresource" and
// "resource/*" of its group.
func (p auditPolicy) level(verb, group, resource, subresource string) string {
	combined := resource
	if subresource != "" {
		combined += "/" + subresource
	}
	for _, r := range p.Rules {
		if len(r.Users) > 0 || len(r.NonResourceURLs) > 0 {
			continue
		}
		if len(r.Verbs) > 0 && !slices.Contains(r.Verbs, verb) {
			continue
		}
		if len(r.Resources) == 0 {
			return r.Level
		}
		for _, gr := range r.Resources {
			if gr.Group != group {
				continue
			}
			if len(gr.Resources) == 0 {
				return r.Level
			}
			for _, res := range gr.Resources {
				if res == combined || res == "*" ||
					(subresource != "" && res == "*/"+subresource) ||
					(subresource != "" && res == resource+"/*") {
					return r.Level
				}
			}
		}
	}
	return "None"
}

// TestAuditPolicy evaluates the rendered audit policy for requests that
// should and should not fill the log: events are not recorded, status
// writes only at Metadata, while changes to objects keep their request
// body and anything touching credentials stays at Metadata. Before this
// test, events and every status write were logged at Request.
func TestAuditPolicy(t *testing.T) {
	for _, ex := range examples(t) {
		var p auditPolicy
		if err := yaml.UnmarshalStrict(ex.tree["kubeadm/audit-policy.yaml"], &p); err != nil || p.Kind != "Policy" {
			t.Fatalf("%s: audit-policy.yaml: %v", ex.name, err)
		}
		for _, c := range []struct {
			verb, group, resource, sub, want string
		}{
			{"create", "", "events", "", "None"},
			{"patch", "", "events", "", "None"},
			{"create", "events.k8s.io", "events", "", "None"},
			{"patch", "", "pods", "status", "Metadata"},
			{"update", "", "nodes", "status", "Metadata"},
			{"update", "apps", "deployments", "status", "Metadata"},
			{"patch", "policy", "poddisruptionbudgets", "status", "Metadata"},
			{"update", "flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations", "status", "Metadata"},
			{"update", "gateway.networking.k8s.io", "httproutes", "status", "Metadata"},
			{"create", "", "pods", "", "Request"},
			{"patch", "apps", "deployments", "", "Request"},
			{"delete", "", "namespaces", "", "Request"},
			{"update", "certificates.k8s.io", "certificatesigningrequests", "approval", "Request"},
			{"create", "", "secrets", "", "Metadata"},
			{"get", "", "secrets", "", "Metadata"},
			{"list", "", "pods", "", "Metadata"},
			{"update", "coordination.k8s.io", "leases", "", "None"},
		} {
			if got := p.level(c.verb, c.group, c.resource, c.sub); got != c.want {
				t.Errorf("%s: %s %s/%s/%s is audited at %s, want %s", ex.name, c.verb, c.group, c.resource, c.sub, got, c.want)
			}
		}
		checkAuditRetention(t, ex)
	}
}

// checkAuditRetention reads the API server's audit log flags from the
// first master's kubeadm config and wants ARCHITECTURE.md to state the
// retention they give: (maxbackup+1) files of maxsize MiB, at most maxage
// days, and what that is at a stated request rate. The old document
// claimed "30 days" whatever the sizes allowed.
func checkAuditRetention(t *testing.T, ex example) {
	t.Helper()
	init := ex.tree["kubeadm/init/"+ex.plan.ControlPlane[0].Name+".yaml"]
	flags := map[string]int{}
	for _, doc := range strings.Split(string(init), "\n---\n") {
		var c struct {
			Kind      string `json:"kind"`
			APIServer struct {
				ExtraArgs []struct{ Name, Value string } `json:"extraArgs"`
			} `json:"apiServer"`
		}
		if err := yaml.Unmarshal([]byte(doc), &c); err != nil || c.Kind != "ClusterConfiguration" {
			continue
		}
		for _, a := range c.APIServer.ExtraArgs {
			if strings.HasPrefix(a.Name, "audit-log-max") {
				n, err := strconv.Atoi(a.Value)
				if err != nil {
					t.Fatalf("%s: --%s=%q is not a number", ex.name, a.Name, a.Value)
				}
				flags[a.Name] = n
			}
		}
	}
	age, backups, size := flags["audit-log-maxage"], flags["audit-log-maxbackup"], flags["audit-log-maxsize"]
	if age == 0 || backups == 0 || size == 0 {
		t.Fatalf("%s: the API server needs --audit-log-maxage, --audit-log-maxbackup and --audit-log-maxsize, got %v", ex.name, flags)
	}
	files := backups + 1
	hours := float64(files*size) * 1024 / (100 * 1) / 3600
	doc := strings.Join(strings.Fields(string(ex.tree["ARCHITECTURE.md"])), " ")
	for _, want := range []string{
		fmt.Sprintf("at most %d files of %d MiB (%d MiB, the live log and %d rotated ones)", files, size, files*size, backups),
		fmt.Sprintf("none kept longer than %d days, whichever limit comes first", age),
		fmt.Sprintf("At 100 audited requests a second of about 1 KiB each that is %.1f hours, not %d days", hours, age),
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("%s: ARCHITECTURE.md must state the audit retention the flags give: %q", ex.name, want)
		}
	}
	if strings.Contains(doc, "(30 days, 10 files of 100 MB)") {
		t.Errorf("%s: ARCHITECTURE.md still claims 30 days of audit log", ex.name)
	}
}
