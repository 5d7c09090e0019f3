package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	blueprint "github.com/blueprint-dev/blueprint"
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
existing file unless --force is given.`,
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
	if _, err := os.Stat(o.Path); err == nil && !o.Force {
		return &exitError{code: ExitUsage, err: fmt.Errorf("%s exists; use --force to overwrite it", o.Path)}
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return &exitError{code: ExitFailure, err: err}
	}
	if err := os.WriteFile(o.Path, blueprint.ExampleSpec, 0o644); err != nil {
		return &exitError{code: ExitFailure, err: err}
	}
	fmt.Fprintf(s.Out, "Wrote %s. Next: blueprint validate %s\n", o.Path, o.Path)
	return nil
}
