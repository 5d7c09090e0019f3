package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/blueprint-dev/blueprint/internal/safefs"
	"github.com/blueprint-dev/blueprint/render"
)

type renderOptions struct {
	specOptions
	Output      string
	LockTimeout time.Duration
}

func newRenderCommand(s Streams) *cobra.Command {
	o := &renderOptions{}
	cmd := &cobra.Command{
		Use:   "render SPEC",
		Short: "Write the cluster's configuration tree",
		Long: `render validates SPEC and writes kubeadm configs, HAProxy and keepalived
configs, manifests and ARCHITECTURE.md into the output folder. The folder is
replaced in one atomic step; files in it that blueprint did not write are kept,
and files whose bytes did not change are left alone. If the spec has errors, or
render refuses the folder (a file it did not write, or a link, where it would
write), nothing is written. Renders of one folder take turns: a second one
waits up to --lock-timeout for the first.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Path = args[0]
			return renderRun(o, s)
		},
	}
	o.addFlags(cmd)
	o.addRenderFlags(cmd)
	cmd.Flags().StringVarP(&o.Output, "output", "o", "out", "output folder")
	cmd.Flags().DurationVar(&o.LockTimeout, "lock-timeout", render.DefaultLockTimeout, "how long to wait while another render writes the same folder (0: fail at once)")
	return cmd
}

func renderRun(o *renderOptions, s Streams) error {
	if o.Output == "" {
		return &exitError{code: ExitUsage, err: errors.New("the output folder is empty: give -o DIR")}
	}
	tree, err := renderSpec(o.specOptions, s)
	if err != nil {
		return err
	}
	cwd := workingDir()
	c, err := render.WriteWith(o.Output, tree, render.WriteOptions{
		LockTimeout: o.LockTimeout,
		Waiting: func(dir string) {
			fmt.Fprintf(s.Err, "Another blueprint command (render or diff) holds the lock on %s; waiting for it (up to %v, --lock-timeout).\n", safefs.Show(dir), o.LockTimeout)
		},
	})
	if c != nil {
		printWarnings(s.Err, c.Warnings)
	}
	var busy *render.BusyError
	switch {
	case errors.As(err, &busy):
		return &exitError{code: ExitFailure, err: fmt.Errorf("%w; nothing was written. Try again later, or raise --lock-timeout", err)}
	case err != nil:
		return &exitError{code: ExitFailure, err: fmt.Errorf("writing %s: %w", safefs.Show(o.Output), err)}
	}
	if c.Target.Link != "" {
		fmt.Fprintf(s.Out, "%s is a link to %s: wrote into %s and left the link as it is.\n", safefs.Show(o.Output), safefs.Show(c.Target.Dir), safefs.Show(c.Target.Dir))
	}
	fmt.Fprintln(s.Out, summary(c, o.Output))
	if !c.None() && inside(cwd, c.Target.Dir) {
		fmt.Fprintf(s.Out, "Note: %s was replaced by a new folder and your working directory was in it: run cd \"$PWD\" to see the new files.\n", safefs.Show(o.Output))
	}
	return nil
}

// summary says what render did: "Wrote 3 files, 120 unchanged, 1 removed
// in out/." or "No changes: out/ is up to date."
func summary(c *render.Change, dir string) string {
	shown := safefs.Show(strings.TrimSuffix(dir, "/") + "/")
	if c.None() {
		return fmt.Sprintf("No changes: %s is up to date.", shown)
	}
	return fmt.Sprintf("Wrote %s, %d unchanged, %d removed in %s.", count(len(c.Written), "file"), len(c.Unchanged), len(c.Removed), shown)
}

// count says "1 file", "2 files".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func printWarnings(w io.Writer, warnings []string) {
	for _, m := range warnings {
		fmt.Fprintln(w, "Warning:", m)
	}
}

// workingDir is the process's working directory with links resolved, or ""
// if it cannot tell.
func workingDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	if real, err := filepath.EvalSymlinks(wd); err == nil {
		return real
	}
	return wd
}

// inside reports whether path is dir or lies below it.
func inside(path, dir string) bool {
	return path != "" && (path == dir || strings.HasPrefix(path, dir+string(filepath.Separator)))
}
