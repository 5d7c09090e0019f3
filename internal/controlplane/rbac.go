package controlplane

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	authzv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// UnboundNamespace is where the RBAC check asks whether a subject of a
// RoleBinding can do what the binding grants, expecting no. No manifest may
// use it.
const UnboundNamespace = "blueprint-rbac-unbound"

// RBACReport is what CheckRBAC found.
type RBACReport struct {
	Subjects int      // distinct binding subjects checked
	Yes, No  int      // checks whose expected answer the authorizer gave
	Failures []string // each check it answered otherwise, and each policy breach
	// Accepted lists impersonation of ServiceAccounts within a namespace by
	// a subject that can create pods there, as the built-in edit and admin
	// roles allow: a pod can run as any ServiceAccount of its namespace, so
	// this grants nothing more. Counted among Yes.
	Accepted []string
}

// CheckRBAC proves, with one SubjectAccessReview per question asked of the
// API server's real authorizer, what the bindings among objs (which must be
// applied for real first) grant their subjects:
//
//   - yes: every verb × API group × resource (× resourceName) of every rule
//     of the bound role, in the binding's namespace (cluster-wide for a
//     ClusterRoleBinding), and every non-resource URL of a ClusterRole;
//   - no, unless some binding in the cluster grants it: the same requests
//     in a namespace the subject is not bound in (RoleBindings), get
//     secrets, and delete on each resource the role names;
//   - no, unless the subject is bound to cluster-admin: escalate and bind
//     on roles, impersonate on users, groups and service accounts, in the
//     binding's namespace (cluster-wide for a ClusterRoleBinding). A subject
//     that can do these otherwise is reported as a policy breach, with one
//     exception (see RBACReport.Accepted): impersonating the ServiceAccounts
//     of a namespace it may create pods in, as Kubernetes' own edit and
//     admin roles allow.
//
// The expected answers come from an evaluation of the cluster's RBAC
// objects (the tree's and Kubernetes' own) apart from the API server, so a
// check fails when the authorizer and the rules as written disagree.
func (c *Client) CheckRBAC(ctx context.Context, objs []Object) (RBACReport, error) {
	var rep RBACReport
	if err := c.waitAggregated(ctx, objs, 30*time.Second); err != nil {
		return rep, err
	}
	m, err := c.loadRBAC(ctx)
	if err != nil {
		return rep, err
	}

	var checks []accessCheck
	seen := map[string]int{} // key → index in checks
	add := func(ch accessCheck) {
		k := ch.key()
		if i, ok := seen[k]; ok { // one question, asked for more than one reason
			checks[i].mustAllow = checks[i].mustAllow || ch.mustAllow
			checks[i].privileged = checks[i].privileged || ch.privileged
			return
		}
		seen[k] = len(checks)
		ch.want = m.allows(ch.id, ch.attrs)
		checks = append(checks, ch)
	}
	subjects := map[string]bool{}
	for _, o := range objs {
		var b rbacv1.RoleBinding // a ClusterRoleBinding decodes into the same shape
		switch o.GroupKind() {
		case "RoleBinding.rbac.authorization.k8s.io", "ClusterRoleBinding.rbac.authorization.k8s.io":
			if err := o.Into(&b); err != nil {
				return rep, fmt.Errorf("%s: %w", o, err)
			}
		default:
			continue
		}
		cluster := o.Kind() == "ClusterRoleBinding"
		scope := b.Namespace
		if cluster {
			scope = ""
		}
		rules := m.roleRules(b.RoleRef, b.Namespace)
		for _, s := range b.Subjects {
			id := identityOf(s, b.Namespace)
			subjects[id.String()] = true
			from := fmt.Sprintf("%s → %s %s", o, b.RoleRef.Kind, b.RoleRef.Name)
			for _, r := range rules {
				for _, a := range ruleRequests(r, scope, cluster) {
					add(accessCheck{id: id, attrs: a, from: from, mustAllow: true})
					if !cluster && a.res != nil {
						elsewhere := *a.res
						elsewhere.Namespace = UnboundNamespace
						add(accessCheck{id: id, attrs: attrs{res: &elsewhere}, from: from + ", outside its namespace"})
					}
					if a.res != nil && a.res.Verb != "delete" {
						del := *a.res
						del.Verb, del.Name = "delete", ""
						add(accessCheck{id: id, attrs: attrs{res: &del}, from: from})
					}
				}
			}
			add(accessCheck{id: id, attrs: attrs{res: &authzv1.ResourceAttributes{Namespace: scope, Verb: "get", Resource: "secrets"}}, from: from})
			for _, p := range []struct{ verb, group, resource string }{
				{"escalate", rbacv1.GroupName, "roles"}, {"escalate", rbacv1.GroupName, "clusterroles"},
				{"bind", rbacv1.GroupName, "roles"}, {"bind", rbacv1.GroupName, "clusterroles"},
				{"impersonate", "", "users"}, {"impersonate", "", "groups"}, {"impersonate", "", "serviceaccounts"},
			} {
				add(accessCheck{id: id, attrs: attrs{res: &authzv1.ResourceAttributes{Namespace: scope, Verb: p.verb, Group: p.group, Resource: p.resource}},
					from: from, privileged: true})
			}
		}
	}
	rep.Subjects = len(subjects)

	results := make([]bool, len(checks))
	errs := make([]error, len(checks))
	var wg sync.WaitGroup
	work := make(chan int)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				results[i], errs[i] = c.accessReview(ctx, checks[i])
			}
		}()
	}
	for i := range checks {
		work <- i
	}
	close(work)
	wg.Wait()

	for i, ch := range checks {
		if errs[i] != nil {
			return rep, fmt.Errorf("asking %s: %w", ch, errs[i])
		}
		got := results[i]
		switch {
		case ch.mustAllow && !ch.want:
			rep.Failures = append(rep.Failures, fmt.Sprintf("%s: the rules do not allow what the role lists (%s); this is a bug in the check", ch, ch.from))
		case got != ch.want:
			rep.Failures = append(rep.Failures, fmt.Sprintf("%s: the authorizer says %s, the rules say %s (%s)", ch, yesNo(got), yesNo(ch.want), ch.from))
		case ch.privileged && got && !m.clusterAdmin(ch.id) && m.podCreatorImpersonating(ch):
			rep.Yes++
			rep.Accepted = append(rep.Accepted, fmt.Sprintf("%s: yes, accepted: it can create pods in %s, which already lets it act as any ServiceAccount there (%s)",
				ch, ch.attrs.res.Namespace, ch.from))
		case ch.privileged && got && !m.clusterAdmin(ch.id):
			rep.Failures = append(rep.Failures, fmt.Sprintf("%s: yes, but only a cluster-admin break-glass binding may grant %s (%s)", ch, ch.attrs.res.Verb, ch.from))
		case got:
			rep.Yes++
		default:
			rep.No++
		}
	}
	sort.Strings(rep.Failures)
	return rep, nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// identity is who a request comes from.
