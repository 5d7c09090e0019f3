package verify

import (
	"fmt"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
)

// refuseRealObjects returns why verify will not create some of the tree's
// objects for real on its API server. Everything else is only dry-run:
// webhook configurations and APIServices are never stored, so the API
// server calls no webhook and proxies to no aggregated server, and an
// ExternalName Service is data. But CustomResourceDefinitions are created
// for real (a dry run of their objects needs them), and one with a
// conversion webhook would make the API server call the webhook's URL or
// Service whenever it converts between versions. blueprint writes no
// conversion webhook.
func refuseRealObjects(tree string, objs []controlplane.Object) []string {
	var why []string
	for _, o := range objs {
		if o.GroupKind() != "CustomResourceDefinition.apiextensions.k8s.io" {
			continue
		}
		spec, _ := o["spec"].(map[string]any)
		for _, conv := range lookup(spec, "conversion") {
			c, _ := conv.(map[string]any)
			webhook := len(lookup(c, "webhook")) > 0
			for _, s := range lookup(c, "strategy") {
				webhook = webhook || s != "None"
			}
			if webhook {
				why = append(why, fmt.Sprintf("%s/: %s: spec.conversion: blueprint writes no conversion webhook; verify creates CRDs for real, and the API server would call the webhook", tree, o))
			}
		}
	}
	return why
}
