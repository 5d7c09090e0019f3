package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"
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
		if !l.failed(o.Strict) {
			fmt.Fprintf(s.Out, "%s is valid (%s).\n", o.Path, countWarnings(l.diags))
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

// jsonDiagnostic is the --json form of one diagnostic.
type jsonDiagnostic struct {
	Severity string     `json:"severity"`
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
}

func writeJSON(w io.Writer, l *loaded) error {
	r := jsonReport{Valid: !l.diags.HasErrors() && l.spec != nil, Diagnostics: []jsonDiagnostic{}}
	for _, d := range l.diags {
		jd := jsonDiagnostic{Summary: d.Summary, Detail: d.Detail, Severity: "warning"}
		if d.Severity == hcl.DiagError {
			jd.Severity = "error"
			r.ErrorCount++
		} else {
			r.WarningCount++
		}
		if d.Subject != nil {
			jd.Range = &jsonRange{
				Filename: d.Subject.Filename,
				Start:    jsonPos{d.Subject.Start.Line, d.Subject.Start.Column, d.Subject.Start.Byte},
				End:      jsonPos{d.Subject.End.Line, d.Subject.End.Column, d.Subject.End.Byte},
			}
			jd.Snippet = snippet(l.files[d.Subject.Filename], *d.Subject)
		}
		r.Diagnostics = append(r.Diagnostics, jd)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
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