type identity struct {
	kind, name string // the binding subject, for messages
	user       string
	groups     []string
}

func (id identity) String() string { return id.kind + " " + id.name }

func identityOf(s rbacv1.Subject, bindingNS string) identity {
	switch s.Kind {
	case rbacv1.ServiceAccountKind:
		ns := s.Namespace
		if ns == "" {
			ns = bindingNS
		}
		return identity{kind: s.Kind, name: ns + "/" + s.Name, user: "system:serviceaccount:" + ns + ":" + s.Name,
			groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"}}
	case rbacv1.GroupKind:
		return identity{kind: s.Kind, name: s.Name, user: "blueprint:member-of:" + s.Name, groups: []string{s.Name, "system:authenticated"}}
	default:
		return identity{kind: s.Kind, name: s.Name, user: s.Name, groups: []string{"system:authenticated"}}
	}
}

// attrs is one request: on a resource or on a non-resource URL.
type attrs struct {
	res    *authzv1.ResourceAttributes
	nonRes *authzv1.NonResourceAttributes
}

type accessCheck struct {
	id         identity
	attrs      attrs
	from       string // the binding that prompted the question
	want       bool
	mustAllow  bool // asked because a rule grants it
	privileged bool // escalate, bind or impersonate
}

func (ch accessCheck) key() string {
	b, _ := json.Marshal([]any{ch.id.user, ch.id.groups, ch.attrs.res, ch.attrs.nonRes})
	return string(b)
}

// String reads like the kubectl command that asks the same question.
func (ch accessCheck) String() string {
	as := "--as=" + ch.id.user
	for _, g := range ch.id.groups {
		if g != "system:authenticated" && !strings.HasPrefix(g, "system:serviceaccounts") {
			as += " --as-group=" + g
		}
	}
	if a := ch.attrs.nonRes; a != nil {
		return fmt.Sprintf("can-i %s %s %s", a.Verb, a.Path, as)
	}
	a := ch.attrs.res
	res := a.Resource
	if a.Subresource != "" {
		res += "/" + a.Subresource
	}
	if a.Group != "" {
		res += "." + a.Group
	}
	if a.Name != "" {
		res += "/" + a.Name
	}
	scope := "-A"
	if a.Namespace != "" {
		scope = "-n " + a.Namespace
	}
	return fmt.Sprintf("can-i %s %s %s %s", a.Verb, res, scope, as)
}

func (c *Client) accessReview(ctx context.Context, ch accessCheck) (bool, error) {
	sar := authzv1.SubjectAccessReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "authorization.k8s.io/v1", Kind: "SubjectAccessReview"},
		Spec: authzv1.SubjectAccessReviewSpec{
			User: ch.id.user, Groups: ch.id.groups,
			ResourceAttributes: ch.attrs.res, NonResourceAttributes: ch.attrs.nonRes,
		},
	}
	var out authzv1.SubjectAccessReview
	if err := c.Post(ctx, "/apis/authorization.k8s.io/v1/subjectaccessreviews", sar, &out); err != nil {
		return false, err
	}
	return out.Status.Allowed, nil
}

