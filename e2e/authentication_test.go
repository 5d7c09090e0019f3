package e2e

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/spec"
)

// TestAuthentication starts the API server with the AuthenticationConfiguration
// blueprint renders for testdata/authentication.hcl, whose OIDC issuer is a
// server this test runs on 127.0.0.1, and proves what ARCHITECTURE.md says:
//
//   - without credentials, only the health endpoints and kube-public's
//     cluster-info answer; everything else is 401;
//   - kubeadm's token discovery works through that one anonymous object: the
//     real `kubeadm join phase preflight` with the rendered worker join file
//     discovers the cluster and reads kubeadm's configuration with the
//     bootstrap token;
//   - ID tokens of the issuer authenticate with the rendered prefixes, and
//     one that claims a system: group, or was issued to another audience,
//     is refused.
func TestAuthentication(t *testing.T) {
	opts := need(t, controlplane.Options{ControllerManager: true})
	kubeadm := needTool(t, "kubeadm")
	issuer := startIssuer(t)

	p, dir := renderFile(t, "testdata/authentication.hcl", spec.Options{Vars: []string{
		"issuer=" + issuer.url, "issuer_ca=" + issuer.caPEM,
	}})

	opts.WorkDir = t.TempDir()
	opts.APIServerArgs = []string{
		"--authentication-config=" + filepath.Join(dir, "kubeadm", "authentication-config.yaml"),
		"--enable-bootstrap-token-auth=true", // as kubeadm sets it
	}
	opts.ControllerManagerArgs = []string{"--controllers=bootstrapsigner,tokencleaner"}
	cp := start(t, opts)
	ctx := context.Background()
	anonymous := cp.Client().As("")

	for _, path := range plan.AnonymousPaths[:3] {
		if _, err := anonymous.Do(ctx, http.MethodGet, path, "", nil); err != nil {
			t.Errorf("anonymous GET %s: %v; the health checks need it", path, err)
		}
	}
	for _, path := range []string{"/api/v1/namespaces", "/version", "/api/v1/namespaces/kube-public/configmaps", "/apis", "/api/v1/namespaces/kube-system/configmaps/kubeadm-config"} {
		_, err := anonymous.Do(ctx, http.MethodGet, path, "", nil)
		if e, ok := err.(*controlplane.APIError); !ok || e.Code != http.StatusUnauthorized {
			t.Errorf("anonymous GET %s answered %v; want 401", path, err)
		}
	}

	// kubeadm's part of the first control-plane node, against this API
	// server: kubeadm-config and kubelet-config, cluster-info with its RBAC
	// for anonymous readers, the bootstrap token RBAC, and a token.
	initFile := filepath.Join(dir, "kubeadm", "init", p.ControlPlane[0].Name+".yaml")
	runKubeadm(t, kubeadm, "init", "phase", "upload-config", "all", "--config", initFile, "--kubeconfig", cp.Kubeconfig)
	runKubeadm(t, kubeadm, "init", "phase", "bootstrap-token", "--config", initFile, "--kubeconfig", cp.Kubeconfig, "--skip-token-print")
	const tokenID, token = "blue01", "blue01.0123456789abcdef"
	runKubeadm(t, kubeadm, "token", "create", token, "--ttl", "15m", "--kubeconfig", cp.Kubeconfig)
	if _, err := anonymous.Do(ctx, http.MethodGet, plan.ClusterInfoPath, "", nil); err != nil {
		t.Fatalf("anonymous GET of cluster-info: %v; kubeadm's token discovery needs it", err)
	}
	// The bootstrap signer controller signs cluster-info with the token.
	admin := cp.Client()
	var signed bool
	for i := 0; i < 300 && !signed; i++ {
		var cm struct{ Data map[string]string }
		if err := admin.Get(ctx, plan.ClusterInfoPath, &cm); err != nil {
			t.Fatal(err)
		}
		if _, signed = cm.Data["jws-kubeconfig-"+tokenID]; !signed {
			time.Sleep(200 * time.Millisecond)
		}
	}
	if !signed {
		t.Fatal("cluster-info was not signed for the token within 60 s (bootstrapsigner)")
	}

	// A worker's rendered join file, filled in as ARCHITECTURE.md says, with
	// the endpoint pointed at this API server, and the node named localhost:
	// preflight resolves the node name, and this one resolves without a
	// DNS query leaving the machine.
	worker := p.Workers[0].Name
	join, err := os.ReadFile(filepath.Join(dir, "kubeadm", "join-worker", worker+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	local := strings.NewReplacer(p.Endpoint.String(), strings.TrimPrefix(cp.URL, "https://"), `name: "`+worker+`"`, `name: "localhost"`)
	filled := os.Expand(local.Replace(string(join)),
		func(name string) string {
			switch name {
			case plan.TokenVar:
				return token
			case plan.CACertHashVar:
				return caCertHash(t, cp.CACert)
			}
			return "${" + name + "}"
		})
	joinFile := filepath.Join(t.TempDir(), "join.yaml")
	if err := os.WriteFile(joinFile, []byte(filled), 0o600); err != nil {
		t.Fatal(err)
	}
	out := runKubeadm(t, kubeadm, "join", "phase", "preflight", "--config", joinFile, "--ignore-preflight-errors=all", "-v=1")
	for _, want := range []string{"Discovering cluster-info", "Fetching init configuration"} {
		if !strings.Contains(out, want) {
			t.Errorf("kubeadm join phase preflight did not log %q:\n%s", want, out)
		}
	}

	// OIDC: the rendered mappings, and the refusals.
	claims := func(sub, aud string, groups ...string) map[string]any {
		return map[string]any{"iss": issuer.url, "sub": sub, "aud": aud, "groups": groups,
			"iat": time.Now().Unix(), "exp": time.Now().Add(10 * time.Minute).Unix()}
	}
	user, groups := whoAmI(t, cp, issuer.sign(t, claims("carol", "kubernetes", "developers")), true)
	if user != "oidc:carol" || !slices.Contains(groups, "developers") {
		t.Errorf("an ID token for carol in group developers authenticated as %q in %v; want oidc:carol in developers", user, groups)
	}
	whoAmI(t, cp, issuer.sign(t, claims("mallory", "kubernetes", "system:masters")), false)
	whoAmI(t, cp, issuer.sign(t, claims("carol", "another-client", "developers")), false)
}

// whoAmI asks the API server who a bearer token is (a SelfSubjectReview).
// The issuer's keys are fetched in the background after start-up, so a
// token expected to work is retried for up to a minute; one expected to
// fail must be answered 401.
func whoAmI(t *testing.T, cp *controlplane.ControlPlane, token string, ok bool) (string, []string) {
	t.Helper()
	review := map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
	var out struct {
		Status struct {
			UserInfo struct {
				Username string
				Groups   []string
			}
		}
	}
	var err error
	for i := 0; i < 120; i++ {
		err = cp.Client().As(token).Post(context.Background(), "/apis/authentication.k8s.io/v1/selfsubjectreviews", review, &out)
		if err == nil || !ok {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	switch e, is401 := err.(*controlplane.APIError); {
	case ok && err != nil:
		t.Fatalf("a valid ID token was refused: %v", err)
	case !ok && (!is401 || e.Code != http.StatusUnauthorized):
		t.Errorf("an ID token that must be refused got %v (user %q, groups %v); want 401", err, out.Status.UserInfo.Username, out.Status.UserInfo.Groups)
	}
	return out.Status.UserInfo.Username, out.Status.UserInfo.Groups
}

// needTool returns the path of a program, skipping the test on a developer
// machine (failing it in CI) when it is missing.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := controlplane.FindTool(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s not installed; .ci/run installs it", name)
	}
	t.Skipf("SKIPPED, not passed: %s not installed here", name)
	return ""
}

// runKubeadm runs kubeadm with a bound on its time and fails the test,
// with its output, unless it succeeds.
func runKubeadm(t *testing.T, kubeadm string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, kubeadm, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("kubeadm %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// caCertHash is kubeadm's --discovery-token-ca-cert-hash of a CA: the
// SHA-256 of its public key, as ARCHITECTURE.md's openssl pipeline prints it.
func caCertHash(t *testing.T, caPEM []byte) string {
	t.Helper()
	b, _ := pem.Decode(caPEM)
	if b == nil {
		t.Fatal("no CA certificate")
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// issuer is a minimal OpenID Connect provider on 127.0.0.1: discovery, a
// key set with one RSA key, and RS256 ID tokens signed with it.
type issuer struct {
	url, caPEM string
	key        *rsa.PrivateKey
}

func startIssuer(t *testing.T) *issuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	iss := &issuer{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"issuer": iss.url, "jwks_uri": iss.url + "/keys",
			"id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"keys": []any{map[string]string{
			"kty": "RSA", "alg": "RS256", "use": "sig", "kid": "k1",
			"n": b64(key.PublicKey.N.Bytes()), "e": b64(big.NewInt(int64(key.PublicKey.E)).Bytes()),
		}}})
	})
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	iss.url = srv.URL
	iss.caPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	return iss
}

// sign returns a compact RS256 JWT of claims.
func (iss *issuer) sign(t *testing.T, claims map[string]any) string {
	t.Helper()
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "kid": "k1", "typ": "JWT"})
	body, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	input := b64(header) + "." + b64(body)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, iss.key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64(sig)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
