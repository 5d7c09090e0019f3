package pipeline_test

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/internal/manifest"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/templates"
)

// hsCase is one HDFS and Spark spec of testdata/workloads, rendered, with
// the objects of its hdfs and spark components decoded.
type hsCase struct {
	name    string
	plan    *plan.Plan
	tree    render.Tree
	objects []manifest.Object // manifests/hdfs and manifests/spark, built
}

var hsSpecs = []string{"testdata/workloads/hdfs-spark.hcl", "testdata/workloads/hdfs-single.hcl"}

var (
	hsOnce   sync.Once
	hsCached []hsCase
	hsErr    error
)

// hsCases renders the HDFS and Spark specs, once for all tests.
func hsCases(t *testing.T) []hsCase {
	t.Helper()
	hsOnce.Do(func() { hsCached, hsErr = hsRender() })
	if hsErr != nil {
		t.Fatal(hsErr)
	}
	return hsCached
}

// hsRender renders each spec.
func hsRender() ([]hsCase, error) {
	var out []hsCase
	for _, path := range hsSpecs {
		c, err := hsRenderFile(path)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// hsRenderFile renders a spec: it must validate without a diagnostic,
// render, build with kustomize and decode strictly.
func hsRenderFile(path string) (hsCase, error) {
	p, tree, diags, err := renderLoaded(spec.NewLoader().Load(path, spec.Options{}))
	if len(diags) > 0 {
		return hsCase{}, fmt.Errorf("%s must validate cleanly, got: %v", path, diags)
	}
	if err != nil {
		return hsCase{}, fmt.Errorf("rendering %s: %w", path, err)
	}
	c := hsCase{name: strings.TrimSuffix(filepath.Base(path), ".hcl"), plan: p, tree: tree}
	built, err := render.BuildKustomizations(tree, render.KustomizationDirs(tree))
	if err != nil {
		return hsCase{}, fmt.Errorf("%s: %w", c.name, err)
	}
	// The whole tree decodes with the strict decoder, and the two
	// components are part of it.
	root, err := manifest.Decode(built["manifests"])
	if err != nil {
		return hsCase{}, fmt.Errorf("%s: manifests/ does not strict-decode: %w", c.name, err)
	}
	for _, dir := range []string{"manifests/hdfs", "manifests/spark"} {
		objs, err := manifest.Decode(built[dir])
		if err != nil {
			return hsCase{}, fmt.Errorf("%s: %s does not strict-decode: %w", c.name, dir, err)
		}
		if len(objs) == 0 {
			return hsCase{}, fmt.Errorf("%s: %s builds to nothing", c.name, dir)
		}
		for _, o := range objs {
			if !slices.ContainsFunc(root, func(r manifest.Object) bool { return r.String() == o.String() }) {
				return hsCase{}, fmt.Errorf("%s: %s is not in the root kustomization's build", c.name, o)
			}
		}
		c.objects = append(c.objects, objs...)
	}
	return c, nil
}

func (c hsCase) file(t *testing.T, name string) []byte {
	t.Helper()
	b, ok := c.tree[name]
	if !ok {
		t.Fatalf("%s: %s is not rendered", c.name, name)
	}
	return b
}

// hadoopConf is a Hadoop *-site.xml file.
type hadoopConf struct {
	XMLName    xml.Name `xml:"configuration"`
	Properties []struct {
		Name  string `xml:"name"`
		Value string `xml:"value"`
	} `xml:"property"`
}

// parseHadoopConf reads a *-site.xml strictly: well-formed, every property
// named once.
func parseHadoopConf(t *testing.T, what string, b []byte) map[string]string {
	t.Helper()
	var conf hadoopConf
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	if err := d.Decode(&conf); err != nil {
		t.Fatalf("%s is not a well-formed Hadoop configuration: %v", what, err)
	}
	props := map[string]string{}
	for _, p := range conf.Properties {
		if p.Name == "" {
			t.Errorf("%s: a property has no name", what)
		}
		if _, dup := props[p.Name]; dup {
			t.Errorf("%s: property %s is set twice", what, p.Name)
		}
		props[p.Name] = p.Value
	}
	return props
}

func wantProps(t *testing.T, what string, props map[string]string, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got, ok := props[k]; !ok || got != v {
			t.Errorf("%s: %s = %q, want %q", what, k, got, v)
		}
	}
}

// TestHDFSSiteFiles parses core-site.xml and hdfs-site.xml and checks the
// settings against the plan, and the HA settings against each other.
func TestHDFSSiteFiles(t *testing.T) {
	for _, c := range hsCases(t) {
		h := c.plan.Workloads.HDFS
		core := parseHadoopConf(t, c.name+": core-site.xml", c.file(t, "manifests/hdfs/core-site.xml"))
		site := parseHadoopConf(t, c.name+": hdfs-site.xml", c.file(t, "manifests/hdfs/hdfs-site.xml"))
		wantProps(t, c.name+": core-site.xml", core, map[string]string{
			"fs.defaultFS":                  h.DefaultFS,
			"net.topology.script.file.name": "/etc/hadoop/topology.sh",
		})
		wantProps(t, c.name+": hdfs-site.xml", site, map[string]string{
			"dfs.replication":       strconv.Itoa(h.Replication),
			"dfs.blocksize":         h.BlockSize,
			"dfs.namenode.name.dir": "file:///data/name",
			"dfs.datanode.data.dir": "file:///data/dn",
			"dfs.namenode.datanode.registration.ip-hostname-check": "false",
		})
		if !h.HA {
			if _, ok := site["dfs.nameservices"]; ok {
				t.Errorf("%s: a single NameNode has no nameservice", c.name)
			}
			wantProps(t, c.name+": hdfs-site.xml", site, map[string]string{
				"dfs.namenode.rpc-address": fmt.Sprintf("%s:%d", h.NameNodeHosts[0], plan.NameNodeRPCPort),
			})
			if h.DefaultFS != "hdfs://"+site["dfs.namenode.rpc-address"] {
				t.Errorf("%s: fs.defaultFS %s is not the NameNode's RPC address %s", c.name, h.DefaultFS, site["dfs.namenode.rpc-address"])
			}
			continue
		}
		ns := site["dfs.nameservices"]
		if ns == "" || core["fs.defaultFS"] != "hdfs://"+ns {
			t.Errorf("%s: fs.defaultFS %q does not name the nameservice %q", c.name, core["fs.defaultFS"], ns)
		}
		ids := strings.Split(site["dfs.ha.namenodes."+ns], ",")
		if len(ids) != 2 {
			t.Errorf("%s: dfs.ha.namenodes.%s = %v, want two NameNodes", c.name, ns, ids)
		}
		for i, id := range ids {
			for _, kind := range []string{"rpc-address", "http-address"} {
				addr := site["dfs.namenode."+kind+"."+ns+"."+id]
				if !strings.HasPrefix(addr, fmt.Sprintf("namenode-%d.namenode.%s.svc.", i, h.Namespace)) {
					t.Errorf("%s: NameNode %s has %s %q, want namenode-%d's stable name", c.name, id, kind, addr, i)
				}
			}
		}
		edits := site["dfs.namenode.shared.edits.dir"]
		journals, journalID, ok := strings.Cut(strings.TrimPrefix(edits, "qjournal://"), "/")
		if !strings.HasPrefix(edits, "qjournal://") || !ok || journalID != ns {
			t.Errorf("%s: dfs.namenode.shared.edits.dir = %q, want qjournal://…/%s", c.name, edits, ns)
		}
		nodes := strings.Split(journals, ";")
		if len(nodes) != 3 {
			t.Errorf("%s: shared edits on %d JournalNodes, want 3: %s", c.name, len(nodes), edits)
		}
		for i, n := range nodes {
			if want := fmt.Sprintf("journalnode-%d.journalnode.%s.svc.%s:%d", i, h.Namespace, c.plan.DNSDomain, plan.JournalNodeRPCPort); n != want {
				t.Errorf("%s: JournalNode %d is %s, want %s", c.name, i, n, want)
			}
		}
		wantProps(t, c.name+": hdfs-site.xml", site, map[string]string{
			"dfs.client.failover.proxy.provider." + ns: "org.apache.hadoop.hdfs.server.namenode.ha.ConfiguredFailoverProxyProvider",
			"dfs.ha.fencing.methods":                   "shell(/bin/true)",
			"dfs.ha.automatic-failover.enabled":        "false",
			"dfs.journalnode.edits.dir":                "/data/journal",
		})
	}
}

// rackFaultTolerant is the block placement policy that spreads a block's
// copies over racks (zones, through topology.sh).
const rackFaultTolerant = "org.apache.hadoop.hdfs.server.blockmanagement.BlockPlacementPolicyRackFaultTolerant"

// maxCopiesPerRack is BlockPlacementPolicyRackFaultTolerant.getMaxNodesPerRack
// of Hadoop 3.4 for a whole block: total copies (at most one per DataNode)
// over the racks that hold DataNodes.
func maxCopiesPerRack(copies, dataNodes, racks int) int {
	total := min(copies, dataNodes)
	switch {
	case racks <= 1 || total <= 1:
		return total
	case total < racks:
		return 1
	}
	return (total-1)/racks + 1
}

// TestHDFSZoneLossKeepsCopies checks that the NameNode places copies with
// the rack-fault-tolerant policy, that every zone with DataNodes is a rack
// of topology.sh, and that ARCHITECTURE.md's workload table states the
// copies a block keeps when the zone with the most of them is lost, as the
// policy places them. The default policy (before this test) put the second
// and third copies in one remote rack: losing it lost two of three.
func TestHDFSZoneLossKeepsCopies(t *testing.T) {
	type hdfsCase struct {
		name string
		plan *plan.Plan
		tree render.Tree
	}
	var cases []hdfsCase
	for _, c := range hsCases(t) {
		cases = append(cases, hdfsCase{c.name, c.plan, c.tree})
	}
	for _, ex := range examples(t) {
		if ex.plan.Workloads.HDFS != nil {
			cases = append(cases, hdfsCase{ex.name, ex.plan, ex.tree})
		}
	}
	for _, c := range cases {
		h := c.plan.Workloads.HDFS
		site := parseHadoopConf(t, c.name+": hdfs-site.xml", c.tree["manifests/hdfs/hdfs-site.xml"])
		wantProps(t, c.name+": hdfs-site.xml", site, map[string]string{"dfs.block.replicator.classname": rackFaultTolerant})
		script := string(c.tree["manifests/hdfs/topology.sh"])
		for _, set := range h.DataNodeSets {
			if !strings.Contains(script, set.Service+".") || !strings.Contains(script, "rack=/"+set.Zone+" ") {
				t.Errorf("%s: topology.sh does not map the addresses of %s to rack /%s", c.name, set.Service, set.Zone)
			}
		}
		per := maxCopiesPerRack(h.Replication, h.DataNodes, len(h.DataNodeSets))
		want := fmt.Sprintf("keeps at most %d of a block's %d copies in one zone, so each block keeps %d |", per, h.Replication, h.Replication-per)
		row := ""
		for _, line := range strings.Split(string(c.tree["ARCHITECTURE.md"]), "\n") {
			if strings.HasPrefix(line, "| HDFS DataNodes |") {
				row = line
			}
		}
		if !strings.Contains(row, want) {
			t.Errorf("%s: ARCHITECTURE.md's DataNode row %q does not say %q", c.name, row, want)
		}
	}
}

// TestHDFSSiteEscapesXML renders hdfs-site.xml from a plan whose values
// hold XML's special characters: they must come back unchanged.
func TestHDFSSiteEscapesXML(t *testing.T) {
	c := hsCases(t)[0]
	p := *c.plan
	h := *p.Workloads.HDFS
	h.BlockSize = `1<2 & "3">'4'`
	h.SharedEdits = "qjournal://a:1;b:2/<ns>&"
	p.Workloads.HDFS = &h
	var b bytes.Buffer
	if err := templates.ParseManifests()["manifests/hdfs/hdfs-site.xml"].Execute(&b, &p); err != nil {
		t.Fatal(err)
	}
	wantProps(t, "hdfs-site.xml", parseHadoopConf(t, "hdfs-site.xml", b.Bytes()), map[string]string{
		"dfs.blocksize":                 h.BlockSize,
		"dfs.namenode.shared.edits.dir": h.SharedEdits,
	})
}

// TestHDFSTopologyScript runs topology.sh with a stand-in for getent that
// answers for the zones' DataNode Services: every address of a zone's
// Service maps to /ZONE, anything else to /default-rack, in order.
func TestHDFSTopologyScript(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("SKIPPED, not passed: no sh here to run topology.sh with")
	}
	for _, c := range hsCases(t) {
		h := c.plan.Workloads.HDFS
		dir := t.TempDir()
		script := filepath.Join(dir, "topology.sh")
		if err := os.WriteFile(script, c.file(t, "manifests/hdfs/topology.sh"), 0o755); err != nil {
			t.Fatal(err)
		}
		// getent ahosts NAME prints each address three times (STREAM,
		// DGRAM, RAW); the fake gives every zone two pod addresses.
		var fake strings.Builder
		fake.WriteString("#!/bin/sh\n[ \"$1\" = ahosts ] || exit 2\ncase \"$2\" in\n")
		var args, want []string
		for i, set := range h.DataNodeSets {
			a, b := fmt.Sprintf("10.1.%d.5", i), fmt.Sprintf("10.1.%d.17", i)
			fmt.Fprintf(&fake, "%s.)\n", set.Service)
			for _, addr := range []string{a, b} {
				for _, kind := range []string{"STREAM " + set.Service + ".", "DGRAM  ", "RAW    "} {
					fmt.Fprintf(&fake, "  echo '%-15s %s'\n", addr, kind)
				}
			}
			fake.WriteString("  ;;\n")
			args = append(args, b, a)
			want = append(want, "/"+set.Zone, "/"+set.Zone)
		}
		fake.WriteString("*) exit 2 ;;\nesac\n")
		if err := os.WriteFile(filepath.Join(dir, "getent"), []byte(fake.String()), 0o755); err != nil {
			t.Fatal(err)
		}
		args = append(args, "10.1.0.50", "10.9.9.9")
		want = append(want, "/default-rack", "/default-rack")
		cmd := exec.Command(sh, append([]string{script}, args...)...)
		cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: topology.sh: %v\n%s", c.name, err, out)
		}
		if got := strings.Fields(string(out)); !slices.Equal(got, want) {
			t.Errorf("%s: topology.sh %v printed %v, want %v", c.name, args, got, want)
		}
	}
}

