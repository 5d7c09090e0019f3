package validate

import (
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/blueprint-dev/blueprint/spec"
)

// knownEngine checks a workload's engine attribute: one of spec.Engines.
func (v *validator) knownEngine(engine *string, rng hcl.Range, ctx *hcl.Range) {
	if engine != nil && !slices.Contains(spec.Engines, *engine) {
		v.errorf(rng, ctx, "Unknown engine", "engine %q is not one of %s.%s", *engine, quoteList(spec.Engines), didYouMean(*engine, spec.Engines))
	}
}

// sparkEngine checks the engine attribute of a spark block, and what the
// Spark operator cannot honour: jobs in the operator's own namespace, and
// a Spark image of another major version than the spark-submit inside its
// controller, which builds the driver's pod and command line for its own
// Spark.
func (v *validator) sparkEngine(s *spec.Spark, ctx *hcl.Range) {
	v.knownEngine(s.Engine, s.EngineRange, ctx)
	if s.EngineOrDefault() != spec.EngineOperator {
		return
	}
	if ns := s.NamespaceOrDefault(); ns == spec.SparkOperatorNamespace {
		v.errorf(rangeOr(s.NamespaceRange, s.NameRange), ctx, "Namespace of the Spark operator",
			"spark %q runs on the Spark operator (engine = \"operator\"), which is installed in namespace %q and keeps its lease and events there; jobs there would share its account's rights. Choose another namespace.", s.Name, ns)
	}
	im := v.s.Images
	if im == nil {
		return
	}
	ref, ok := im.Overrides["spark"]
	if !ok {
		return
	}
	operatorMajor, _, _ := strings.Cut(spec.SparkOperatorSparkVersion, ".")
	if major, ok := imageMajor(ref); ok && major != operatorMajor {
		v.errorf(im.OverridesRange, &im.DeclRange, "Spark version the operator does not submit",
			"spark %q runs on the Spark operator %s (engine = \"operator\"), whose controller submits jobs with Spark %s: the override of \"spark\" (%s) is Spark %s, whose driver would start from a command line and configuration built for another Spark. Use a Spark %s.x image, or engine = \"statefulset\".",
			s.Name, spec.SparkOperatorVersion, spec.SparkOperatorSparkVersion, ref, major, operatorMajor)
	}
}

// imageMajor returns the major version an image's tag starts with (4 of
// apache/spark:4.0.1, or of 4.0.1-scala2.13-java17), if the tag is a
// version.
func imageMajor(ref string) (string, bool) {
	ref, _, _ = strings.Cut(ref, "@")
	i := strings.LastIndex(ref, ":")
	if i < 0 || strings.Contains(ref[i:], "/") {
		return "", false
	}
	tag := strings.TrimPrefix(ref[i+1:], "v")
	major, rest, ok := strings.Cut(tag, ".")
	if _, err := strconv.Atoi(major); err != nil || !ok || rest == "" || rest[0] < '0' || rest[0] > '9' {
		return "", false
	}
	return major, true
}
