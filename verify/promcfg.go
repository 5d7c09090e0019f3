package verify

import (
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// prometheus.yml allow-list
//
// verify runs `promtool check config --syntax-only`, which (read in
// promtool 3.16's cmd/promtool: checkConfig) opens no file the config
// names: not the rule files, not scrape_config_files, not file_sd files, not
// TLS or token files. Prometheus itself and a full check would, and the
// config's external_labels are expanded from the environment when it loads.
// So verify refuses, before promtool sees the config, what blueprint never
// writes there: scrape_config_files, file_sd_configs, rule files outside the
// config's own folder, *_file fields naming anything but the pod's service
// account and /etc/prometheus/, and $ in external_labels.

// podFileRoots are the folders, inside the Prometheus pod, whose files
// blueprint's prometheus.yml names.
var podFileRoots = []string{"/var/run/secrets/kubernetes.io/serviceaccount/", "/etc/prometheus/"}

// ruleFileRE is a rule file pattern beside the config: no folder.
var ruleFileRE = regexp.MustCompile(`^[A-Za-z0-9_.*-]+$`)

// checkPrometheusConfig returns one line per field of a Prometheus config
// that blueprint never writes and that names files or the environment.
func checkPrometheusConfig(artifact string, data []byte) []string {
	var cfg map[string]any
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return []string{fmt.Sprintf("%s: does not parse as YAML: %v", artifact, err)}
	}
	var refusals []string
	refuse := func(field string, value any, why string) {
		refusals = append(refusals, fmt.Sprintf("%s: %s %s: %s", artifact, field, show(value), why))
	}
	for _, v := range lookup(cfg, "rule_files") {
		list, ok := v.([]any)
		if !ok {
			refuse("rule_files", v, "blueprint writes a list of file patterns here")
		}
		for _, rf := range list {
			if s, ok := rf.(string); !ok || !ruleFileRE.MatchString(s) || strings.Contains(s, "..") {
				refuse("rule_files", rf, "blueprint names only rule files beside the config, such as *.rules.yml")
			}
		}
	}
	for _, v := range lookup(cfg, "global.external_labels") {
		labels, _ := v.(map[string]any)
		for _, name := range slices.Sorted(maps.Keys(labels)) {
			if s, ok := labels[name].(string); !ok || strings.Contains(s, "$") {
				refuse("global.external_labels."+name, labels[name], "Prometheus expands $ here from its environment; blueprint writes plain values")
			}
		}
	}
	walkFields(cfg, "", func(field string, key string, value any) {
		k := strings.ToLower(key)
		switch {
		case k == "scrape_config_files":
			refuse(field, value, "blueprint never writes scrape_config_files, whose files Prometheus reads")
		case k == "file_sd_configs":
			refuse(field, value, "blueprint never writes file_sd_configs, whose files Prometheus reads")
		case k == "rule_files":
			// Checked above: patterns beside the config.
		case strings.HasSuffix(k, "_file") || strings.HasSuffix(k, "_files"):
			if !isPodFile(value) {
				refuse(field, value, "blueprint names only files below "+strings.Join(podFileRoots, " and ")+" in the pod")
			}
		}
	})
	return refusals
}

// walkFields calls f for every key of every map in v, with its dotted path.
func walkFields(v any, at string, f func(field, key string, value any)) {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			field := strings.TrimPrefix(at+"."+k, ".")
			f(field, k, v[k])
			walkFields(v[k], field, f)
		}
	case []any:
		for _, e := range v {
			walkFields(e, at+"[]", f)
		}
	}
}

func isPodFile(v any) bool {
	s, ok := v.(string)
	if !ok || path.Clean(s) != s {
		return false
	}
	return slices.ContainsFunc(podFileRoots, func(root string) bool { return strings.HasPrefix(s, root) })
}
