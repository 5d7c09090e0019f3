package validate

import (
	"crypto/x509"
	"encoding/pem"
	"net/url"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/blueprint-dev/blueprint/spec"
)

// authentication checks the OIDC issuers against what kube-apiserver's
// AuthenticationConfiguration accepts (k8s.io/apiserver's validation at
// v0.37: an https issuer URL without credentials, query or fragment, unique
// issuers, at least one audience, a groups prefix whenever groups are
// mapped, and no issuer equal to the ServiceAccount issuer), and warns when
// an RBAC subject of the spec could come from no issuer.
func (v *validator) authentication() {
	a := v.s.Authentication
	if a == nil {
		return
	}
	saIssuer := ""
	if c := v.s.Cluster; c != nil {
		saIssuer = "https://kubernetes.default.svc." + c.DNSDomainOrDefault()
	}
	seen := map[string]bool{}
	for _, o := range a.OIDC {
		ctx := &o.DeclRange
		v.issuerURL(o, saIssuer)
		if seen[strings.TrimRight(o.Issuer, "/")] {
			v.errorf(o.IssuerRange, ctx, "Duplicate issuer", "Issuer %q is configured twice; each oidc block needs its own issuer.", o.Issuer)
		}
		seen[strings.TrimRight(o.Issuer, "/")] = true
		if strings.TrimSpace(o.ClientID) == "" {
			v.errorf(o.ClientIDRange, ctx, "Empty client ID", "client_id is the OAuth client the ID tokens are issued to (their aud claim), such as \"kubernetes\".")
		}
		auds := map[string]bool{}
		for _, aud := range o.Audiences {
			if strings.TrimSpace(aud) == "" || auds[aud] {
				v.errorf(o.AudiencesRange, ctx, "Invalid audience", "Audiences must be distinct and not empty; got %q.", aud)
			}
			auds[aud] = true
		}
		if o.UsernameClaim != nil && strings.TrimSpace(*o.UsernameClaim) == "" {
			v.errorf(o.UsernameClaimRange, ctx, "Empty claim", "username_claim names the ID token claim that holds the user name, such as \"sub\" or \"email\".")
		}
		if o.GroupsClaim != nil && strings.TrimSpace(*o.GroupsClaim) == "" {
			v.errorf(o.GroupsClaimRange, ctx, "Empty claim", "groups_claim names the ID token claim that holds the groups, such as \"groups\"; leave it out for no groups.")
		}
		if o.GroupsClaim != nil && o.GroupsPrefix == nil {
			v.errorf(o.GroupsClaimRange, ctx, "Groups without a prefix", "Set groups_prefix too (it may be \"\"): the API server requires a prefix for mapped groups, and the choice decides which names the spec's role bindings must use.")
		}
		if o.GroupsClaim == nil && o.GroupsPrefix != nil {
			v.errorf(o.GroupsPrefixRange, ctx, "Prefix without a claim", "groups_prefix has no effect without groups_claim.")
		}
		if strings.HasPrefix(o.UsernamePrefix, systemSubject) {
			v.errorf(o.UsernamePrefixRange, ctx, "Reserved prefix", "User names starting with %q belong to Kubernetes' own components; choose another username_prefix, such as \"oidc:\".", systemSubject)
		}
		if o.GroupsPrefix != nil && strings.HasPrefix(*o.GroupsPrefix, systemSubject) {
			v.errorf(o.GroupsPrefixRange, ctx, "Reserved prefix", "Group names starting with %q belong to Kubernetes; choose another groups_prefix, such as \"oidc:\".", systemSubject)
		}
		if o.CertificateAuthority != nil {
			v.issuerCA(*o.CertificateAuthority, o.CertificateAuthorityRange, ctx)
		}
	}
	v.subjectsAuthenticated(a)
}

