package cli

import (
	"fmt"

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
	cmd.Flags().StringArrayVar(&o.Vars, "var", nil, "set a variable: --var name=value (repeatable; -var works too)")
	cmd.Flags().StringArrayVar(&o.VarFiles, "var-file", nil, "read variable values from an HCL file of name = value lines (repeatable)")
	cmd.Flags().BoolVar(&o.Strict, "strict", false, "treat warnings as errors")
	_ = cmd.RegisterFlagCompletionFunc("var-file", completeHCLFlag)
}

// addRenderFlags adds the flags of commands that render.
func (o *specOptions) addRenderFlags(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&o.Flatten, "flatten", false, "also write flat/NN-component.yaml, each component built by kustomize")
}

// loaded is a spec after loading, validation and, when it validated, a
// render in memory and the capacity forecast of what it renders, with what
// is needed to print its diagnostics.
type loaded struct {
	spec *spec.Spec
	// fleet is set instead of spec for a fleet spec, when the command
	// takes one; tree is then the whole fleet's.
	fleet *spec.Fleet
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
	if l.diags.HasErrors() || (l.spec == nil && l.fleet == nil) {
		return true
	}
	return strict && len(l.diags) > 0
}

// loadSpec loads and validates a spec of one cluster and, if it has no
// errors, renders it in memory and adds the capacity forecast's findings:
// pods the scheduler could not place on the intact cluster (errors) or
// after a zone loss (warnings). A fleet spec is an error.
func loadSpec(o specOptions) *loaded { return loadSpecOrFleet(o, false) }

// loadSpecOrFleet is loadSpec for the commands that also take a fleet
// (validate, render, diff, plan): each member is validated, rendered and
// forecast as one cluster, then the fleet's rules run and the members'
// trees are assembled into the fleet's.
func loadSpecOrFleet(o specOptions, fleets bool) *loaded {
	loader := spec.NewLoader()
	opts := spec.Options{Vars: o.Vars, VarFiles: o.VarFiles}
	var s *spec.Spec
	var f *spec.Fleet
	var diags hcl.Diagnostics
	if fleets {
		s, f, diags = loader.LoadAny(o.Path, opts)
	} else {
		s, diags = loader.Load(o.Path, opts)
	}
	l := &loaded{spec: s, fleet: f, files: loader.Files()}
	renderOpts := render.Options{Flatten: o.Flatten, Builds: render.UserBuildCache()}
	if f != nil {
		trees := map[string]render.Tree{}
		plans := map[string]*plan.Plan{}
		r := validate.Fleet(f, diags, func(m *spec.Member) func() hcl.Diagnostics {
			return func() hcl.Diagnostics {
				p := plan.Build(m.Spec)
				tree, fc, err := render.RenderForecast(p, renderOpts)
				if err != nil {
					l.renderErr = fmt.Errorf("member %s: %w", m.Name, err)
					return nil
				}
				trees[m.Name], plans[m.Name] = tree, p
				return forecast.Diagnostics(m.Spec, fc)
			}
		})
		l.diags = r.Diagnostics
		for _, m := range f.Members {
			l.accepted = append(l.accepted, r.Members[m.Name].Accepted...)
		}
		if !l.diags.HasErrors() && l.renderErr == nil {
			l.tree, l.renderErr = render.Fleet(plan.BuildFleet(f, plans), trees)
		}
		return l
	}
	r := validate.RunWith(s, diags, func() hcl.Diagnostics {
		tree, fc, err := render.RenderForecast(plan.Build(s), renderOpts)
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

// renderSpec loads a spec and returns the tree it rendered in memory (with
// its forecast) unless it failed.
func renderSpec(o specOptions, s Streams) (*loaded, render.Tree, error) {
	l := loadSpecOrFleet(o, true)
	if l.failed(o.Strict) {
		return l, nil, l.failure()
	}
	if l.renderErr != nil {
		return l, nil, &exitError{code: ExitFailure, err: l.renderErr}
	}
	return l, l.tree, nil
}

// printDiagnostics writes the diagnostics as text on standard error; with
// -q, only the errors.
func (l *loaded) printDiagnostics(s Streams) {
	diags := l.diags
	if s.quiet() {
		diags = onlyErrors(diags)
	}
	if len(diags) == 0 {
		return
	}
	p := &diagPrinter{w: s.Err, files: l.files, width: s.width(), color: s.color()}
	_ = p.write(diags)
}

// failure is the exit of a spec that failed: 3 when it could not be read
// at all (a missing or unreadable file), else 1.
func (l *loaded) failure() error {
	for _, d := range l.diags {
		if spec.IsInputProblem(d) {
			return &exitError{code: ExitFailure}
		}
	}
	return specError()
}

func specError() error { return &exitError{code: ExitSpecError} }

// onlyErrors drops the warnings.
func onlyErrors(diags hcl.Diagnostics) hcl.Diagnostics {
	var errs hcl.Diagnostics
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			errs = append(errs, d)
		}
	}
	return errs
}