// TestHDFSObjects checks the workloads: hardening, selectors, one
// DataNode StatefulSet per zone pinned to it, volumes and configuration
// mounts, budgets and Services.
func TestHDFSObjects(t *testing.T) {
	for _, c := range hsCases(t) {
		h := c.plan.Workloads.HDFS
		for _, o := range c.objects {
			if o.GVK.Kind == "Secret" {
				t.Errorf("%s: %s: the output must never contain a Secret", c.name, o)
			}
			if tmpl, replicas := manifest.PodTemplate(o.Object); tmpl != nil {
				checkPod(t, c.name+": "+o.String(), tmpl, replicas)
			}
		}
		var config string
		for _, cm := range objects[corev1.ConfigMap](c.objects) {
			if strings.HasPrefix(cm.Name, "hdfs-config-") && cm.Namespace == h.Namespace {
				config = cm.Name
				for _, key := range []string{"core-site.xml", "hdfs-site.xml", "log4j.properties", "topology.sh"} {
					if cm.Data[key] == "" {
						t.Errorf("%s: ConfigMap %s lacks %s", c.name, cm.Name, key)
					}
				}
			}
		}
		if config == "" {
			t.Fatalf("%s: no hdfs-config ConfigMap with a content hash in its name", c.name)
		}
		sets := objects[appsv1.StatefulSet](c.objects)
		want := map[string]int32{"namenode": int32(h.NameNodes)}
		if h.HA {
			want["journalnode"] = 3
		}
		total := 0
		for _, s := range h.DataNodeSets {
			want[s.Name] = int32(s.Replicas)
			total += s.Replicas
		}
		if total != h.DataNodes {
			t.Errorf("%s: the zones' DataNode sets hold %d DataNodes, want %d", c.name, total, h.DataNodes)
		}
		got := map[string]int32{}
		for _, s := range sets {
			got[s.Name] = *s.Spec.Replicas
			checkHDFSStatefulSet(t, c, s, config)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: StatefulSets and replicas %v, want %v", c.name, got, want)
		}
		for _, set := range h.DataNodeSets {
			s := object[appsv1.StatefulSet](t, c.objects, h.Namespace, set.Name)
			terms := s.Spec.Template.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
			if len(terms) != 1 || fmt.Sprint(terms[0].MatchExpressions) != fmt.Sprint([]corev1.NodeSelectorRequirement{{Key: "topology.kubernetes.io/zone", Operator: "In", Values: []string{set.Zone}}}) {
				t.Errorf("%s: %s is not pinned to zone %s: %v", c.name, set.Name, set.Zone, terms)
			}
			svc := object[corev1.Service](t, c.objects, h.Namespace, set.Name)
			if svc.Spec.ClusterIP != "None" || !svc.Spec.PublishNotReadyAddresses {
				t.Errorf("%s: Service %s must be headless and publish pods before they are ready", c.name, set.Name)
			}
			if !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(s.Spec.Template.Labels)) {
				t.Errorf("%s: Service %s does not select its StatefulSet's pods", c.name, set.Name)
			}
			for _, other := range h.DataNodeSets {
				o := object[appsv1.StatefulSet](t, c.objects, h.Namespace, other.Name)
				if other.Name != set.Name && labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(o.Spec.Template.Labels)) {
					t.Errorf("%s: Service %s also selects the DataNodes of zone %s", c.name, set.Name, other.Zone)
				}
			}
			if !strings.Contains(string(c.file(t, "manifests/hdfs/topology.sh")), set.Service+".") {
				t.Errorf("%s: topology.sh does not look up %s", c.name, set.Service)
			}
		}
		budgets := map[string]string{}
		for _, b := range objects[policyv1.PodDisruptionBudget](c.objects) {
			budgets[b.Name] = b.Spec.MaxUnavailable.String()
		}
		wantBudgets := map[string]string{"datanode": "1"}
		if h.HA {
			wantBudgets["namenode"], wantBudgets["journalnode"] = "1", "1"
		}
		if fmt.Sprint(budgets) != fmt.Sprint(wantBudgets) {
			t.Errorf("%s: PodDisruptionBudgets (maxUnavailable) %v, want %v", c.name, budgets, wantBudgets)
		}
		for _, svc := range objects[corev1.Service](c.objects) {
			if svc.Namespace != h.Namespace {
				continue
			}
			if !selectsSome(svc.Spec.Selector, sets) {
				t.Errorf("%s: Service %s selects no HDFS pod", c.name, svc.Name)
			}
			for _, port := range svc.Spec.Ports {
				if port.NodePort != 0 && (port.NodePort < 30000 || port.NodePort > 32767) {
					t.Errorf("%s: Service %s: NodePort %d is outside 30000-32767", c.name, svc.Name, port.NodePort)
				}
			}
		}
		client := object[corev1.Service](t, c.objects, h.Namespace, "namenode-client")
		if ports := servicePorts(client); fmt.Sprint(ports) != fmt.Sprint(map[string]int32{"rpc": plan.NameNodeRPCPort, "http": plan.NameNodeHTTPPort}) {
			t.Errorf("%s: namenode-client ports %v", c.name, ports)
		}
		hasNodePort := false
		for _, svc := range objects[corev1.Service](c.objects) {
			if svc.Spec.Type == corev1.ServiceTypeNodePort {
				hasNodePort = true
				np := map[string]int32{}
				for _, p := range svc.Spec.Ports {
					np[p.Name] = p.NodePort
				}
				if np["http"] != plan.NameNodeNodePortBase || np["rpc"] != plan.NameNodeNodePortBase+1 {
					t.Errorf("%s: NodePorts %v, want http %d and rpc %d", c.name, np, plan.NameNodeNodePortBase, plan.NameNodeNodePortBase+1)
				}
			}
		}
		if hasNodePort != h.NodePort {
			t.Errorf("%s: a NodePort Service is rendered: %v, expose_node_port: %v", c.name, hasNodePort, h.NodePort)
		}
	}
}

