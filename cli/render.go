package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/blueprint-dev/blueprint/render"
)

type renderOptions struct {
	specOptions
	Output string
}

func newRenderCommand(s Streams) *cobra.Command {
	o := &renderOptions{}
	cmd := &cobra.Command{
		Use:   "render SPEC",
		Short: "Write the cluster's configuration tree",
		Long: `render validates SPEC and writes kubeadm configs, HAProxy and keepalived
configs and ARCHITECTURE.md into the output folder. The folder is replaced in
one atomic step; files in it that blueprint did not write are kept. If the spec
has errors nothing is written.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Path = args[0]
			return renderRun(o, s)
		},
	}
	o.addFlags(cmd)
	o.addRenderFlags(cmd)
	cmd.Flags().StringVarP(&o.Output, "output", "o", "out", "output folder")
	return cmd
}

func renderRun(o *renderOptions, s Streams) error {
	tree, err := renderSpec(o.specOptions, s)
	if err != nil {
		return err
	}
	if err := render.Write(o.Output, tree); err != nil {
		return &exitError{code: ExitFailure, err: fmt.Errorf("writing %s: %w (the folder is unchanged)", o.Output, err)}
	}
	fmt.Fprintf(s.Out, "Wrote %d files to %s.\n", len(tree), o.Output)
	return nil
}
