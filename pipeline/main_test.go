// Package pipeline_test holds the tests of the whole pipeline, spec →
// validate → plan → templates → render, on the examples of blueprints/ and
// the fixtures of testdata/: each file checks one component or concern of
// the rendered tree (kafka_test.go, monitoring_test.go, golden_test.go, …).
//
// They read the repository's own folders by their paths from the module
// root ("blueprints/ha.hcl", "testdata/services/…", "out/"), so TestMain
// runs them from there. The fuzz targets' seed corpus is therefore
// testdata/fuzz/ at the root too.
package pipeline_test

import (
	"fmt"
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	if err := os.Chdir(".."); err != nil {
		fmt.Fprintln(os.Stderr, "pipeline tests: cannot change to the module root:", err)
		os.Exit(2)
	}
	if _, err := os.Stat("go.mod"); err != nil {
		fmt.Fprintln(os.Stderr, "pipeline tests: the parent folder is not the module root:", err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}
