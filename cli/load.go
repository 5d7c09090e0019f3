package cli

import (
	"io"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/blueprint-dev/blueprint/forecast"
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

// loaded is a spec after loading, validation and, when it validated, a
// render in memory and the capacity forecast of what it renders, with what
// is needed to print its diagnostics.
type loaded struct {
	spec  *spec.Spec
	diags hcl.Diagnostics
	// accepted are the warnings the spec's accept blocks acknowledge.
	accepted []validate.Accepted
	files    map[string]*hcl.File
	tree     render.Tree
	// renderErr is a render that failed for a reason other than the spec
	// (a template or kustomize build problem).
	renderErr error
}

// failed reports whether the spec cannot be rendered.
func (l *loaded) failed(strict bool) bool {
	if l.diags.HasErrors() || l.spec == nil {
		return true
	}
	return strict && len(l.diags) > 0
}

// loadSpec loads and validates a spec and, if it has no errors, renders it
// in memory and adds the capacity forecast's findings: pods the scheduler
// could not place on the intact cluster (errors) or after a zone loss
// (warnings).
func loadSpec(o specOptions) *loaded {
	loader := spec.NewLoader()
	s, diags := loader.Load(o.Path, spec.Options{Vars: o.Vars, VarFiles: o.VarFiles})
	l := &loaded{spec: s, files: loader.Files()}
	r := validate.RunWith(s, diags, func() hcl.Diagnostics {
		tree, fc, err := render.RenderForecast(plan.Build(s), render.Options{Flatten: o.Flatten, Builds: render.UserBuildCache()})
		if err != nil {
			l.renderErr = err
			return nil
		}
		l.tree = tree
		return forecast.Diagnostics(s, fc)
	})
	l.diags, l.accepted = r.Diagnostics, r.Accepted
	return l
}

// renderSpec loads a spec, prints its diagnostics, and returns the tree it
// rendered in memory unless it failed.
func renderSpec(o specOptions, s Streams) (render.Tree, error) {
	l := loadSpec(o)
	l.printDiagnostics(s.Err)
	if l.failed(o.Strict) {
		return nil, specError()
	}
	if l.renderErr != nil {
		return nil, &exitError{code: ExitFailure, err: l.renderErr}
	}
	return l.tree, nil
}

func (l *loaded) printDiagnostics(w io.Writer) {
	if len(l.diags) == 0 {
		return
	}
	tw := hcl.NewDiagnosticTextWriter(w, l.files, 100, false)
	_ = tw.WriteDiagnostics(l.diags)
}

func specError() error { return &exitError{code: ExitSpecError} }
