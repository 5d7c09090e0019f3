package cli

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/spf13/cobra"

	blueprint "github.com/blueprint-dev/blueprint"
	"github.com/blueprint-dev/blueprint/internal/safefs"
)

type initOptions struct {
	Path  string
	Force bool
}

func newInitCommand(s Streams) *cobra.Command {
	o := &initOptions{}
	cmd := &cobra.Command{
		Use:   "init FILE",
		Short: "Write a commented, working example spec",
		Long: `init writes an example spec for a three-zone HA cluster to FILE. Edit it,
then run blueprint validate and blueprint render. It refuses to overwrite an
existing file unless --force is given, and never writes through a symbolic
link.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Path = args[0]
			return initRun(o, s)
		},
	}
	cmd.Flags().BoolVar(&o.Force, "force", false, "overwrite FILE if it exists")
	return cmd
}

func initRun(o *initOptions, s Streams) error {
	// Never through a link: a dangling one would create its target
	// wherever it points.
	err := safefs.WriteFile(o.Path, blueprint.ExampleSpec, 0o644, o.Force)
	switch {
	case errors.Is(err, fs.ErrExist):
		return &exitError{code: ExitUsage, err: fmt.Errorf("%s exists; use --force to overwrite it", safefs.Show(o.Path))}
	case errors.Is(err, safefs.ErrNotRegular):
		return &exitError{code: ExitUsage, err: fmt.Errorf("%v; init writes only a regular file: give another path", err)}
	case err != nil:
		return &exitError{code: ExitFailure, err: err}
	}
	fmt.Fprintf(s.Out, "Wrote %s. Next: blueprint validate %s\n", safefs.Show(o.Path), safefs.Show(o.Path))
	return nil
}
