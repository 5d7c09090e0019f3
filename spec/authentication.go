package spec

import "github.com/hashicorp/hcl/v2"

// Authentication says who the API server believes: OpenID Connect issuers
// whose ID tokens name the users and groups the spec's RBAC binds. Without
// it, only client certificates, bootstrap tokens and ServiceAccount tokens
// authenticate. Anonymous access is limited either way (see plan).
type Authentication struct {
	OIDC      []*OIDC   `hcl:"oidc,block"`
	DeclRange hcl.Range `hcl:",def_range"`
}

// OIDC is one OpenID Connect issuer, rendered as a JWT authenticator of the
// API server's AuthenticationConfiguration.
type OIDC struct {
	Issuer                    string    `hcl:"issuer,attr"`
	IssuerRange               hcl.Range `hcl:"issuer,attr_value_range"`
	ClientID                  string    `hcl:"client_id,attr"`
	ClientIDRange             hcl.Range `hcl:"client_id,attr_value_range"`
	Audiences                 []string  `hcl:"audiences,optional"`
	AudiencesRange            hcl.Range `hcl:"audiences,attr_value_range"`
	UsernameClaim             *string   `hcl:"username_claim,optional"`
	UsernameClaimRange        hcl.Range `hcl:"username_claim,attr_value_range"`
	UsernamePrefix            string    `hcl:"username_prefix,attr"`
	UsernamePrefixRange       hcl.Range `hcl:"username_prefix,attr_value_range"`
	GroupsClaim               *string   `hcl:"groups_claim,optional"`
	GroupsClaimRange          hcl.Range `hcl:"groups_claim,attr_value_range"`
	GroupsPrefix              *string   `hcl:"groups_prefix,optional"`
	GroupsPrefixRange         hcl.Range `hcl:"groups_prefix,attr_value_range"`
	CertificateAuthority      *string   `hcl:"certificate_authority,optional" text:"multiline"`
	CertificateAuthorityRange hcl.Range `hcl:"certificate_authority,attr_value_range"`
	DeclRange                 hcl.Range `hcl:",def_range"`
}

// DefaultUsernameClaim is the ID token claim that names the user, as for
// kube-apiserver's --oidc-username-claim.
const DefaultUsernameClaim = "sub"

// UsernameClaimOrDefault returns the claim that names the user.
func (o *OIDC) UsernameClaimOrDefault() string { return or(o.UsernameClaim, DefaultUsernameClaim) }

// AudiencesOrDefault returns the audiences a token must be issued to: the
// client ID unless audiences are listed.
func (o *OIDC) AudiencesOrDefault() []string {
	if len(o.Audiences) == 0 {
		return []string{o.ClientID}
	}
	return o.Audiences
}