func checkHDFSStatefulSet(t *testing.T, c hsCase, s *appsv1.StatefulSet, config string) {
	t.Helper()
	what := c.name + ": StatefulSet " + s.Name
	pod := s.Spec.Template.Spec
	sel, err := metav1.LabelSelectorAsSelector(s.Spec.Selector)
	if err != nil || !sel.Matches(labels.Set(s.Spec.Template.Labels)) {
		t.Errorf("%s: selector %v does not select its pod template", what, s.Spec.Selector)
	}
	if s.Spec.ServiceName == "" {
		t.Errorf("%s: no governing Service", what)
	} else {
		svc := object[corev1.Service](t, c.objects, s.Namespace, s.Spec.ServiceName)
		if svc.Spec.ClusterIP != "None" {
			t.Errorf("%s: governing Service %s is not headless", what, svc.Name)
		}
	}
	if len(s.Spec.VolumeClaimTemplates) != 1 || *s.Spec.VolumeClaimTemplates[0].Spec.StorageClassName != c.plan.Workloads.HDFS.StorageClass {
		t.Errorf("%s: want one volume claim of class %s", what, c.plan.Workloads.HDFS.StorageClass)
	}
	if pod.SecurityContext == nil || pod.SecurityContext.RunAsUser == nil || *pod.SecurityContext.RunAsUser != 1000 ||
		pod.SecurityContext.SeccompProfile == nil || pod.SecurityContext.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: must run as the image's hadoop user (1000) with the RuntimeDefault seccomp profile", what)
	}
	if pod.NodeSelector[spec.PoolLabel] != c.plan.Workloads.HDFS.Placement.Pool {
		t.Errorf("%s: not placed on pool %s: %v", what, c.plan.Workloads.HDFS.Placement.Pool, pod.NodeSelector)
	}
	if len(pod.Tolerations) != len(c.plan.Workloads.HDFS.Placement.Tolerations) {
		t.Errorf("%s: tolerations %v, want the pool's %v", what, pod.Tolerations, c.plan.Workloads.HDFS.Placement.Tolerations)
	}
	if aff := pod.Affinity; aff == nil || aff.PodAntiAffinity == nil || len(aff.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution) == 0 {
		t.Errorf("%s: no required anti-affinity", what)
	}
	mounts := map[string]string{}
	for _, v := range pod.Volumes {
		if v.ConfigMap != nil {
			mounts[v.Name] = v.ConfigMap.Name
		}
	}
	for _, ctr := range append(append([]corev1.Container{}, pod.InitContainers...), pod.Containers...) {
		if ctr.Image != c.plan.Image("hadoop") {
			t.Errorf("%s: container %s runs %s, want %s", what, ctr.Name, ctr.Image, c.plan.Image("hadoop"))
		}
		sc := ctr.SecurityContext
		if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
			t.Errorf("%s: container %s must have a read-only root filesystem and drop ALL capabilities", what, ctr.Name)
		}
		if !ctr.Resources.Limits.Memory().Equal(*ctr.Resources.Requests.Memory()) {
			t.Errorf("%s: container %s: memory limit and request differ", what, ctr.Name)
		}
		conf := ""
		for _, e := range ctr.Env {
			if e.Name == "HADOOP_CONF_DIR" {
				conf = e.Value
			}
		}
		mounted := map[string]bool{}
		for _, m := range ctr.VolumeMounts {
			mounted[m.MountPath] = true
			if m.MountPath == conf && mounts[m.Name] != config {
				t.Errorf("%s: container %s: HADOOP_CONF_DIR %s is not ConfigMap %s", what, ctr.Name, conf, config)
			}
		}
		dirs := []string{conf, "/data", "/tmp", "/var/log/hadoop"}
		if ctr.Name == "ha" { // runs hdfs haadmin only: no data of its own
			dirs = []string{conf, "/tmp", "/var/log/hadoop"}
		}
		for _, dir := range dirs {
			if dir == "" || !mounted[dir] {
				t.Errorf("%s: container %s: HADOOP_CONF_DIR %q, and %v must be mounted; mounts %v", what, ctr.Name, conf, dirs[1:], mounted)
			}
		}
	}
}

