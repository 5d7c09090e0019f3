package pipeline_test

import (
	"regexp"
	"testing"

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

// TestNoSecretsInOutput scans every rendered file of every example.
func TestNoSecretsInOutput(t *testing.T) {
	for _, ex := range examples(t) {
		for _, p := range ex.tree.Paths() {
			for what, re := range secretShapes {
				if loc := re.FindIndex(ex.tree[p]); loc != nil {
					t.Errorf("%s/%s holds a %s: %q", ex.name, p, what, ex.tree[p][loc[0]:loc[1]])
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
