// Package cli is blueprint's command line: flags become option structs, and
// run functions do the work on injected streams. It never parses HCL itself.
package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	ExitOK        = 0
	ExitSpecError = 1 // the spec has errors (or warnings, with --strict); verify: a check failed
	ExitUsage     = 2 // wrong flags or arguments
	ExitFailure   = 3 // the spec is fine but something else failed (I/O)
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
}

// Main runs blueprint with args and returns the process exit code.
func Main(args []string, in io.Reader, out, errw io.Writer) int {
	root := NewRootCommand(Streams{In: in, Out: out, Err: errw})
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(errw, "Error:", ee.err)
		}
		return ee.code
	}
	// Cobra's own errors: unknown commands and flags, wrong argument counts.
	fmt.Fprintln(errw, "Error:", err)
	fmt.Fprintln(errw, "Run 'blueprint --help' for usage.")
	return ExitUsage
}

// NewRootCommand builds the blueprint command tree.
func NewRootCommand(s Streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "blueprint",
		Short: "Render a highly available Kubernetes cluster from one HCL spec",
		Long: `blueprint reads a cluster spec written in HCL (control plane, etcd, load
balancer, zones and node pools), checks it, and renders the kubeadm, HAProxy
and keepalived configuration and an architecture document.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	root.AddCommand(newInitCommand(s), newValidateCommand(s), newRenderCommand(s), newDiffCommand(s))
	root.AddCommand(newVerifyCommand(s, nil), newRehearseCommand(s, nil))
	return root
}
