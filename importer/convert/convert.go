// Package convert runs an import from end to end: it reads the sources the
// user names (through internal/safefs), hands them to the importer of their
// format, writes the spec, and checks it with blueprint's own pipeline, so
// that the report says what the spec could not carry and whether it
// validates. The CLI's import command is a thin layer over Sources.
package convert

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/blueprint-dev/blueprint/importer"
	"github.com/blueprint-dev/blueprint/importer/kubeadm"
	"github.com/blueprint-dev/blueprint/importer/kubeone"
	"github.com/blueprint-dev/blueprint/importer/kubespray"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

// Result is an import's outcome.
type Result struct {
	Format importer.Format
	// Spec is the formatted spec.
	Spec []byte
	// Findings are the source settings the spec does not carry as the
	// source has them, each with its file and line.
	Findings []importer.Finding
	// Missing names what a spec needs and no source said; the spec is
	// written all the same, for the user to complete.
	Missing []string
	// Diagnostics are blueprint validate's on the spec (SpecName).
	Diagnostics hcl.Diagnostics
	// Files are the spec's parsed sources, for printing the diagnostics.
	Files map[string]*hcl.File
}

// Options change an import.
type Options struct {
	// SpecName is the name of the spec file, for the diagnostics.
	SpecName string
	// Name is the cluster's name, when the sources give none.
	Name string
}

// Sources imports the files and folders at paths. A folder is a Kubespray
// inventory (its inventory file and group_vars); files are all of one
// format, detected from their content.
func Sources(paths []string, opts Options) (*Result, error) {
	if len(paths) == 0 {
		return nil, errors.New("name at least one source")
	}
	d := &importer.Design{}
	r := &Result{}
	var docs []kubeadm.Doc
	var files []importer.File
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if info.IsDir() {
			// A Kubespray inventory folder, or a folder of kubeadm
			// configuration files or of one KubeOne manifest.
			inv, err := kubespray.ReadInventoryDir(p)
			format := importer.Kubespray
			if errors.Is(err, kubespray.ErrNoInventory) {
				inv, err = importer.ReadDir(p, false, ".yaml", ".yml")
				if err == nil && len(inv) > 0 {
					format, err = importer.Detect(inv[0])
				}
			}
			if err != nil {
				return nil, err
			}
			if r.Format != "" && r.Format != format {
				return nil, fmt.Errorf("%s holds %s files, but %s sources came first: import one cluster description, in one format, at a time", p, format, r.Format)
			}
			r.Format = format
			files = append(files, inv...)
			continue
		}
		f, err := importer.ReadFile(p)
		if err != nil {
			return nil, err
		}
		format, err := importer.Detect(f)
		if err != nil && r.Format == importer.Kubespray && isYAML(p) {
			format, err = importer.Kubespray, nil // a group_vars file
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if r.Format != "" && r.Format != format {
			return nil, fmt.Errorf("%s is %s, but %s sources came first: import one cluster description, in one format, at a time", p, format, r.Format)
		}
		r.Format = format
		files = append(files, f)
	}
	switch r.Format {
	case importer.Kubeadm:
		var err error
		if docs, err = kubeadm.Parse(files); err != nil {
			return nil, err
		}
		kubeadm.Read(docs, d)
	case importer.Kubespray:
		if err := kubespray.Read(files, d); err != nil {
			return nil, err
		}
	case importer.KubeOne:
		if len(files) != 1 {
			return nil, errors.New("a KubeOne cluster is one manifest: name one file")
		}
		if err := kubeone.Read(files[0], d); err != nil {
			return nil, err
		}
	}
	if d.Name == "" {
		d.Name = opts.Name
	}
	if d.Name == "" && r.Format == importer.Kubespray {
		// An inventory is named by its folder: inventory/mycluster.
		if base := filepath.Base(filepath.Clean(paths[0])); len(validation.IsDNS1123Label(base)) == 0 {
			d.Name = base
		}
	}
	r.Missing = d.Missing()
	r.Spec = d.Spec(header(paths, r.Format))

	name := opts.SpecName
	if name == "" {
		name = "imported.hcl"
	}
	loader := spec.NewLoader()
	s, diags := loader.LoadSource(name, r.Spec, spec.Options{})
	r.Diagnostics = validate.Check(s, diags)
	r.Files = loader.Files()
	if r.Format == importer.Kubeadm && !r.Diagnostics.HasErrors() {
		tree, err := render.Render(plan.Build(s))
		if err != nil {
			return nil, err
		}
		unmapped, err := kubeadm.Unmapped(docs, tree)
		if err != nil {
			return nil, err
		}
		// A setting the reader has already noted, with its reason, is
		// not reported twice.
		noted := map[importer.Finding]bool{}
		for _, f := range d.Findings {
			noted[importer.Finding{File: f.File, Line: f.Line, Setting: f.Setting}] = true
		}
		for _, f := range unmapped {
			if !noted[importer.Finding{File: f.File, Line: f.Line, Setting: f.Setting}] {
				d.Findings = append(d.Findings, f)
			}
		}
	}
	sort.SliceStable(d.Findings, func(i, j int) bool {
		a, b := d.Findings[i], d.Findings[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	r.Findings = d.Findings
	return r, nil
}

func isYAML(p string) bool { return strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml") }

// header is the spec's opening comment: where it came from.
func header(paths []string, format importer.Format) []string {
	from := filepath.ToSlash(paths[0])
	if len(paths) > 1 {
		from = fmt.Sprintf("%s and %d more", from, len(paths)-1)
	}
	return []string{
		fmt.Sprintf("Imported by blueprint import from %s (%s).", from, format),
		"Review it: blueprint import reports what the sources hold that this spec does not.",
	}
}
