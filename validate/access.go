package validate

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/blueprint-dev/blueprint/spec"
)

// Least privilege: what a role written in the spec may grant.
var (
	ruleVerbs     = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}
	readVerbs     = []string{"get", "list", "watch"}
	dangerVerbs   = []string{"escalate", "bind", "impersonate"}
	builtinRoles  = []string{"view", "edit", "admin"}
	dangerRes     = []string{"nodes/proxy"}
	secretsRes    = []string{"secrets"}
	systemSubject = "system:"
	// systemNamespaces hold the cluster's own components and the data new
	// nodes trust when they join (kube-public's cluster-info): nobody
	// writes there but the control plane.
	systemNamespaces = []string{"kube-system", "kube-public", "kube-node-lease"}
)

// systemIdentities say who holds each identity Kubernetes reserves; a name
// with the system: prefix that is not listed is one of the cluster's own
// components all the same.
var systemIdentities = map[string]string{
	"system:anonymous":               "every request without credentials, from anyone who can reach the API server",
	"system:unauthenticated":         "every request without credentials, from anyone who can reach the API server",
	"system:authenticated":           "every user and every service account with any valid credential",
	"system:serviceaccounts":         "every service account of every namespace",
	"system:masters":                 "the cluster's superusers, who bypass RBAC altogether",
	"system:nodes":                   "every kubelet, so any node taken over would hold it",
	"system:bootstrappers":           "whoever holds a bootstrap token",
	"system:kube-scheduler":          "the scheduler",
	"system:kube-controller-manager": "the controller-manager",
	"system:kube-proxy":              "kube-proxy on every node",
}

// systemHolder says who holds a reserved user or group name, or "" when
// the name is not reserved. Kubernetes compares names exactly, so
// " System:Masters" is not system:masters; it is refused all the same,
// because a reviewer reads it as the reserved one and it names nobody the
// writer can have meant.
func systemHolder(name string) string {
	n := strings.ToLower(strings.TrimSpace(name))
	if !strings.HasPrefix(n, systemSubject) {
		return ""
	}
	if who, ok := systemIdentities[n]; ok {
		return who
	}
	for _, p := range [][2]string{
		{"system:serviceaccounts:", "every service account of namespace %s"},
		{"system:bootstrappers:", "whoever holds a bootstrap token of group %s"},
		{"system:node:", "the kubelet of node %s"},
	} {
		if rest, ok := strings.CutPrefix(n, p[0]); ok {
			return fmt.Sprintf(p[1], rest)
		}
	}
	return "one of the cluster's own components (Kubernetes reserves the system: prefix for them)"
}

