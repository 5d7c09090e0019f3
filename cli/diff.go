package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/blueprint-dev/blueprint/internal/safefs"
	"github.com/blueprint-dev/blueprint/render"
)

// What diff reads from the output folder, at most: per file, and in all.
// A file over either is reported as "changed (too large to show)".
const (
	diffFileLimit  = 4 << 20
	diffTotalLimit = 64 << 20
)

// exitWouldChange is the exit code of diff and plan, with
// --detailed-exitcode, when render would change something.
const exitWouldChange = ExitWouldChange

type diffOptions struct {
	specOptions
	Output       string
	JSON         bool
	DetailedExit bool
}

func newDiffCommand(s Streams) *cobra.Command {
	o := &diffOptions{}
	cmd := &cobra.Command{
		Use:   "diff SPEC",
		Short: "Show what render would change, without writing anything",
		Long: `diff renders SPEC in memory and prints, on standard output, the change render
would make to the files blueprint wrote in the output folder, as a patch that
git apply takes; messages go to standard error. It reads nothing outside the
folder and follows no link. --json prints instead one JSON report: each file
that would be created, updated or deleted, the files left unchanged, and the
patch.

Exit code 0 whether or not there are changes (with --detailed-exitcode: 0 no
changes, 4 changes); 1 if the spec has errors; 3 if
the spec cannot be read or render would refuse to write the folder (a file it
did not write, or a link, where it would write; another render at work).`,
		Example: `  blueprint diff cluster.hcl -o out
  blueprint diff cluster.hcl -o out > change.patch && git -C out apply ../change.patch
  blueprint diff cluster.hcl -o out --json | jq -r '.changes[].path'`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeOneSpec,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Path = args[0]
			return diffRun(o, s)
		},
	}
	o.addFlags(cmd)
	o.addRenderFlags(cmd)
	cmd.Flags().StringVarP(&o.Output, "output", "o", "out", "output folder to compare with")
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the changes as JSON")
	cmd.Flags().BoolVar(&o.DetailedExit, "detailed-exitcode", false, "exit 4 when render would change the folder, 0 when not")
	_ = cmd.RegisterFlagCompletionFunc("output", completeDirFlag)
	return cmd
}

// diffReport is diff's --json output.
type diffReport struct {
	Output      string           `json:"output"`
	Diagnostics []jsonDiagnostic `json:"diagnostics"`
	Changes     []diffChange     `json:"changes"`
	Unchanged   []string         `json:"unchanged"`
	Warnings    []string         `json:"warnings"`
	// Patch is what diff prints without --json.
	Patch string `json:"patch"`
	jsonFailure
}

// diffChange is one file render would change.
type diffChange struct {
	Path   string `json:"path"`
	Action string `json:"action"` // create, update or delete
}

func diffRun(o *diffOptions, s Streams) error {
	if !o.JSON {
		return diffInto(o, s, s.Out, nil)
	}
	rep := &diffReport{Output: o.Output, Diagnostics: []jsonDiagnostic{}, Changes: []diffChange{}, Unchanged: []string{}, Warnings: []string{}}
	var patch strings.Builder
	err := diffInto(o, s, &patch, rep)
	rep.Patch = patch.String()
	return finishJSON(s.Out, rep, &rep.jsonFailure, err)
}

// diffInto writes the patch to w; with rep (--json), it fills rep instead
// of printing messages.
func diffInto(o *diffOptions, s Streams, w io.Writer, rep *diffReport) error {
	if o.Output == "" {
		return &exitError{code: ExitUsage, err: errors.New("the output folder is empty: give -o DIR")}
	}
	l, tree, err := renderSpec(o.specOptions, s)
	if l != nil {
		if rep != nil {
			rep.Diagnostics = jsonDiagnostics(l.diags, l.files)
		} else {
			l.printDiagnostics(s)
		}
	}
	if err != nil {
		return err
	}
	c, err := render.Preflight(o.Output, tree)
	if err != nil {
		return &exitError{code: ExitFailure, err: err}
	}
	defer c.Close()
	if rep != nil {
		rep.Warnings = append(rep.Warnings, c.Warnings...)
		for _, p := range c.Written {
			action := "create"
			if _, ok := c.Mode(p); ok {
				action = "update"
			}
			rep.Changes = append(rep.Changes, diffChange{Path: p, Action: action})
		}
		for _, p := range c.Removed {
			rep.Changes = append(rep.Changes, diffChange{Path: p, Action: "delete"})
		}
		slices.SortFunc(rep.Changes, func(a, b diffChange) int { return strings.Compare(a.Path, b.Path) })
		rep.Unchanged = append(rep.Unchanged, c.Unchanged...)
		s = Streams{In: s.In, Out: s.Out, Err: io.Discard, opts: s.opts}
	}
	if c.Target.Link != "" {
		s.note("%s is a link to %s: comparing with %s.", safefs.Show(o.Output), safefs.Show(c.Target.Dir), safefs.Show(c.Target.Dir))
	}
	printWarnings(s, c.Warnings)
	escaped, err := writePatch(w, c, tree)
	if err != nil {
		return &exitError{code: ExitFailure, err: err}
	}
	for _, p := range escaped {
		if rep != nil {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s holds control characters, shown escaped; that part of the patch does not apply.", safefs.Show(p)))
		}
		s.note("Warning: %s holds control characters, shown escaped; that part of the patch does not apply.", safefs.Show(p))
	}
	if err := c.Err(); err != nil {
		return &exitError{code: ExitFailure, err: fmt.Errorf("render would fail: %w", err)}
	}
	if n := len(c.Written) + len(c.Removed); n > 0 {
		s.note("%s would change in %s.", count(n, "file"), safefs.Show(o.Output))
		if o.DetailedExit {
			return &exitError{code: exitWouldChange}
		}
		return nil
	}
	s.note("%s", summary(c, o.Output))
	return nil
}

// writePatch prints, as a git patch, how render would change the folder,
// reading from it at most diffFileLimit bytes per file and diffTotalLimit
// in all. It returns the files whose lines had to be escaped.
func writePatch(w io.Writer, c *render.Change, tree render.Tree) ([]string, error) {
	budget := int64(diffTotalLimit)
	var escaped []string
	for _, p := range slices.Sorted(slices.Values(append(slices.Clone(c.Written), c.Removed...))) {
		f := filePatch{path: p, newMode: render.FileMode(p)}
		f.new, f.inNew = tree[p]
		f.oldMode, f.inOld = c.Mode(p)
		tooLarge := len(f.new) > diffFileLimit
		if f.inOld && !tooLarge {
			b, err := c.Old(p, min(diffFileLimit, budget))
			switch {
			case errors.Is(err, safefs.ErrTooLarge):
				tooLarge = true
			case err != nil:
				return escaped, err
			}
			f.old = b
			budget -= int64(len(b))
		}
		if tooLarge {
			what := "changed"
			if !f.inNew {
				what = "removed"
			}
			if _, err := fmt.Fprintf(w, "# %s: %s (too large to show)\n", safefs.Show(p), what); err != nil {
				return escaped, err
			}
			continue
		}
		esc, err := f.write(w)
		if err != nil {
			return escaped, err
		}
		if esc {
			escaped = append(escaped, p)
		}
	}
	return escaped, nil
}

// gitMode is the mode git records for a file: executable or not.
func gitMode(m fs.FileMode) string {
	if m&0o111 != 0 {
		return "100755"
	}
	return "100644"
}
