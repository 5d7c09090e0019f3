package pipeline_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/blueprint-dev/blueprint/forecast"
)

// inventoryCount is a Pods cell that opens with the pod count of one
// workload: "2 (StatefulSet …)", "2, one active …", "2 to 4 (…)" (an
// autoscaler's range, whose minimum the Deployment starts with), "1". Cells
// that open with a count of something else ("1 a day", "3 brokers, 3
// controllers", "2 NameNode(s), …") do not match.
var inventoryCount = regexp.MustCompile(`^(\d+)(?: to \d+)?(?: \(|,|$)`)

// inventoryNamed is the workload a Pods cell names: "StatefulSet
// `prometheus-main`", "Deployment `logs-kb`".
var inventoryNamed = regexp.MustCompile("(StatefulSet|Deployment) `([^`]+)`")

// inventoryKind is the kind a Pods cell names without a name:
// "(StatefulSet, …)", "(Deployment)".
var inventoryKind = regexp.MustCompile(`^\d+(?: to \d+)? \((StatefulSet|Deployment)\b`)

// TestInventoryMatchesManifests checks that the pod counts ARCHITECTURE.md's
// component table states are the ones that run, so the document cannot
// drift from the objects: for every row whose Pods cell opens with one
// workload's count, the Deployment or StatefulSet of the row's folder and
// namespace (the one the cell names, or of the kind it names, when the
// folder has several) runs that many pods. The workloads are the
// forecast's, which holds both those of the manifests (their replicas,
// checked against the objects here) and those an operator makes from a
// custom resource (prometheus-operator's StatefulSets, ECK's StatefulSet
// and Deployment, Strimzi's StrimziPodSets), so the rows of either engine
// are checked. Kafka's and HDFS's rows, which count several workloads
// together, are read part by part (inventoryGroup). Every Deployment and
// StatefulSet of a folder the table has a row for must have its count
// checked, and with monitoring on, the rows of Prometheus, Alertmanager,
// Grafana and kube-state-metrics must be among them.
func TestInventoryMatchesManifests(t *testing.T) {
	for _, ex := range examples(t) {
		doc := string(ex.tree["ARCHITECTURE.md"])
		i := strings.Index(doc, "### Components")
		if i < 0 {
			t.Errorf("%s: ARCHITECTURE.md has no Components section", ex.name)
			continue
		}
		doc = doc[i:]
		if j := strings.Index(doc[1:], "\n### "); j >= 0 {
			doc = doc[:j+1]
		}
		fc := exampleForecast(t, ex)
		// The forecast's replicas of the tree's own workloads are the
		// objects' (an autoscaled Deployment leaves them unset).
		objReplicas := map[string]int32{}
		for _, o := range rootObjects(t, ex) {
			switch w := o.Object.(type) {
			case *appsv1.Deployment:
				if w.Spec.Replicas != nil {
					objReplicas["Deployment "+w.Namespace+"/"+w.Name] = *w.Spec.Replicas
				}
			case *appsv1.StatefulSet:
				if w.Spec.Replicas != nil {
					objReplicas["StatefulSet "+w.Namespace+"/"+w.Name] = *w.Spec.Replicas
				}
			}
		}
		var workloads []*forecast.Workload
		for _, w := range fc.Workloads {
			if w.Kind != forecast.KindDeployment && w.Kind != forecast.KindStatefulSet {
				continue
			}
			if n, ok := objReplicas[w.String()]; ok && int(n) != w.Replicas && !w.OperatorMade() {
				t.Errorf("%s: the forecast counts %d pods of %s, the manifests %d", ex.name, w.Replicas, w, n)
			}
			workloads = append(workloads, w)
		}
		checked := map[string]bool{}
		rowFolders, counted := map[string]bool{}, map[*forecast.Workload]bool{}
		for _, line := range strings.Split(doc, "\n") {
			if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| Component |") {
				continue
			}
			cells := strings.Split(line, "|")
			if len(cells) < 6 {
				t.Fatalf("%s: malformed row %q", ex.name, line)
			}
			component := strings.TrimSpace(cells[1])
			folder, ns := strings.Trim(strings.TrimSpace(cells[2]), "`"), strings.Trim(strings.TrimSpace(cells[3]), "`")
			pods := strings.TrimSpace(cells[4])
			rowFolders[folder+" "+ns] = true
			if g := inventoryGroup(ex, folder, pods); g != nil {
				for _, part := range g {
					sum := 0
					for _, w := range fc.Workloads {
						if w.Component == folder && w.Namespace == ns && part.matches(w) {
							sum += w.Replicas
							counted[w] = true
						}
					}
					if sum != part.count {
						t.Errorf("%s: ARCHITECTURE.md says %s runs %q, %d of them %s %s/%s, where %d pods run", ex.name, component, pods, part.count, part.kind, ns, part.name, sum)
					}
				}
				checked[strings.Split(component, ",")[0]] = true
				continue
			}
			m := inventoryCount.FindStringSubmatch(pods)
			if m == nil {
				continue
			}
			want, _ := strconv.Atoi(m[1])
			var found []*forecast.Workload
			for _, w := range workloads {
				if w.Component != folder || w.Namespace != ns {
					continue
				}
				if n := inventoryNamed.FindStringSubmatch(pods); n != nil && (w.Kind != n[1] || w.Name != n[2]) {
					continue
				}
				if k := inventoryKind.FindStringSubmatch(pods); k != nil && w.Kind != k[1] {
					continue
				}
				found = append(found, w)
			}
			if len(found) != 1 {
				t.Errorf("%s: ARCHITECTURE.md's row %q names %d workloads of folder %s in namespace %s, want one", ex.name, component, len(found), folder, ns)
				continue
			}
			if found[0].Replicas != want {
				t.Errorf("%s: ARCHITECTURE.md says %s (%s) runs %q, %d pods run", ex.name, component, found[0], pods, found[0].Replicas)
			}
			checked[strings.Split(component, ",")[0]] = true
			counted[found[0]] = true
		}
		// The monitoring stack's rows are checked with either engine.
		if ex.plan.Services.Monitoring != nil {
			for _, c := range []string{"Prometheus", "Alertmanager", "Grafana", "kube-state-metrics"} {
				if !checked[c] {
					t.Errorf("%s: ARCHITECTURE.md's %s row is not checked against the pods that run", ex.name, c)
				}
			}
		}
		// Every Deployment and StatefulSet of a folder the table has a row
		// for has its count stated and checked.
		for _, w := range workloads {
			if rowFolders[w.Component+" "+w.Namespace] && !counted[w] {
				t.Errorf("%s: %s runs %d pods, and no row of folder %s in ARCHITECTURE.md states its count", ex.name, w, w.Replicas, w.Component)
			}
		}
	}
}

