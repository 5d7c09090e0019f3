package importer_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blueprint-dev/blueprint/importer"
	"github.com/blueprint-dev/blueprint/internal/safefs"
)

// TestHostileSources: sources are read through safefs (a named pipe is
// refused at once instead of blocking; a link below a folder is refused,
// not followed; a path the user names is resolved as given, like a spec's), YAML aliases are refused before
// they can expand, and a file of no known format says which formats there
// are.
func TestHostileSources(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret.yaml")
	if err := os.WriteFile(secret, []byte("kind: KubeOneCluster\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "pipe.yaml")
	if err := mkfifo(fifo); err == nil {
		if _, err := importer.ReadFile(fifo); !errors.Is(err, safefs.ErrNotRegular) {
			t.Errorf("a named pipe as a source: %v", err)
		}
	}
	sub := filepath.Join(dir, "group_vars")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(sub, "all.yml")); err != nil {
		t.Fatal(err)
	}
	if _, err := importer.ReadDir(sub, true, ".yml"); !errors.Is(err, safefs.ErrNotRegular) {
		t.Errorf("a link in a vars folder: %v", err)
	}
	bomb := "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	if _, err := importer.ParseYAML([]byte(bomb)); err == nil || !strings.Contains(err.Error(), "aliases") {
		t.Errorf("YAML aliases: %v", err)
	}
	if _, err := importer.Detect(importer.File{Path: "x.yaml", Data: []byte("apiVersion: v1\nkind: ConfigMap\n")}); err == nil || !strings.Contains(err.Error(), "KubeOneCluster") {
		t.Errorf("an unknown format: %v", err)
	}
}

func mkfifo(p string) error { return syscallMkfifo(p, 0o600) }