// ruleRequests lists the requests a rule grants, in scope (a namespace, or
// "" for cluster-wide). Non-resource URLs count only in ClusterRoles bound
// cluster-wide; the RBAC authorizer ignores them elsewhere.
func ruleRequests(r rbacv1.PolicyRule, scope string, cluster bool) []attrs {
	var out []attrs
	for _, verb := range r.Verbs {
		if cluster {
			for _, u := range r.NonResourceURLs {
				path := u
				if strings.HasSuffix(path, "*") && path != "*" {
					path = strings.TrimSuffix(path, "*") + "blueprint-check"
				}
				out = append(out, attrs{nonRes: &authzv1.NonResourceAttributes{Verb: verb, Path: path}})
			}
		}
		names := r.ResourceNames
		if len(names) == 0 {
			names = []string{""}
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				resource, sub, _ := strings.Cut(res, "/")
				for _, name := range names {
					out = append(out, attrs{res: &authzv1.ResourceAttributes{
						Namespace: scope, Verb: verb, Group: g, Resource: resource, Subresource: sub, Name: name}})
				}
			}
		}
	}
	return out
}

// rbacModel is the cluster's RBAC objects, evaluated as the RBAC authorizer
// does, but written apart from it.
type rbacModel struct {
	clusterRoles map[string][]rbacv1.PolicyRule
	roles        map[string][]rbacv1.PolicyRule // namespace/name
	crbs         []rbacv1.ClusterRoleBinding
	rbs          []rbacv1.RoleBinding
}

func (c *Client) loadRBAC(ctx context.Context) (*rbacModel, error) {
	m := &rbacModel{clusterRoles: map[string][]rbacv1.PolicyRule{}, roles: map[string][]rbacv1.PolicyRule{}}
	var crs []rbacv1.ClusterRole
	var rs []rbacv1.Role
	for _, l := range []struct {
		kind  string
		items any
	}{{"ClusterRole", &crs}, {"Role", &rs}, {"ClusterRoleBinding", &m.crbs}, {"RoleBinding", &m.rbs}} {
		if err := c.List(ctx, "rbac.authorization.k8s.io/v1", l.kind, "", "", l.items); err != nil {
			return nil, err
		}
	}
	for _, r := range crs {
		m.clusterRoles[r.Name] = r.Rules
	}
	for _, r := range rs {
		m.roles[r.Namespace+"/"+r.Name] = r.Rules
	}
	return m, nil
}

func (m *rbacModel) roleRules(ref rbacv1.RoleRef, ns string) []rbacv1.PolicyRule {
	if ref.Kind == "Role" {
		return m.roles[ns+"/"+ref.Name]
	}
	return m.clusterRoles[ref.Name]
}

func (m *rbacModel) allows(id identity, a attrs) bool {
	for _, b := range m.crbs {
		if appliesTo(id, b.Subjects, "") && rulesAllow(m.roleRules(b.RoleRef, ""), a) {
			return true
		}
	}
	if a.res == nil || a.res.Namespace == "" {
		return false
	}
	for _, b := range m.rbs {
		if b.Namespace == a.res.Namespace && appliesTo(id, b.Subjects, b.Namespace) && rulesAllow(m.roleRules(b.RoleRef, b.Namespace), a) {
			return true
		}
	}
	return false
}

// podCreatorImpersonating reports whether ch asks about impersonating
// ServiceAccounts in one namespace, by a subject that may create pods there.
func (m *rbacModel) podCreatorImpersonating(ch accessCheck) bool {
	a := ch.attrs.res
	if a == nil || a.Verb != "impersonate" || a.Group != "" || a.Resource != "serviceaccounts" || a.Namespace == "" {
		return false
	}
	return m.allows(ch.id, attrs{res: &authzv1.ResourceAttributes{Namespace: a.Namespace, Verb: "create", Resource: "pods"}})
}

