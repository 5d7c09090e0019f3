package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/blueprint-dev/blueprint/internal/safefs"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/state"
)

type renderOptions struct {
	specOptions
	Output      string
	LockTimeout time.Duration
	JSON        bool
}

func newRenderCommand(s Streams) *cobra.Command {
	o := &renderOptions{}
	cmd := &cobra.Command{
		Use:   "render SPEC",
		Short: "Write the cluster's configuration tree",
		Long: `render validates SPEC and writes into the output folder:

` + renderedTree + `  flat/                with --flatten: each manifests/ component built into one file

The folder is replaced in one atomic step; files in it that blueprint did not
write are kept, and files whose bytes did not change are left alone. If the
spec has errors, or render refuses the folder (a file it did not write, or a
link, where it would write), nothing is written. Renders of one folder take
turns: a second one waits up to --lock-timeout for the first.

--json prints, on standard output, the files written, unchanged and removed
(or the spec's diagnostics).

Exit code 0: written; 1: the spec has errors; 2: usage; 3: the spec cannot be
read, or the folder cannot be written.`,
		Example: `  blueprint render cluster.hcl                 # into out/
  blueprint render cluster.hcl -o clusters/prod --var workers_per_zone=3
  blueprint render specs/ -o out --json        # a folder's *.hcl files form one spec`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeOneSpec,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Path = args[0]
			return renderRun(o, s)
		},
	}
	o.addFlags(cmd)
	o.addRenderFlags(cmd)
	cmd.Flags().StringVarP(&o.Output, "output", "o", "out", "output folder")
	cmd.Flags().DurationVar(&o.LockTimeout, "lock-timeout", render.DefaultLockTimeout, "how long to wait while another render writes the same folder (0: fail at once)")
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print what was written as JSON")
	_ = cmd.RegisterFlagCompletionFunc("output", completeDirFlag)
	return cmd
}

// renderReport is render's --json output.
type renderReport struct {
	Output      string           `json:"output"`
	Diagnostics []jsonDiagnostic `json:"diagnostics"`
	Written     []string         `json:"written"`
	Unchanged   []string         `json:"unchanged"`
	Removed     []string         `json:"removed"`
	Warnings    []string         `json:"warnings"`
	jsonFailure
}

func renderRun(o *renderOptions, s Streams) error {
	rep := &renderReport{Output: o.Output, Diagnostics: []jsonDiagnostic{}, Written: []string{}, Unchanged: []string{}, Removed: []string{}, Warnings: []string{}}
	err := renderInto(o, s, rep)
	if !o.JSON {
		return err
	}
	return finishJSON(s.Out, rep, &rep.jsonFailure, err)
}

// renderedTree is what render writes, for the help texts.
const renderedTree = `  kubeadm/             kubeadm init and join configs, one per node
  loadbalancer/        HAProxy and keepalived configs and static pods
  manifests/           a kustomize tree of the cluster services and workloads
  gitops/              Argo CD or Flux wiring, when the spec asks for it
  images.txt           every container image the cluster pulls
  ARCHITECTURE.md      the design, for review before anything is deployed
`

func renderInto(o *renderOptions, s Streams, rep *renderReport) error {
	if o.Output == "" {
		return &exitError{code: ExitUsage, err: errors.New("the output folder is empty: give -o DIR")}
	}
	l, tree, err := renderSpec(o.specOptions, s)
	if l != nil {
		if o.JSON {
			rep.Diagnostics = jsonDiagnostics(l.diags, l.files)
		} else {
			l.printDiagnostics(s)
		}
	}
	if err != nil {
		return err
	}
	cwd := workingDir()
	var old *state.State
	var oldErr error
	memberOld, memberErr := map[string]*state.State{}, map[string]error{}
	c, err := render.WriteWith(o.Output, tree, render.WriteOptions{
		LockTimeout: o.LockTimeout,
		Waiting: func(dir string) {
			s.note("Another blueprint command (render or diff) holds the lock on %s; waiting for it (up to %v, --lock-timeout).", safefs.Show(dir), o.LockTimeout)
		},
		Inspect: func(c *render.Change) {
			old, oldErr = readState(c)
			if l.fleet != nil {
				for _, m := range l.fleet.Members {
					mold, err := readStateAt(c, plan.FleetDir+"/"+m.Name+"/"+state.FileName)
					memberOld[m.Name], memberErr[m.Name] = mold, err
				}
			}
		},
	})
	if c != nil {
		rep.Warnings = append(rep.Warnings, c.Warnings...)
		if !o.JSON {
			printWarnings(s, c.Warnings)
		}
	}
	var busy *render.BusyError
	switch {
	case errors.As(err, &busy):
		return &exitError{code: ExitFailure, err: fmt.Errorf("%w; nothing was written. Try again later, or raise --lock-timeout", err)}
	case err != nil:
		return &exitError{code: ExitFailure, err: fmt.Errorf("writing %s: %w", safefs.Show(o.Output), err)}
	}
	rep.Written = append(rep.Written, c.Written...)
	rep.Unchanged = append(rep.Unchanged, c.Unchanged...)
	rep.Removed = append(rep.Removed, c.Removed...)
	if o.JSON {
		return nil
	}
	if c.Target.Link != "" {
		s.say("%s is a link to %s: wrote into %s and left the link as it is.", safefs.Show(o.Output), safefs.Show(c.Target.Dir), safefs.Show(c.Target.Dir))
	}
	if !c.None() && l.fleet != nil {
		for _, m := range l.fleet.Members {
			s.say("Cluster %s:", m.Name)
			printPlanSummary(s, memberOld[m.Name], memberErr[m.Name], memberTree(tree, plan.FleetDir+"/"+m.Name+"/"))
		}
	} else if !c.None() {
		printPlanSummary(s, old, oldErr, tree)
	}
	s.say("%s", summary(c, o.Output))
	if !c.None() && inside(cwd, c.Target.Dir) {
		s.say("Note: %s was replaced by a new folder and your working directory was in it: run cd \"$PWD\" to see the new files.", safefs.Show(o.Output))
	}
	return nil
}

// printPlanSummary prints the one-line plan of what the render changed in
// the design (see blueprint plan), or why it cannot.
func printPlanSummary(s Streams, old *state.State, oldErr error, tree render.Tree) {
	if oldErr != nil {
		s.note("Warning: no plan summary: the folder's previous state: %v", oldErr)
		return
	}
	p, err := planOf(old, tree)
	if err != nil {
		s.note("Warning: no plan summary: %v", err)
		return
	}
	if p.FirstRender {
		s.say("Plan: a first render; the whole design is new (see ARCHITECTURE.md's install order).")
		return
	}
	s.say("%s See blueprint plan for the steps.", p.Summary.Line)
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

// printWarnings prints render's warnings about the output folder, unless -q.
func printWarnings(s Streams, warnings []string) {
	for _, m := range warnings {
		s.note("%s %s", style(s.color(), ansiBold+ansiYellow, "Warning:"), textLines(m))
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
