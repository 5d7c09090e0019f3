// Package cli is blueprint's command line: flags become option structs, and
// run functions do the work on injected streams. It never parses HCL itself.
package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Exit codes, the same for every command (the README's table).
const (
	ExitOK          = 0
	ExitSpecError   = 1 // the spec has errors (or warnings, with --strict); verify: a check failed
	ExitUsage       = 2 // wrong flags or arguments
	ExitFailure     = 3 // anything else: a missing or unreadable spec, an unwritable folder, I/O
	ExitWouldChange = 4 // a check for changes found some: fmt -check (and diff and plan where they ask)
)

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

// Streams are the command's standard streams.
type Streams struct {
	In       io.Reader
	Out, Err io.Writer

	// opts are the root command's flags, shared by every command; nil
	// outside a command tree (in tests that build one command).
	opts *globalOptions
}

// Main runs blueprint with args and returns the process exit code.
func Main(args []string, in io.Reader, out, errw io.Writer) int {
	// The flags' values are shared with Main, which prints the error.
	s := Streams{In: in, Out: out, Err: errw, opts: &globalOptions{}}
	root := NewRootCommand(s)
	root.SetArgs(normalizeArgs(root, args))
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	color := s.color()
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(errw, style(color, ansiBold+ansiRed, "Error:"), textLines(ee.err.Error()))
		}
		return ee.code
	}
	// Cobra's own errors: unknown commands and flags, wrong argument counts.
	fmt.Fprintln(errw, style(color, ansiBold+ansiRed, "Error:"), textLines(err.Error()))
	help := "blueprint --help"
	if c, _, ferr := root.Find(args); ferr == nil && c != root {
		help = c.CommandPath() + " --help"
	}
	fmt.Fprintf(errw, "Run '%s' for usage.\n", help)
	return ExitUsage
}

// NewRootCommand builds the blueprint command tree.
func NewRootCommand(s Streams) *cobra.Command {
	if s.opts == nil {
		s.opts = &globalOptions{}
	}
	root := &cobra.Command{
		Use:   "blueprint",
		Short: "Render a highly available Kubernetes cluster from one HCL spec",
		Long: `blueprint reads a cluster spec written in HCL (control plane, etcd, API load
balancer and VIP, zones, node pools, storage, access, monitoring, logging,
workloads), reports every problem in it at once, and renders what building and
running the cluster takes:

` + renderedTree + `
The output is deterministic and holds no secrets, so it belongs in a GitOps
repository. Exit codes: 0 ok, 1 the spec has errors, 2 usage, 3 other failure
(such as a missing spec), 4 changes found (fmt -check).`,
		Example: `  blueprint init cluster.hcl
  blueprint validate cluster.hcl
  blueprint render cluster.hcl -o out --var workers_per_zone=3
  blueprint diff cluster.hcl -o out`,
		Version:       versionLine(readVersion()),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	root.PersistentFlags().BoolVar(&s.opts.NoColor, "no-color", false, "print without colour (also when NO_COLOR is set or standard error is not a terminal)")
	root.PersistentFlags().BoolVarP(&s.opts.Quiet, "quiet", "q", false, "print only errors and the data asked for (JSON, a patch): for scripts")
	root.AddCommand(newInitCommand(s), newValidateCommand(s), newRenderCommand(s), newDiffCommand(s))
	root.AddCommand(newVerifyCommand(s, nil), newFmtCommand(s), newVersionCommand(s))
	root.AddCommand(newImagesCommand(s), newPlanCommand(s), newImportCommand(s))
	return root
}

// normalizeArgs rewrites the single-dash long flags that Terraform users
// type (-var, -var-file, -check, -json, …) into the double-dash form cobra
// parses; cobra would read -var as -v -a -r. Only a name that is a long
// flag of the command is rewritten, never a flag's value (-o -var names a
// folder "-var"), nor anything after "--".
func normalizeArgs(root *cobra.Command, args []string) []string {
	cmd, _, err := root.Find(args)
	if err != nil {
		cmd = root
	}
	lookup := func(name string) *pflag.Flag {
		if name == "help" || name == "version" {
			return &pflag.Flag{Name: name, NoOptDefVal: "true"}
		}
		if f := cmd.Flags().Lookup(name); f != nil {
			return f
		}
		return cmd.InheritedFlags().Lookup(name)
	}
	short := func(c byte) *pflag.Flag {
		if c == 'h' {
			return &pflag.Flag{NoOptDefVal: "true"}
		}
		if f := cmd.Flags().ShorthandLookup(string(c)); f != nil {
			return f
		}
		return cmd.InheritedFlags().ShorthandLookup(string(c))
	}
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		takesValue := false
		switch {
		case a == "--":
			return append(out, args[i:]...)
		case strings.HasPrefix(a, "--"):
			name, _, inline := strings.Cut(a[2:], "=")
			f := lookup(name)
			takesValue = f != nil && !inline && f.NoOptDefVal == ""
		case strings.HasPrefix(a, "-") && len(a) > 2:
			name, _, inline := strings.Cut(a[1:], "=")
			if f := lookup(name); f != nil && len(name) > 1 {
				a = "-" + a
				takesValue = !inline && f.NoOptDefVal == ""
				break
			}
			takesValue = shorthandTakesNext(a[1:], short)
		case strings.HasPrefix(a, "-") && len(a) == 2:
			takesValue = shorthandTakesNext(a[1:], short)
		}
		out = append(out, a)
		if takesValue && i+1 < len(args) {
			i++
			out = append(out, args[i])
		}
	}
	return out
}

// shorthandTakesNext reports whether a group of shorthand flags ("qo")
// ends with one that takes its value from the next argument, as pflag
// reads it.
func shorthandTakesNext(group string, short func(byte) *pflag.Flag) bool {
	for j := 0; j < len(group); j++ {
		f := short(group[j])
		if f == nil {
			return false
		}
		if f.NoOptDefVal == "" {
			return j == len(group)-1
		}
	}
	return false
}
