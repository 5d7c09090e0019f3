package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	blueprint "github.com/blueprint-dev/blueprint"
	"github.com/blueprint-dev/blueprint/internal/safefs"
)

// defaultSpecFile is what init writes without an argument.
const defaultSpecFile = "blueprint.hcl"

type initOptions struct {
	Path    string
	Example string
	Force   bool
}

func newInitCommand(s Streams) *cobra.Command {
	o := &initOptions{}
	names := blueprint.ExampleNames()
	cmd := &cobra.Command{
		Use:   "init [FILE]",
		Short: "Write a commented, working example spec",
		Long: fmt.Sprintf(`init writes an example spec to FILE (default %s): with --example ha (the
default) a three-zone HA cluster; the others are the examples of the
repository's blueprints/ folder (%s); the README's Examples section
says which feature each shows. An example that pins its images (edge) comes
with its lock file, written beside FILE. Edit it, then run blueprint
validate and blueprint render. It refuses to overwrite an existing file
unless --force is given, and never writes through a symbolic link.`, defaultSpecFile, strings.Join(names, ", ")),
		Example: `  blueprint init
  blueprint init clusters/prod.hcl --example data-platform
  blueprint init store042.hcl --example edge   # also writes edge.images.lock`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeSpecs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Path = defaultSpecFile
			if len(args) > 0 {
				o.Path = args[0]
			}
			return initRun(o, s)
		},
	}
	cmd.Flags().BoolVar(&o.Force, "force", false, "overwrite FILE if it exists")
	cmd.Flags().StringVar(&o.Example, "example", blueprint.DefaultExample, "which example: "+strings.Join(names, ", "))
	_ = cmd.RegisterFlagCompletionFunc("example", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return names, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func initRun(o *initOptions, s Streams) error {
	src, ok := blueprint.Example(o.Example)
	if !ok {
		return &exitError{code: ExitUsage, err: fmt.Errorf("there is no example %q: choose %s", o.Example, strings.Join(blueprint.ExampleNames(), ", "))}
	}
	if fi, err := os.Stat(o.Path); err == nil && fi.IsDir() {
		return &exitError{code: ExitUsage, err: fmt.Errorf("%s is a folder: give the file to write, such as %s", safefs.Show(o.Path), safefs.Show(filepath.Join(o.Path, defaultSpecFile)))}
	}
	// An example that pins its images names its lock file relative to
	// itself: write it beside the spec, or the spec would not validate.
	// Both paths are checked before either is written.
	lockName, lock, hasLock := blueprint.ExampleLockFile(o.Example)
	lockPath := filepath.Join(filepath.Dir(o.Path), lockName)
	if hasLock && !o.Force {
		if _, err := os.Lstat(lockPath); err == nil {
			return &exitError{code: ExitUsage, err: fmt.Errorf("%s exists (example %s's images lock file, written beside the spec); use --force to overwrite it", safefs.Show(lockPath), o.Example)}
		}
	}
	if err := initWrite(o.Path, retitle(src, o.Example, o.Path), o.Force); err != nil {
		return err
	}
	if hasLock {
		if err := initWrite(lockPath, lock, o.Force); err != nil {
			return err
		}
		s.say("Wrote %s and its images lock file %s. Next: blueprint validate %s", safefs.Show(o.Path), safefs.Show(lockPath), safefs.Show(o.Path))
		return nil
	}
	s.say("Wrote %s. Next: blueprint validate %s", safefs.Show(o.Path), safefs.Show(o.Path))
	return nil
}

// initWrite writes one file of an example, never through a link: a
// dangling one would create its target wherever it points.
func initWrite(path string, data []byte, force bool) error {
	err := safefs.WriteFile(path, data, 0o644, force)
	switch {
	case errors.Is(err, fs.ErrExist):
		return &exitError{code: ExitUsage, err: fmt.Errorf("%s exists; use --force to overwrite it", safefs.Show(path))}
	case errors.Is(err, safefs.ErrNotRegular):
		return &exitError{code: ExitUsage, err: fmt.Errorf("%v; init writes only a regular file: give another path", err)}
	case err != nil:
		return &exitError{code: ExitFailure, err: err}
	}
	return nil
}

// retitle makes the example's header comment name the file written, and
// the output folder render uses by default, instead of the repository's
// blueprints/NAME.hcl and out/NAME. Only the comment lines at the top are
// touched.
func retitle(src []byte, name, path string) []byte {
	lines := strings.SplitAfter(string(src), "\n")
	r := strings.NewReplacer("blueprints/"+name+".hcl", safefs.Show(path), " -o out/"+name, "")
	for i, l := range lines {
		if !strings.HasPrefix(l, "#") {
			break
		}
		lines[i] = r.Replace(l)
	}
	return []byte(strings.Join(lines, ""))
}
