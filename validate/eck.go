package validate

import (
	"regexp"
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
	// The Elasticsearch and Kibana resources give ECK the version it
	// checks the image against: the override's tag.
	if im := v.s.Images; im != nil {
		for _, name := range []string{"elasticsearch", "kibana"} {
			if ref, ok := im.Overrides[name]; ok && !versionTag.MatchString(ref) {
				v.errorf(im.OverridesRange, &im.DeclRange, "Image override without a version",
					"logging runs on ECK (engine = \"operator\"), whose %s resource names the version the image runs, read from the image's tag: %q has no version tag such as :8.19.7 (a digest may follow it).", name, ref)
			}
		}
	}
	if l.NamespaceOrDefault() == eckNamespace {
		v.errorf(rangeOr(l.NamespaceRange, l.EngineRange), ctx, "Shared namespace",
			"namespace %q is where the operator engine installs ECK; give the logging stack its own namespace so that the operator's Roles and policies stay apart from it.", eckNamespace)
	}
}

// versionTag matches an image reference whose tag is a version.
var versionTag = regexp.MustCompile(`:[0-9]+\.[0-9]+\.[0-9]+[^/:@]*(@sha256:[0-9a-f]{64})?$`)

// eckNamespace is plan.ECKNamespace (validate does not import plan).
const eckNamespace = "elastic-system"
