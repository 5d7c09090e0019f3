// Command gen writes the embedded copies of the platform's CRDs from the Go
// module cache: for each platformcrds.Set, the files of its module's
// folder at the version go.mod requires, descriptions removed. Run it with
// go generate in internal/platformcrds after changing a Set or go.mod.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/blueprint-dev/blueprint/internal/platformcrds"
)

func main() {
	for _, s := range platformcrds.Sets {
		if err := write(s); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
}

func write(s platformcrds.Set) error {
	dir, err := platformcrds.ModuleDir(s)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(s.Dir); err != nil {
		return err
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return err
	}
	for _, f := range s.Files {
		src, err := os.ReadFile(filepath.Join(dir, s.Folder, f))
		if err != nil {
			return err
		}
		b, err := platformcrds.Strip(src, s.Header(f))
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if err := os.WriteFile(filepath.Join(s.Dir, f), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
