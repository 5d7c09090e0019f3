package verify

import (
	"fmt"
	"io"
	"strings"
)

// WriteText prints the report for a person: the programs used (and how to
// install a missing one), one line per check with what the program said
// when it failed, and a count. Control characters are escaped.
func (rep Report) WriteText(w io.Writer) error {
	rep = rep.escaped()
	var b strings.Builder
	fmt.Fprintf(&b, "Verifying %s with:\n", rep.Dir)
	nameWidth := 0
	for _, t := range rep.Tools {
		nameWidth = max(nameWidth, len(t.Name))
	}
	for _, t := range rep.Tools {
		if t.Missing != "" {
			fmt.Fprintf(&b, "  %-*s  missing: %s\n", nameWidth, t.Name, t.Missing)
			if t.Install != "" {
				fmt.Fprintf(&b, "  %-*s  install: %s\n", nameWidth, "", t.Install)
			}
		} else {
			fmt.Fprintf(&b, "  %-*s  %s (%s)\n", nameWidth, t.Name, t.Version, t.Path)
		}
	}
	b.WriteString("\n")

	rows := [][3]string{{"ARTIFACT", "CHECK", "TOOL"}}
	for _, c := range rep.Checks {
		tool := c.Version
		if tool == "" {
			tool = c.Tool
		}
		rows = append(rows, [3]string{c.Artifact, c.Name, tool})
	}
	var width [3]int
	for _, r := range rows {
		for i, cell := range r {
			width[i] = max(width[i], len(cell))
		}
	}
	for i, r := range rows {
		result := "RESULT"
		if i > 0 {
			result = describe(rep.Checks[i-1])
		}
		fmt.Fprintf(&b, "%-*s  %-*s  %-*s  %s\n", width[0], r[0], width[1], r[1], width[2], r[2], result)
		if i > 0 && rep.Checks[i-1].Output != "" {
			for _, l := range strings.Split(rep.Checks[i-1].Output, "\n") {
				fmt.Fprintf(&b, "    | %s\n", l)
			}
		}
	}
	if len(rep.Notes) > 0 {
		b.WriteString("\n")
		for _, n := range rep.Notes {
			fmt.Fprintf(&b, "%s\n", n)
		}
	}
	fmt.Fprintf(&b, "\n%d checks passed, %d failed, %d could not run.\n",
		rep.Count(Passed), rep.Count(Failed), rep.Count(NotRun))
	_, err := io.WriteString(w, b.String())
	return err
}

func describe(c Check) string {
	switch c.Result {
	case Failed:
		return "FAILED"
	case NotRun:
		return "not run: " + c.Reason
	}
	return string(c.Result)
}
