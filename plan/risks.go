package plan

import (
	"fmt"
	"path/filepath"

	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

// Risk is one accept block of the spec: a warning the design takes
// knowingly, with the reason the reviewer reads in ARCHITECTURE.md.
type Risk struct {
	Code     string
	Scope    string // `zone = "az1"`, or "" for the whole design
	Reason   string
	Meaning  string // what the code warns about, from the README's table
	Warnings []RiskWarning
}

// RiskWarning is one warning an accept block acknowledges.
type RiskWarning struct {
	Where   string // file:line
	Summary string
	Detail  string
}

// risks lists the spec's accept blocks with the warnings each covers. The
// rules run again for it, only for specs that accept something.
func risks(s *spec.Spec) []Risk {
	if len(s.Accepts) == 0 {
		return nil
	}
	meaning := map[validate.Code]string{}
	for _, c := range validate.Codes() {
		meaning[c.Code] = c.Meaning
	}
	var out []Risk
	for _, a := range validate.Run(s, nil).Accepted {
		r := Risk{Code: a.Accept.Code, Scope: validate.AcceptScope(a.Accept).String(), Reason: a.Accept.Reason, Meaning: meaning[validate.Code(a.Accept.Code)]}
		for _, d := range a.Warnings {
			w, _ := validate.WarningOf(d)
			where := ""
			if d.Subject != nil {
				where = fmt.Sprintf("%s:%d", filepath.Base(d.Subject.Filename), d.Subject.Start.Line)
			}
			r.Warnings = append(r.Warnings, RiskWarning{Where: where, Summary: d.Summary, Detail: w.Detail})
		}
		out = append(out, r)
	}
	return out
}
