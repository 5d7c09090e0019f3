package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/blueprint-dev/blueprint/validate"
)

type validateOptions struct {
	specOptions
	JSON bool
}

func newValidateCommand(s Streams) *cobra.Command {
	o := &validateOptions{}
	cmd := &cobra.Command{
		Use:   "validate SPEC",
		Short: "Check a spec and report every problem at once",
		Long: `validate loads SPEC (an .hcl file, or a folder whose *.hcl files form one
spec) and reports every problem with its file, line, column, source snippet and
a hint. Exit code 0: valid; 1: errors (or warnings with --strict); 2: usage.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Path = args[0]
			return validateRun(o, s)
		},
	}
	o.addFlags(cmd)
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print diagnostics as JSON, for CI")
	return cmd
}

func validateRun(o *validateOptions, s Streams) error {
	l := loadSpec(o.specOptions)
	if o.JSON {
		if err := writeJSON(s.Out, l); err != nil {
			return &exitError{code: ExitFailure, err: err}
		}
	} else {
		l.printDiagnostics(s.Err)
		printAccepted(s.Out, l.accepted)
		if !l.failed(o.Strict) {
			fmt.Fprintf(s.Out, "%s is valid (%s%s).\n", o.Path, countWarnings(l.diags), countAccepted(l.accepted))
		}
	}
	if l.failed(o.Strict) {
		return specError()
	}
	if l.renderErr != nil {
		return &exitError{code: ExitFailure, err: l.renderErr}
	}
	return nil
}

func countWarnings(d hcl.Diagnostics) string {
	n := 0
	for _, x := range d {
		if x.Severity == hcl.DiagWarning {
			n++
		}
	}
	if n == 1 {
		return "1 warning"
	}
	return fmt.Sprintf("%d warnings", n)
}

// printAccepted lists the warnings the spec's accept blocks acknowledge,
// one line each, with the block's reason.
func printAccepted(w io.Writer, accepted []validate.Accepted) {
	for _, a := range accepted {
		scope := ""
		if sc := validate.AcceptScope(a.Accept).String(); sc != "" {
			scope = " (" + sc + ")"
		}
		for _, d := range a.Warnings {
			fmt.Fprintf(w, "Accepted %s%s at %s:%d: %s. Reason: %s\n", a.Accept.Code, scope, d.Subject.Filename, d.Subject.Start.Line, d.Summary, strings.Join(strings.Fields(a.Accept.Reason), " "))
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

// jsonDiagnostic is the --json form of one diagnostic.
type jsonDiagnostic struct {
	Severity string     `json:"severity"`
	Code     string     `json:"code,omitempty"`
	Summary  string     `json:"summary"`
	Detail   string     `json:"detail,omitempty"`
	Range    *jsonRange `json:"range,omitempty"`
	Snippet  string     `json:"snippet,omitempty"`
}

type jsonRange struct {
	Filename string  `json:"filename"`
	Start    jsonPos `json:"start"`
	End      jsonPos `json:"end"`
}

type jsonPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

type jsonReport struct {
	Valid        bool             `json:"valid"`
	ErrorCount   int              `json:"error_count"`
	WarningCount int              `json:"warning_count"`
	Diagnostics  []jsonDiagnostic `json:"diagnostics"`
	// Accepted lists the accept blocks and the warnings each acknowledges.
	Accepted []jsonAccepted `json:"accepted"`
}

// jsonAccepted is the --json form of one accept block.
type jsonAccepted struct {
	Code     string           `json:"code"`
	Scope    string           `json:"scope,omitempty"`
	Reason   string           `json:"reason"`
	Range    *jsonRange       `json:"range,omitempty"`
	Warnings []jsonDiagnostic `json:"warnings"`
}

func writeJSON(w io.Writer, l *loaded) error {
	r := jsonReport{Valid: !l.diags.HasErrors() && l.spec != nil, Diagnostics: []jsonDiagnostic{}, Accepted: []jsonAccepted{}}
	for _, d := range l.diags {
		if d.Severity == hcl.DiagError {
			r.ErrorCount++
		} else {
			r.WarningCount++
		}
		r.Diagnostics = append(r.Diagnostics, l.jsonDiagnostic(d))
	}
	for _, a := range l.accepted {
		ja := jsonAccepted{Code: a.Accept.Code, Scope: validate.AcceptScope(a.Accept).String(), Reason: a.Accept.Reason,
			Range: jsonRangeOf(a.Accept.DeclRange), Warnings: []jsonDiagnostic{}}
		for _, d := range a.Warnings {
			ja.Warnings = append(ja.Warnings, l.jsonDiagnostic(d))
		}
		r.Accepted = append(r.Accepted, ja)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func (l *loaded) jsonDiagnostic(d *hcl.Diagnostic) jsonDiagnostic {
	jd := jsonDiagnostic{Summary: d.Summary, Detail: d.Detail, Severity: "warning", Code: string(validate.CodeOf(d))}
	if d.Severity == hcl.DiagError {
		jd.Severity = "error"
	}
	if d.Subject != nil {
		jd.Range = jsonRangeOf(*d.Subject)
		jd.Snippet = snippet(l.files[d.Subject.Filename], *d.Subject)
	}
	return jd
}

func jsonRangeOf(r hcl.Range) *jsonRange {
	return &jsonRange{
		Filename: r.Filename,
		Start:    jsonPos{r.Start.Line, r.Start.Column, r.Start.Byte},
		End:      jsonPos{r.End.Line, r.End.Column, r.End.Byte},
	}
}

// snippet returns the source lines a range covers.
func snippet(f *hcl.File, r hcl.Range) string {
	if f == nil {
		return ""
	}
	lines := strings.Split(string(f.Bytes), "\n")
	if r.Start.Line < 1 || r.Start.Line > len(lines) {
		return ""
	}
	end := min(max(r.End.Line, r.Start.Line), len(lines))
	return strings.Join(lines[r.Start.Line-1:end], "\n")
}
