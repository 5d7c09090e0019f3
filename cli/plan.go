package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/spf13/cobra"

	"github.com/blueprint-dev/blueprint/impact"
	"github.com/blueprint-dev/blueprint/internal/safefs"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/state"
)

type planOptions struct {
	specOptions
	Output       string
	JSON         bool
	DetailedExit bool
}

func newPlanCommand(s Streams) *cobra.Command {
	o := &planOptions{}
	cmd := &cobra.Command{
		Use:   "plan SPEC",
		Short: "Say what the spec's change does to the running cluster, and the steps to get there",
		Long: `plan compares the design in SPEC with the design last rendered into the
output folder (its .blueprint-state.json) and prints each change with its
target, action and impact (none, in-place, restart, rolling, disruptive,
destructive), grouped by impact, most severe first, a one-line summary and
the ordered steps, host by host. It works offline from the folder alone and
writes nothing. Without a state file everything is created.

Exit codes: 0 (with --detailed-exitcode: no changes), 4 with
--detailed-exitcode when something changes, 1 spec errors, 2 usage, 3 other
failures (an unreadable state file, a folder render would refuse).`,
		Example: `  blueprint plan cluster.hcl -o out
  blueprint plan cluster.hcl -o out --detailed-exitcode   # CI: exit 4 when the cluster would change
  blueprint plan cluster.hcl -o out --json | jq -r '.changes[] | select(.impact == "destructive") | .target'`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeOneSpec,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Path = args[0]
			return planRun(o, s)
		},
	}
	o.addFlags(cmd)
	cmd.Flags().StringVarP(&o.Output, "output", "o", "out", "output folder whose state to compare with")
	_ = cmd.RegisterFlagCompletionFunc("output", completeDirFlag)
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the plan as JSON")
	cmd.Flags().BoolVar(&o.DetailedExit, "detailed-exitcode", false, "exit 4 when the plan changes something, 0 when not")
	return cmd
}

func planRun(o *planOptions, s Streams) error {
	if o.Output == "" {
		return &exitError{code: ExitUsage, err: errors.New("the output folder is empty: give -o DIR")}
	}
	l, tree, err := renderSpec(o.specOptions, s)
	if l != nil {
		l.printDiagnostics(s)
	}
	if err != nil {
		return err
	}
	c, err := render.Preflight(o.Output, tree)
	if err != nil {
		return &exitError{code: ExitFailure, err: err}
	}
	defer c.Close()
	printWarnings(s, c.Warnings)
	if err := c.Err(); err != nil {
		return &exitError{code: ExitFailure, err: fmt.Errorf("render would fail, so plan does not read the folder: %w", err)}
	}
	if l.fleet != nil {
		return fleetPlanRun(o, s, l.fleet, c, tree)
	}
	old, err := readState(c)
	if err != nil {
		return &exitError{code: ExitFailure, err: err}
	}
	if old == nil {
		s.note("No %s in %s: planning a first render.", state.FileName, safefs.Show(o.Output))
	}
	p, err := planOf(old, tree)
	if err != nil {
		return &exitError{code: ExitFailure, err: err}
	}
	if o.JSON {
		err = p.WriteJSON(s.Out)
	} else {
		err = p.WriteText(s.Out)
	}
	if err != nil {
		return &exitError{code: ExitFailure, err: err}
	}
	if o.DetailedExit && p.Changed() {
		return &exitError{code: exitWouldChange}
	}
	return nil
}

// fleetPlanRun plans each member of a fleet from the state file of its
// tree under clusters/NAME/: what a change to the class does, cluster by
// cluster.
func fleetPlanRun(o *planOptions, s Streams, f *spec.Fleet, c *render.Change, tree render.Tree) error {
	type memberPlan struct {
		Cluster string          `json:"cluster"`
		Plan    json.RawMessage `json:"plan"`
	}
	report := struct {
		Clusters []memberPlan `json:"clusters"`
	}{Clusters: []memberPlan{}}
	changed := false
	for i, m := range f.Members {
		dir := plan.FleetDir + "/" + m.Name + "/"
		old, err := readStateAt(c, dir+state.FileName)
		if err != nil {
			return &exitError{code: ExitFailure, err: err}
		}
		p, err := planOf(old, memberTree(tree, dir))
		if err != nil {
			return &exitError{code: ExitFailure, err: fmt.Errorf("member %s: %w", m.Name, err)}
		}
		changed = changed || p.Changed()
		if o.JSON {
			var b bytes.Buffer
			if err := p.WriteJSON(&b); err != nil {
				return &exitError{code: ExitFailure, err: err}
			}
			report.Clusters = append(report.Clusters, memberPlan{m.Name, json.RawMessage(bytes.TrimSpace(b.Bytes()))})
			continue
		}
		if i > 0 {
			fmt.Fprintln(s.Out)
		}
		fmt.Fprintf(s.Out, "== member %s (region %s, class %s) ==\n", m.Name, m.Region, m.Class)
		if err := p.WriteText(s.Out); err != nil {
			return &exitError{code: ExitFailure, err: err}
		}
	}
	if o.JSON {
		if err := writeJSONTo(s.Out, report); err != nil {
			return err
		}
	}
	if o.DetailedExit && changed {
		return &exitError{code: exitWouldChange}
	}
	return nil
}

// memberTree is a fleet member's tree: the files under dir, without it.
func memberTree(tree render.Tree, dir string) render.Tree {
	out := render.Tree{}
	for p, b := range tree {
		if rest, ok := strings.CutPrefix(p, dir); ok {
			out[rest] = b
		}
	}
	return out
}

// readState reads the state file render wrote into the folder, through the
// preflight's link-refusing reader: nil when there is none.
func readState(c *render.Change) (*state.State, error) { return readStateAt(c, state.FileName) }

// readStateAt reads a state file at a path of the folder (a fleet
// member's, clusters/NAME/.blueprint-state.json).
func readStateAt(c *render.Change, name string) (*state.State, error) {
	b, err := c.Old(name, state.MaxSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	s, err := state.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("%s in %s: %w", name, safefs.Show(c.Target.Given), err)
	}
	return s, nil
}

// planOf compares old (nil: none) with the design of a rendered tree.
func planOf(old *state.State, tree render.Tree) (*impact.Plan, error) {
	nb, ok := tree[state.FileName]
	if !ok {
		return nil, errors.New("the rendered tree has no state file")
	}
	n, err := state.Decode(nb)
	if err != nil {
		return nil, fmt.Errorf("the rendered state: %w", err)
	}
	return impact.Compare(old, n), nil
}