// inventoryPart is one count of a Pods cell that counts several workloads
// together: the pods of the workloads of kind in the row's namespace whose
// name is name (or, with prefix, starts with it).
type inventoryPart struct {
	count      int
	kind, name string
	prefix     bool
}

func (p inventoryPart) matches(w *forecast.Workload) bool {
	return w.Kind == p.kind && (w.Name == p.name || p.prefix && strings.HasPrefix(w.Name, p.name))
}

// inventoryGroup reads a Pods cell that counts several workloads of a
// folder together: Kafka's "3 brokers, 3 controllers" (StatefulSets kafka
// and kafka-controller, or with Strimzi the StrimziPodSets of the broker
// and controller node pools) and HDFS's "2 NameNode(s), 3 JournalNodes,
// 6 DataNodes" (the DataNodes summed over each zone's StatefulSet). Nil
// for any other cell.
func inventoryGroup(ex example, folder, pods string) []inventoryPart {
	var parts []inventoryPart
	var cell *regexp.Regexp
	switch k, h := ex.plan.Workloads.Kafka, ex.plan.Workloads.HDFS; {
	case k != nil && folder == "kafka":
		cell = regexp.MustCompile(`^(\d+) brokers, (\d+) controllers$`)
		parts = []inventoryPart{{kind: forecast.KindStatefulSet, name: "kafka"}, {kind: forecast.KindStatefulSet, name: "kafka-controller"}}
		if st := k.Strimzi; st != nil {
			parts = []inventoryPart{{kind: forecast.KindStrimziPodSet, name: st.Cluster + "-" + st.BrokerPool},
				{kind: forecast.KindStrimziPodSet, name: st.Cluster + "-" + st.ControllerPool}}
		}
	case h != nil && folder == "hdfs":
		cell = regexp.MustCompile(`^(\d+) NameNode\(s\)(?:, (\d+) JournalNodes)?, (\d+) DataNodes$`)
		parts = []inventoryPart{{kind: forecast.KindStatefulSet, name: "namenode"}, {kind: forecast.KindStatefulSet, name: "journalnode"},
			{kind: forecast.KindStatefulSet, name: "datanode", prefix: true}}
	default:
		return nil
	}
	m := cell.FindStringSubmatch(pods)
	if m == nil {
		return nil
	}
	var out []inventoryPart
	for i, p := range parts {
		if m[i+1] == "" {
			continue // no JournalNodes without HA
		}
		p.count, _ = strconv.Atoi(m[i+1])
		out = append(out, p)
	}
	return out
}