// clusterAdmin reports whether id is bound cluster-wide to cluster-admin.
func (m *rbacModel) clusterAdmin(id identity) bool {
	for _, b := range m.crbs {
		if b.RoleRef.Kind == "ClusterRole" && b.RoleRef.Name == "cluster-admin" && appliesTo(id, b.Subjects, "") {
			return true
		}
	}
	return false
}

func appliesTo(id identity, subjects []rbacv1.Subject, ns string) bool {
	for _, s := range subjects {
		switch s.Kind {
		case rbacv1.UserKind:
			if s.Name == id.user {
				return true
			}
		case rbacv1.GroupKind:
			for _, g := range id.groups {
				if g == s.Name {
					return true
				}
			}
		case rbacv1.ServiceAccountKind:
			sns := s.Namespace
			if sns == "" {
				sns = ns
			}
			if id.user == "system:serviceaccount:"+sns+":"+s.Name {
				return true
			}
		}
	}
	return false
}

func rulesAllow(rules []rbacv1.PolicyRule, a attrs) bool {
	for _, r := range rules {
		if ruleAllows(r, a) {
			return true
		}
	}
	return false
}

func has(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func ruleAllows(r rbacv1.PolicyRule, a attrs) bool {
	if a.nonRes != nil {
		if !has(r.Verbs, a.nonRes.Verb) && !has(r.Verbs, rbacv1.VerbAll) {
			return false
		}
		for _, u := range r.NonResourceURLs {
			if u == rbacv1.NonResourceAll || u == a.nonRes.Path ||
				strings.HasSuffix(u, "*") && strings.HasPrefix(a.nonRes.Path, strings.TrimSuffix(u, "*")) {
				return true
			}
		}
		return false
	}
	q := a.res
	if !has(r.Verbs, q.Verb) && !has(r.Verbs, rbacv1.VerbAll) {
		return false
	}
	if !has(r.APIGroups, q.Group) && !has(r.APIGroups, rbacv1.APIGroupAll) {
		return false
	}
	combined := q.Resource
	if q.Subresource != "" {
		combined += "/" + q.Subresource
	}
	if !has(r.Resources, combined) && !has(r.Resources, rbacv1.ResourceAll) &&
		(q.Subresource == "" || !has(r.Resources, "*/"+q.Subresource)) {
		return false
	}
	return len(r.ResourceNames) == 0 || has(r.ResourceNames, q.Name)
}

// waitAggregated waits until the controller manager has filled in every
// aggregated ClusterRole among objs with the rules of the roles it selects.
func (c *Client) waitAggregated(ctx context.Context, objs []Object, timeout time.Duration) error {
	var aggregated []string
	for _, o := range objs {
		if o.GroupKind() == "ClusterRole.rbac.authorization.k8s.io" {
			if _, ok := o["aggregationRule"]; ok {
				aggregated = append(aggregated, o.Name())
			}
		}
	}
	deadline := time.Now().Add(timeout)
	for _, name := range aggregated {
		for {
			var crs []rbacv1.ClusterRole
			if err := c.List(ctx, "rbac.authorization.k8s.io/v1", "ClusterRole", "", "", &crs); err != nil {
				return err
			}
			missing := aggregationMissing(name, crs)
			if missing == 0 {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("ClusterRole %s still lacks %d aggregated rules after %s (is kube-controller-manager running?)", name, missing, timeout)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	return nil
}

func aggregationMissing(name string, crs []rbacv1.ClusterRole) int {
	var target *rbacv1.ClusterRole
	for i := range crs {
		if crs[i].Name == name {
			target = &crs[i]
		}
	}
	if target == nil || target.AggregationRule == nil {
		return 0
	}
	have := map[string]bool{}
	for _, r := range target.Rules {
		b, _ := json.Marshal(r)
		have[string(b)] = true
	}
	missing := 0
	for _, cr := range crs {
		if cr.Name == name || !selectedBy(cr.Labels, target.AggregationRule.ClusterRoleSelectors) {
			continue
		}
		for _, r := range cr.Rules {
			b, _ := json.Marshal(r)
			if !have[string(b)] {
				missing++
			}
		}
	}
	return missing
}

func selectedBy(labels map[string]string, selectors []metav1.LabelSelector) bool {
	for _, s := range selectors {
		sel, err := metav1.LabelSelectorAsSelector(&s)
		if err == nil && sel.Matches(labelSet(labels)) {
			return true
		}
	}
	return false
}
