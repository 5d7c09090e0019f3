package cli

import (
	"io"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

// specOptions are the flags every command that reads a spec shares.
type specOptions struct {
	Path     string
	Vars     []string
	VarFiles []string
	Strict   bool
	// Flatten also writes flat/: each manifests component built into one file.
	Flatten bool
}

func (o *specOptions) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&o.Vars, "var", nil, "set a variable: -var name=value (repeatable)")
	cmd.Flags().StringArrayVar(&o.VarFiles, "var-file", nil, "read variable values from an HCL file (repeatable)")
	cmd.Flags().BoolVar(&o.Strict, "strict", false, "treat warnings as errors")
}

// addRenderFlags adds the flags of commands that render.
func (o *specOptions) addRenderFlags(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&o.Flatten, "flatten", false, "also write flat/NN-component.yaml, each component built by kustomize")
}

// loaded is a spec after loading and validation, with what is needed to
// print its diagnostics.
type loaded struct {
	spec  *spec.Spec
	diags hcl.Diagnostics
	// accepted are the warnings the spec's accept blocks acknowledge.
	accepted []validate.Accepted
	files    map[string]*hcl.File
}

// failed reports whether the spec cannot be rendered.
func (l *loaded) failed(strict bool) bool {
	if l.diags.HasErrors() || l.spec == nil {
		return true
	}
	return strict && len(l.diags) > 0
}

func loadSpec(o specOptions) *loaded {
	loader := spec.NewLoader()
	s, diags := loader.Load(o.Path, spec.Options{Vars: o.Vars, VarFiles: o.VarFiles})
	r := validate.Run(s, diags)
	return &loaded{spec: s, diags: r.Diagnostics, accepted: r.Accepted, files: loader.Files()}
}

// renderSpec loads a spec, prints its diagnostics, and renders it in memory
// unless it failed.
func renderSpec(o specOptions, s Streams) (render.Tree, error) {
	l := loadSpec(o)
	l.printDiagnostics(s.Err)
	if l.failed(o.Strict) {
		return nil, specError()
	}
	tree, err := render.RenderWith(plan.Build(l.spec), render.Options{Flatten: o.Flatten, Builds: render.UserBuildCache()})
	if err != nil {
		return nil, &exitError{code: ExitFailure, err: err}
	}
	return tree, nil
}

func (l *loaded) printDiagnostics(w io.Writer) {
	if len(l.diags) == 0 {
		return
	}
	tw := hcl.NewDiagnosticTextWriter(w, l.files, 100, false)
	_ = tw.WriteDiagnostics(l.diags)
}

func specError() error { return &exitError{code: ExitSpecError} }
