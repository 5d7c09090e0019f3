package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/internal/safefs"
	"github.com/blueprint-dev/blueprint/plan"
)

type imagesOptions struct {
	specOptions
	Format       string
	LockSkeleton string
	Force        bool
}

func newImagesCommand(s Streams) *cobra.Command {
	o := &imagesOptions{}
	cmd := &cobra.Command{
		Use:   "images SPEC",
		Short: "List every image the cluster needs, for mirroring and for the lock file",
		Long: `images prints every image the rendered cluster runs, after the images block's
registry and overrides, then the images kubeadm writes for the pinned
Kubernetes release, then those of the next minor (for an upgrade): one
reference per line, the form registry mirroring tools read. --format skopeo
prints a skopeo sync YAML file instead. --lock-skeleton FILE writes a lock
file to fill in with the digests your registry serves (lines already in the
spec's lock file keep their digests). A lock file that is missing images or
does not parse does not stop this command.`,
		Example: `  blueprint images cluster.hcl > images.txt
  blueprint images cluster.hcl --format skopeo > sync.yaml
  blueprint images cluster.hcl --lock-skeleton images.lock`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeOneSpec,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Path = args[0]
			return imagesRun(o, s)
		},
	}
	o.addFlags(cmd)
	cmd.Flags().StringVar(&o.Format, "format", "list", "list (one reference per line) or skopeo (skopeo sync YAML)")
	cmd.Flags().StringVar(&o.LockSkeleton, "lock-skeleton", "", "write a lock-file skeleton to this file")
	cmd.Flags().BoolVar(&o.Force, "force", false, "overwrite the --lock-skeleton file if it exists")
	return cmd
}

func imagesRun(o *imagesOptions, s Streams) error {
	if o.Format != "list" && o.Format != "skopeo" {
		return &exitError{code: ExitUsage, err: fmt.Errorf("--format %q: use list or skopeo", o.Format)}
	}
	l := loadSpec(o.specOptions)
	// The lock file is what this command helps to write: its problems are
	// shown, and do not stop it.
	var lockFile string
	var lockAttr hcl.Range
	if l.spec != nil && l.spec.Images != nil {
		lockAttr = l.spec.Images.LockFileRange
		if lk := l.spec.Images.Lock(); lk != nil {
			lockFile = lk.File
		}
	}
	rest := slices.DeleteFunc(slices.Clone(l.diags), func(d *hcl.Diagnostic) bool {
		return d.Subject != nil && ((lockFile != "" && d.Subject.Filename == lockFile) || *d.Subject == lockAttr)
	})
	l.printDiagnostics(s)
	if l.spec == nil || rest.HasErrors() || (o.Strict && len(rest) > 0) {
		return specError()
	}
	var old map[string]string
	if lk := l.spec.Images.Lock(); lk != nil {
		old = map[string]string{}
		for ref, e := range lk.Entries {
			old[ref] = e.Digest
		}
	}
	l.spec.Images.DropLock()
	p := plan.Build(l.spec)
	refs := p.AllImages()
	var out string
	if o.Format == "skopeo" {
		b, err := skopeoSync(refs)
		if err != nil {
			return &exitError{code: ExitFailure, err: err}
		}
		out = string(b)
	} else {
		out = imageLines(p)
	}
	if o.LockSkeleton == "" {
		_, err := io.WriteString(s.Out, out)
		return err
	}
	err := safefs.WriteFile(o.LockSkeleton, lockSkeleton(p, old), 0o644, o.Force)
	switch {
	case errors.Is(err, fs.ErrExist):
		return &exitError{code: ExitUsage, err: fmt.Errorf("%s exists; use --force to overwrite it", safefs.Show(o.LockSkeleton))}
	case err != nil:
		return &exitError{code: ExitFailure, err: err}
	}
	fmt.Fprintf(s.Err, "Wrote %s: %d images. Fill in each digest, then name it in images { lock_file }.\n", safefs.Show(o.LockSkeleton), len(refs))
	return nil
}

// imageLines lists the references with a comment before each group.
func imageLines(p *plan.Plan) string {
	var b strings.Builder
	seen := map[string]bool{}
	group := func(title string, refs []string) {
		var fresh []string
		for _, r := range refs {
			if !seen[r] {
				seen[r] = true
				fresh = append(fresh, r)
			}
		}
		if len(fresh) == 0 {
			return
		}
		fmt.Fprintf(&b, "# %s\n", title)
		for _, r := range fresh {
			b.WriteString(r + "\n")
		}
	}
	var tree, cp, up []string
	for _, img := range p.Services.Images {
		tree = append(tree, img.Ref)
	}
	for _, c := range p.ImageSupply.ControlPlane {
		cp = append(cp, c.Ref)
	}
	for _, c := range p.ImageSupply.Upgrade {
		up = append(up, c.Ref)
	}
	group("the rendered manifests and static pods", tree)
	group("kubeadm's images for "+p.KubernetesVersion, cp)
	if p.ImageSupply.UpgradeVersion != "" {
		group("kubeadm's images for "+p.ImageSupply.UpgradeVersion+", the next minor (an upgrade)", up)
	}
	return b.String()
}

// skopeoSync writes the references as a skopeo sync source file
// (--src yaml): per registry, each repository with its tags.
func skopeoSync(refs []string) ([]byte, error) {
	type repos struct {
		Images map[string][]string `json:"images"`
	}
	out := map[string]*repos{}
	for _, r := range refs {
		host := plan.RegistryHost(r)
		rest := strings.TrimPrefix(r, host+"/")
		name, tag := rest, "latest"
		if i := strings.LastIndex(rest, ":"); i > strings.LastIndex(rest, "/") {
			name, tag = rest[:i], rest[i+1:]
		}
		if out[host] == nil {
			out[host] = &repos{Images: map[string][]string{}}
		}
		if !slices.Contains(out[host].Images[name], tag) {
			out[host].Images[name] = append(out[host].Images[name], tag)
		}
	}
	b, err := yaml.Marshal(out)
	if err != nil {
		return nil, err
	}
	return append([]byte("# skopeo sync --src yaml --dest docker THIS-FILE MIRROR\n"), b...), nil
}

// lockSkeletonDigest stands where a digest goes; the loader refuses it,
// so a skeleton cannot be used before it is filled in.
const lockSkeletonDigest = "sha256:FILL-IN"

// lockSkeleton writes one line per image: the digest the old lock had for
// it, or a placeholder.
func lockSkeleton(p *plan.Plan, old map[string]string) []byte {
	var b strings.Builder
	b.WriteString(`# blueprint image lock file: one image per line, the reference as blueprint
# writes it, then the digest your registry serves it under. Fill in each
# sha256:FILL-IN, for instance with
#   crane digest REFERENCE
#   skopeo inspect --format '{{.Digest}}' docker://REFERENCE
# Digests are the same in a mirror that copied the images unchanged.
`)
	for _, ref := range p.AllImages() {
		d := old[ref]
		if d == "" {
			d = lockSkeletonDigest
		}
		b.WriteString(ref + " " + d + "\n")
	}
	return []byte(b.String())
}
