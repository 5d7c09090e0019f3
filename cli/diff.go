package cli

import (
	"fmt"
	"io"

	"github.com/pmezard/go-difflib/difflib"
	"github.com/spf13/cobra"

	"github.com/blueprint-dev/blueprint/render"
)

type diffOptions struct {
	specOptions
	Output string
}

func newDiffCommand(s Streams) *cobra.Command {
	o := &diffOptions{}
	cmd := &cobra.Command{
		Use:   "diff SPEC",
		Short: "Show what render would change, without writing anything",
		Long: `diff renders SPEC in memory and prints a unified diff against the files
blueprint wrote in the output folder: the change you are about to commit.
Exit code 0 whether or not there are changes; 1 if the spec has errors.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Path = args[0]
			return diffRun(o, s)
		},
	}
	o.addFlags(cmd)
	o.addRenderFlags(cmd)
	cmd.Flags().StringVarP(&o.Output, "output", "o", "out", "output folder to compare with")
	return cmd
}

func diffRun(o *diffOptions, s Streams) error {
	tree, err := renderSpec(o.specOptions, s)
	if err != nil {
		return err
	}
	old, err := render.Read(o.Output)
	if err != nil {
		return &exitError{code: ExitFailure, err: err}
	}
	n, err := writeDiff(s.Out, old, tree)
	if err != nil {
		return &exitError{code: ExitFailure, err: err}
	}
	if n == 0 {
		fmt.Fprintf(s.Out, "No changes: %s is up to date.\n", o.Output)
	} else {
		fmt.Fprintf(s.Out, "%d files would change in %s.\n", n, o.Output)
	}
	return nil
}

// writeDiff prints a unified diff per changed file and returns their count.
func writeDiff(w io.Writer, old, cur render.Tree) (int, error) {
	paths := map[string]bool{}
	for p := range old {
		paths[p] = true
	}
	for p := range cur {
		paths[p] = true
	}
	all := render.Tree{}
	for p := range paths {
		all[p] = nil
	}
	changed := 0
	for _, p := range all.Paths() {
		a, inOld := old[p]
		b, inNew := cur[p]
		if inOld && inNew && string(a) == string(b) {
			continue
		}
		from, to := "a/"+p, "b/"+p
		if !inOld {
			from = "/dev/null"
		}
		if !inNew {
			to = "/dev/null"
		}
		text, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
			A: difflib.SplitLines(string(a)), B: difflib.SplitLines(string(b)),
			FromFile: from, ToFile: to, Context: 3,
		})
		if err != nil {
			return changed, err
		}
		changed++
		if _, err := io.WriteString(w, text); err != nil {
			return changed, err
		}
	}
	return changed, nil
}
