package cli_test

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	blueprint "github.com/blueprint-dev/blueprint"
	"github.com/blueprint-dev/blueprint/spec"
)

// refusedByValidate is the spec reference's entries no example can use,
// each with the reason: validate refuses them on purpose, so an example
// with them would not validate (or, for one, verify would fail it).
var refusedByValidate = map[string]string{
	// The model decodes these so that validate can say why not (see
	// validate/services.go, autoscaling): kubeadm nodes with fixed names, no
	// provider ID and no cloud controller manager could never join from a
	// cloud node group the autoscaler grows.
	"autoscaling.cluster_autoscaler":          "validate refuses the Cluster Autoscaler: instances a cloud node group launches could not join as Nodes",
	"autoscaling.cluster_autoscaler.provider": "validate refuses the Cluster Autoscaler (see its block)",
	"node_pool.autoscale":                     "validate refuses pool autoscaling, for the Cluster Autoscaler's reason",
	"node_pool.autoscale.min":                 "validate refuses pool autoscaling (see its block)",
	"node_pool.autoscale.max":                 "validate refuses pool autoscaling (see its block)",
	"node_pool.autoscale.node_group":          "validate refuses pool autoscaling (see its block)",
	// The only warning scoped to a node is advertise-address-unchecked,
	// for a master named by DNS: kubeadm's advertiseAddress is then left
	// out, and blueprint verify's kubeadm init --dry-run of the first
	// master, run in an empty network namespace, finds no default route to
	// take an address from and fails. Every example must pass verify, and
	// a design that names its first master by address and a later one by
	// DNS would be contrived. testdata/designs/capi-quickstart-like.hcl
	// accepts that warning; TestDesigns runs kubeadm outside verify.
	"accept.node": "its one warning (a master named by DNS) makes blueprint verify's kubeadm init --dry-run fail: it has no network",
}

// valuesNotInExamples is the allowed values of enumerated attributes that
// no example needs to set, each with the reason. Every other allowed value
// must be shown by at least one example, set as a literal or, for the
// default, left out of a block that could set it: each switches a
// different rendering on (a load-balancer mode, an etcd topology, a CNI, a
// logging backend, a GitOps tool).
var valuesNotInExamples = map[string]string{
	// A statically provisioned volume (local disk, NFS export) has no
	// deleter in Kubernetes: when its claim goes, "Delete" leaves it Failed
	// rather than deleted, so a design keeps the default, Retain.
	"persistent_volume.reclaim_policy=Delete": "nothing deletes a static local or NFS volume: Delete leaves it Failed",
	// Single-pod access is a claim's choice (persistent_volume_claim
	// "ingest-wal" in dual-stack.hcl asks for it); on a static volume it
	// only narrows which claims bind, which no example's volumes need.
	"persistent_volume.access_modes=ReadWriteOncePod": "shown on a claim; on a static volume it only narrows which claims bind",
}

// exampleUsage is what the examples of blueprints/ write out: every block
// and attribute by reference path ("etcd.backup.destination.nfs.server"),
// and every value of an enumerated attribute as "path=value", each with
// the examples that have it.
type exampleUsage map[string][]string

func (u exampleUsage) add(key, example string) {
	if !slices.Contains(u[key], example) {
		u[key] = append(u[key], example)
	}
}

// examplePaths returns the examples' files by name, sorted by name.
func examplePaths(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, name := range blueprint.ExampleNames() {
		out[name] = filepath.Join("..", "blueprints", name+".hcl")
	}
	if len(out) == 0 {
		t.Fatal("no examples in blueprints/")
	}
	return out
}

