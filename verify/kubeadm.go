package verify

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/blueprint-dev/blueprint/plan"
)

var kubeadmProgram = program{
	name:        "kubeadm",
	versionArgs: []string{"version", "-o", "short"},
	versionRE:   regexp.MustCompile(`(?m)^(v\d+\.\d+\.\d+\S*)`),
}

// ThrowawayValues stand in for the install-time secrets, in the formats
// kubeadm checks. They are never secrets: they only let kubeadm judge the
// form a host will see after envsubst.
var ThrowawayValues = map[string]string{
	plan.TokenVar:          "abcdef.0123456789abcdef",
	plan.CACertHashVar:     "sha256:" + strings.Repeat("0", 64),
	plan.CertificateKeyVar: strings.Repeat("a", 64),
	plan.EncryptionKeyVar:  "c2VjcmV0IGtleSBmb3IgdGVzdHMgb25seSwgMzIgYnl0ZQ==",
}

var placeholderRE = regexp.MustCompile(`\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))`)

// Fill does what `envsubst '${NAME} …'` does on the host with the names of
// ThrowawayValues: $NAME and ${NAME} of those names become their values, and
// every other $ is left as it is.
func Fill(b []byte) []byte {
	return placeholderRE.ReplaceAllFunc(b, func(m []byte) []byte {
		sub := placeholderRE.FindSubmatch(m)
		name := string(sub[1]) + string(sub[2])
		if v, ok := ThrowawayValues[name]; ok {
			return []byte(v)
		}
		return m
	})
}

// isKubeadmConfig reports whether p is a kubeadm configuration: the init,
// join and external-etcd configs, not the audit policy or encryption config
// that sit beside them.
func isKubeadmConfig(p string) bool {
	if !strings.HasSuffix(p, ".yaml") {
		return false
	}
	return strings.HasPrefix(p, "kubeadm/init/") || strings.HasPrefix(p, "kubeadm/join-") || strings.HasPrefix(p, "kubeadm/etcd/")
}

func checkKubeadm(ctx context.Context, v *verifier) ([]Check, string, error) {
	files := v.matching(isKubeadmConfig)
	if len(files) == 0 {
		return nil, "kubeadm: nothing to check (no kubeadm/init/, kubeadm/join-*/ or kubeadm/etcd/ configs)", nil
	}
	const validate, dryRun = "kubeadm config validate", "kubeadm init --dry-run"
	t := v.tool(ctx, kubeadmProgram)
	inits := v.matching(func(p string) bool { return strings.HasPrefix(p, "kubeadm/init/") && isKubeadmConfig(p) })
	if t.Missing != "" {
		checks := notRun(t, validate, files...)
		if len(inits) > 0 {
			checks = append(checks, notRun(t, dryRun, inits[0])...)
		}
		return checks, "", nil
	}
	filled := map[string]string{}
	var checks []Check
	for _, p := range files {
		b, err := v.read(p)
		if err != nil {
			return nil, "", err
		}
		copyPath, err := v.copyTo(p, Fill(b), 0o600)
		if err != nil {
			return nil, "", err
		}
		filled[p] = copyPath
		checks = append(checks, v.run(ctx, t, p, validate, nil, nil, "config", "validate", "--config", copyPath))
	}
	if len(inits) > 0 {
		dry := filepath.Join(v.tmp, "dry-run")
		checks = append(checks, v.run(ctx, t, inits[0], dryRun, []string{"KUBEADM_INIT_DRYRUN_DIR=" + dry}, nil,
			"init", "--dry-run", "--config", filled[inits[0]], "--ignore-preflight-errors=all"))
	}
	return checks, "", nil
}