func (v *validator) issuerURL(o *spec.OIDC, saIssuer string) {
	u, err := url.Parse(o.Issuer)
	switch {
	case err != nil || u.Scheme != "https" || u.Host == "" || u.Opaque != "":
		v.errorf(o.IssuerRange, &o.DeclRange, "Invalid issuer", "issuer %q must be an https URL such as \"https://sso.example.com/realms/platform\", exactly the iss claim of the ID tokens.", o.Issuer)
	case u.User != nil:
		v.errorf(o.IssuerRange, &o.DeclRange, "Credentials in URL", "issuer %q carries a user name or password; the output is committed to Git and the API server refuses it. Remove it.", o.Issuer)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(o.Issuer, "#"):
		v.errorf(o.IssuerRange, &o.DeclRange, "Invalid issuer", "issuer %q must have no query or fragment: the API server refuses them.", o.Issuer)
	case o.Issuer == saIssuer:
		v.errorf(o.IssuerRange, &o.DeclRange, "Issuer of ServiceAccount tokens", "%q is the issuer of the cluster's own ServiceAccount tokens (kubeadm's default --service-account-issuer); the API server refuses it as an OIDC issuer.", o.Issuer)
	}
}

// issuerCA checks PEM text of CA certificates, and refuses anything else
// (above all a private key, which must never reach the output).
func (v *validator) issuerCA(text string, rng hcl.Range, ctx *hcl.Range) {
	rest := []byte(text)
	n := 0
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			v.errorf(rng, ctx, "Not a certificate", "certificate_authority holds a PEM block of type %q; it may hold only the issuer's CA certificates (never a key: the output is committed to Git).", b.Type)
			return
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			v.errorf(rng, ctx, "Invalid certificate", "certificate_authority: %v.", err)
			return
		}
		n++
	}
	if n == 0 || strings.TrimSpace(string(rest)) != "" {
		v.errorf(rng, ctx, "Invalid certificate", "certificate_authority must be PEM text of one or more CA certificates (-----BEGIN CERTIFICATE----- …), and nothing else.")
	}
}

// subjectsAuthenticated warns about RBAC users and groups that no OIDC
// issuer can produce: with a prefix, an issuer's identities all start with
// it, so a binding to a name without it grants something nobody holds
// (unless a client certificate carries that name).
func (v *validator) subjectsAuthenticated(a *spec.Authentication) {
	if len(a.OIDC) == 0 {
		return
	}
	fromOIDC := func(name string, groups bool) bool {
		for _, o := range a.OIDC {
			switch {
			case !groups && strings.HasPrefix(name, o.UsernamePrefix):
				return true
			case groups && o.GroupsClaim != nil && o.GroupsPrefix != nil && strings.HasPrefix(name, *o.GroupsPrefix):
				return true
			}
		}
		return false
	}
	check := func(s spec.Subjects, ctx *hcl.Range, what string) {
		for _, u := range s.Users {
			if !fromOIDC(u, false) {
				v.warnf(CodeUserNoIssuer, s.UsersRange, ctx, "User no issuer names", "%s names user %q, but every OIDC user name starts with its issuer's username_prefix; only a client certificate could carry this name. Write the name as the API server sees it (prefix included).", what, u)
			}
		}
		for _, g := range s.Groups {
			if !fromOIDC(g, true) {
				v.warnf(CodeGroupNoIssuer, s.GroupsRange, ctx, "Group no issuer names", "%s names group %q, which no oidc block maps (a groups_claim, and a name starting with its groups_prefix); only a client certificate could carry it.", what, g)
			}
		}
	}
	for _, b := range v.s.RoleBindings {
		check(b.Subjects(), &b.DeclRange, "role binding "+b.Name)
	}
	for _, t := range v.s.Teams {
		check(t.Subjects(), &t.DeclRange, "team "+t.Name)
	}
	for _, b := range v.s.BreakGlass {
		check(b.Subjects(), &b.DeclRange, "break_glass "+b.Name)
	}
}
