package impact

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/blueprint-dev/blueprint/internal/escape"
)

// WriteText prints the plan for a reviewer: the changes grouped by
// impact, most severe first, the one-line summary, then the ordered steps
// host by host. Every string from the spec is printed with control
// characters escaped.
func (p *Plan) WriteText(w io.Writer) error {
	var b strings.Builder
	if p.FirstRender {
		fmt.Fprintf(&b, "No state in the folder: a first render of cluster %s (Kubernetes %s); everything is created.\n\n", show(p.Cluster), p.To)
	} else if p.From != p.To {
		fmt.Fprintf(&b, "Cluster %s: Kubernetes %s → %s.\n\n", show(p.Cluster), p.From, p.To)
	} else {
		fmt.Fprintf(&b, "Cluster %s: Kubernetes %s.\n\n", show(p.Cluster), p.To)
	}
	for _, imp := range Impacts {
		var group []Change
		for _, c := range p.Changes {
			if c.Impact == imp {
				group = append(group, c)
			}
		}
		if len(group) == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s (%d)\n", imp, len(group))
		for _, c := range group {
			fmt.Fprintf(&b, "  %s %s: %s\n", c.Action, show(c.Target), show(c.Summary))
			for _, d := range c.Details {
				fmt.Fprintf(&b, "      - %s\n", show(d))
			}
		}
		b.WriteString("\n")
	}
	if len(p.Changes) == 0 {
		b.WriteString("No changes: the cluster already runs this design.\n\n")
	}
	b.WriteString(p.Summary.Line + "\n")
	if len(p.Steps) > 0 {
		b.WriteString("\nSteps, in order (host: command  # purpose):\n")
		for i, s := range p.Steps {
			mark := ""
			switch s.Kind {
			case StepCheck:
				mark = "check "
			case StepManual:
				mark = "manual "
			}
			fmt.Fprintf(&b, "%4d. %s: %s%s  # %s\n", i+1, show(s.Host), mark, show(s.Command), show(s.Purpose))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints the plan as indented JSON (schema in the README).
func (p *Plan) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

func show(s string) string { return escape.Hidden(s) }
