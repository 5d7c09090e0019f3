package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"

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

// exitWouldChange is diff's exit code when render would change the folder.
const exitWouldChange = ExitOK

type diffOptions struct {
	specOptions
	Output string
}

func newDiffCommand(s Streams) *cobra.Command {
	o := &diffOptions{}
	cmd := &cobra.Command{
		Use:   "diff SPEC",
		Short: "Show what render would change, without writing anything",
		Long: `diff renders SPEC in memory and prints, on standard output, the change render
would make to the files blueprint wrote in the output folder, as a patch that
git apply takes; messages go to standard error. It reads nothing outside the
folder and follows no link. Exit code 0 whether or not there are changes; 1 if
the spec has errors; 3 if render would refuse to write the folder (a file it did
not write, or a link, where it would write; another render at work).`,
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
	if o.Output == "" {
		return &exitError{code: ExitUsage, err: errors.New("the output folder is empty: give -o DIR")}
	}
	tree, err := renderSpec(o.specOptions, s)
	if err != nil {
		return err
	}
	c, err := render.Preflight(o.Output, tree)
	if err != nil {
		return &exitError{code: ExitFailure, err: err}
	}
	parts, err := readPatch(c, tree)
	// Everything is read: the lock goes before anything is printed, so that
	// a reader that takes its time (blueprint diff | less) holds up no render.
	c.Close()
	if err != nil {
		return &exitError{code: ExitFailure, err: err}
	}
	if c.Target.Link != "" {
		fmt.Fprintf(s.Err, "%s is a link to %s: comparing with %s.\n", safefs.Show(o.Output), safefs.Show(c.Target.Dir), safefs.Show(c.Target.Dir))
	}
	printWarnings(s.Err, c.Warnings)
	escaped, err := writePatch(s.Out, parts)
	if err != nil {
		return &exitError{code: ExitFailure, err: err}
	}
	for _, p := range escaped {
		fmt.Fprintf(s.Err, "Warning: %s holds control characters, shown escaped; that part of the patch does not apply.\n", safefs.Show(p))
	}
	if err := c.Err(); err != nil {
		return &exitError{code: ExitFailure, err: fmt.Errorf("render would fail: %w", err)}
	}
	if n := len(c.Written) + len(c.Removed); n > 0 {
		fmt.Fprintf(s.Err, "%s would change in %s.\n", count(n, "file"), safefs.Show(o.Output))
		if exitWouldChange != ExitOK {
			return &exitError{code: exitWouldChange}
		}
		return nil
	}
	fmt.Fprintln(s.Err, summary(c, o.Output))
	return nil
}

// readPatch reads, while the Change holds the folder's shared lock, what
// the patch of render's change needs: at most diffFileLimit bytes per file
// and diffTotalLimit in all. A file over either is a part with only a note.
func readPatch(c *render.Change, tree render.Tree) ([]filePatch, error) {
	budget := int64(diffTotalLimit)
	var parts []filePatch
	// .blueprint-files first (it sorts first): without it, the patched
	// folder would list the old files, and render would refuse the new ones
	// as files it did not write.
	if old, oldMode, found, next := c.Manifest(); !found || !bytes.Equal(old, next) || oldMode.Perm() != 0o644 {
		parts = append(parts, filePatch{path: render.ManifestName, old: old, inOld: found, oldMode: oldMode, new: next, inNew: true, newMode: 0o644})
	}
	for _, p := range slices.Sorted(slices.Values(append(slices.Clone(c.Written), c.Removed...))) {
		f := filePatch{path: p, newMode: render.FileMode(p)}
		f.new, f.inNew = tree[p]
		f.oldMode, f.inOld = c.Mode(p)
		f.tooLarge = len(f.new) > diffFileLimit
		if f.inOld && !f.tooLarge {
			b, err := c.Old(p, min(diffFileLimit, budget))
			switch {
			case errors.Is(err, safefs.ErrTooLarge):
				f.tooLarge = true
			case err != nil:
				return nil, err
			}
			f.old = b
			budget -= int64(len(b))
		}
		parts = append(parts, f)
	}
	return parts, nil
}

// writePatch prints the parts as a git patch. It returns the files whose
// lines had to be escaped.
func writePatch(w io.Writer, parts []filePatch) ([]string, error) {
	var escaped []string
	for _, f := range parts {
		if f.tooLarge {
			what := "changed"
			if !f.inNew {
				what = "removed"
			}
			if _, err := fmt.Fprintf(w, "# %s: %s (too large to show)\n", safefs.Show(f.path), what); err != nil {
				return escaped, err
			}
			continue
		}
		esc, err := f.write(w)
		if err != nil {
			return escaped, err
		}
		if esc {
			escaped = append(escaped, f.path)
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
