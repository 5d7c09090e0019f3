package render

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/internal/operatorcrds"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/templates"
)

var manifestTemplates = templates.ParseManifests()

// subcomponents are optional folders inside a component.
var subcomponents = map[string]func(*plan.Services) bool{
	"autoscaling/vpa": func(s *plan.Services) bool { return s.Autoscaling.VPA != nil },
}

// engineFolders are template folders that render into a workload's folder
// in place of its own when the workload runs on another engine.
var engineFolders = map[string]struct {
	dir string
	on  func(*plan.Plan) bool
}{
	"kafka-strimzi": {"kafka", func(p *plan.Plan) bool { k := p.Workloads.Kafka; return k != nil && k.Strimzi != nil }},
	"monitoring-operator": {"monitoring", func(p *plan.Plan) bool {
		m := p.Services.Monitoring
		return m != nil && m.Operator != nil
	}},
	"logging-eck": {"logging", func(p *plan.Plan) bool { l := p.Services.Logging; return l != nil && l.ECK != nil }},
}

// engineSubfolders narrow an engine folder to some files of the
// workload's folder: only files below replaces stand aside for the
// engine's, and of those the keeps, which both engines share, stay. An
// engine folder not listed replaces its workload's folder whole.
var engineSubfolders = map[string]struct{ replaces, keeps []string }{
	// Grafana and the exporters stay. Prometheus keeps its account and
	// ClusterRole, both keep their Services, PDBs and NetworkPolicies (the
	// operator's pods carry the same app.kubernetes.io/name), and
	// Alertmanager its configuration, which the operator engine puts into
	// a Secret.
	"monitoring-operator": {
		replaces: []string{"prometheus/", "alertmanager/"},
		keeps: []string{
			"prometheus/rbac.yaml", "prometheus/service.yaml", "prometheus/pdb.yaml", "prometheus/networkpolicy.yaml",
			"alertmanager/service.yaml", "alertmanager/pdb.yaml", "alertmanager/networkpolicy.yaml", "alertmanager/alertmanager.yml",
		},
	},
	"logging-eck": {replaces: eckReplaces},
}

// standsAside reports whether the file rest of an engine folder's workload
// folder gives way to the engine folder's files.
func standsAside(folder, rest string) bool {
	sub, ok := engineSubfolders[folder]
	if !ok {
		return true
	}
	if slices.Contains(sub.keeps, rest) {
		return false
	}
	return slices.ContainsFunc(sub.replaces, func(r string) bool { return strings.HasPrefix(rest, r) })
}

// outputName returns where a template renders, and whether it renders for
// the workloads' engines: an engine folder's templates go to the
// workload's folder, whose own templates then stand aside.
func outputName(name string, p *plan.Plan) (string, bool) {
	parts := strings.SplitN(name, "/", 3)
	if len(parts) < 3 || parts[0] != "manifests" {
		return name, true
	}
	if e, ok := engineFolders[parts[1]]; ok {
		return "manifests/" + e.dir + "/" + parts[2], e.on(p)
	}
	for folder, e := range engineFolders {
		if e.dir == parts[1] && e.on(p) && standsAside(folder, parts[2]) {
			return name, false
		}
	}
	return name, true
}

// manifests renders the manifests/ tree and the gitops/ folder.
func (r *renderer) manifests(p *plan.Plan) {
	if !p.Services.Enabled() {
		return
	}
	on := map[string]bool{}
	var root []string
	for _, c := range p.Services.Components() {
		on[c.Dir] = true
		root = append(root, c.Dir)
	}
	for sub, pred := range subcomponents {
		on[sub] = on[strings.SplitN(sub, "/", 2)[0]] && pred(&p.Services)
	}
	names := make([]string, 0, len(manifestTemplates))
	for name := range manifestTemplates {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		out, engine := outputName(name, p)
		if !engine || !enabled(out, on, p) {
			continue
		}
		var buf bytes.Buffer
		if err := manifestTemplates[name].Execute(&buf, p); err != nil {
			r.fail(fmt.Errorf("rendering %s: %w", name, err))
			return
		}
		if len(bytes.TrimSpace(buf.Bytes())) == 0 {
			continue // an optional file with nothing to say
		}
		r.put(out, buf.Bytes())
	}
	if k := p.Workloads.Kafka; k != nil && k.Strimzi != nil {
		for _, f := range k.Strimzi.CRDs {
			r.put("manifests/strimzi/crds/"+f, operatorcrds.Strimzi.Read(f))
		}
	}
	r.prometheusOperator(p)
	if l := p.Services.Logging; l != nil && l.ECK != nil {
		for _, f := range l.ECK.CRDs {
			r.put("manifests/eck/crds/"+f, operatorcrds.ECK.Read(f))
		}
	}
	if sp := p.Workloads.Spark; sp != nil && sp.Operator != nil {
		for _, f := range sp.Operator.CRDs {
			r.put("manifests/spark-operator/crds/"+f, operatorcrds.SparkOperator.Read(f))
		}
	}
	if sc := p.Services.ImageScanning; sc != nil {
		// The operator's CRDs, as its release publishes them: data, not
		// templates.
		for _, f := range sc.CRDs {
			r.put("manifests/image-scanning/crds/"+f, operatorcrds.TrivyOperator.Read(f))
		}
	}
	r.put("manifests/kustomization.yaml", kustomization(root))
}

// enabled reports whether a template's folder is part of this design.
func enabled(name string, on map[string]bool, p *plan.Plan) bool {
	parts := strings.Split(name, "/")
	if parts[0] == "gitops" {
		return p.Services.GitOps != nil
	}
	if len(parts) < 3 || !on[parts[1]] {
		return false
	}
	if len(parts) > 3 {
		if pred, ok := on[parts[1]+"/"+parts[2]]; ok && !pred {
			return false
		}
	}
	return true
}

// kustomization writes a kustomization.yaml listing resources.
func kustomization(resources []string) []byte {
	k := struct {
		APIVersion string   `json:"apiVersion"`
		Kind       string   `json:"kind"`
		Resources  []string `json:"resources"`
	}{"kustomize.config.k8s.io/v1beta1", "Kustomization", resources}
	b, err := yaml.Marshal(k)
	if err != nil {
		panic(err) // a fixed struct of strings always marshals
	}
	return append([]byte("# Generated by blueprint: the whole cluster-services tree, in install order.\n"), b...)
}

// images writes images.txt.
func (r *renderer) images(p *plan.Plan) {
	if len(p.Services.Images) > 0 {
		r.put("images.txt", imageList(p))
	}
}

// AllowedRegistriesPrefix starts the comment line of images.txt that lists
// the registries the spec allows (plan.ImageSupply.AllowedRegistries).
const AllowedRegistriesPrefix = "allowed registries: "

// imageList writes every image the tree runs, one per line, for mirroring
// into an air-gapped registry.
func imageList(p *plan.Plan) []byte {
	var b strings.Builder
	b.WriteString("# Images the rendered manifests and static pods run, after the images block.\n")
	b.WriteString("# kubeadm's own images: kubeadm config images list --config kubeadm/init/<node>.yaml\n")
	// blueprint verify --images scans only images from these registries.
	b.WriteString("# " + AllowedRegistriesPrefix + strings.Join(p.ImageSupply.AllowedRegistries, " ") + "\n")
	for _, img := range p.Services.Images {
		b.WriteString(img.Ref + "\n")
	}
	return []byte(b.String())
}
