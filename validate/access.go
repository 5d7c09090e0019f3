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
)

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
		v.subjects(b.Subjects(), b.NameRange, &b.DeclRange, "role binding "+b.Name)
	}
	for _, t := range v.s.Teams {
		v.objectName("team-"+t.Name+"-admin", t.NameRange, &t.DeclRange, "team")
		if len(t.Namespaces) == 0 {
			v.errorf(t.NamespacesRange, &t.DeclRange, "Team without namespaces", "Team %q is bound nowhere. Map namespaces to view, edit or admin: namespaces = { kafka = \"edit\" }.", t.Name)
		}
		for _, ns := range slices.Sorted(maps.Keys(t.Namespaces)) {
			v.namespaceRef(ns, t.NamespacesRange, &t.DeclRange)
			v.oneOf(t.Namespaces[ns], builtinRoles, t.NamespacesRange, &t.DeclRange, "team role")
		}
		v.subjects(t.Subjects(), t.NameRange, &t.DeclRange, "team "+t.Name)
	}
	for _, b := range v.s.BreakGlass {
		v.objectName("break-glass-"+b.Name, b.NameRange, &b.DeclRange, "break_glass")
		if strings.TrimSpace(b.Reason) == "" {
			v.errorf(b.ReasonRange, &b.DeclRange, "Break-glass without a reason", "Say who may use this cluster-admin binding and when; the reason is written next to it.")
		}
		v.subjects(b.Subjects(), b.NameRange, &b.DeclRange, "break_glass "+b.Name)
	}
}

func (v *validator) rule(r *spec.RBACRole, rule *spec.RoleRule) {
	ctx := &rule.DeclRange
	for _, g := range rule.APIGroups {
		if g == "*" {
			v.errorf(rule.APIGroupsRange, ctx, "Wildcard API group", "Role %q: \"*\" grants every API group, present and future. Name the groups, such as \"\" (core) or \"apps\".", r.Name)
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
		case res == "*" || strings.HasSuffix(res, "/*"):
			v.errorf(rule.ResourcesRange, ctx, "Wildcard resource", "Role %q: %q grants every resource, present and future. Name the resources.", r.Name, res)
		case contains(dangerRes, res):
			v.errorf(rule.ResourcesRange, ctx, "Resource that bypasses authorization", "Role %q: %q lets its holder reach the kubelet API of every node, which bypasses audit and admission. Grant it to nobody.", r.Name, res)
		case res == "":
			v.errorf(rule.ResourcesRange, ctx, "Empty resource name", "Role %q: a resource name is empty.", r.Name)
		}
	}
	reader := true
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
	if reader && containsAny(rule.Resources, secretsRes) {
		v.errorf(rule.ResourcesRange, ctx, "Read-only role that reads secrets",
			"Role %q only reads, yet it reads secrets, which hold credentials: reading them is as good as holding them. Drop \"secrets\", or grant the one secret the holder needs in a separate role.", r.Name)
	}
}

func containsAny(list, wanted []string) bool {
	for _, w := range wanted {
		if contains(list, w) {
			return true
		}
	}
	return false
}

// subjects checks who a binding names.
func (v *validator) subjects(s spec.Subjects, name hcl.Range, ctx *hcl.Range, what string) {
	if s.Empty() {
		v.errorf(name, ctx, "Binding without subjects", "%s names nobody. Add users, groups or service_accounts.", what)
	}
	for _, u := range s.Users {
		v.subjectName(u, s.UsersRange, ctx, what)
	}
	for _, g := range s.Groups {
		v.subjectName(g, s.GroupsRange, ctx, what)
		if g == "system:masters" || g == "system:authenticated" || g == "system:unauthenticated" {
			v.errorf(s.GroupsRange, ctx, "Binding to a system group", "%s names group %q: every member of it would hold the grant, which is never least privilege.", what, g)
		}
	}
	for _, sa := range s.ServiceAccounts {
		ns, name, ok := strings.Cut(sa, "/")
		if !ok {
			name = ns
		} else if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
			v.errorf(s.ServiceAccountsRange, ctx, "Invalid service account", "%s: service account %q: namespace %s.", what, sa, strings.Join(errs, "; "))
		}
		if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
			v.errorf(s.ServiceAccountsRange, ctx, "Invalid service account", "%s: service account %q should be \"name\" (in the binding's namespace) or \"namespace/name\": %s.", what, sa, strings.Join(errs, "; "))
		}
	}
}

func (v *validator) subjectName(n string, rng hcl.Range, ctx *hcl.Range, what string) {
	if strings.TrimSpace(n) == "" || len(n) > 253 {
		v.errorf(rng, ctx, "Invalid subject name", "%s: subject %q must be a non-empty name of at most 253 characters.", what, n)
	}
	if strings.HasPrefix(n, systemSubject+"serviceaccount:") {
		v.errorf(rng, ctx, "Service account written as a user", "%s: %q is a service account; list it in service_accounts as \"namespace/name\".", what, n)
	}
}
