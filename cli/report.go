package cli

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

// jsonFailure is the part of a --json report that says why the command
// failed, when it did for another reason than the spec's diagnostics.
type jsonFailure struct {
	Error string `json:"error,omitempty"`
}

// finishJSON writes a command's --json report, with the error the command
// ends with (if any) in it, and returns that error: the exit code stays
// the same with or without --json.
func finishJSON(w io.Writer, rep any, f *jsonFailure, err error) error {
	var ee *exitError
	if errors.As(err, &ee) && ee.err != nil {
		f.Error = ee.err.Error()
	}
	if jerr := writeJSONTo(w, rep); jerr != nil {
		return jerr
	}
	return err
}

// jsonDiagnostic is the --json form of one diagnostic.
type jsonDiagnostic struct {
	Severity string     `json:"severity"`
	Code     string     `json:"code,omitempty"` // a warning's stable code
	Summary  string     `json:"summary"`
	Detail   string     `json:"detail,omitempty"`
	Range    *jsonRange `json:"range,omitempty"`
	Snippet  string     `json:"snippet,omitempty"`
}

// jsonRange is where a diagnostic points. A diagnostic about a file as a
// whole (a block it lacks) has line 0.
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

// jsonDiagnostics converts diagnostics for --json; never nil, so that it
// encodes as [].
func jsonDiagnostics(diags hcl.Diagnostics, files map[string]*hcl.File) []jsonDiagnostic {
	out := []jsonDiagnostic{}
	for _, d := range diags {
		jd := jsonDiagnostic{Summary: d.Summary, Detail: d.Detail, Severity: severityName(d.Severity), Code: string(validate.CodeOf(d))}
		if d.Subject != nil {
			r := *d.Subject
			jd.Range = jsonRangeOf(r)
			if !spec.IsFileRange(r) {
				jd.Snippet = snippet(files[r.Filename], r)
			}
		}
		out = append(out, jd)
	}
	return out
}

func jsonRangeOf(r hcl.Range) *jsonRange {
	return &jsonRange{
		Filename: r.Filename,
		Start:    jsonPos{r.Start.Line, r.Start.Column, r.Start.Byte},
		End:      jsonPos{r.End.Line, r.End.Column, r.End.Byte},
	}
}

func severityName(s hcl.DiagnosticSeverity) string {
	if s == hcl.DiagError {
		return "error"
	}
	return "warning"
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

// The SARIF 2.1.0 log validate --format sarif writes, so that CI systems
// (GitHub code scanning, GitLab, Azure DevOps) annotate the lines of a
// pull request. Only what those read is filled in.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string       `json:"id"`
	ShortDescription sarifMessage `json:"shortDescription"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int           `json:"startLine"`
	StartColumn int           `json:"startColumn"`
	EndLine     int           `json:"endLine"`
	EndColumn   int           `json:"endColumn"`
	Snippet     *sarifMessage `json:"snippet,omitempty"`
}

const sarifSchema = "https://json.schemastore.org/sarif-2.1.0.json"

// ruleID is the SARIF rule of a diagnostic: a warning's stable code
// ("etcd-zone-quorum"), else its summary in kebab case ("Undeclared zone"
// is "undeclared-zone"), stable as long as the summary is, so that a CI
// system tracks one kind of problem across runs.
func ruleID(d *hcl.Diagnostic) string {
	if c := validate.CodeOf(d); c != "" {
		return string(c)
	}
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(d.Summary) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		default:
			dash = true
		}
	}
	if b.Len() == 0 {
		return "diagnostic"
	}
	return b.String()
}

// sarifURI is a file's path as SARIF wants it: with slashes, relative as
// given (CI systems resolve it against the checkout) or a file:// URI,
// percent-encoded where a URI needs it.
func sarifURI(name string) string {
	p := filepath.ToSlash(name)
	var b strings.Builder
	if filepath.IsAbs(name) {
		b.WriteString("file://")
	}
	for _, c := range []byte(p) {
		if c > 0x20 && c < 0x7f && !strings.ContainsRune(`%"<>\^`+"`{|}#?[]", rune(c)) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// writeSARIF writes the diagnostics of every spec as one SARIF run.
func writeSARIF(w io.Writer, loads []*loaded, version string) error {
	run := sarifRun{
		Tool:    sarifTool{Driver: sarifDriver{Name: "blueprint", Version: version, Rules: []sarifRule{}}},
		Results: []sarifResult{},
	}
	index := map[string]int{}
	for _, l := range loads {
		for _, d := range l.diags {
			id := ruleID(d)
			i, ok := index[id]
			if !ok {
				i = len(run.Tool.Driver.Rules)
				index[id] = i
				run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{ID: id, ShortDescription: sarifMessage{d.Summary}})
			}
			res := sarifResult{RuleID: id, RuleIndex: i, Level: severityName(d.Severity), Message: sarifMessage{d.Summary}}
			if d.Detail != "" {
				res.Message.Text += ": " + d.Detail
			}
			if d.Subject != nil && d.Subject.Filename != "" {
				r := *d.Subject
				loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: sarifURI(r.Filename)}}}
				if !spec.IsFileRange(r) {
					loc.PhysicalLocation.Region = &sarifRegion{StartLine: r.Start.Line, StartColumn: r.Start.Column, EndLine: r.End.Line, EndColumn: r.End.Column}
					if s := snippet(l.files[r.Filename], r); s != "" {
						loc.PhysicalLocation.Region.Snippet = &sarifMessage{s}
					}
				}
				res.Locations = []sarifLocation{loc}
			}
			run.Results = append(run.Results, res)
		}
	}
	slices.SortStableFunc(run.Tool.Driver.Rules, func(a, b sarifRule) int { return strings.Compare(a.ID, b.ID) })
	for i, r := range run.Tool.Driver.Rules {
		index[r.ID] = i
	}
	for i := range run.Results {
		run.Results[i].RuleIndex = index[run.Results[i].RuleID]
	}
	return writeJSONTo(w, sarifLog{Schema: sarifSchema, Version: "2.1.0", Runs: []sarifRun{run}})
}
