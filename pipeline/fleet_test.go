package pipeline_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/verify"
)

// TestFleetMemberIsASingleCluster renders member "west" of
// blueprints/fleet.hcl and testdata/fleet/west.hcl, the single-cluster spec
// it amounts to (the class's blocks with west's variables written in): the
// trees must be the same, byte for byte.
func TestFleetMemberIsASingleCluster(t *testing.T) {
	var fl *fleetExample
	for _, f := range fleets(t) {
		if f.name == "fleet" {
			fl = f
		}
	}
	if fl == nil {
		t.Fatal("blueprints/fleet.hcl is not rendered as a fleet")
	}
	_, single, diags, err := renderLoaded(spec.NewLoader().Load("testdata/fleet/west.hcl", spec.Options{}))
	if len(diags) > 0 || err != nil {
		t.Fatalf("testdata/fleet/west.hcl: %v %v", diags, err)
	}
	prefix := plan.FleetDir + "/west/"
	n := 0
	for p, b := range fl.tree {
		rest, ok := strings.CutPrefix(p, prefix)
		if !ok {
			continue
		}
		n++
		if !bytes.Equal(single[rest], b) {
			t.Errorf("%s differs from %s as testdata/fleet/west.hcl renders it", p, rest)
		}
	}
	if n != len(single) {
		t.Errorf("the fleet has %d files under %s, the single spec renders %d", n, prefix, len(single))
	}
}

// TestFleetDocument checks FLEET.md's tables against the example: both
// clusters with their ranges, and a region loss that leaves each replicated
// service serving in the other region.
func TestFleetDocument(t *testing.T) {
	var doc string
	for _, f := range fleets(t) {
		if f.name == "fleet" {
			doc = string(f.tree["FLEET.md"])
		}
	}
	for _, want := range []string{
		"| west | streaming | eu-west | backbone | v1.37.2 | `10.60.0.10:8443` | euw-a, euw-b, euw-c | 10.60.0.0/16 | 10.128.0.0/14 | 10.96.0.0/16 |",
		"| east | streaming | us-east | backbone | v1.36.4 | `10.61.0.10:8443` | use-a, use-b, use-c | 10.61.0.0/16 | 10.132.0.0/14 | 10.97.0.0/16 |",
		"| Region lost | Clusters lost | Kafka events | monitoring |",
		"| eu-west | west | serves in east | serves in east |",
		"| us-east | east | serves in west | serves in west |",
		`subgraph r0["region eu-west"]`,
		`r1c0z2["zone use-c"]`,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("FLEET.md lacks %q", want)
		}
	}
}

// TestFleetFluxGitOps renders the example with Flux instead of Argo CD: one
// GitRepository and one Kustomization per member, each applying its
// member's manifests/ through a kubeconfig Secret, accepted by the API
// server's dry run against Flux's CRDs (verify's check of gitops/).
func TestFleetFluxGitOps(t *testing.T) {
	src, err := os.ReadFile("blueprints/fleet.hcl")
	if err != nil {
		t.Fatal(err)
	}
	flux := bytes.Replace(src, []byte(`tool     = "argocd"`), []byte(`tool     = "flux"`), 1)
	if bytes.Equal(flux, src) {
		t.Fatal("the example no longer uses Argo CD")
	}
	_, f, diags := spec.NewLoader().LoadSourceAny("fleet-flux.hcl", flux, spec.Options{})
	fl := renderFleet(t, "fleet-flux.hcl", f, diags)
	if _, ok := fl.tree["gitops/applicationset.yaml"]; ok {
		t.Error("a Flux fleet has an ApplicationSet")
	}
	ks := string(fl.tree["gitops/kustomizations.yaml"])
	for _, want := range []string{`name: "fleet-west"`, `path: "./clusters/east/manifests"`, `name: "east-kubeconfig"`} {
		if !strings.Contains(ks, want) {
			t.Errorf("gitops/kustomizations.yaml lacks %s:\n%s", want, ks)
		}
	}
	tool(t, "kube-apiserver")
	dir := filepath.Join(t.TempDir(), "out")
	if err := render.Write(dir, fl.tree); err != nil {
		t.Fatal(err)
	}
	rep, err := verify.Run(context.Background(), verify.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range rep.Checks {
		if c.Artifact == "gitops/" {
			found = true
			if c.Result != verify.Passed {
				t.Errorf("the fleet's gitops/: %s %s\n%s", c.Result, c.Reason, c.Output)
			}
		}
	}
	if !found {
		t.Error("verify did not check the fleet's gitops/")
	}
}