// usage reads the examples. A dynamic block counts as the block it
// generates; a value counts when it is a literal (or a list or map of
// them), since that is how an example shows a choice, and an attribute's
// literal default counts for each block that leaves it out.
func usage(t *testing.T) exampleUsage {
	t.Helper()
	allowed := map[string]bool{}
	defaults := map[string][]spec.Entry{} // by block path
	for _, e := range spec.Reference() {
		if e.Attribute != nil && len(e.Allowed) > 0 {
			allowed[e.Path] = true
			if e.DefaultIsLiteral() {
				block := strings.TrimSuffix(e.Path, "."+e.Attribute.Name)
				defaults[block] = append(defaults[block], e)
			}
		}
	}
	u := exampleUsage{}
	for name, path := range examplePaths(t) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		var walk func(body *hclsyntax.Body, prefix string)
		walk = func(body *hclsyntax.Body, prefix string) {
			for _, d := range defaults[strings.TrimSuffix(prefix, ".")] {
				if _, set := body.Attributes[d.Attribute.Name]; set {
					continue
				}
				expr, _ := hclsyntax.ParseExpression([]byte(d.Default), "default", hcl.InitialPos)
				v, _ := expr.Value(nil)
				for _, s := range literalStrings(v) {
					u.add(d.Path+"="+s, name)
				}
			}
			for _, a := range body.Attributes {
				p := prefix + a.Name
				u.add(p, name)
				if !allowed[p] {
					continue
				}
				if v, diags := a.Expr.Value(nil); !diags.HasErrors() {
					for _, s := range literalStrings(v) {
						u.add(p+"="+s, name)
					}
				}
			}
			for _, b := range body.Blocks {
				switch {
				case b.Type == "dynamic" && len(b.Labels) == 1:
					u.add(prefix+b.Labels[0], name)
					for _, c := range b.Body.Blocks {
						if c.Type == "content" {
							walk(c.Body, prefix+b.Labels[0]+".")
						}
					}
				case prefix == "" && (b.Type == "variable" || b.Type == "locals"):
					// HCL's own: not in the reference.
				case prefix == "" && b.Type == "class":
					// A fleet's class holds a cluster's blocks.
					u.add("class", name)
					walk(b.Body, "")
				case prefix == "" && b.Type == "member":
					// A member's blocks override or add to its class's;
					// its own attributes (class, region, …) are the fleet's.
					u.add("member", name)
					for a := range b.Body.Attributes {
						u.add("member."+a, name)
					}
					walk(&hclsyntax.Body{Blocks: b.Body.Blocks}, "")
				default:
					u.add(prefix+b.Type, name)
					walk(b.Body, prefix+b.Type+".")
				}
			}
		}
		walk(f.Body.(*hclsyntax.Body), "")
		// Dual-stack is a choice of addresses, not of a block: a spec
		// whose node subnets hold both families.
		s, fleet, diags := spec.NewLoader().LoadAny(path, spec.Options{})
		if diags.HasErrors() {
			t.Fatalf("%s: %s", path, diags.Error())
		}
		clusters := []*spec.Spec{s}
		if fleet != nil {
			clusters = nil
			for _, m := range fleet.Members {
				clusters = append(clusters, m.Spec)
			}
		}
		for _, s := range clusters {
			families := map[bool]bool{}
			for _, sub := range s.Network.NodeSubnets {
				if p, err := netip.ParsePrefix(sub); err == nil {
					families[p.Addr().Is4()] = true
				}
			}
			if len(families) == 2 {
				u.add("network.node_subnets=dual-stack", name)
			}
		}
	}
	for k := range u {
		slices.Sort(u[k])
	}
	return u
}

// literalStrings returns a known string, or the known strings of a list,
// tuple, map or object.
func literalStrings(v cty.Value) []string {
	if !v.IsWhollyKnown() || v.IsNull() {
		return nil
	}
	switch {
	case v.Type() == cty.String:
		return []string{v.AsString()}
	case v.CanIterateElements():
		var out []string
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			out = append(out, literalStrings(e)...)
		}
		return out
	}
	return nil
}

// TestExamplesUseEverything fails for each block, attribute and allowed
// value of the spec reference (what `blueprint schema` prints) that no
// example of blueprints/ uses, unless refusedByValidate or
// valuesNotInExamples says why not; and for each exception that has
// become stale.
func TestExamplesUseEverything(t *testing.T) {
	u := usage(t)
	for _, e := range spec.Reference() {
		if why, ok := refusedByValidate[e.Path]; ok {
			if len(u[e.Path]) > 0 {
				t.Errorf("%s is in refusedByValidate (%s), yet %v use it: remove the exception", e.Path, why, u[e.Path])
			}
			continue
		}
		if len(u[e.Path]) == 0 {
			t.Errorf("no example of blueprints/ uses the %s %s: set it in the example where a platform engineer would (or list it in refusedByValidate with the reason)", e.Kind(), e.Path)
			continue
		}
		if e.Attribute == nil {
			continue
		}
		for _, v := range e.Allowed {
			key := e.Path + "=" + v
			why, excepted := valuesNotInExamples[key]
			switch {
			case excepted && len(u[key]) > 0:
				t.Errorf("%s is in valuesNotInExamples (%s), yet %v set it: remove the exception", key, why, u[key])
			case !excepted && len(u[key]) == 0:
				t.Errorf("no example of blueprints/ sets %s = %q: set it in an example (or list it in valuesNotInExamples with the reason)", e.Path, v)
			}
		}
	}
	for p := range refusedByValidate {
		if _, ok := spec.Lookup(p); !ok {
			t.Errorf("refusedByValidate names %q, which the spec reference does not have", p)
		}
	}
	for k := range valuesNotInExamples {
		p, v, _ := strings.Cut(k, "=")
		if e, ok := spec.Lookup(p); !ok || !slices.Contains(e.Allowed, v) {
			t.Errorf("valuesNotInExamples names %q, which is not an allowed value of the spec reference", k)
		}
	}
	if len(u["network.node_subnets=dual-stack"]) == 0 {
		t.Error("no example of blueprints/ is dual-stack (node subnets of both IPv4 and IPv6)")
	}
}