func selectsSome(selector map[string]string, sets []*appsv1.StatefulSet) bool {
	for _, s := range sets {
		if len(selector) > 0 && labels.SelectorFromSet(selector).Matches(labels.Set(s.Spec.Template.Labels)) {
			return true
		}
	}
	return false
}

func servicePorts(svc *corev1.Service) map[string]int32 {
	out := map[string]int32{}
	for _, p := range svc.Spec.Ports {
		out[p.Name] = p.Port
	}
	return out
}

// sparkDefaults reads spark-defaults.conf: "key value" lines, each key
// once.
func sparkDefaults(t *testing.T, what string, b []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, " ")
		value = strings.TrimSpace(value)
		if !ok || value == "" || strings.ContainsAny(key, "=:\\") {
			t.Errorf("%s:%d: want \"key value\", got %q", what, n, line)
		}
		if _, dup := out[key]; dup {
			t.Errorf("%s:%d: %s is set twice", what, n, key)
		}
		out[key] = value
	}
	return out
}

// TestSparkDefaults checks spark-defaults.conf against the plan.
func TestSparkDefaults(t *testing.T) {
	for _, c := range hsCases(t) {
		s, h := c.plan.Workloads.Spark, c.plan.Workloads.HDFS
		conf := sparkDefaults(t, c.name+": spark-defaults.conf", c.file(t, "manifests/spark/spark-defaults.conf"))
		want := map[string]string{
			"spark.master":               "k8s://https://kubernetes.default.svc",
			"spark.kubernetes.namespace": s.Namespace,
			"spark.kubernetes.authenticate.driver.serviceAccountName": "spark-driver",
			"spark.kubernetes.container.image":                        c.plan.Image("spark"),
			"spark.dynamicAllocation.enabled":                         "true",
			"spark.dynamicAllocation.shuffleTracking.enabled":         "true",
			"spark.dynamicAllocation.minExecutors":                    strconv.Itoa(s.MinExecutors),
			"spark.dynamicAllocation.maxExecutors":                    strconv.Itoa(s.MaxExecutors),
			"spark.executor.cores":                                    strconv.Itoa(s.ExecutorCPU),
			"spark.executor.memory":                                   s.ExecutorMemory,
			"spark.kubernetes.executor.request.cores":                 strconv.Itoa(s.ExecutorCPU),
			"spark.kubernetes.executor.limit.cores":                   strconv.Itoa(s.ExecutorCPU),
			"spark.driver.cores":                                      strconv.Itoa(s.DriverCPU),
			"spark.driver.memory":                                     s.DriverMemory,
			"spark.driver.port":                                       strconv.Itoa(plan.SparkDriverPort),
			"spark.blockManager.port":                                 strconv.Itoa(plan.SparkBlockPort),
			"spark.kubernetes.driver.podTemplateFile":                 "/opt/spark/conf/driver-pod-template.yaml",
			"spark.kubernetes.executor.podTemplateFile":               "/opt/spark/conf/executor-pod-template.yaml",
			"spark.local.dir":                                         s.ScratchDir,
		}
		if c.plan.Services.Monitoring != nil {
			want["spark.ui.prometheus.enabled"] = "true"
		}
		if h != nil {
			want["spark.hadoop.fs.defaultFS"] = h.DefaultFS
			if h.HA {
				ns := h.Nameservice
				want["spark.hadoop.dfs.nameservices"] = ns
				want["spark.hadoop.dfs.ha.namenodes."+ns] = strings.Join(h.NameNodeIDs, ",")
				for i, id := range h.NameNodeIDs {
					want["spark.hadoop.dfs.namenode.rpc-address."+ns+"."+id] = fmt.Sprintf("%s:%d", h.NameNodeHosts[i], plan.NameNodeRPCPort)
				}
				want["spark.hadoop.dfs.client.failover.proxy.provider."+ns] = "org.apache.hadoop.hdfs.server.namenode.ha.ConfiguredFailoverProxyProvider"
			}
		}
		wantProps(t, c.name+": spark-defaults.conf", conf, want)

		// The ConfigMap holds the three files under a fixed name, and the
		// template paths are where mounting it at /opt/spark/conf puts them.
		cm := object[corev1.ConfigMap](t, c.objects, s.Namespace, "spark-defaults")
		for _, key := range []string{"spark-defaults.conf", "driver-pod-template.yaml", "executor-pod-template.yaml"} {
			if cm.Data[key] == "" {
				t.Errorf("%s: ConfigMap spark-defaults lacks %s", c.name, key)
			}
		}
		for _, k := range []string{"spark.kubernetes.driver.podTemplateFile", "spark.kubernetes.executor.podTemplateFile"} {
			if _, ok := cm.Data[filepath.Base(conf[k])]; !ok {
				t.Errorf("%s: %s %s is not a key of ConfigMap spark-defaults", c.name, k, conf[k])
			}
		}
	}
}

