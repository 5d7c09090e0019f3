package validate

import (
	"slices"

	"github.com/hashicorp/hcl/v2"

	"github.com/blueprint-dev/blueprint/spec"
)

// loggingEngine checks the engine attribute of the logging block: one of
// the engines; the operator engine runs Elasticsearch on ECK, so it needs
// backend "elasticsearch" and a namespace other than the operator's.
func (v *validator) loggingEngine(l *spec.Logging, ctx *hcl.Range) {
	if l.Engine != nil && !slices.Contains(spec.Engines, *l.Engine) {
		v.errorf(l.EngineRange, ctx, "Unknown engine", "engine %q is not one of %s.%s", *l.Engine, quoteList(spec.Engines), didYouMean(*l.Engine, spec.Engines))
		return
	}
	if l.EngineOrDefault() != spec.EngineOperator {
		return
	}
	if l.BackendOrDefault() == "opensearch" {
		v.errorf(l.EngineRange, ctx, "No operator engine for OpenSearch",
			"engine = \"operator\" runs the search cluster on ECK (Elastic Cloud on Kubernetes %s), which runs Elasticsearch and Kibana only; blueprint does not render the OpenSearch operator. Use backend = \"elasticsearch\" with the operator engine, or engine = \"statefulset\" with OpenSearch.", spec.ECKVersion)
	}
	if l.NamespaceOrDefault() == eckNamespace {
		v.errorf(rangeOr(l.NamespaceRange, l.EngineRange), ctx, "Shared namespace",
			"namespace %q is where the operator engine installs ECK; give the logging stack its own namespace so that the operator's Roles and policies stay apart from it.", eckNamespace)
	}
}

// eckNamespace is plan.ECKNamespace (validate does not import plan).
const eckNamespace = "elastic-system"
