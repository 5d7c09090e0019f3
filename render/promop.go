package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/blueprint-dev/blueprint/internal/operatorcrds"
	"github.com/blueprint-dev/blueprint/plan"
)

// PrometheusRuleFile is where the operator engine writes the
// PrometheusRule of rule file name (NAME.rules.yml of the StatefulSet
// engine).
func PrometheusRuleFile(name string) string {
	return "manifests/monitoring/prometheus/prometheusrule-" + name + ".yaml"
}

// prometheusOperator writes, for the monitoring block's operator engine,
// the operator's CRDs and a PrometheusRule of each rule file. The rules are
// the StatefulSet engine's templates executed as they are and placed under
// spec: a rule file's top level (groups) is a PrometheusRule's spec, so
// the two engines' rules cannot drift apart.
func (r *renderer) prometheusOperator(p *plan.Plan) {
	m := p.Services.Monitoring
	if m == nil || m.Operator == nil {
		return
	}
	for _, f := range m.Operator.CRDs {
		r.put("manifests/prometheus-operator/crds/"+f, operatorcrds.PrometheusOperator.Read(f))
	}
	for _, name := range m.RuleFiles {
		src := "manifests/monitoring/prometheus/" + name + ".rules.yml"
		var rules bytes.Buffer
		if err := manifestTemplates[src].Execute(&rules, p); err != nil {
			r.fail(fmt.Errorf("rendering %s: %w", src, err))
			return
		}
		var b bytes.Buffer
		fmt.Fprintf(&b, "# The rule groups of the StatefulSet engine's %s.rules.yml, from the same\n", name)
		b.WriteString("# template, as a PrometheusRule the operator loads into Prometheus.\n")
		b.WriteString("apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n")
		fmt.Fprintf(&b, "  name: %s\n  namespace: %s\n  labels:\n", jsonString(name), jsonString(m.Namespace))
		fmt.Fprintf(&b, "    app.kubernetes.io/name: prometheus\n    app.kubernetes.io/managed-by: blueprint\n")
		fmt.Fprintf(&b, "    %s: %s\nspec:\n", m.Operator.SelectorLabel.Key, jsonString(m.Operator.SelectorLabel.Value))
		for _, line := range strings.SplitAfter(strings.TrimRight(rules.String(), "\n")+"\n", "\n") {
			if strings.TrimSpace(line) == "" {
				b.WriteString(line)
				continue
			}
			b.WriteString("  " + line)
		}
		r.put(PrometheusRuleFile(name), b.Bytes())
	}
}

// jsonString writes a string as a JSON string, which YAML reads as the
// same string.
func jsonString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // a string always marshals
	}
	return string(b)
}