// TestSparkPodTemplates strict-decodes the pod templates into corev1.Pod
// (kustomize only sees them as ConfigMap data) and checks resources,
// security, placement and the local volume.
func TestSparkPodTemplates(t *testing.T) {
	for _, c := range hsCases(t) {
		s := c.plan.Workloads.Spark
		conf := sparkDefaults(t, c.name, c.file(t, "manifests/spark/spark-defaults.conf"))
		for _, role := range []struct {
			file, container, cpu, memory string
			account                      bool
		}{
			{"driver-pod-template.yaml", "spark-kubernetes-driver", strconv.Itoa(s.DriverCPU), s.DriverPodMemory, true},
			{"executor-pod-template.yaml", "spark-kubernetes-executor", strconv.Itoa(s.ExecutorCPU), s.ExecutorPodMemory, false},
		} {
			what := c.name + ": " + role.file
			var pod corev1.Pod
			if err := yaml.UnmarshalStrict(c.file(t, "manifests/spark/"+role.file), &pod); err != nil {
				t.Fatalf("%s does not strict-decode into a Pod: %v", what, err)
			}
			if pod.APIVersion != "v1" || pod.Kind != "Pod" {
				t.Errorf("%s: %s/%s, want v1/Pod", what, pod.APIVersion, pod.Kind)
			}
			if len(pod.Spec.Containers) != 1 || pod.Spec.Containers[0].Name != role.container {
				t.Fatalf("%s: want one container %s", what, role.container)
			}
			kind := strings.TrimSuffix(role.file, "-pod-template.yaml")
			if got := conf["spark.kubernetes."+kind+".podTemplateContainerName"]; got != role.container {
				t.Errorf("%s: podTemplateContainerName %q, want %q", what, got, role.container)
			}
			ctr := pod.Spec.Containers[0]
			for name, list := range map[string]corev1.ResourceList{"requests": ctr.Resources.Requests, "limits": ctr.Resources.Limits} {
				if !list.Cpu().Equal(resource.MustParse(role.cpu)) || !list.Memory().Equal(resource.MustParse(role.memory)) {
					t.Errorf("%s: %s %v, want cpu %s and memory %s", what, name, list, role.cpu, role.memory)
				}
			}
			ps := pod.Spec.SecurityContext
			if ps == nil || ps.RunAsNonRoot == nil || !*ps.RunAsNonRoot || ps.RunAsUser == nil || *ps.RunAsUser != 185 ||
				ps.SeccompProfile == nil || ps.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
				t.Errorf("%s: must run as the image's spark user (185), non-root, with the RuntimeDefault seccomp profile", what)
			}
			sc := ctr.SecurityContext
			if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || sc.ReadOnlyRootFilesystem == nil ||
				!*sc.ReadOnlyRootFilesystem || sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
				t.Errorf("%s: container must not escalate, have a read-only root filesystem and drop ALL", what)
			}
			if pod.Spec.NodeSelector[spec.PoolLabel] != s.Placement.Pool || len(pod.Spec.Tolerations) != len(s.Placement.Tolerations) {
				t.Errorf("%s: placement %v %v, want pool %s and its taints %v", what, pod.Spec.NodeSelector, pod.Spec.Tolerations, s.Placement.Pool, s.Placement.Tolerations)
			}
			if got := pod.Spec.AutomountServiceAccountToken == nil || *pod.Spec.AutomountServiceAccountToken; got != role.account {
				t.Errorf("%s: service account token mounted: %v, want %v", what, got, role.account)
			}
			volumes := map[string]corev1.Volume{}
			for _, v := range pod.Spec.Volumes {
				volumes[v.Name] = v
			}
			mounted := map[string]string{}
			for _, m := range ctr.VolumeMounts {
				if _, ok := volumes[m.Name]; !ok {
					t.Errorf("%s: mount of unknown volume %s", what, m.Name)
				}
				mounted[m.Name] = m.MountPath
			}
			if mounted["spark-local-dir-1"] != conf["spark.local.dir"] {
				t.Errorf("%s: spark-local-dir-1 is mounted at %q, spark.local.dir is %q", what, mounted["spark-local-dir-1"], conf["spark.local.dir"])
			}
			local := volumes["spark-local-dir-1"]
			switch {
			case s.LocalDir != "" && (local.HostPath == nil || local.HostPath.Path != s.LocalDir):
				t.Errorf("%s: local_dir %s must be the hostPath of spark-local-dir-1: %+v", what, s.LocalDir, local)
			case s.LocalDir == "" && local.EmptyDir == nil:
				t.Errorf("%s: without local_dir, spark-local-dir-1 must be an emptyDir: %+v", what, local)
			}
			if mounted["tmp"] != "/tmp" || mounted["work-dir"] != "/opt/spark/work-dir" {
				t.Errorf("%s: /tmp and /opt/spark/work-dir must be writable volumes: %v", what, mounted)
			}
			scraped := pod.Annotations["prometheus.io/scrape"] == "true"
			if wantScrape := role.account && c.plan.Services.Monitoring != nil; scraped != wantScrape {
				t.Errorf("%s: scraped by Prometheus: %v, want %v", what, scraped, wantScrape)
			}
		}
		// hostPath is refused by Pod Security's baseline and restricted
		// levels.
		var level, reason string
		for _, ns := range c.plan.Services.Namespaces {
			if ns.Name == s.Namespace {
				level, reason = ns.PodSecurity, ns.Reason
			}
		}
		switch {
		case s.LocalDir != "" && (level != "privileged" || !strings.Contains(reason, s.LocalDir)):
			t.Errorf("%s: with local_dir, namespace %s must be privileged and say why; got %q (%q)", c.name, s.Namespace, level, reason)
		case s.LocalDir == "" && level != "restricted":
			t.Errorf("%s: namespace %s is %q, want restricted", c.name, s.Namespace, level)
		}
	}
}

