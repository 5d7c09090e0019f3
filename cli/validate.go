package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/blueprint-dev/blueprint/internal/safefs"
	"github.com/blueprint-dev/blueprint/validate"
)

type validateOptions struct {
	specOptions
	Paths  []string
	Format string
}

// Output formats of validate.
const (
	formatText  = "text"
	formatJSON  = "json"
	formatSARIF = "sarif"
)

func newValidateCommand(s Streams) *cobra.Command {
	o := &validateOptions{}
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "validate SPEC...",
		Short: "Check specs and report every problem at once",
		Long: `validate loads each SPEC (an .hcl file, or a folder whose *.hcl files form one
spec) on its own and reports every problem with its file:line:column, source
snippet and a hint. Several specs are checked one by one, as terraform validate
checks each module: blueprint validate blueprints/*.hcl.

--format json (or --json) prints one JSON report on standard output; --format
sarif prints a SARIF 2.1.0 log, which CI systems read to annotate the lines of
a pull request.

Exit code 0: valid; 1: errors (or warnings with --strict); 2: usage; 3: a spec
cannot be read (missing, unreadable). With several specs, the highest.`,
		Example: `  blueprint validate cluster.hcl
  blueprint validate blueprints/*.hcl --strict
  blueprint validate cluster.hcl --var workers_per_zone=3
  blueprint validate cluster.hcl --format sarif > blueprint.sarif`,
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: completeSpecs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Paths = args
			f, err := formatFlag(cmd, asJSON, o.Format, formatText, formatJSON, formatSARIF)
			if err != nil {
				return err
			}
			o.Format = f
			return validateRun(o, s)
		},
	}
	o.addFlags(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON (the same as --format json)")
	cmd.Flags().StringVar(&o.Format, "format", formatText, "report format: text, json or sarif")
	_ = cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{formatText, formatJSON, formatSARIF}, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func validateRun(o *validateOptions, s Streams) error {
	var loads []*loaded
	worst := error(nil)
	for _, p := range o.Paths {
		so := o.specOptions
		so.Path = p
		l := loadSpecOrFleet(so, true)
		explainFolderDuplicates(l, p)
		loads = append(loads, l)
		if o.Format == formatText {
			l.printDiagnostics(s)
			printAccepted(s, l.accepted)
			if ver, ok := l.version(); ok && ver.Resolved {
				s.say("Kubernetes %s: %s.", ver, ver.Resolution())
			}
			if !l.failed(o.Strict) {
				s.say("%s is valid (%s%s).", safefs.Show(p), countWarnings(l.diags), countAccepted(l.accepted))
			}
		}
		if l.failed(o.Strict) {
			worst = worse(worst, l.failure())
		} else if l.renderErr != nil {
			worst = worse(worst, &exitError{code: ExitFailure, err: l.renderErr})
		}
	}
	var err error
	switch o.Format {
	case formatJSON:
		err = writeJSONTo(s.Out, validateReport(o, loads))
	case formatSARIF:
		err = writeSARIF(s.Out, loads, readVersion().Version)
	}
	if err != nil {
		return err
	}
	return worst
}

// worse returns the failure with the higher exit code.
func worse(a, b error) error {
	ea, _ := a.(*exitError)
	eb, _ := b.(*exitError)
	if ea == nil || (eb != nil && eb.code > ea.code) {
		return b
	}
	return a
}

// explainFolderDuplicates adds, to a duplicate that a folder's files
// declare between them, that a folder's files form one spec: the user may
// have meant to validate each file (validate folder/*.hcl).
func explainFolderDuplicates(l *loaded, path string) {
	if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
		return
	}
	for _, d := range l.diags {
		if d.Subject == nil || !strings.HasPrefix(strings.ToLower(d.Summary), "duplicate") {
			continue
		}
		here := d.Subject.Filename
		for name := range l.files {
			if name != here && filepath.Dir(name) == filepath.Dir(here) && strings.Contains(d.Detail, name) {
				d.Detail += fmt.Sprintf("\n\nThe *.hcl files of a folder form one spec, so what %s and %s declare must not clash. To check each file as a spec of its own, name the files: blueprint validate %s.",
					safefs.Show(filepath.Base(here)), safefs.Show(filepath.Base(name)), safefs.Show(filepath.Join(path, "*.hcl")))
				break
			}
		}
	}
}

