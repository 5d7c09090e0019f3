package pipeline_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/blueprint-dev/blueprint/internal/manifest"
	"github.com/blueprint-dev/blueprint/plan"
)

// gatewayCases are the examples that publish their dashboards through a
// Gateway, and ha.hcl (which uses Ingress) switched to a Gateway, so that
// Grafana, Alertmanager and Kibana are all routed.
func gatewayCases(t *testing.T) []example {
	t.Helper()
	var out []example
	for _, ex := range examples(t) {
		if e := ex.plan.Services.Expose; e != nil && e.Gateway != "" {
			out = append(out, ex)
		}
	}
	if len(out) == 0 {
		t.Fatal("no example of blueprints/ publishes its dashboards through a Gateway")
	}
	src, err := os.ReadFile("blueprints/ha.hcl")
	if err != nil {
		t.Fatal(err)
	}
	// Envoy Gateway runs the Gateway's proxies in its own namespace.
	r := strings.NewReplacer(`ingress_class        = "nginx"`, `gateway_class        = "envoy"`,
		`controller_namespace = "ingress-nginx"`, `controller_namespace = "envoy-gateway-system"`)
	gw := r.Replace(string(src))
	if strings.Contains(gw, "ingress_class") || !strings.Contains(gw, "envoy-gateway-system") {
		t.Fatal("blueprints/ha.hcl no longer has the ingress_class and controller_namespace lines to switch to a Gateway")
	}
	return append(out, renderSpecText(t, "ha+gateway", gw))
}

// TestGateway checks the Gateway API path end to end in the built tree:
// one Gateway with an HTTPS listener per exposed host, an HTTPRoute per
// dashboard attached to the listener of its host and sending to a Service
// that exists with that port, NetworkPolicies that let a proxy in another
// namespace reach the dashboard's pods, the certificate's Secret listed
// where the Gateway can read it, and no Ingress.
func TestGateway(t *testing.T) {
	for _, ex := range gatewayCases(t) {
		t.Run(ex.name, func(t *testing.T) {
			e := ex.plan.Services.Expose
			objs := rootObjects(t, ex) // strict: Gateway and HTTPRoute decode into gateway-api's types
			var gateways []*gatewayv1.Gateway
			var routes []*gatewayv1.HTTPRoute
			services := map[string]*corev1.Service{}
			for _, o := range objs {
				switch v := o.Object.(type) {
				case *gatewayv1.Gateway:
					gateways = append(gateways, v)
				case *gatewayv1.HTTPRoute:
					routes = append(routes, v)
				case *corev1.Service:
					services[v.Namespace+"/"+v.Name] = v
				case *networkingv1.Ingress:
					t.Errorf("%s: the dashboards go through a Gateway, yet %s is rendered", ex.name, o)
				}
			}
			if len(gateways) != 1 {
				t.Fatalf("want one Gateway, got %d", len(gateways))
			}
			gw := gateways[0]
			if gw.Name != e.Gateway || gw.Namespace != e.GatewayNamespace || string(gw.Spec.GatewayClassName) != e.GatewayClass {
				t.Errorf("Gateway %s/%s of class %s; the plan says %s/%s of %s", gw.Namespace, gw.Name, gw.Spec.GatewayClassName,
					e.GatewayNamespace, e.Gateway, e.GatewayClass)
			}
			listeners := map[string]gatewayv1.Listener{}
			for _, l := range gw.Spec.Listeners {
				listeners[string(l.Name)] = l
			}
			checkListeners(t, e, listeners)
			if len(routes) != len(e.Routes)+1 {
				t.Errorf("want an HTTPRoute per exposed dashboard (%d) and the redirect, got %d", len(e.Routes), len(routes))
			}
			for _, r := range routes {
				checkRoute(t, e, gw, listeners, services, r)
			}
			for _, r := range e.Routes {
				checkProxyReaches(t, objs, e, services[r.Namespace+"/"+r.Name], r)
			}

			// The certificate lives beside the Gateway, and only there.
			var where []string
			for _, s := range ex.plan.Services.Secrets() {
				if s.Name == e.TLSSecret {
					where = append(where, s.Namespace)
				}
			}
			if !slices.Equal(where, []string{e.GatewayNamespace}) {
				t.Errorf("Secrets() lists %s in %v; the Gateway reads it from %s only", e.TLSSecret, where, e.GatewayNamespace)
			}
			ns := objectOf[*corev1.Namespace](objs, "Namespace", "", e.GatewayNamespace)
			if ns == nil || ns.Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
				t.Errorf("namespace %s must be created, with Pod Security restricted: %v", e.GatewayNamespace, ns)
			}
			comps := ex.plan.Services.Components()
			i := slices.IndexFunc(comps, func(c plan.Component) bool { return c.Dir == "gateway" })
			if i < 0 || comps[i].Wave != 1 || comps[0].Dir != "namespaces" {
				t.Errorf("the gateway folder must be installed in wave 1, after namespaces: %v", comps)
			}
		})
	}
}