// exampleFeature is one line of the README's feature table: what a
// platform engineer looks for, and the usage keys (each a reference path,
// or "path=value"; any of them) of the examples that show it.
type exampleFeature struct {
	label string
	keys  []string
}

func (f exampleFeature) shownBy(u exampleUsage, example string) bool {
	for _, k := range f.keys {
		if slices.Contains(u[k], example) {
			return true
		}
	}
	return false
}

// exampleFeatures is the README's feature table, in its order. A feature
// whose key no example has, or that names no path of the spec reference,
// fails TestReadmeExamples.
var exampleFeatures = []exampleFeature{
	{"etcd stacked on the masters", []string{`etcd.topology=stacked`}},
	{"etcd on members of its own (`topology = \"external\"`)", []string{`etcd.topology=external`}},
	{"etcd snapshots copied to NFS", []string{`etcd.backup.destination.nfs`}},
	{"etcd snapshots copied to a claim", []string{`etcd.backup.destination.claim`}},
	{"HAProxy and keepalived on the masters (`colocated`)", []string{`load_balancer.mode=colocated`}},
	{"HAProxy and keepalived on hosts of their own (`dedicated`)", []string{`load_balancer.mode=dedicated`}},
	{"An existing load balancer (`external`)", []string{`load_balancer.mode=external`}},
	{"kube-vip on the masters (`kube-vip`)", []string{`load_balancer.mode=kube-vip`}},
	{"A proxy on every node (`local-proxy`)", []string{`load_balancer.mode=local-proxy`}},
	{"Dual-stack (IPv4 and IPv6)", []string{`network.node_subnets=dual-stack`}},
	{"Calico", []string{`network.cni=calico`}},
	{"Cilium", []string{`network.cni=cilium`}},
	{"Flannel", []string{`network.cni=flannel`}},
	{"A CNI installed by the operator (`cni = \"none\"`)", []string{`network.cni=none`}},
	{"kube-proxy iptables", []string{`network.proxy_mode=iptables`}},
	{"kube-proxy nftables", []string{`network.proxy_mode=nftables`}},
	{"kube-proxy ipvs", []string{`network.proxy_mode=ipvs`}},
	{"A schedulable control plane", []string{`control_plane.schedulable`}},
	{"SSH addresses apart from node addresses", []string{`control_plane.node.ssh_address`, `etcd.member.ssh_address`, `load_balancer.host.ssh_address`, `node_pool.node.ssh_address`}},
	{"Kubelet reservations and eviction thresholds", []string{`control_plane.kube_reserved`, `node_pool.kube_reserved`}},
	{"Tainted pools", []string{`node_pool.taint`}},
	{"Workers named one by one (`node` blocks)", []string{`node_pool.node`}},
	{"Large-cluster tuning", []string{`tuning`}},
	{"OpenID Connect sign-in", []string{`authentication.oidc`}},
	{"Pod Security exceptions with a reason", []string{`namespace.reason`}},
	{"Roles and role bindings", []string{`role_binding`}},
	{"Teams", []string{`team`}},
	{"Break-glass access", []string{`break_glass`}},
	{"Storage classes", []string{`storage_class`}},
	{"Static local volumes", []string{`persistent_volume.local`}},
	{"Static NFS volumes", []string{`persistent_volume.nfs`}},
	{"Claims", []string{`persistent_volume_claim`}},
	{"Prometheus and Alertmanager", []string{`monitoring`}},
	{"Prometheus and Alertmanager run by prometheus-operator (`engine = \"operator\"`)", []string{`monitoring.engine=operator`}},
	{"Grafana", []string{`monitoring.grafana`}},
	{"Elasticsearch and Kibana", []string{`logging.backend=elasticsearch`}},
	{"OpenSearch and OpenSearch Dashboards", []string{`logging.backend=opensearch`}},
	{"Elasticsearch and Kibana run by ECK (`engine = \"operator\"`)", []string{`logging.engine=operator`}},
	{"metrics-server", []string{`autoscaling`}},
	{"Vertical Pod Autoscaler (recommendations)", []string{`autoscaling.vertical_pod_autoscaler`}},
	{"Dashboards through Ingress", []string{`expose.ingress_class`}},
	{"Dashboards through a Gateway", []string{`expose.gateway_class`}},
	{"Images policy enforced", []string{`images.admission=enforce`}},
	{"Images policy in audit mode", []string{`images.admission=audit`}},
	{"Images from a mirror (`registry`, `overrides`)", []string{`images.registry`}},
	{"Images pinned by a lock file", []string{`images.lock_file`}},
	{"Image scanning (Trivy Operator)", []string{`image_scanning`}},
	{"Argo CD", []string{`gitops.tool=argocd`}},
	{"Flux", []string{`gitops.tool=flux`}},
	{"Kafka (KRaft)", []string{`kafka`}},
	{"Kafka run by the Strimzi operator (`engine = \"operator\"`)", []string{`kafka.engine=operator`}},
	{"HDFS with NameNode HA", []string{`hdfs.namenode_ha`}},
	{"Spark", []string{`spark`}},
	{"Spark jobs through the Kubernetes Spark operator (`engine = \"operator\"`)", []string{`spark.engine=operator`}},
	{"Accepted warnings (`accept`)", []string{`accept`}},
}