func countWarnings(d hcl.Diagnostics) string {
	n := 0
	for _, x := range d {
		if x.Severity == hcl.DiagWarning {
			n++
		}
	}
	return count(n, "warning")
}

// printAccepted lists the warnings the spec's accept blocks acknowledge,
// one line each, with the block's reason.
func printAccepted(s Streams, accepted []validate.Accepted) {
	for _, a := range accepted {
		scope := ""
		if sc := validate.AcceptScope(a.Accept).String(); sc != "" {
			scope = " (" + sc + ")"
		}
		for _, d := range a.Warnings {
			s.say("Accepted %s%s at %s:%d: %s. Reason: %s", a.Accept.Code, scope, safefs.Show(d.Subject.Filename), d.Subject.Start.Line, oneLine(d.Summary), oneLine(strings.Join(strings.Fields(a.Accept.Reason), " ")))
		}
	}
}

// countAccepted says how many warnings accept blocks acknowledge, if any.
func countAccepted(accepted []validate.Accepted) string {
	n := 0
	for _, a := range accepted {
		n += len(a.Warnings)
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(", %d accepted", n)
}

// jsonReport is validate's --json output. With several specs, Valid and
// the counts sum them up and Specs has one entry each.
type jsonReport struct {
	Valid        bool             `json:"valid"`
	ErrorCount   int              `json:"error_count"`
	WarningCount int              `json:"warning_count"`
	Diagnostics  []jsonDiagnostic `json:"diagnostics"`
	Specs        []jsonSpec       `json:"specs"`
	// Accepted lists the accept blocks and the warnings each acknowledges.
	Accepted []jsonAccepted `json:"accepted"`
}

// jsonVersion is kubernetes_version as written and as blueprint reads it.
type jsonVersion struct {
	Written    string `json:"written"`
	Release    string `json:"release"`
	Resolution string `json:"resolution,omitempty"`
}

// version returns the release a spec without errors runs.
func (l *loaded) version() (validate.Version, bool) {
	if l.spec == nil || l.spec.Cluster == nil || l.diags.HasErrors() {
		return validate.Version{}, false
	}
	return validate.KubernetesVersion(l.spec.Cluster.KubernetesVersion)
}

// jsonAccepted is the --json form of one accept block.
type jsonAccepted struct {
	Code     string           `json:"code"`
	Scope    string           `json:"scope,omitempty"`
	Reason   string           `json:"reason"`
	Range    *jsonRange       `json:"range,omitempty"`
	Warnings []jsonDiagnostic `json:"warnings"`
}

// jsonSpec is one spec's verdict.
type jsonSpec struct {
	Path         string `json:"path"`
	Valid        bool   `json:"valid"`
	ErrorCount   int    `json:"error_count"`
	WarningCount int    `json:"warning_count"`
	// KubernetesVersion is the release the spec runs, once it has no errors.
	KubernetesVersion *jsonVersion `json:"kubernetes_version,omitempty"`
}

func validateReport(o *validateOptions, loads []*loaded) jsonReport {
	r := jsonReport{Valid: true, Diagnostics: []jsonDiagnostic{}, Specs: []jsonSpec{}, Accepted: []jsonAccepted{}}
	for i, l := range loads {
		js := jsonSpec{Path: o.Paths[i], Valid: !l.failed(o.Strict)}
		for _, d := range l.diags {
			if d.Severity == hcl.DiagError {
				js.ErrorCount++
			} else {
				js.WarningCount++
			}
		}
		r.Valid = r.Valid && js.Valid
		r.ErrorCount += js.ErrorCount
		r.WarningCount += js.WarningCount
		r.Diagnostics = append(r.Diagnostics, jsonDiagnostics(l.diags, l.files)...)
		if ver, ok := l.version(); ok {
			js.KubernetesVersion = &jsonVersion{Written: ver.Written, Release: ver.String(), Resolution: ver.Resolution()}
		}
		r.Specs = append(r.Specs, js)
		for _, a := range l.accepted {
			r.Accepted = append(r.Accepted, jsonAccepted{Code: a.Accept.Code, Scope: validate.AcceptScope(a.Accept).String(), Reason: a.Accept.Reason,
				Range: jsonRangeOf(a.Accept.DeclRange), Warnings: jsonDiagnostics(a.Warnings, l.files)})
		}
	}
	return r
}
