package pipeline_test

import (
	"bytes"
	"regexp"
	"testing"

	"github.com/blueprint-dev/blueprint/internal/operatorcrds"
	"github.com/blueprint-dev/blueprint/verify"
)

// secretShapes are strings that must never appear in rendered output.
var secretShapes = map[string]*regexp.Regexp{
	"private key":           regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`),
	"certificate":           regexp.MustCompile(`-----BEGIN CERTIFICATE-----`),
	"bootstrap token":       regexp.MustCompile(`\b[a-z0-9]{6}\.[a-z0-9]{16}\b`),
	"CA certificate hash":   regexp.MustCompile(`sha256:[0-9a-f]{64}`),
	"certificate key":       regexp.MustCompile(`\b[0-9a-f]{64}\b`),
	"password":              regexp.MustCompile(`(?i)(password|passwd|auth_pass)\s*[:=]\s*["']?[^\s"'$]`),
	"base64 encryption key": regexp.MustCompile(`secret:\s*"?[A-Za-z0-9+/]{32,}={0,2}"?\s*$`),
}

// imageDigest is an image reference's digest, as a lock file pins it:
// public content addresses, shaped like a CA certificate hash.
var imageDigest = regexp.MustCompile(`@sha256:[0-9a-f]{64}\b`)

// issuerCA is the line of the authentication configuration that holds an
// OpenID Connect issuer's CA, public material the spec gives.
var issuerCA = regexp.MustCompile(`(?m)^\s*certificateAuthority: "-----BEGIN CERTIFICATE-----\\n[A-Za-z0-9+/=\\n]+-----END CERTIFICATE-----\\n"$`)

// withoutPublic removes from a rendered file what is shaped like a secret
// and is public: the digests of images (every file that names one), and
// the issuers' CA certificates (only the authentication configuration's
// certificateAuthority, and only when the plan has that many issuers with
// a CA).
func withoutPublic(ex example, path string, b []byte) []byte {
	b = imageDigest.ReplaceAll(b, nil)
	// An operator's CRDs, copied unchanged from its release: public
	// schemas, whose "password:" keys name fields, not values.
	for _, set := range []operatorcrds.Set{operatorcrds.Strimzi, operatorcrds.PrometheusOperator, operatorcrds.ECK, operatorcrds.SparkOperator, operatorcrds.TrivyOperator} {
		for _, name := range set.Names() {
			if path == "manifests/"+set.Dir+"/crds/"+name && bytes.Equal(b, set.Read(name)) {
				return nil
			}
		}
	}
	if path == "kubeadm/authentication-config.yaml" {
		cas := 0
		for _, j := range ex.plan.Authentication.JWT {
			if j.CertificateAuthority != "" {
				cas++
			}
		}
		if len(issuerCA.FindAll(b, -1)) == cas {
			b = issuerCA.ReplaceAll(b, nil)
		}
	}
	return b
}

// TestNoSecretsInOutput scans every rendered file of every example.
func TestNoSecretsInOutput(t *testing.T) {
	for _, ex := range examples(t) {
		for _, p := range ex.tree.Paths() {
			b := withoutPublic(ex, p, ex.tree[p])
			for what, re := range secretShapes {
				if loc := re.FindIndex(b); loc != nil {
					t.Errorf("%s/%s holds a %s: %q", ex.name, p, what, b[loc[0]:loc[1]])
				}
			}
		}
	}
}

// TestSecretScanFindsSecrets keeps the scan honest: filled-in files trip it.
func TestSecretScanFindsSecrets(t *testing.T) {
	ex := examples(t)[0]
	found := map[string]bool{}
	for _, p := range ex.tree.Paths() {
		b := verify.Fill(ex.tree[p])
		for what, re := range secretShapes {
			if re.Match(b) {
				found[what] = true
			}
		}
	}
	for _, what := range []string{"bootstrap token", "CA certificate hash", "certificate key"} {
		if !found[what] {
			t.Errorf("the scan misses a filled-in %s", what)
		}
	}
}