// checkListeners wants the HTTP listener for the redirect and, for each
// exposed dashboard, an HTTPS listener for its host that terminates TLS
// with the spec's Secret and admits routes from the dashboard's namespace
// only.
func checkListeners(t *testing.T, e *plan.Expose, listeners map[string]gatewayv1.Listener) {
	t.Helper()
	if l, ok := listeners["http"]; !ok || l.Protocol != gatewayv1.HTTPProtocolType || l.Port != 80 || l.Hostname != nil {
		t.Errorf("want an HTTP listener on port 80 for every host, got %+v", l)
	}
	if len(listeners) != len(e.Routes)+1 {
		t.Errorf("want %d listeners, got %d", len(e.Routes)+1, len(listeners))
	}
	for _, r := range e.Routes {
		l, ok := listeners[r.Name]
		if !ok {
			t.Errorf("no listener %s for %s", r.Name, r.Host)
			continue
		}
		if l.Protocol != gatewayv1.HTTPSProtocolType || l.Port != 443 || l.Hostname == nil || string(*l.Hostname) != r.Host {
			t.Errorf("listener %s: want HTTPS on 443 for %s, got %s on %d for %v", r.Name, r.Host, l.Protocol, l.Port, l.Hostname)
		}
		tls := l.TLS
		if tls == nil || tls.Mode == nil || *tls.Mode != gatewayv1.TLSModeTerminate || len(tls.CertificateRefs) != 1 ||
			string(tls.CertificateRefs[0].Name) != e.TLSSecret || tls.CertificateRefs[0].Namespace != nil ||
			(tls.CertificateRefs[0].Kind != nil && *tls.CertificateRefs[0].Kind != "Secret") {
			t.Errorf("listener %s must terminate TLS with Secret %s of its own namespace: %+v", r.Name, e.TLSSecret, tls)
		}
		if !admits(t, l, r.Namespace) || admits(t, l, "default") {
			t.Errorf("listener %s must admit routes from namespace %s only: %+v", r.Name, r.Namespace, l.AllowedRoutes)
		}
	}
}

// admits reports whether a listener accepts routes from namespace ns, whose
// only label is the one the API server sets on every namespace.
func admits(t *testing.T, l gatewayv1.Listener, ns string) bool {
	t.Helper()
	if l.AllowedRoutes == nil || l.AllowedRoutes.Namespaces == nil || l.AllowedRoutes.Namespaces.From == nil ||
		*l.AllowedRoutes.Namespaces.From != gatewayv1.NamespacesFromSelector {
		return true // All, or Same, which the dashboards' namespaces are not
	}
	sel, err := metav1.LabelSelectorAsSelector(l.AllowedRoutes.Namespaces.Selector)
	if err != nil {
		t.Fatalf("listener %s: %v", l.Name, err)
	}
	return sel.Matches(labels.Set{corev1.LabelMetadataName: ns})
}