// sparkK8s is where Spark 4.0's Kubernetes code lives in apache/spark.
const sparkK8s = "resource-managers/kubernetes/core/src/main/scala/org/apache/spark/"

// sparkRequest is one request Spark's Kubernetes client (fabric8) sends to
// the API server, read from Spark 4.0's source: the verb RBAC checks, the
// core-group resource, and the file and call it comes from.
type sparkRequest struct {
	verb, resource, source, call string
}

// sparkRequests are all the requests spark-submit in cluster mode and the
// driver make with the settings of spark-defaults.conf. The submission
// client puts the driver's Service and ConfigMaps with server-side apply
// (fabric8's serverSideApply, an HTTP PATCH); fabric8 6 and later sends a
// filtered delete as one DELETE on the collection (deletecollection).
var sparkRequests = []sparkRequest{
	{"create", "pods", "deploy/k8s/submit/KubernetesClientApplication.scala", "Client.run: pods().resource(driverPod).create()"},
	{"patch", "services", "deploy/k8s/submit/KubernetesClientApplication.scala", "Client.run: resourceList(driver Service, ConfigMaps).forceConflicts().serverSideApply()"},
	{"patch", "configmaps", "deploy/k8s/submit/KubernetesClientApplication.scala", "Client.run: resourceList(driver Service, ConfigMaps).forceConflicts().serverSideApply()"},
	// A server-side apply that creates the object is also authorized as
	// create (the API server's patch handler, createAuthorizerAttributes).
	{"create", "services", "deploy/k8s/submit/KubernetesClientApplication.scala", "Client.run: the same apply, creating the driver's Service"},
	{"create", "configmaps", "deploy/k8s/submit/KubernetesClientApplication.scala", "Client.run: the same apply, creating the driver's ConfigMaps"},
	{"delete", "pods", "deploy/k8s/submit/KubernetesClientApplication.scala", "Client.run: pods().resource(createdDriverPod).delete() when applying the driver's resources fails"},
	{"watch", "pods", "deploy/k8s/submit/KubernetesClientApplication.scala", "Client.run: withName(driverPodName).watch(watcher) until the job ends"},
	{"get", "pods", "deploy/k8s/submit/KubernetesClientApplication.scala", "Client.run: withName(driverPodName).get()"},
	{"get", "pods", "scheduler/cluster/k8s/ExecutorPodsAllocator.scala", "driverPod: pods().withName(driver).get()"},
	{"list", "pods", "scheduler/cluster/k8s/ExecutorPodsAllocator.scala", "start: withName(driver).waitUntilReady() (an informer on the driver pod)"},
	{"watch", "pods", "scheduler/cluster/k8s/ExecutorPodsAllocator.scala", "start: withName(driver).waitUntilReady() (an informer on the driver pod)"},
	{"create", "pods", "scheduler/cluster/k8s/ExecutorPodsAllocator.scala", "requestNewExecutors: pods().resource(executorPod).create()"},
	{"delete", "pods", "scheduler/cluster/k8s/ExecutorPodsAllocator.scala", "requestNewExecutors: resource(createdExecutorPod).delete() when its resources fail"},
	{"deletecollection", "pods", "scheduler/cluster/k8s/ExecutorPodsAllocator.scala", "onNewSnapshots and stop: withLabel(spark-app-selector, spark-role=executor).delete()"},
	{"create", "configmaps", "scheduler/cluster/k8s/KubernetesClusterSchedulerBackend.scala", "setUpExecutorConfigMap: configMaps().resource(configMap).create()"},
	{"deletecollection", "configmaps", "scheduler/cluster/k8s/KubernetesClusterSchedulerBackend.scala", "stop: configMaps().withLabel(spark-app-selector, spark-role=executor).delete()"},
	{"deletecollection", "services", "scheduler/cluster/k8s/KubernetesClusterSchedulerBackend.scala", "stop: services().withLabel(spark-app-selector).delete() (driver.service.deleteOnTermination)"},
	{"list", "pods", "scheduler/cluster/k8s/KubernetesClusterSchedulerBackend.scala", "doKillExecutors: withField(status.phase=Running).withLabel(...).list()"},
	{"deletecollection", "pods", "scheduler/cluster/k8s/KubernetesClusterSchedulerBackend.scala", "doKillExecutors: running.delete()"},
	{"get", "pods", "scheduler/cluster/k8s/ExecutorPodsLifecycleManager.scala", "removeExecutorFromK8s: withName(executor).get()"},
	{"delete", "pods", "scheduler/cluster/k8s/ExecutorPodsLifecycleManager.scala", "removeExecutorFromK8s: withName(executor).delete()"},
	{"watch", "pods", "scheduler/cluster/k8s/ExecutorPodsWatchSnapshotSource.scala", "start: withLabel(spark-app-selector, spark-role=executor).watch()"},
	{"list", "pods", "scheduler/cluster/k8s/ExecutorPodsPollingSnapshotSource.scala", "PollRunnable: withLabel(spark-app-selector, spark-role=executor).list()"},
}

// sparkAvoided are the settings that keep Spark off requests the Role does
// not grant, each with what it avoids (KubernetesClusterSchedulerBackend,
// ExecutorPodsLifecycleManager and ExecutorPodsAllocator).
var sparkAvoided = map[string]string{
	"spark.kubernetes.executor.deleteOnTermination":      "true",   // false: pods update, to label an ended executor inactive
	"spark.kubernetes.allocation.pods.allocator":         "direct", // statefulset, deployment: pods patch, StatefulSets, Deployments
	"spark.kubernetes.driver.ownPersistentVolumeClaim":   "false",  // true: persistentvolumeclaims deletecollection at stop
	"spark.kubernetes.driver.reusePersistentVolumeClaim": "false",  // true: persistentvolumeclaims list per allocation
}