const (
	beginExamples = "<!-- BEGIN examples -->\n"
	endExamples   = "<!-- END examples -->\n"
)

// exampleDesign returns the first paragraph of an example's header
// comment, on one line.
func exampleDesign(src string) string {
	var words []string
	for _, line := range strings.Split(src, "\n") {
		text, ok := strings.CutPrefix(line, "#")
		text = strings.TrimSpace(text)
		if !ok || text == "" {
			break
		}
		words = append(words, text)
	}
	return strings.Join(words, " ")
}

// examplesMarkdown is the README's section between its examples markers:
// each example with its design, then which example shows which feature.
func examplesMarkdown(t *testing.T, u exampleUsage) string {
	t.Helper()
	names := blueprint.ExampleNames()
	var b strings.Builder
	b.WriteString("| Example | Design |\n|---|---|\n")
	for _, n := range names {
		src, _ := blueprint.Example(n)
		fmt.Fprintf(&b, "| [`%s`](blueprints/%s.hcl) | %s |\n", n, n, strings.ReplaceAll(exampleDesign(string(src)), "|", `\|`))
	}
	b.WriteString("\n| Feature |")
	for _, n := range names {
		fmt.Fprintf(&b, " `%s` |", n)
	}
	b.WriteString("\n|---|" + strings.Repeat(":---:|", len(names)) + "\n")
	for _, f := range exampleFeatures {
		fmt.Fprintf(&b, "| %s |", f.label)
		for _, n := range names {
			mark := ""
			if f.shownBy(u, n) {
				mark = "✓"
			}
			fmt.Fprintf(&b, " %s |", mark)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestReadmeExamples fails when the README's examples tables, between
// their markers, are not what the examples show; with -update it
// rewrites them. Each feature of the table must be shown by an example.
func TestReadmeExamples(t *testing.T) {
	u := usage(t)
	for _, f := range exampleFeatures {
		shown := false
		for _, k := range f.keys {
			p, _, _ := strings.Cut(k, "=")
			if _, ok := spec.Lookup(p); !ok {
				t.Errorf("feature %q: %q is no path of the spec reference", f.label, p)
			}
			shown = shown || len(u[k]) > 0
		}
		if !shown {
			t.Errorf("feature %q (%s): no example of blueprints/ shows it", f.label, strings.Join(f.keys, " or "))
		}
	}
	const path = "../README.md"
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	before, rest, ok := strings.Cut(string(readme), beginExamples)
	_, after, ok2 := strings.Cut(rest, endExamples)
	if !ok || !ok2 {
		t.Fatalf("README.md lacks the markers %q and %q around the examples tables", beginExamples, endExamples)
	}
	want := before + beginExamples + examplesMarkdown(t, u) + endExamples + after
	if want == string(readme) {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's examples tables differ from blueprints/; run: go test ./cli -run TestReadmeExamples -update")
}