// access checks roles, role bindings, teams and break-glass blocks against
// the least-privilege rules. The only way to cluster-admin is a declared
// break_glass block.
func (v *validator) access() {
	roles := map[string]bool{}
	for _, r := range v.s.Roles {
		key := r.Namespace + "/" + r.Name
		if roles[key] {
			v.errorf(r.NameRange, &r.DeclRange, "Duplicate role", "Role %q is declared twice in namespace %q.", r.Name, r.Namespace)
		}
		roles[key] = true
		v.objectName(r.Name, r.NameRange, &r.DeclRange, "role")
		v.namespaceRef(r.Namespace, r.NamespaceRange, &r.DeclRange)
		if len(r.Rules) == 0 {
			v.errorf(r.NameRange, &r.DeclRange, "Role without rules", "Role %q grants nothing. Add a rule block with api_groups, resources and verbs.", r.Name)
		}
		for _, rule := range r.Rules {
			v.rule(r, rule)
		}
	}
	bindings := map[string]bool{}
	for _, b := range v.s.RoleBindings {
		key := b.Namespace + "/" + b.Name
		if bindings[key] {
			v.errorf(b.NameRange, &b.DeclRange, "Duplicate role binding", "Role binding %q is declared twice in namespace %q.", b.Name, b.Namespace)
		}
		bindings[key] = true
		v.objectName(b.Name, b.NameRange, &b.DeclRange, "role binding")
		v.namespaceRef(b.Namespace, b.NamespaceRange, &b.DeclRange)
		switch {
		case b.Role == "cluster-admin":
			v.errorf(b.RoleRange, &b.DeclRange, "cluster-admin outside break-glass",
				"Binding %q grants cluster-admin. Least privilege allows that only through a break_glass block, which records why:\n\n  break_glass \"oncall\" {\n    groups = [\"sre-oncall\"]\n    reason = \"…\"\n  }", b.Name)
		case contains(systemNamespaces, b.Namespace) && (b.Role == "edit" || b.Role == "admin"):
			v.errorf(b.RoleRange, &b.DeclRange, "Write access in a system namespace",
				"Binding %q grants %q in %s, where the cluster's own components and their credentials live: whoever holds it can take over the control plane. Grant \"view\" there, or run what needs writing in a namespace of its own.", b.Name, b.Role, b.Namespace)
		case roles[b.Namespace+"/"+b.Role] || contains(builtinRoles, b.Role):
		default:
			known := append([]string{}, builtinRoles...)
			for _, r := range v.s.Roles {
				if r.Namespace == b.Namespace {
					known = append(known, r.Name)
				}
			}
			detail := fmt.Sprintf("Binding %q names role %q, which is neither a role of this spec in namespace %q nor a built-in role (%s).", b.Name, b.Role, b.Namespace, quoteList(known))
			v.errorf(b.RoleRange, &b.DeclRange, "Unknown role", "%s", detail+didYouMean(b.Role, known))
		}
		v.subjects(b.Subjects(), []string{b.Namespace}, b.NameRange, &b.DeclRange, "role binding "+b.Name)
	}
	for _, t := range v.s.Teams {
		v.objectName("team-"+t.Name+"-admin", t.NameRange, &t.DeclRange, "team")
		if len(t.Namespaces) == 0 {
			v.errorf(t.NamespacesRange, &t.DeclRange, "Team without namespaces", "Team %q is bound nowhere. Map namespaces to view, edit or admin: namespaces = { kafka = \"edit\" }.", t.Name)
		}
		for _, ns := range slices.Sorted(maps.Keys(t.Namespaces)) {
			v.namespaceRef(ns, t.NamespacesRange, &t.DeclRange)
			if v.oneOf(t.Namespaces[ns], builtinRoles, t.NamespacesRange, &t.DeclRange, "team role") && contains(systemNamespaces, ns) && t.Namespaces[ns] != "view" {
				v.errorf(t.NamespacesRange, &t.DeclRange, "Write access in a system namespace",
					"Team %q gets %q in %s, where the cluster's own components and their credentials live: whoever holds it can take over the control plane. Grant \"view\" there.", t.Name, t.Namespaces[ns], ns)
			}
		}
		v.subjects(t.Subjects(), slices.Sorted(maps.Keys(t.Namespaces)), t.NameRange, &t.DeclRange, "team "+t.Name)
	}
	for _, b := range v.s.BreakGlass {
		v.objectName("break-glass-"+b.Name, b.NameRange, &b.DeclRange, "break_glass")
		if strings.TrimSpace(b.Reason) == "" {
			v.errorf(b.ReasonRange, &b.DeclRange, "Break-glass without a reason", "Say who may use this cluster-admin binding and when; the reason is written next to it.")
		}
		v.subjects(b.Subjects(), []string{"default"}, b.NameRange, &b.DeclRange, "break_glass "+b.Name)
	}
}

func (v *validator) rule(r *spec.RBACRole, rule *spec.RoleRule) {
	ctx := &rule.DeclRange
	for _, g := range rule.APIGroups {
		switch {
		case strings.Contains(g, "*"):
			v.errorf(rule.APIGroupsRange, ctx, "Wildcard API group", "Role %q: %q grants every API group it matches, present and future. Name the groups, such as \"\" (core) or \"apps\".", r.Name, g)
		case g != "" && len(validation.IsDNS1123Subdomain(g)) > 0:
			v.errorf(rule.APIGroupsRange, ctx, "Invalid API group", "Role %q: %q is not an API group name; groups are \"\" (core) or lower-case DNS names such as \"apps\" or \"batch\".", r.Name, g)
		}
	}
	if len(rule.Resources) == 0 {
		v.errorf(rule.ResourcesRange, ctx, "Rule without resources", "Role %q: name the resources this rule grants, such as [\"pods\"].", r.Name)
	}
	if len(rule.Verbs) == 0 {
		v.errorf(rule.VerbsRange, ctx, "Rule without verbs", "Role %q: name the verbs this rule grants, such as [\"get\", \"list\", \"watch\"].", r.Name)
	}
	for _, res := range rule.Resources {
		switch {
		case strings.Contains(res, "*"):
			v.errorf(rule.ResourcesRange, ctx, "Wildcard resource", "Role %q: %q grants every resource or subresource it matches, present and future (\"*/exec\" is exec into every kind that has it). Name the resources, such as \"pods\" or \"pods/log\".", r.Name, res)
		case contains(dangerRes, res):
			v.errorf(rule.ResourcesRange, ctx, "Resource that bypasses authorization", "Role %q: %q lets its holder reach the kubelet API of every node, which bypasses audit and admission. Grant it to nobody.", r.Name, res)
		case res == "":
			v.errorf(rule.ResourcesRange, ctx, "Empty resource name", "Role %q: a resource name is empty.", r.Name)
		case !resourceName(res):
			v.errorf(rule.ResourcesRange, ctx, "Invalid resource name", "Role %q: %q is not a resource: RBAC matches names exactly, so it grants nothing, and it hides what the rule means from a reviewer. Write lower-case plural names, with a subresource after a slash, such as \"deployments\" or \"pods/log\".", r.Name, res)
		}
	}
	reader := true
	system := contains(systemNamespaces, r.Namespace)
	for _, verb := range rule.Verbs {
		switch {
		case verb == "*":
			v.errorf(rule.VerbsRange, ctx, "Wildcard verb", "Role %q: \"*\" grants every verb, including escalate, bind and impersonate. List the verbs: %s.", r.Name, quoteList(ruleVerbs))
		case contains(dangerVerbs, verb):
			v.errorf(rule.VerbsRange, ctx, "Privilege-escalating verb", "Role %q: %q lets its holder gain permissions it was not given. Least privilege forbids escalate, bind and impersonate; use a break_glass block for emergencies.", r.Name, verb)
		default:
			v.oneOf(verb, ruleVerbs, rule.VerbsRange, ctx, "verb")
		}
		if !contains(readVerbs, verb) {
			reader = false
		}
	}
	if system && !reader {
		v.errorf(rule.VerbsRange, ctx, "Write access in a system namespace",
			"Role %q writes in %s, where the cluster's own components and their credentials live: whoever holds it can take over the control plane. Keep roles there to get, list and watch.", r.Name, r.Namespace)
	}
	if reader && containsAny(rule.Resources, secretsRes) {
		v.errorf(rule.ResourcesRange, ctx, "Read-only role that reads secrets",
			"Role %q only reads, yet it reads secrets, which hold credentials: reading them is as good as holding them. Drop \"secrets\", or grant the one secret the holder needs in a separate role.", r.Name)
	}
}