// TestSparkRole checks the drivers' Role against the requests Spark makes:
// each one is granted, nothing is granted that no request needs, and the
// settings that keep Spark off other requests are in spark-defaults.conf.
// The Role before this test granted no patch, so every cluster-mode
// submission failed at the server-side apply of the driver's Service.
func TestSparkRole(t *testing.T) {
	for _, c := range hsCases(t) {
		ns := c.plan.Workloads.Spark.Namespace
		object[corev1.ServiceAccount](t, c.objects, ns, "spark-driver")
		role := object[rbacv1.Role](t, c.objects, ns, "spark-driver")
		granted := map[string]bool{} // "verb resource"
		for _, r := range role.Rules {
			if !slices.Equal(r.APIGroups, []string{""}) || len(r.ResourceNames) > 0 || len(r.NonResourceURLs) > 0 {
				t.Errorf("%s: Role spark-driver: rule %v must be for the core group only, without names", c.name, r)
			}
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					if res == "*" || v == "*" {
						t.Errorf("%s: Role spark-driver grants a wildcard: %v", c.name, r)
					}
					granted[v+" "+res] = true
				}
			}
		}
		needed := map[string]bool{}
		for _, q := range sparkRequests {
			key := q.verb + " " + q.resource
			needed[key] = true
			if !granted[key] {
				t.Errorf("%s: Role spark-driver does not grant %s, which Spark sends in %s%s (%s)", c.name, key, sparkK8s, q.source, q.call)
			}
		}
		for key := range granted {
			if !needed[key] {
				t.Errorf("%s: Role spark-driver grants %s, which no request of Spark needs", c.name, key)
			}
		}
		conf := sparkDefaults(t, c.name, c.file(t, "manifests/spark/spark-defaults.conf"))
		wantProps(t, c.name+": spark-defaults.conf", conf, sparkAvoided)
		for _, r := range objects[rbacv1.Role](c.objects) {
			if r.Name != "spark-driver" {
				t.Errorf("%s: unexpected Role %s/%s", c.name, r.Namespace, r.Name)
			}
		}
		binding := object[rbacv1.RoleBinding](t, c.objects, ns, "spark-driver")
		if binding.RoleRef != (rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "spark-driver"}) ||
			fmt.Sprint(binding.Subjects) != fmt.Sprint([]rbacv1.Subject{{Kind: "ServiceAccount", Name: "spark-driver", Namespace: ns}}) {
			t.Errorf("%s: RoleBinding spark-driver binds %v to %v", c.name, binding.RoleRef, binding.Subjects)
		}
		if n := len(objects[rbacv1.RoleBinding](c.objects)) + len(objects[rbacv1.ClusterRoleBinding](c.objects)) + len(objects[rbacv1.ClusterRole](c.objects)); n != 1 {
			t.Errorf("%s: %d bindings and cluster roles in hdfs and spark, want only RoleBinding spark-driver", c.name, n)
		}
	}
}

// TestHDFSSparkNetworkPolicies walks the flows HDFS and Spark need through
// the rendered policies, and some that must stay closed.
func TestHDFSSparkNetworkPolicies(t *testing.T) {
	for _, c := range hsCases(t) {
		h, s := c.plan.Workloads.HDFS, c.plan.Workloads.Spark
		policies := objects[networkingv1.NetworkPolicy](c.objects)
		// The namespaces' default-deny (manifests/policies) selects every pod.
		for _, ns := range []string{h.Namespace, s.Namespace, "default"} {
			policies = append(policies, &networkingv1.NetworkPolicy{
				ObjectMeta: metav1.ObjectMeta{Name: "default-deny", Namespace: ns},
				Spec:       networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}},
			})
		}
		app := func(ns, name string) netPod { return netPod{ns, labels.Set{"app.kubernetes.io/name": name}} }
		nn, dn, jn := app(h.Namespace, "namenode"), app(h.Namespace, "datanode"), app(h.Namespace, "journalnode")
		dn.labels["hdfs.blueprint.dev/zone"] = h.DataNodeSets[0].Zone
		driver := netPod{s.Namespace, labels.Set{"spark-role": "driver", "spark-app-selector": "spark-1"}}
		executor := netPod{s.Namespace, labels.Set{"spark-role": "executor", "spark-app-selector": "spark-1"}}
		client := netPod{"analytics", labels.Set{"hdfs.blueprint.dev/client": "true"}}
		stranger := netPod{"default", labels.Set{"app": "web"}}
		flows := []netFlow{
			{"DataNode registers with the NameNode", dn, nn, plan.NameNodeRPCPort, true},
			{"DataNode pipeline to DataNode", dn, dn, plan.DataNodeDataPort, true},
			{"DataNode block recovery on DataNode", dn, dn, plan.DataNodeIPCPort, true},
			{"NameNode pod as a client writes a block", nn, dn, plan.DataNodeDataPort, true},
			{"executor calls the NameNode", executor, nn, plan.NameNodeRPCPort, true},
			{"executor writes to a DataNode", executor, dn, plan.DataNodeDataPort, true},
			{"driver calls the NameNode", driver, nn, plan.NameNodeRPCPort, true},
			{"labelled client calls the NameNode", client, nn, plan.NameNodeRPCPort, true},
			{"labelled client reads a DataNode", client, dn, plan.DataNodeDataPort, true},
			{"executor calls the driver", executor, driver, plan.SparkDriverPort, true},
			{"executor fetches from the driver's block manager", executor, driver, plan.SparkBlockPort, true},
			{"executor fetches shuffle blocks from an executor", executor, executor, plan.SparkBlockPort, true},
			{"driver fetches results from an executor", driver, executor, plan.SparkBlockPort, true},
			{"unlabelled pod calls the NameNode", stranger, nn, plan.NameNodeRPCPort, false},
			{"unlabelled pod reads a DataNode", stranger, dn, plan.DataNodeDataPort, false},
			{"executor calls a JournalNode", executor, jn, plan.JournalNodeRPCPort, false},
			{"DataNode calls the driver", dn, driver, plan.SparkDriverPort, false},
			{"driver calls an executor's RPC port", driver, executor, plan.SparkDriverPort, false},
		}
		if h.HA {
			flows = append(flows, []netFlow{
				{"NameNode writes edits to a JournalNode", nn, jn, plan.JournalNodeRPCPort, true},
				{"NameNode reads edits over HTTP", nn, jn, plan.JournalNodeHTTPPort, true},
				{"JournalNode syncs from a JournalNode", jn, jn, plan.JournalNodeRPCPort, true},
				{"standby NameNode uploads a checkpoint", nn, nn, plan.NameNodeHTTPPort, true},
				{"NameNode checks the other's state", nn, nn, plan.NameNodeRPCPort, true},
				{"DataNode calls a JournalNode", dn, jn, plan.JournalNodeRPCPort, false},
			}...)
		}
		checkFlows(t, c.name, policies, flows)
		// The submitting pod and the driver, and no other pod, reach the API
		// server: a control-plane node's address after the kubernetes
		// Service's translation.
		submit := netPod{s.Namespace, labels.Set{"spark.blueprint.dev/submit": "true"}}
		checkAPIServerReach(t, c.name, c.plan, policies, map[string]netPod{
			"spark-submit pod": submit, "driver": driver, "executor": executor, "NameNode": nn, "unlabelled pod": stranger,
		}, map[string]bool{"spark-submit pod": true, "driver": true})
		if policyAllows(policies, submit, nn, plan.NameNodeRPCPort) || policyAllows(policies, submit, executor, plan.SparkBlockPort) {
			t.Errorf("%s: the spark-submit pod reaches HDFS or an executor; it needs the API server only", c.name)
		}
	}
}

// checkAPIServerReach checks which pods reach the API server's port on
// every control-plane node.
func checkAPIServerReach(t *testing.T, name string, p *plan.Plan, policies []*networkingv1.NetworkPolicy, pods map[string]netPod, want map[string]bool) {
	t.Helper()
	for what, pod := range pods {
		for _, m := range p.ControlPlane {
			addr := netip.MustParseAddr(m.Address)
			if got := policyAllowsTo(policies, pod, addr, plan.APIServerPort); got != want[what] {
				t.Errorf("%s: %s reaches the API server on %s:%d: %v, want %v", name, what, addr, plan.APIServerPort, got, want[what])
			}
		}
	}
}

