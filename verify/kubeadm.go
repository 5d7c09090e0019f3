package verify

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/plan"
)

var kubeadmProgram = program{
	name:        "kubeadm",
	versionArgs: []string{"version", "-o", "short"},
	versionRE:   regexp.MustCompile(`(?m)^(v\d+\.\d+\.\d+\S*)`),
	isolated:    true,
	install:     "scripts/install-validators.sh kubeadm, from a blueprint checkout (builds kubeadm v1.37.2 from the Go module proxy)",
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
	var checks []Check
	var first string // the first init config, for the dry run
	// blueprint's patches (kubeadm/patches/) go with every config that
	// names them, into each run's private folder; one that is not what
	// blueprint writes stops every kubeadm run.
	patches := map[string][]byte{}
	var patchRefusals []string
	for _, p := range v.matching(func(p string) bool { return strings.HasPrefix(p, treePatches) }) {
		b, err := v.read(p)
		if err != nil {
			patchRefusals = append(patchRefusals, fmt.Sprintf("%s: %v", p, err))
			continue
		}
		patchRefusals = append(patchRefusals, checkKubeadmPatch(p, b)...)
		patches[strings.TrimPrefix(p, treePatches)] = b
	}
	for _, p := range files {
		isInit := first == "" && strings.HasPrefix(p, "kubeadm/init/")
		b, err := v.read(p)
		if err != nil {
			checks = append(checks, unreadable(t, p, validate, err))
			continue
		}
		filled := Fill(b)
		why := checkKubeadmConfig(p, filled)
		if len(why) == 0 && len(patchRefusals) > 0 && strings.Contains(string(filled), "patches:") {
			why = patchRefusals
		}
		if len(why) > 0 {
			checks = append(checks, refused(t, p, validate, why))
			if isInit {
				checks = append(checks, refused(t, p, dryRun, why))
				first = p
			}
			continue
		}
		if t.Missing != "" {
			checks = append(checks, notRun(t, validate, p)...)
			if isInit {
				checks = append(checks, notRun(t, dryRun, p)...)
				first = p
			}
			continue
		}
		dir, err := v.private()
		if err != nil {
			return nil, "", err
		}
		confined, err := confinePatches(filled, dir, patches)
		if err != nil {
			return nil, "", err
		}
		copyPath, err := put(dir, p, confined, 0o600)
		if err != nil {
			return nil, "", err
		}
		checks = append(checks, v.run(ctx, t, dir, p, validate, nil, nil, "config", "validate", "--config", copyPath))
		if isInit {
			first = p
			c, err := v.kubeadmDryRun(ctx, t, p, filled, patches)
			if err != nil {
				return nil, "", err
			}
			checks = append(checks, c)
		}
	}
	return checks, "", nil
}

// kubeadmDryRun runs `kubeadm init --dry-run` on a copy of a filled init
// config confined to a private folder (confineDryRun), which is also where
// kubeadm writes what it would install.
func (v *verifier) kubeadmDryRun(ctx context.Context, t *Tool, artifact string, filled []byte, patches map[string][]byte) (Check, error) {
	const name = "kubeadm init --dry-run"
	dir, err := v.private()
	if err != nil {
		return Check{}, err
	}
	confined, err := confineDryRun(filled, dir)
	if err != nil {
		return Check{}, err
	}
	if err := writePatches(dir, confined, patches); err != nil {
		return Check{}, err
	}
	copyPath, err := put(dir, artifact, confined, 0o600)
	if err != nil {
		return Check{}, err
	}
	return v.run(ctx, t, dir, artifact, name, []string{"KUBEADM_INIT_DRYRUN_DIR=" + filepath.Join(dir, "dry-run")}, nil,
		"init", "--dry-run", "--config", copyPath, "--ignore-preflight-errors=all"), nil
}

// confinePatches returns a config whose patches directory (if it names
// one) is dir/patches, holding copies of the tree's patches, which
// checkKubeadmPatch accepted.
func confinePatches(config []byte, dir string, patches map[string][]byte) ([]byte, error) {
	if !strings.Contains(string(config), "patches:") {
		return config, nil
	}
	docs, err := parseKubeadmConfig(config)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for _, d := range docs {
		if (d.kind == "InitConfiguration" || d.kind == "JoinConfiguration") && len(lookup(d.obj, "patches")) > 0 {
			set(d.obj, filepath.Join(dir, "patches"), "patches", "directory")
		}
		b, err := yaml.Marshal(d.obj)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return bytes.Join(out, []byte("---\n")), writePatches(dir, config, patches)
}

// writePatches copies the tree's patches into dir/patches when config
// uses them.
func writePatches(dir string, config []byte, patches map[string][]byte) error {
	if !strings.Contains(string(config), "patches:") {
		return nil
	}
	if err := os.MkdirAll(filepath.Join(dir, "patches"), 0o700); err != nil {
		return err
	}
	for name, b := range patches {
		if _, err := put(dir, "patches/"+name, b, 0o600); err != nil {
			return err
		}
	}
	return nil
}
