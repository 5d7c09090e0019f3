package plan

import "github.com/blueprint-dev/blueprint/spec"

// AuthenticationDir holds the API server's AuthenticationConfiguration on
// every control-plane node, mounted into the static pod read-only.
const AuthenticationDir = "/etc/kubernetes/authentication"

// ClusterInfoPath is the one object kubeadm's token discovery reads without
// credentials: a joining node fetches it anonymously, then checks its
// signature with the bootstrap token and its CA against the pinned hash.
const ClusterInfoPath = "/api/v1/namespaces/kube-public/configmaps/cluster-info"

// AnonymousPaths are the only requests the API server accepts without
// credentials: the health endpoints (load balancer checks, the kubelet's
// probes of the API server's static pod) and kubeadm's discovery object.
var AnonymousPaths = []string{"/livez", "/readyz", "/healthz", ClusterInfoPath}

// Authentication is the API server's structured AuthenticationConfiguration
// (apiserver.config.k8s.io/v1, --authentication-config).
type Authentication struct {
	AnonymousPaths []string
	JWT            []JWTAuthenticator
}

// JWTAuthenticator is one OIDC issuer.
type JWTAuthenticator struct {
	Issuer string
	// CertificateAuthority is PEM text; empty means the system's roots.
	CertificateAuthority string
	Audiences            []string
	// MatchAny is set with several audiences: a token must carry one.
	MatchAny       bool
	UsernameClaim  string
	UsernamePrefix string
	// GroupsClaim is empty when the issuer maps no groups.
	GroupsClaim  string
	GroupsPrefix string
}

func buildAuthentication(s *spec.Spec) Authentication {
	a := Authentication{AnonymousPaths: append([]string{}, AnonymousPaths...)}
	if s.Authentication == nil {
		return a
	}
	for _, o := range s.Authentication.OIDC {
		j := JWTAuthenticator{
			Issuer: o.Issuer, CertificateAuthority: deref(o.CertificateAuthority),
			Audiences: o.AudiencesOrDefault(), UsernameClaim: o.UsernameClaimOrDefault(),
			UsernamePrefix: o.UsernamePrefix, GroupsClaim: deref(o.GroupsClaim), GroupsPrefix: deref(o.GroupsPrefix),
		}
		j.MatchAny = len(j.Audiences) > 1
		a.JWT = append(a.JWT, j)
	}
	return a
}