// resourceName reports whether res is a resource, optionally with a
// subresource: lower-case DNS labels, such as "pods" or "pods/log".
func resourceName(res string) bool {
	name, sub, hasSub := strings.Cut(res, "/")
	return len(validation.IsDNS1123Label(name)) == 0 && (!hasSub || len(validation.IsDNS1123Label(sub)) == 0)
}

func containsAny(list, wanted []string) bool {
	for _, w := range wanted {
		if contains(list, w) {
			return true
		}
	}
	return false
}

// subjects checks who a binding names; a service account written without
// a namespace is in each of the implied ones.
func (v *validator) subjects(s spec.Subjects, implied []string, name hcl.Range, ctx *hcl.Range, what string) {
	if s.Empty() {
		v.errorf(name, ctx, "Binding without subjects", "%s names nobody. Add users, groups or service_accounts.", what)
	}
	for _, u := range s.Users {
		v.subjectName(u, "user", s.UsersRange, ctx, what)
	}
	for _, g := range s.Groups {
		v.subjectName(g, "group", s.GroupsRange, ctx, what)
	}
	for _, sa := range s.ServiceAccounts {
		ns, name, ok := strings.Cut(sa, "/")
		if !ok {
			name = ns
		} else if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
			v.errorf(s.ServiceAccountsRange, ctx, "Invalid service account", "%s: service account %q: namespace %s.", what, sa, strings.Join(errs, "; "))
		}
		in := implied
		if ok {
			in = []string{ns}
		}
		for _, n := range in {
			if contains(systemNamespaces, n) {
				v.errorf(s.ServiceAccountsRange, ctx, "System identity as a subject", "%s: service account %q lives in %s, where the cluster's own components run: granting to it widens what they may do. Create a service account in a namespace of your own.", what, name, n)
				break
			}
		}
		if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
			v.errorf(s.ServiceAccountsRange, ctx, "Invalid service account", "%s: service account %q should be \"name\" (in the binding's namespace) or \"namespace/name\": %s.", what, sa, strings.Join(errs, "; "))
		}
	}
}

func (v *validator) subjectName(n, kind string, rng hcl.Range, ctx *hcl.Range, what string) {
	switch {
	case strings.TrimSpace(n) == "" || len(n) > 253:
		v.errorf(rng, ctx, "Invalid subject name", "%s: %s %q must be a non-empty name of at most 253 characters.", what, kind, n)
	case strings.TrimSpace(n) != n:
		v.errorf(rng, ctx, "Invalid subject name", "%s: %s %q starts or ends with white space. Kubernetes compares names exactly, so it names someone other than %q: remove the spaces.", what, kind, n, strings.TrimSpace(n))
	}
	switch who := systemHolder(n); {
	case strings.HasPrefix(n, systemSubject+"serviceaccount:"):
		v.errorf(rng, ctx, "Service account written as a user", "%s: %q is a service account; list it in service_accounts as \"namespace/name\".", what, n)
	case who == "":
	case n != strings.ToLower(strings.TrimSpace(n)) || strings.TrimSpace(n) != n:
		v.errorf(rng, ctx, "System identity as a subject", "%s: %s %q reads as %q, which is %s. Kubernetes compares names exactly, so this one grants nobody the writer can have meant. Name the people or the group from your identity provider.", what, kind, n, strings.ToLower(strings.TrimSpace(n)), who)
	default:
		v.errorf(rng, ctx, "System identity as a subject", "%s: %s %q is %s: every holder of it would get the grant, which is never least privilege. Name the people or the group from your identity provider.", what, kind, n, who)
	}
}
