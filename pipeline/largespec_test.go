package pipeline_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
	"github.com/blueprint-dev/blueprint/verify"
)

// largeSpecBase is the example the large specs grow from: three zones, a
// pool per workload, and every cluster service the data platform runs.
const largeSpecBase = "blueprints/data-platform.hcl"

// largeSpec returns blueprints/data-platform.hcl grown to the given number
// of machines: as many masters as make the count come out even (three or
// five, stacked over the three zones), the example's pools as they are,
// and general-purpose pools counted per zone for the rest, each at most
// spec.MaxCountPerZone per zone. The pod range is widened to hold a /24 per
// machine. It is generated rather than committed, so the benchmarks follow
// the example as services are added to it.
func largeSpec(tb testing.TB, machines int) []byte {
	tb.Helper()
	src, err := os.ReadFile(largeSpecBase)
	if err != nil {
		tb.Fatal(err)
	}
	s, diags := spec.NewLoader().LoadSource(largeSpecBase, src, spec.Options{})
	if diags.HasErrors() {
		tb.Fatal(diags)
	}
	baseWorkers := 0
	for _, m := range s.Machines() {
		if m.Role == spec.RoleWorker {
			baseWorkers++
		}
	}
	masters := 3 + (machines-3-baseWorkers)%3
	if masters == 4 {
		masters = 7 // 4 would make etcd's member count even
	}
	perZone := (machines - masters - baseWorkers) / 3
	if perZone < 0 || masters+baseWorkers+3*perZone != machines {
		tb.Fatalf("largeSpec: cannot make %d machines from %s", machines, largeSpecBase)
	}

	f, d := hclwrite.ParseConfig(src, largeSpecBase, hcl.InitialPos)
	if d.HasErrors() {
		tb.Fatal(d)
	}
	body := f.Body()
	network := body.FirstMatchingBlock("network", nil)
	cp := body.FirstMatchingBlock("control_plane", nil)
	if network == nil || cp == nil {
		tb.Fatalf("%s has no network or control_plane block", largeSpecBase)
	}
	network.Body().SetAttributeRaw("pod_cidrs", hclwrite.TokensForValue(cty.ListVal([]cty.Value{cty.StringVal("10.128.0.0/11")})))
	cp.Body().Clear()
	cp.Body().AppendNewline()
	node := cp.Body().AppendNewBlock("dynamic", []string{"node"}).Body()
	node.SetAttributeRaw("for_each", rawExpr(fmt.Sprintf("range(%d)", masters)))
	node.SetAttributeRaw("labels", rawExpr(`[format("master%d", node.value + 1)]`))
	content := node.AppendNewBlock("content", nil).Body()
	content.SetAttributeRaw("address", rawExpr("cidrhost(local.subnet, 11 + node.value)"))
	content.SetAttributeRaw("zone", rawExpr("local.zones[node.value % 3]"))
	for i := 1; perZone > 0; i++ {
		n := min(perZone, spec.MaxCountPerZone)
		body.AppendNewline()
		pool := body.AppendNewBlock("node_pool", []string{fmt.Sprintf("general%d", i)}).Body()
		pool.SetAttributeRaw("zones", rawExpr("local.zones"))
		pool.SetAttributeRaw("count_per_zone", rawExpr(fmt.Sprint(n)))
		pool.SetAttributeRaw("cpu", rawExpr("8"))
		pool.SetAttributeRaw("memory", rawExpr(`"32Gi"`))
		perZone -= n
	}
	return hclwrite.Format(f.Bytes())
}

// rawExpr is an HCL expression written as source.
func rawExpr(src string) hclwrite.Tokens {
	return hclwrite.Tokens{{Type: hclsyntax.TokenIdent, Bytes: []byte(src)}}
}