// checkRoute follows an HTTPRoute to its listener and to its Service.
func checkRoute(t *testing.T, e *plan.Expose, gw *gatewayv1.Gateway, listeners map[string]gatewayv1.Listener,
	services map[string]*corev1.Service, r *gatewayv1.HTTPRoute) {
	t.Helper()
	what := "HTTPRoute " + r.Namespace + "/" + r.Name
	hosts := make([]string, len(r.Spec.Hostnames))
	for i, h := range r.Spec.Hostnames {
		hosts[i] = string(h)
	}
	if len(r.Spec.ParentRefs) != 1 {
		t.Errorf("%s: want one parent, got %d", what, len(r.Spec.ParentRefs))
		return
	}
	p := r.Spec.ParentRefs[0]
	ns := r.Namespace
	if p.Namespace != nil {
		ns = string(*p.Namespace)
	}
	if (p.Kind != nil && *p.Kind != "Gateway") || (p.Group != nil && *p.Group != gatewayv1.GroupName) ||
		string(p.Name) != gw.Name || ns != gw.Namespace || p.SectionName == nil {
		t.Errorf("%s: parent %+v is not a listener of Gateway %s/%s", what, p, gw.Namespace, gw.Name)
		return
	}
	l, ok := listeners[string(*p.SectionName)]
	if !ok {
		t.Errorf("%s: the Gateway has no listener %s", what, *p.SectionName)
		return
	}
	if l.Hostname == nil { // the HTTP listener: the redirect, for every exposed host
		var all []string
		for _, x := range e.Routes {
			all = append(all, x.Host)
		}
		redirects := len(r.Spec.Rules) == 1 && len(r.Spec.Rules[0].BackendRefs) == 0 && len(r.Spec.Rules[0].Filters) == 1 &&
			r.Spec.Rules[0].Filters[0].RequestRedirect != nil && r.Spec.Rules[0].Filters[0].RequestRedirect.Scheme != nil &&
			*r.Spec.Rules[0].Filters[0].RequestRedirect.Scheme == "https"
		if r.Namespace != gw.Namespace || !slices.Equal(hosts, all) || !redirects {
			t.Errorf("%s on the HTTP listener must redirect %v to https from the Gateway's namespace: %+v", what, all, r.Spec)
		}
		return
	}
	if !slices.Equal(hosts, []string{string(*l.Hostname)}) {
		t.Errorf("%s: hostnames %v, its listener %s serves %s", what, hosts, l.Name, *l.Hostname)
	}
	if !admits(t, l, r.Namespace) {
		t.Errorf("%s: listener %s does not admit routes from %s", what, l.Name, r.Namespace)
	}
	want := e.Route(r.Name)
	if want == nil || want.Namespace != r.Namespace || want.Host != string(*l.Hostname) {
		t.Errorf("%s is not one of the plan's routes %+v", what, e.Routes)
	}
	for _, rule := range r.Spec.Rules {
		for _, b := range rule.BackendRefs {
			if (b.Kind != nil && *b.Kind != "Service") || (b.Group != nil && *b.Group != "") || b.Namespace != nil || b.Port == nil {
				t.Errorf("%s: backend %+v must be a Service of the route's namespace, with a port", what, b.BackendObjectReference)
				continue
			}
			svc := services[r.Namespace+"/"+string(b.Name)]
			if svc == nil || !slices.ContainsFunc(svc.Spec.Ports, func(sp corev1.ServicePort) bool { return sp.Port == int32(*b.Port) }) {
				t.Errorf("%s: no Service %s with port %d in the tree", what, b.Name, *b.Port)
			}
		}
	}
}

