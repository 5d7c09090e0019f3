package pipeline_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/blueprint-dev/blueprint/plan"
)

// installSteps returns the numbered steps of ARCHITECTURE.md's install
// order, each joined with its continuation lines into one line, and fails unless they count up
// from 1 without a gap.
func installSteps(t *testing.T, ex example) []string {
	t.Helper()
	doc := string(ex.tree["ARCHITECTURE.md"])
	start := strings.Index(doc, "## Install order\n")
	if start < 0 {
		t.Fatalf("%s: ARCHITECTURE.md has no install order", ex.name)
	}
	section := doc[start:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	numbered := regexp.MustCompile(`^(\d+)\. `)
	var steps []string
	for _, line := range strings.Split(section, "\n") {
		if m := numbered.FindStringSubmatch(line); m != nil {
			if n, _ := strconv.Atoi(m[1]); n != len(steps)+1 {
				t.Errorf("%s: install step %d follows step %d", ex.name, n, len(steps))
			}
			steps = append(steps, line)
			continue
		}
		if len(steps) > 0 && strings.HasPrefix(line, "   ") {
			steps[len(steps)-1] += " " + strings.TrimSpace(line)
		}
	}
	return steps
}

// stepIndex returns the number (from 1) of the first step containing
// text, or 0.
func stepIndex(steps []string, text string) int {
	for i, s := range steps {
		if strings.Contains(s, text) {
			return i + 1
		}
	}
	return 0
}

// TestInstallOrder follows ARCHITECTURE.md's install order: the load
// balancer's static pods are said to sit in the manifests folder only
// where they were copied there (co-located mode); the namespaces are
// applied before the Secrets that live in them, and those before the
// services; and a GitOps design installs its pinned Argo CD or Flux before
// applying gitops/. The old document asked for Secrets first, claimed the
// static pods in every mode and never installed the GitOps tool.
func TestInstallOrder(t *testing.T) {
	modes := map[string]bool{}
	tools := map[string]bool{}
	for _, ex := range examples(t) {
		steps := installSteps(t, ex)
		modes[ex.plan.LB.Mode] = true
		claim := stepIndex(steps, "static pods of the load balancer are already in the manifests folder")
		copied := stepIndex(steps, "static pods to the places in the table above")
		if ex.plan.LB.Colocated {
			if claim == 0 || copied == 0 || copied > claim {
				t.Errorf("%s: co-located: the static pods must be copied (step %d) before kubeadm init finds them (step %d)", ex.name, copied, claim)
			}
		} else if claim != 0 || copied != 0 {
			t.Errorf("%s: mode %s runs no load-balancer static pods, yet step %d says they are in the manifests folder", ex.name, ex.plan.LB.Mode, claim)
		}

		sv := ex.plan.Services
		if !sv.Enabled() {
			continue
		}
		namespaces := stepIndex(steps, "`kubectl apply -k manifests/namespaces/`")
		secrets := stepIndex(steps, "Create the Secrets the services refer to")
		apply := stepIndex(steps, "`kubectl apply -k manifests/`")
		if g := sv.GitOps; g != nil {
			tools[g.Tool] = true
			apply = stepIndex(steps, "`kubectl apply -k gitops/`")
			pinned := map[string]string{
				"argocd": "https://raw.githubusercontent.com/argoproj/argo-cd/" + plan.ArgoCDVersion + "/manifests/ha/install.yaml",
				"flux":   "https://github.com/fluxcd/flux2/releases/download/" + plan.FluxVersion + "/install.yaml",
			}[g.Tool]
			install := stepIndex(steps, pinned)
			if install == 0 || install > namespaces || install > apply {
				t.Errorf("%s: %s must be installed from %s (step %d) before the namespaces (step %d) and gitops/ (step %d)",
					ex.name, g.Tool, pinned, install, namespaces, apply)
			}
		}
		if len(sv.Secrets()) > 0 && (namespaces == 0 || secrets == 0 || namespaces > secrets) {
			t.Errorf("%s: the namespaces (step %d) must be created before the Secrets in them (step %d)", ex.name, namespaces, secrets)
		}
		if apply == 0 || (secrets != 0 && secrets > apply) {
			t.Errorf("%s: the Secrets (step %d) must exist before the services are applied (step %d)", ex.name, secrets, apply)
		}
	}
	for _, want := range []string{"colocated", "dedicated", "external"} {
		if !modes[want] {
			t.Errorf("no example uses load-balancer mode %s, so its install order went unchecked", want)
		}
	}
	if !tools["argocd"] || !tools["flux"] {
		t.Errorf("the examples use GitOps tools %v; want Argo CD and Flux both checked", tools)
	}
}