// writeLargeSpec writes largeSpec(machines) into a temporary folder and
// returns the file's path.
func writeLargeSpec(tb testing.TB, machines int) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), fmt.Sprintf("large-%d.hcl", machines))
	if err := os.WriteFile(p, largeSpec(tb, machines), 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

// The benchmarks' specs are valid and as large as they say.
func TestLargeSpecs(t *testing.T) {
	for _, machines := range []int{500, 5000} {
		s, diags := spec.NewLoader().Load(writeLargeSpec(t, machines), spec.Options{})
		diags = validate.Check(s, diags)
		if len(diags) > 0 {
			t.Fatalf("%d machines: %v", machines, diags)
		}
		if got := len(s.Machines()); got != machines {
			t.Errorf("largeSpec(%d) has %d machines", machines, got)
		}
	}
}

// In a large cluster the diagram draws a pool's nodes in a zone as one
// box, and stays within the 50,000 characters Mermaid renders by default;
// the Nodes table still lists every machine.
func TestLargeClusterArchitecture(t *testing.T) {
	p, tree, diags, err := renderLoaded(spec.NewLoader().Load(writeLargeSpec(t, 5000), spec.Options{}))
	if err != nil || diags.HasErrors() {
		t.Fatal(err, diags)
	}
	doc := string(tree["ARCHITECTURE.md"])
	start := strings.Index(doc, "```mermaid\n")
	end := strings.Index(doc[start+1:], "```")
	if start < 0 || end < 0 {
		t.Fatal("ARCHITECTURE.md has no Mermaid diagram")
	}
	diagram := doc[start : start+1+end]
	if len(diagram) > 50000 {
		t.Errorf("the diagram has %d characters; Mermaid refuses more than 50,000", len(diagram))
	}
	for _, want := range []string{
		`["pool general1: 1000 workers<br/>general1-az1-1 … general1-az1-1000"]`,
		`["pool general2: 658 workers<br/>general2-az3-1 … general2-az3-658"]`,
		`["spark-az2-2<br/>worker"]`, // two per zone: drawn one by one
	} {
		if !strings.Contains(diagram, want) {
			t.Errorf("the diagram lacks %s", want)
		}
	}
	for _, n := range p.Workers {
		if !strings.Contains(doc, "\n| "+n.Name+" | worker | ") {
			t.Fatalf("the Nodes table lacks %s", n.Name)
		}
	}
	checkLargeClusterTuning(t, p, tree)
}

// checkLargeClusterTuning checks what a 5,000-node design gets: the
// flags kubeadm passes to the API server, controller-manager, scheduler
// and etcd, kube-proxy's nftables mode, CoreDNS replicas, Prometheus sized
// for the node count, each with its reason in ARCHITECTURE.md, and a
// kubeadm configuration the real kubeadm accepts.
func checkLargeClusterTuning(t *testing.T, p *plan.Plan, tree render.Tree) {
	t.Helper()
	sc := p.Scale
	if sc.Nodes != 5000 || sc.MaxRequestsInflight != 3000 || sc.MaxMutatingRequestsInflight != 1000 ||
		sc.KubeProxyMode != "nftables" || sc.EtcdQuota != "8Gi" || sc.ControllerManagerQPS != 500 ||
		sc.SchedulerQPS != 500 || sc.SchedulerBurst != 1000 || sc.CoreDNSReplicas != 313 {
		t.Errorf("5,000 nodes: %+v", sc)
	}
	var init string
	for _, name := range kubeadmFiles(tree) {
		if strings.HasPrefix(name, "kubeadm/init/") {
			init = string(tree[name])
		}
	}
	for _, want := range []string{
		"  - name: max-requests-inflight\n    value: \"3000\"\n",
		"  - name: max-mutating-requests-inflight\n    value: \"1000\"\n",
		"  - name: kube-api-qps\n    value: \"500\"\n",
		"    - name: quota-backend-bytes\n      value: \"8589934592\"\n",
		"\nmode: nftables\n",
	} {
		if !strings.Contains(init, want) {
			t.Errorf("kubeadm/init lacks %q", want)
		}
	}
	doc := string(tree["ARCHITECTURE.md"])
	for _, want := range []string{"## Large clusters", "| kube-proxy mode | `nftables` |", "| CoreDNS replicas | `313` |",
		"--replicas=313", "Events in an etcd of their own | `no: set tuning.events_etcd_servers`"} {
		if !strings.Contains(doc, want) {
			t.Errorf("ARCHITECTURE.md lacks %q", want)
		}
	}
	if kubeadm := lookupTool(t, "kubeadm"); kubeadm != "" {
		dir := writeTree(t, render.Tree{"init.yaml": []byte(init)}, verify.Fill)
		if out, err := runTool(kubeadm, "config", "validate", "--config", filepath.Join(dir, "init.yaml")); err != nil || !strings.Contains(out, "ok") {
			t.Errorf("kubeadm config validate: %v\n%s", err, out)
		}
	}
}

// max_pods reaches the kubelets: the control plane's in the cluster-wide
// KubeletConfiguration, a pool's (or the default, where the control plane
// sets another) in its pool's patch, the same figures the forecast uses;
// kubeadm accepts the configuration.
func TestMaxPodsRendered(t *testing.T) {
	p, tree, diags, err := renderLoaded(spec.NewLoader().Load("testdata/capacity/i09-control-plane-max-pods.hcl", spec.Options{}))
	if err != nil || p == nil {
		t.Fatal(err, diags)
	}
	var init string
	for _, name := range kubeadmFiles(tree) {
		if strings.HasPrefix(name, "kubeadm/init/") {
			init = string(tree[name])
		}
	}
	if !strings.Contains(init, "\nmaxPods: 6\n") {
		t.Errorf("kubeadm/init lacks maxPods: 6")
	}
	if patch := string(tree[plan.KubeletPatchTree+"general/"+plan.KubeletPatchFile]); !strings.Contains(patch, "\nmaxPods: 110\n") {
		t.Errorf("the general pool's patch lacks maxPods: 110:\n%s", patch)
	}
	if got := p.KubeletOf(p.ControlPlane[0]).MaxPods; got != 6 {
		t.Errorf("the forecast gives a control-plane node %d pods", got)
	}
	if got := p.KubeletOf(p.Workers[0]).MaxPods; got != 110 {
		t.Errorf("the forecast gives a worker %d pods", got)
	}
	if kubeadm := lookupTool(t, "kubeadm"); kubeadm != "" {
		dir := writeTree(t, render.Tree{"init.yaml": []byte(init)}, verify.Fill)
		if out, err := runTool(kubeadm, "config", "validate", "--config", filepath.Join(dir, "init.yaml")); err != nil || !strings.Contains(out, "ok") {
			t.Errorf("kubeadm config validate: %v\n%s", err, out)
		}
	}
}
