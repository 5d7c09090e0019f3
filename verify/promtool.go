package verify

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

var promtoolProgram = program{
	name:        "promtool",
	versionArgs: []string{"--version"},
	versionRE:   regexp.MustCompile(`version (\d+\.\d+\.\d+\S*)`),
	isolated:    true,
	install:     "scripts/install-promtool.sh, from a blueprint checkout (builds promtool 3.16 from the Go module proxy)",
}

// promFile is a Prometheus config or rule file found in the tree: a file of
// its own, or a document inside a Kubernetes object.
type promFile struct {
	artifact string // as reported: the file, and the object and key inside it
	copyAs   string // path of its copy in the temporary folder
	data     []byte // nil: check the file itself
	rules    bool
}

func isPrometheusConfig(name string) bool {
	return name == "prometheus.yml" || name == "prometheus.yaml"
}

func isRuleFile(name string) bool {
	return strings.HasSuffix(name, ".rules.yml") || strings.HasSuffix(name, ".rules.yaml")
}

func checkPromtool(ctx context.Context, v *verifier) ([]Check, string, error) {
	found := v.prometheusFiles()
	if len(found) == 0 {
		return nil, "promtool: nothing to check (no prometheus.yml, *.rules.yml or PrometheusRule under manifests/)", nil
	}
	t := v.tool(ctx, promtoolProgram)
	var checks []Check
	for _, f := range found {
		name, args := "promtool check config --syntax-only", []string{"check", "config", "--syntax-only"}
		if f.rules {
			name, args = "promtool check rules", []string{"check", "rules"}
		}
		data := f.data
		if data == nil {
			var err error
			if data, err = v.read(f.copyAs); err != nil {
				checks = append(checks, unreadable(t, f.artifact, name, err))
				continue
			}
		}
		if !f.rules {
			if why := checkPrometheusConfig(f.artifact, data); len(why) > 0 {
				checks = append(checks, refused(t, f.artifact, name, why))
				continue
			}
		}
		if t.Missing != "" {
			checks = append(checks, notRun(t, name, f.artifact)...)
			continue
		}
		dir, err := v.private()
		if err != nil {
			return nil, "", err
		}
		// promtool resolves a config's relative paths against its folder,
		// so every file is checked as a copy at its own path.
		copyPath, err := put(dir, f.copyAs, data, 0o600)
		if err != nil {
			return nil, "", err
		}
		checks = append(checks, v.run(ctx, t, dir, f.artifact, name, nil, nil, append(args, copyPath)...))
	}
	return checks, "", nil
}

// prometheusFiles finds, under manifests/, Prometheus configs and rule files
// by name, the same names as keys of ConfigMaps, and PrometheusRule objects.
func (v *verifier) prometheusFiles() []promFile {
	var found []promFile
	for _, p := range v.matching(func(p string) bool { return strings.HasPrefix(p, "manifests/") }) {
		base := path.Base(p)
		switch {
		case isPrometheusConfig(base):
			found = append(found, promFile{artifact: p, copyAs: p})
			continue
		case isRuleFile(base):
			found = append(found, promFile{artifact: p, copyAs: p, rules: true})
			continue
		case !strings.HasSuffix(base, ".yaml") && !strings.HasSuffix(base, ".yml"):
			continue
		}
		b, err := v.read(p)
		if err != nil {
			continue // the kube-apiserver check reports it
		}
		found = append(found, embeddedPrometheusFiles(p, b)...)
	}
	return found
}

// object is the part of a Kubernetes object that can carry Prometheus files.
type object struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Data map[string]string `json:"data"`
	Spec json.RawMessage   `json:"spec"`
}

// embeddedPrometheusFiles returns the Prometheus files inside the objects of
// a YAML stream. Documents that do not parse are left to the checks that own
// them.
func embeddedPrometheusFiles(p string, b []byte) []promFile {
	var found []promFile
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(b)))
	for {
		doc, err := r.Read()
		if err != nil { // io.EOF, or a stream that stops parsing
			return found
		}
		var o object
		if yaml.Unmarshal(doc, &o) != nil {
			continue
		}
		at := p + " (" + o.Kind + " " + o.Metadata.Name
		dir := p + ".d/" + strings.Trim(o.Kind+"-"+o.Metadata.Name, "-") + "/"
		switch o.Kind {
		case "ConfigMap":
			for _, key := range slices.Sorted(maps.Keys(o.Data)) {
				if isPrometheusConfig(key) || isRuleFile(key) {
					found = append(found, promFile{artifact: at + ", " + key + ")", copyAs: dir + key, data: []byte(o.Data[key]), rules: isRuleFile(key)})
				}
			}
		case "PrometheusRule":
			if len(o.Spec) == 0 {
				continue
			}
			rules, err := yaml.JSONToYAML(o.Spec)
			if err != nil {
				continue
			}
			found = append(found, promFile{artifact: at + ")", copyAs: dir + "spec.rules.yml", data: rules, rules: true})
		}
	}
}
