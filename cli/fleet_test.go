package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blueprint-dev/blueprint/cli"
)

// TestFleetRenderPlan renders blueprints/fleet.hcl into one folder, then
// plans a change to its class: each member gets its own plan, from its own
// state file, and the change shows in both.
func TestFleetRenderPlan(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, errs := runCLI("render", "../blueprints/fleet.hcl", "-o", out)
	if code != cli.ExitOK {
		t.Fatalf("render: exit %d %s", code, errs)
	}
	if !strings.Contains(stdout, "Cluster west:\nPlan: a first render") || !strings.Contains(stdout, "Cluster east:\nPlan: a first render") {
		t.Errorf("render prints each member's plan line:\n%s", stdout)
	}
	for _, p := range []string{"FLEET.md", "gitops/applicationset.yaml", "clusters/west/ARCHITECTURE.md", "clusters/east/kubeadm/init/master-use-a.yaml", "clusters/west/.blueprint-state.json", ".blueprint-files"} {
		if _, err := os.Stat(filepath.Join(out, p)); err != nil {
			t.Errorf("the fleet's folder lacks %s: %v", p, err)
		}
	}
	// One folder, one list of owned files: none in the members' folders.
	if _, err := os.Stat(filepath.Join(out, "clusters/west/.blueprint-files")); err == nil {
		t.Error("a member's folder has a .blueprint-files of its own")
	}

	// The class's Kafka pool grows from one node per zone to two.
	src := readFile(t, "../blueprints/fleet.hcl")
	changed := strings.Replace(src, "count_per_zone = 1", "count_per_zone = 2", 1)
	if changed == src {
		t.Fatal("the example no longer has a kafka pool of one node per zone")
	}
	spec := filepath.Join(t.TempDir(), "fleet.hcl")
	writeFile(t, spec, changed, 0o644)
	code, stdout, errs = runCLI("plan", spec, "-o", out)
	if code != cli.ExitOK {
		t.Fatalf("plan: exit %d %s", code, errs)
	}
	for _, want := range []string{"== member west (region eu-west, class streaming) ==", "== member east (region us-east, class streaming) ==",
		"add machine kafka-euw-a-2", "add machine kafka-use-c-2"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("plan does not say %q:\n%.3000s", want, stdout)
		}
	}
	code, stdout, errs = runCLI("plan", spec, "-o", out, "--json")
	var rep struct {
		Clusters []struct {
			Cluster string          `json:"cluster"`
			Plan    json.RawMessage `json:"plan"`
		} `json:"clusters"`
	}
	if code != cli.ExitOK || json.Unmarshal([]byte(stdout), &rep) != nil || len(rep.Clusters) != 2 || rep.Clusters[1].Cluster != "east" ||
		!strings.Contains(string(rep.Clusters[1].Plan), "kafka-use-a-2") {
		t.Errorf("plan --json: exit %d %s\n%.500s", code, errs, stdout)
	}
}

// TestFleetOneClusterCommands: a command that takes one cluster says a
// fleet is not one.
func TestFleetOneClusterCommands(t *testing.T) {
	code, _, errs := runCLI("images", "../blueprints/fleet.hcl")
	if code != cli.ExitSpecError || !strings.Contains(errs, "A fleet where one cluster was expected") {
		t.Errorf("images on a fleet: exit %d %s", code, errs)
	}
}

// TestFleetValidateReportsAll: an invalid fleet fails validate with every
// problem, each in its file and line.
func TestFleetValidateReportsAll(t *testing.T) {
	code, _, errs := runCLI("validate", "--no-color", "../validate/testdata/invalid/fleet-cross.hcl")
	if code != cli.ExitSpecError {
		t.Fatalf("validate: exit %d", code)
	}
	for _, want := range []string{"Error: Overlapping ranges between clusters", "Error: Duplicate virtual router id", "fleet-cross.hcl:105"} {
		if !strings.Contains(errs, want) {
			t.Errorf("validate does not say %q:\n%s", want, errs)
		}
	}
}
