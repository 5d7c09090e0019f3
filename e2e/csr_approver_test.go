package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"flag"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
	"github.com/blueprint-dev/blueprint/plan"
)

// TestCSRApprover checks kubelet-csr-approver as blueprints/ha.hcl renders
// it, on the real API server, with real kubelet-serving CSRs created as the
// nodes that would send them.
//
// The approver itself (github.com/postfinance/kubelet-csr-approver v1.2.14)
// cannot be built here: the Go module proxy this project may use refuses
// that module. So the test takes the approver's decision with a model of
// its checks, written from its source at v1.2.14
// (internal/controller/csr_controller.go, regex_ip_checks.go) and fed with
// the rendered arguments parsed by a copy of its flag set
// (internal/cmd/cmd.go), and then makes every API request the approver
// makes, as its ServiceAccount, with the rendered RBAC: list, watch and get
// the CSRs, update their approval (approve or deny), its leader-election
// Lease and events. Requests for this design's nodes and addresses are
// approved; one for a foreign node name and one for a foreign address are
// denied; and the ServiceAccount can approve nothing for another signer.
func TestCSRApprover(t *testing.T) {
	opts := need(t, controlplane.Options{})
	var r rendered
	for _, x := range renderSpecs(t) {
		if x.name == "ha" {
			r = x
		}
	}
	opts.WorkDir = t.TempDir()
	opts.ServiceCIDR = r.plan.ServiceSubnet
	cp := start(t, opts)
	ctx := context.Background()
	admin := cp.Client()

	objs := kustomize(t, filepath.Join(r.dir, "manifests", "csr-approver"))
	var deploy []byte
	for _, o := range objs {
		if o.Kind() == "Deployment" {
			deploy, _ = json.Marshal(o)
		}
		if err := admin.Apply(ctx, o, false); err != nil {
			t.Fatalf("applying %s: %v", o, err)
		}
	}
	cfg := approverConfig(t, deploy)

	// Nodes may create CSRs, as kubeadm's clusters let them.
	binding := map[string]any{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
		"metadata": map[string]any{"name": "test-nodes-create-csrs"},
		"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:node"},
		"subjects": []any{map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:nodes"}}}
	if err := admin.Post(ctx, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", binding, nil); err != nil {
		t.Fatal(err)
	}

	ns := plan.CSRApproverNamespace
	token, err := admin.ServiceAccountToken(ctx, ns, "kubelet-csr-approver")
	if err != nil {
		t.Fatal(err)
	}
	approver := admin.As(token)

	// Leader election and its events, as controller-runtime does them.
	lease := map[string]any{"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
		"metadata": map[string]any{"name": "kubelet-csr-approver", "namespace": ns},
		"spec":     map[string]any{"holderIdentity": "test", "leaseDurationSeconds": 15}}
	leasePath := "/apis/coordination.k8s.io/v1/namespaces/" + ns + "/leases"
	mustDo(t, approver, http.MethodPost, leasePath, lease, "create its Lease")
	var got map[string]any
	if err := approver.Get(ctx, leasePath+"/kubelet-csr-approver", &got); err != nil {
		t.Fatalf("the approver cannot read its Lease: %v", err)
	}
	got["spec"].(map[string]any)["holderIdentity"] = "test-2"
	mustDo(t, approver, http.MethodPut, leasePath+"/kubelet-csr-approver", got, "renew its Lease")
	event := map[string]any{"apiVersion": "v1", "kind": "Event",
		"metadata":       map[string]any{"name": "kubelet-csr-approver.test", "namespace": ns},
		"involvedObject": map[string]any{"kind": "Lease", "namespace": ns, "name": "kubelet-csr-approver"},
		"reason":         "LeaderElection", "message": "test became leader", "type": "Normal"}
	mustDo(t, approver, http.MethodPost, "/api/v1/namespaces/"+ns+"/events", event, "record an event")
	mustRefuse(t, approver, http.MethodGet, "/api/v1/namespaces/"+ns+"/secrets", nil, "read Secrets")
	other := map[string]any{"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": map[string]any{"name": "kube-scheduler", "namespace": ns}}
	admin.Post(ctx, leasePath, other, nil)
	mustRefuse(t, approver, http.MethodPut, leasePath+"/kube-scheduler", other, "take another component's Lease")

	// Requests, as the kubelets send them.
	nodes := map[string]plan.Node{}
	for _, n := range r.plan.ClusterNodes() {
		nodes[n.Name] = n
	}
	worker := r.plan.Workers[0]
	pooled := r.plan.Pools[len(r.plan.Pools)-1].Nodes[0] // count_per_zone: no fixed address
	cases := []struct {
		name, node, dns, ip string
		approve             bool
	}{
		{"control-plane node", r.plan.ControlPlane[0].Name, r.plan.ControlPlane[0].Name, r.plan.ControlPlane[0].Address, true},
		{"worker", worker.Name, worker.Name, worker.Address, true},
		{"pool node in the node subnet", pooled.Name, pooled.Name, hostIn(t, r.plan.NodeSubnets[0], 200), true},
		{"foreign node name", "intruder", "intruder", worker.Address, false},
		{"foreign address", worker.Name, worker.Name, "192.0.2.10", false},
		{"another node's name as DNS", worker.Name, r.plan.ControlPlane[0].Name, worker.Address, false},
	}
	for _, c := range cases {
		name := "test-" + strings.ReplaceAll(c.name, " ", "-")
		csr := kubeletServingCSR(t, name, c.node, c.dns, c.ip)
		node := admin.Impersonate("system:node:"+c.node, "system:nodes", "system:authenticated")
		if err := node.Post(ctx, "/apis/certificates.k8s.io/v1/certificatesigningrequests", csr, nil); err != nil {
			t.Fatalf("%s: node %s could not ask for its serving certificate: %v", c.name, c.node, err)
		}
	}
	// The approver's informer lists and watches, then reconciles each.
	var list certificatesv1.CertificateSigningRequestList
	if err := approver.Get(ctx, "/apis/certificates.k8s.io/v1/certificatesigningrequests", &list); err != nil {
		t.Fatalf("the approver cannot list CSRs: %v", err)
	}
	mustDo(t, approver, http.MethodGet, "/apis/certificates.k8s.io/v1/certificatesigningrequests?watch=true&timeoutSeconds=1", nil, "watch CSRs")
	decided := 0
	for _, c := range cases {
		name := "test-" + strings.ReplaceAll(c.name, " ", "-")
		var csr certificatesv1.CertificateSigningRequest
		if err := approver.Get(ctx, "/apis/certificates.k8s.io/v1/certificatesigningrequests/"+name, &csr); err != nil {
			t.Fatalf("the approver cannot read CSR %s: %v", name, err)
		}
		ok, reason := cfg.decide(t, &csr)
		if ok != c.approve {
			t.Errorf("%s (node %s, DNS %s, address %s): the approver would approve=%v (%s); want %v", c.name, c.node, c.dns, c.ip, ok, reason, c.approve)
		}
		cond := certificatesv1.CertificateSigningRequestCondition{Type: certificatesv1.CertificateApproved, Status: corev1.ConditionTrue,
			Reason: "kubelet-serving cert validated", LastUpdateTime: metav1.Now()}
		if !ok {
			cond.Type, cond.Reason, cond.Message = certificatesv1.CertificateDenied, "kubelet-serving cert denied", reason
		}
		csr.Status.Conditions = append(csr.Status.Conditions, cond)
		mustDo(t, approver, http.MethodPut, "/apis/certificates.k8s.io/v1/certificatesigningrequests/"+name+"/approval", csr, "decide on "+name)
		var after certificatesv1.CertificateSigningRequest
		admin.Get(ctx, "/apis/certificates.k8s.io/v1/certificatesigningrequests/"+name, &after)
		if n := len(after.Status.Conditions); n == 0 || (after.Status.Conditions[n-1].Type == certificatesv1.CertificateApproved) != c.approve {
			t.Errorf("%s: the CSR ends with conditions %v", c.name, after.Status.Conditions)
		}
		decided++
	}

	// Least privilege: the approver approves for the kubelet-serving signer
	// only, never a client certificate for the API server.
	client := kubeletServingCSR(t, "test-client-cert", worker.Name, "", "")
	client["spec"].(map[string]any)["signerName"] = "kubernetes.io/kube-apiserver-client"
	client["spec"].(map[string]any)["usages"] = []string{"digital signature", "client auth"}
	if err := admin.Post(ctx, "/apis/certificates.k8s.io/v1/certificatesigningrequests", client, nil); err != nil {
		t.Fatal(err)
	}
	var csr certificatesv1.CertificateSigningRequest
	admin.Get(ctx, "/apis/certificates.k8s.io/v1/certificatesigningrequests/test-client-cert", &csr)
	csr.Status.Conditions = append(csr.Status.Conditions, certificatesv1.CertificateSigningRequestCondition{
		Type: certificatesv1.CertificateApproved, Status: corev1.ConditionTrue, Reason: "test", LastUpdateTime: metav1.Now()})
	mustRefuse(t, approver, http.MethodPut, "/apis/certificates.k8s.io/v1/certificatesigningrequests/test-client-cert/approval", csr, "approve an API client certificate")
	t.Logf("%d kubelet-serving requests decided as the approver's ServiceAccount", decided)
}

// approverFlags is kubelet-csr-approver v1.2.14's configuration, parsed
// from the rendered arguments by the same flag definitions as its
// internal/cmd/cmd.go (names, types and defaults).
type approverFlags struct {
	regex, prefixes                                    string
	bypassDNS, bypassHostname, ignoreNonNode, skipDeny bool
	allowedDNSNames, maxSec                            int
}

func approverConfig(t *testing.T, deployment []byte) approverFlags {
	t.Helper()
	var d struct {
		Spec struct {
			Template struct {
				Spec corev1.PodSpec
			}
		}
	}
	if err := json.Unmarshal(deployment, &d); err != nil || len(d.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("the approver's Deployment: %v", err)
	}
	c := d.Spec.Template.Spec.Containers[0]
	fs := flag.NewFlagSet("kubelet-csr-approver", flag.ContinueOnError)
	var f approverFlags
	fs.Int("level", 0, "")
	fs.String("metrics-bind-address", ":8080", "")
	fs.String("health-probe-bind-address", ":8081", "")
	fs.Bool("leader-election", false, "")
	fs.StringVar(&f.regex, "provider-regex", ".*", "")
	fs.IntVar(&f.maxSec, "max-expiration-sec", 367*24*3600, "")
	fs.BoolVar(&f.bypassDNS, "bypass-dns-resolution", false, "")
	fs.BoolVar(&f.bypassHostname, "bypass-hostname-check", false, "")
	fs.BoolVar(&f.ignoreNonNode, "ignore-non-system-node", false, "")
	fs.BoolVar(&f.skipDeny, "skip-deny-step", false, "")
	fs.IntVar(&f.allowedDNSNames, "allowed-dns-names", 1, "")
	fs.StringVar(&f.prefixes, "provider-ip-prefixes", "0.0.0.0/0,::/0", "")
	fs.String("kubeconfig", "", "") // controller-runtime's
	if err := fs.Parse(append(c.Command[min(len(c.Command), 1):], c.Args...)); err != nil {
		t.Fatalf("kubelet-csr-approver would refuse its arguments %v: %v", c.Args, err)
	}
	if len(c.Env) > 0 {
		t.Fatalf("the approver is configured by arguments only; the test does not model %v", c.Env)
	}
	if !f.bypassDNS {
		t.Fatal("the rendered approver resolves DNS names, which this test does not model")
	}
	return f
}

// decide is the approver's Reconcile for a pending kubelet-serving CSR.
func (f approverFlags) decide(t *testing.T, csr *certificatesv1.CertificateSigningRequest) (bool, string) {
	t.Helper()
	block, _ := pem.Decode(csr.Spec.Request)
	if block == nil {
		t.Fatal("the CSR holds no PEM request")
	}
	cr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(f.regex)
	var prefixes []netip.Prefix
	for _, p := range strings.Split(f.prefixes, ",") {
		pp, err := netip.ParsePrefix(p)
		if err != nil {
			t.Fatalf("kubelet-csr-approver would exit: IP prefix %q: %v", p, err)
		}
		prefixes = append(prefixes, pp)
	}
	hostname, isNode := strings.CutPrefix(csr.Spec.Username, "system:node:")
	switch {
	case !isNode:
		return false, "not a node"
	case len(cr.DNSNames)+len(cr.IPAddresses) == 0:
		return false, "no SAN"
	case cr.Subject.CommonName != csr.Spec.Username:
		return false, "common name is not the requester"
	case len(cr.DNSNames) > f.allowedDNSNames:
		return false, "too many DNS names"
	}
	for _, dns := range cr.DNSNames {
		if !strings.HasPrefix(dns, hostname) && !f.bypassHostname {
			return false, "DNS name " + dns + " does not start with the node name"
		}
		if !re.MatchString(dns) {
			return false, "DNS name " + dns + " is not allowed by the provider regex"
		}
	}
	for _, ip := range cr.IPAddresses {
		a, _ := netip.AddrFromSlice(ip)
		in := false
		for _, p := range prefixes {
			in = in || p.Contains(a.Unmap())
		}
		if !in {
			return false, "address " + a.String() + " is outside the provider prefixes"
		}
	}
	if csr.Spec.ExpirationSeconds != nil && int(*csr.Spec.ExpirationSeconds) > f.maxSec {
		return false, "expiration too long"
	}
	return true, "approved"
}

// kubeletServingCSR is the CertificateSigningRequest a kubelet sends for its
// serving certificate: CN system:node:NODE, O system:nodes, its host name
// and address as SANs.
func kubeletServingCSR(t *testing.T, name, node, dns, ip string) map[string]any {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.CertificateRequest{Subject: pkix.Name{CommonName: "system:node:" + node, Organization: []string{"system:nodes"}}}
	if dns != "" {
		tmpl.DNSNames = []string{dns}
	}
	if ip != "" {
		tmpl.IPAddresses = []net.IP{net.ParseIP(ip)}
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]any{"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
		"metadata": map[string]any{"name": name},
		"spec": map[string]any{"request": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}),
			"signerName": "kubernetes.io/kubelet-serving", "usages": []string{"digital signature", "server auth"}}}
}

// hostIn returns the n-th address of a subnet.
func hostIn(t *testing.T, subnet string, n int) string {
	t.Helper()
	p, err := netip.ParsePrefix(subnet)
	if err != nil {
		t.Fatal(err)
	}
	a := p.Addr()
	for i := 0; i < n; i++ {
		a = a.Next()
	}
	return a.String()
}

func mustDo(t *testing.T, c *controlplane.Client, method, path string, body any, what string) {
	t.Helper()
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	if _, err := c.Do(context.Background(), method, path, "application/json", b); err != nil {
		t.Errorf("the approver's ServiceAccount cannot %s (%s %s): %v", what, method, path, err)
	}
}

func mustRefuse(t *testing.T, c *controlplane.Client, method, path string, body any, what string) {
	t.Helper()
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	_, err := c.Do(context.Background(), method, path, "application/json", b)
	if e, ok := err.(*controlplane.APIError); !ok || e.Code != http.StatusForbidden {
		t.Errorf("the approver's ServiceAccount may %s (%s %s): got %v, want 403", what, method, path, err)
	}
}