// TestSparkKafkaNetworkPolicies walks, through every policy of each example
// with Spark (Spark and Kafka in data-platform.hcl, with the namespaces'
// default-deny), the flows between Spark and Kafka: drivers and executors
// reach the brokers, nothing else of Spark's does, and of Spark's pods
// exactly the driver and the one running spark-submit reach the API server
// (for either engine: a labelled pod of the job namespace, or the Spark
// operator's controller). Before this test neither side let Spark's pods
// through, and the submitting pod had no way to the API server.
func TestSparkKafkaNetworkPolicies(t *testing.T) {
	checked := 0
	for _, ex := range examples(t) {
		s, k := ex.plan.Workloads.Spark, ex.plan.Workloads.Kafka
		if s == nil {
			continue
		}
		objs := rootObjects(t, ex)
		policies := networkPolicies(objs)
		// With the operator engine, the ingress side is Strimzi's own
		// policy, made from the Kafka resource.
		if np := strimziNetworkPolicy(t, objs); np != nil {
			policies = append(policies, np)
		}
		driver := netPod{s.Namespace, labels.Set{"spark-role": "driver", "spark-app-selector": "spark-1"}}
		executor := netPod{s.Namespace, labels.Set{"spark-role": "executor", "spark-app-selector": "spark-1"}}
		unlabelled := netPod{s.Namespace, labels.Set{"app": "notebook"}}
		submitLabelled := netPod{s.Namespace, labels.Set{"spark.blueprint.dev/submit": "true"}}
		// Where spark-submit runs: with blueprint's engine in a pod of the
		// job namespace the user labels; with the Spark operator inside the
		// operator's controller pod (labelled as its Deployment labels it),
		// where a pod labelled for the other engine must open nothing.
		submit, submitter, reach := submitLabelled, "spark-submit pod", map[string]netPod{}
		if op := s.Operator; op != nil {
			submit, submitter = deploymentPod(t, ex, objs, op.Namespace, op.Name), "spark-submit's pod (the operator's controller)"
			reach["pod labelled as the other engine's spark-submit"] = submitLabelled
			reach["other pod of namespace "+op.Namespace] = netPod{op.Namespace, labels.Set{"app": "debug"}}
		}
		maps.Copy(reach, map[string]netPod{
			submitter: submit, "driver": driver, "executor": executor, "unlabelled Spark pod": unlabelled,
		})
		checkAPIServerReach(t, ex.name, ex.plan, policies, reach, map[string]bool{submitter: true, "driver": true})
		checkFlows(t, ex.name, policies, []netFlow{
			{"spark-submit pod calls the driver", submit, driver, plan.SparkDriverPort, false},
			{"spark-submit pod calls an executor's block manager", submit, executor, plan.SparkBlockPort, false},
		})
		if k == nil {
			broker := netPod{"kafka", labels.Set{"app.kubernetes.io/name": "kafka"}}
			for what, pod := range map[string]netPod{"driver": driver, "spark-submit pod": submit} {
				if policyAllows(policies, pod, broker, plan.KafkaClientPort) {
					t.Errorf("%s: without Kafka in the spec, the %s's policy still lets it out to a kafka namespace", ex.name, what)
				}
			}
			continue
		}
		checked++
		broker := netPod{k.Namespace, labels.Set{"app.kubernetes.io/name": "kafka", "app.kubernetes.io/managed-by": "blueprint"}}
		controller := netPod{k.Namespace, labels.Set{"app.kubernetes.io/name": "kafka-controller", "app.kubernetes.io/managed-by": "blueprint"}}
		controllerPort := k.ControllerPort
		if st := k.Strimzi; st != nil {
			broker = strimziPod(t, ex, k.Namespace, st.Cluster+"-"+st.BrokerPool)
			controller = strimziPod(t, ex, k.Namespace, st.Cluster+"-"+st.ControllerPool)
			controllerPort = st.ControlPlanePort
		}
		elsewhere := netPod{"analytics", labels.Set{"spark-role": "driver"}}
		checkFlows(t, ex.name, policies, []netFlow{
			{"driver produces to a broker", driver, broker, k.ClientPort, true},
			{"executor consumes from a broker", executor, broker, k.ClientPort, true},
			{"spark-submit pod calls a broker", submit, broker, k.ClientPort, false},
			{"unlabelled Spark pod calls a broker", unlabelled, broker, k.ClientPort, false},
			{"driver calls a KRaft controller", driver, controller, controllerPort, false},
			{"executor calls a KRaft controller", executor, controller, controllerPort, false},
			{"a spark-role pod of another namespace calls a broker", elsewhere, broker, k.ClientPort, false},
			{"broker calls the driver", broker, driver, plan.SparkDriverPort, false},
		})
	}
	if checked == 0 {
		t.Error("no example in blueprints/ has both Spark and Kafka: the flows between them go unchecked")
	}
}

// TestSparkAPIServerPolicyUnderCilium: the driver reaches the API server
// through an ipBlock of the node subnets, and Cilium lets an ipBlock match
// node addresses only with policy-cidr-match-mode: nodes. Without that
// setting no executor starts, so the output must say so wherever the CNI is
// Cilium, and nowhere else.
func TestSparkAPIServerPolicyUnderCilium(t *testing.T) {
	for _, path := range []string{"blueprints/data-platform.hcl", "testdata/workloads/hdfs-spark.hcl"} {
		p, tree, diags, err := renderLoaded(spec.NewLoader().Load(path, spec.Options{}))
		if len(diags) > 0 {
			t.Fatalf("%s must validate cleanly, got: %v", path, diags)
		}
		if err != nil {
			t.Fatalf("rendering %s: %v", path, err)
		}
		want := p.CNI == "cilium"
		for _, name := range []string{"manifests/spark/networkpolicy.yaml", "ARCHITECTURE.md"} {
			b, ok := tree[name]
			if !ok {
				t.Fatalf("%s: no %s", path, name)
			}
			if got := strings.Contains(string(b), "policy-cidr-match-mode: nodes"); got != want {
				t.Errorf("%s (CNI %s): %s names policy-cidr-match-mode: nodes: %v, want %v", path, p.CNI, name, got, want)
			}
		}
	}
}

// deploymentPod is a pod of the Deployment name in namespace ns of the
// example's manifests, labelled as its pod template labels it.
func deploymentPod(t *testing.T, ex example, objs []manifest.Object, ns, name string) netPod {
	t.Helper()
	for _, o := range objs {
		if d, ok := o.Object.(*appsv1.Deployment); ok && d.Namespace == ns && d.Name == name {
			return netPod{ns, labels.Set(d.Spec.Template.Labels)}
		}
	}
	t.Fatalf("%s: the manifests have no Deployment %s/%s", ex.name, ns, name)
	return netPod{}
}