// checkProxyReaches wants the dashboard's pods to accept, on the port its
// Service sends to, connections from pods of the proxies' namespaces (the
// Gateway's, and the implementation's or ingress controller's when the spec
// names it), and from no other namespace, as the NetworkPolicies of the
// whole tree evaluate.
func checkProxyReaches(t *testing.T, objs []manifest.Object, e *plan.Expose, svc *corev1.Service, r plan.Route) {
	t.Helper()
	if svc == nil {
		t.Errorf("no Service %s/%s", r.Namespace, r.Name)
		return
	}
	var target intstr.IntOrString
	for _, sp := range svc.Spec.Ports {
		if int(sp.Port) == r.Port {
			target = sp.TargetPort
		}
	}
	var podLabels labels.Set
	port := int32(0)
	for _, o := range objs {
		tmpl, _ := manifest.PodTemplate(o.Object)
		if tmpl == nil || o.Namespace != r.Namespace || !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(tmpl.Labels)) {
			continue
		}
		podLabels = tmpl.Labels
		for _, c := range tmpl.Spec.Containers {
			for _, cp := range c.Ports {
				if (target.Type == intstr.String && cp.Name == target.StrVal) || (target.Type == intstr.Int && cp.ContainerPort == target.IntVal) {
					port = cp.ContainerPort
				}
			}
		}
	}
	if podLabels == nil || port == 0 {
		t.Errorf("%s: no pods behind Service %s/%s with its target port %s", r.Name, r.Namespace, r.Name, target.String())
		return
	}
	policies := networkPolicies(objs)
	dashboard := netPod{r.Namespace, podLabels}
	proxy := labels.Set{"app.kubernetes.io/name": "proxy"}
	if len(e.ProxyNamespaces()) == 0 {
		t.Errorf("%s: no namespace is admitted to the exposed dashboard", r.Name)
	}
	for _, ns := range e.ProxyNamespaces() {
		if !policyAllows(policies, netPod{ns, proxy}, dashboard, int(port)) {
			t.Errorf("%s: a proxy in namespace %s cannot reach port %d of its pods", r.Name, ns, port)
		}
	}
	for _, ns := range []string{"default", "tenant-a", "kube-system"} {
		if policyAllows(policies, netPod{ns, proxy}, dashboard, int(port)) {
			t.Errorf("%s: a pod of namespace %s reaches port %d of its pods; only the proxies' namespaces %v may", r.Name, ns, port, e.ProxyNamespaces())
		}
	}
}

// objectOf returns the object of a kind, namespace and name, or nil.
func objectOf[T any](objs []manifest.Object, kind, ns, name string) T {
	var zero T
	for _, o := range objs {
		if o.GVK.Kind == kind && o.Namespace == ns && o.Name == name {
			if v, ok := o.Object.(T); ok {
				return v
			}
		}
	}
	return zero
}

// TestIngressExposeRendersNoGateway checks the Ingress path: ha.hcl
// publishes through ingress_class, so its tree has an Ingress per exposed
// dashboard and no Gateway API object, folder or namespace, and each
// dashboard admits the ingress controller's namespace and no other.
func TestIngressExposeRendersNoGateway(t *testing.T) {
	var checked int
	for _, ex := range examples(t) {
		e := ex.plan.Services.Expose
		if e == nil || e.IngressClass == "" {
			continue
		}
		checked++
		ingresses := 0
		objs := rootObjects(t, ex)
		for _, r := range e.Routes {
			checkProxyReaches(t, objs, e, objectOf[*corev1.Service](objs, "Service", r.Namespace, r.Name), r)
		}
		for _, o := range objs {
			if o.GVK.Group == gatewayv1.GroupName {
				t.Errorf("%s publishes through Ingress, yet %s is rendered", ex.name, o)
			}
			if ing, ok := o.Object.(*networkingv1.Ingress); ok {
				ingresses++
				if r := e.Route(ing.Name); r == nil || ing.Namespace != r.Namespace {
					t.Errorf("%s: %s is not one of the plan's routes %+v", ex.name, o, e.Routes)
				}
			}
			if o.GVK.Kind == "Namespace" && o.Name == plan.GatewayNamespace {
				t.Errorf("%s: namespace %s is created without a Gateway", ex.name, o.Name)
			}
		}
		if ingresses != len(e.Routes) || e.Gateway != "" {
			t.Errorf("%s: want an Ingress per exposed dashboard (%d), got %d; Gateway %q", ex.name, len(e.Routes), ingresses, e.Gateway)
		}
		for _, p := range ex.tree.Paths() {
			if strings.HasPrefix(p, "manifests/gateway/") || strings.HasSuffix(p, "/httproute.yaml") {
				t.Errorf("%s: %s is rendered without a Gateway", ex.name, p)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no example of blueprints/ publishes its dashboards through Ingress")
	}
}
