package impact

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/blueprint-dev/blueprint/state"
)

func objectTarget(o state.Object) string {
	if o.Namespace == "" {
		return o.Kind + " " + o.Name
	}
	return o.Kind + " " + o.Namespace + "/" + o.Name
}

func kubectlName(o state.Object) string {
	ns := ""
	if o.Namespace != "" {
		ns = " -n " + o.Namespace
	}
	kind := strings.ToLower(o.Kind)
	if g := o.Group(); g != "" {
		kind += "." + g
	}
	return kind + " " + o.Name + ns
}

// objects plans the objects of manifests/ and gitops/: created, changed in
// place, rolled, replaced where an immutable field changed, deleted.
func (c *comparer) objects() {
	oldO, newO := map[string]state.Object{}, map[string]state.Object{}
	for _, o := range c.old.Objects {
		oldO[o.Key()] = o
	}
	for _, o := range c.new.Objects {
		newO[o.Key()] = o
	}
	// kustomize names a generated ConfigMap after its content: a new name
	// with the same generator is the same ConfigMap with new content.
	genKey := func(o state.Object) string { return o.Kind + "/" + o.Namespace + "/" + o.GeneratedFrom }
	oldGen, newGen := map[string]state.Object{}, map[string]state.Object{}
	for k, o := range oldO {
		if _, ok := newO[k]; !ok && o.GeneratedFrom != "" {
			oldGen[genKey(o)] = o
		}
	}
	for k, o := range newO {
		if _, ok := oldO[k]; !ok && o.GeneratedFrom != "" {
			newGen[genKey(o)] = o
		}
	}
	renamed := map[string]bool{} // keys of generated objects paired
	// Namespaces whose generated config changed name: their workloads
	// that mount it roll for that reason.
	var configChanged []string
	for k, n := range newGen {
		if o, ok := oldGen[k]; ok {
			renamed[o.Key()], renamed[n.Key()] = true, true
			configChanged = append(configChanged, n.Namespace+"/"+n.GeneratedFrom)
			c.add(Change{Target: objectTarget(n), Category: "objects", Action: Update, Impact: InPlace, phase: phaseObjects,
				Summary: fmt.Sprintf("the content of %s changes; kustomize names it after its content (was %s), so the workloads that mount it roll", n.GeneratedFrom, o.Name),
				Details: []string{o.Name + " is left behind: GitOps prunes it, or delete it once nothing mounts it"}})
		}
	}
	slices.Sort(configChanged)
	// Which classes let a bound claim grow; "" is the default class, which
	// a claim without storageClassName gets.
	expandable := map[string]bool{}
	for _, o := range c.new.Objects {
		if o.Kind == "StorageClass" {
			expandable[o.Name] = o.Fields["allowVolumeExpansion"] == "true"
			if o.DefaultClass {
				expandable[""] = expandable[o.Name]
			}
		}
	}

	var applied bool
	for _, n := range c.new.Objects {
		if renamed[n.Key()] {
			applied = true
			continue
		}
		o, ok := oldO[n.Key()]
		if !ok {
			c.add(Change{Target: objectTarget(n), Category: "objects", Action: Create, Impact: InPlace, phase: phaseObjects, Summary: "created"})
			applied = true
			continue
		}
		if o.Hash == n.Hash && o.APIVersion == n.APIVersion {
			continue
		}
		applied = true
		c.add(c.changedObject(o, n, expandable, configChanged))
	}
	for _, o := range c.old.Objects {
		if _, ok := newO[o.Key()]; ok || renamed[o.Key()] {
			continue
		}
		c.add(c.deletedObject(o))
	}
	if applied {
		c.add(Change{Target: "manifests", Category: "objects", Action: Note, Impact: None, phase: phaseObjects,
			Summary: "apply the objects (or let GitOps sync them)",
			Steps: []Step{{Host: AdminHost, Kind: StepRun, Command: "kubectl apply --server-side -k manifests/",
				Purpose: "create and update the objects; with GitOps, commit the folder and let it sync instead"}}})
	}
}

// changedObject classifies a change of one object by the fields that
// changed: an immutable one replaces it, a pod template rolls it, anything
// else is applied in place.
func (c *comparer) changedObject(o, n state.Object, expandable map[string]bool, configChanged []string) Change {
	ch := Change{Target: objectTarget(n), Category: "objects", phase: phaseObjects}
	gk := n.GroupKind()
	var immutable, changed []string
	for _, f := range state.TrackedFields[gk] {
		ov, oOK := o.Fields[f]
		nv, nOK := n.Fields[f]
		if ov == nv && oOK == nOK {
			continue
		}
		changed = append(changed, fmt.Sprintf("%s: %s → %s", f, showValue(ov, oOK), showValue(nv, nOK)))
		cs := fieldCase(gk, f, o, n, expandable)
		if e, ok := Immutability(gk, f, cs); ok && e.Update == Refused {
			immutable = append(immutable, f)
		}
	}
	ch.Details = changed
	if o.APIVersion != n.APIVersion {
		ch.Details = append(ch.Details, fmt.Sprintf("apiVersion %s → %s", o.APIVersion, n.APIVersion))
	}
	switch {
	case len(immutable) > 0:
		ch.Action, ch.Impact = Replace, Disruptive
		ch.Summary = fmt.Sprintf("replaced: %s changed, which the API server refuses to update (probed on kube-apiserver %s), so it is deleted and created again", strings.Join(immutable, ", "), ProbedWith())
		orphan := ""
		switch gk {
		case "StatefulSet.apps":
			ch.Impact = Destructive
			orphan = " --cascade=orphan"
			ch.Details = append(ch.Details, "the StatefulSet is recreated: deleted with --cascade=orphan its pods and claims stay and the new one adopts them; existing claims keep their old spec")
		case "Deployment.apps", "DaemonSet.apps":
			orphan = " --cascade=orphan"
			ch.Details = append(ch.Details, "deleted with --cascade=orphan, its pods keep running until the new one replaces them")
		case "PersistentVolumeClaim", "PersistentVolume":
			ch.Impact = Destructive
			ch.Details = append(ch.Details, "destroys data: the volume behind it is released (and with reclaimPolicy Delete, deleted)")
		case "StorageClass.storage.k8s.io":
			ch.Details = append(ch.Details, "existing volumes keep the old settings; only new claims get the new ones; while it is gone, claims of the class wait")
		}
		ch.phase = phaseObjectsBefore
		ch.Steps = []Step{{Host: AdminHost, Kind: StepRun, Command: "kubectl delete " + kubectlName(n) + orphan + " --wait",
			Purpose: "the API server refuses the update; the apply that follows creates it again"}}
	case state.WorkloadKinds[gk] && o.PodTemplate != n.PodTemplate:
		ch.Action, ch.Impact = Roll, Rolling
		ch.Summary = "rolling: its pod template changed, so its pods are replaced " + c.rollout(n)
		for _, cc := range configChanged {
			if strings.HasPrefix(cc, n.Namespace+"/") {
				ch.Details = append(ch.Details, "its namespace's generated config "+strings.TrimPrefix(cc, n.Namespace+"/")+" changed (the name it mounts carries the content's hash)")
			}
		}
		kind := strings.ToLower(n.Kind)
		ch.phase = phaseObjectsAfter
		ch.Steps = []Step{{Host: AdminHost, Kind: StepCheck, Command: fmt.Sprintf("kubectl -n %s rollout status %s/%s --timeout=30m", n.Namespace, kind, n.Name),
			Purpose: "every pod runs the new template"}}
	default:
		ch.Action, ch.Impact = Update, InPlace
		ch.Summary = "changed in place"
		if gk == "CronJob.batch" && o.PodTemplate != n.PodTemplate {
			ch.Summary = "changed in place: the next Job it starts uses the new template; a running Job finishes with the old one"
		}
		if gk == "PersistentVolumeClaim" && o.Fields["spec.resources.requests.storage"] != n.Fields["spec.resources.requests.storage"] {
			ch.Summary = "changed in place: the claim grows; the CSI driver expands the volume, and the filesystem grows online or when a pod next mounts it"
		}
	}
	return ch
}

// rollout says how a workload replaces its pods.
func (c *comparer) rollout(n state.Object) string {
	replicas := n.Fields["spec.replicas"]
	var how string
	switch n.Kind {
	case "StatefulSet":
		how = fmt.Sprintf("one at a time, from the highest ordinal (%s replicas; a partition or OnDelete strategy in spec.updateStrategy changes that)", orOne(replicas))
	case "DaemonSet":
		how = "node by node, as its updateStrategy's maxUnavailable allows"
	default:
		how = fmt.Sprintf("as its strategy's maxSurge and maxUnavailable allow (%s replicas)", orOne(replicas))
	}
	if pdb := c.pdbFor(n); pdb != "" {
		how += "; " + pdb
	}
	return how
}

func orOne(s string) string {
	if s == "" {
		return "1"
	}
	return s
}

// pdbFor names the PodDisruptionBudget that covers a workload's pods: it
// bounds how many evictions (drains) may run at once; the rollout itself
// follows the workload's own strategy.
func (c *comparer) pdbFor(n state.Object) string {
	for _, o := range c.new.Objects {
		if o.Kind != "PodDisruptionBudget" || o.Namespace != n.Namespace {
			continue
		}
		sel := o.Fields["spec.selector"]
		if sel == "" || len(n.PodLabels) == 0 {
			continue
		}
		match := true
		for _, kv := range selectorPairs(sel) {
			if n.PodLabels[kv[0]] != kv[1] {
				match = false
			}
		}
		if !match {
			continue
		}
		limit := "maxUnavailable " + o.Fields["spec.maxUnavailable"]
		if v, ok := o.Fields["spec.minAvailable"]; ok {
			limit = "minAvailable " + v
		}
		return fmt.Sprintf("PodDisruptionBudget %s (%s) bounds how many are evicted at once during drains", o.Name, strings.Trim(limit, `"`))
	}
	return ""
}

// selectorPairs reads matchLabels out of a selector's compact JSON.
func selectorPairs(sel string) [][2]string {
	i := strings.Index(sel, `"matchLabels":{`)
	if i < 0 {
		return nil
	}
	body := sel[i+len(`"matchLabels":{`):]
	body = body[:strings.IndexByte(body, '}')]
	var out [][2]string
	for _, part := range strings.Split(body, ",") {
		kv := strings.SplitN(part, ":", 2)
		if len(kv) == 2 {
			k, _ := strconv.Unquote(kv[0])
			v, _ := strconv.Unquote(kv[1])
			out = append(out, [2]string{k, v})
		}
	}
	return out
}

func showValue(v string, ok bool) string {
	if !ok {
		return "(unset)"
	}
	return short(v)
}

// fieldCase names the case of the immutability table a change falls in,
// for fields whose mutability depends on the values.
func fieldCase(gk, field string, o, n state.Object, expandable map[string]bool) string {
	switch {
	case gk == "PersistentVolumeClaim" && field == "spec.resources.requests.storage":
		oq, nq := quantity(o.Fields[field]), quantity(n.Fields[field])
		if nq < oq {
			return "shrink"
		}
		class := strings.Trim(n.Fields["spec.storageClassName"], `"`)
		if expandable[class] {
			return "grow-expandable"
		}
		return "grow-fixed"
	case (gk == "ConfigMap" || gk == "Secret") && field != "immutable":
		if o.Fields["immutable"] == "true" {
			return "immutable"
		}
	case (gk == "ConfigMap" || gk == "Secret") && field == "immutable":
		if o.Fields["immutable"] == "true" {
			return "unset"
		}
		return "set"
	}
	return ""
}

// quantity reads a storage quantity ("10Gi", as JSON) in bytes, roughly.
func quantity(v string) float64 {
	s := strings.Trim(v, `"`)
	mult := map[string]float64{"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40, "Pi": 1 << 50, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15}
	for _, suf := range []string{"Ki", "Mi", "Gi", "Ti", "Pi", "k", "M", "G", "T", "P"} {
		if num, ok := strings.CutSuffix(s, suf); ok {
			f, _ := strconv.ParseFloat(num, 64)
			return f * mult[suf]
		}
	}
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// deletedObject plans an object the new design no longer has.
func (c *comparer) deletedObject(o state.Object) Change {
	ch := Change{Target: objectTarget(o), Category: "objects", Action: Delete, Impact: Disruptive, phase: phaseObjectsAfter,
		Summary: "deleted",
		Steps: []Step{{Host: AdminHost, Kind: StepRun, Command: "kubectl delete " + kubectlName(o) + " --wait",
			Purpose: "remove it (GitOps with pruning on does this itself)"}}}
	switch o.GroupKind() {
	case "PersistentVolumeClaim", "PersistentVolume":
		ch.Impact = Destructive
		ch.Summary = "deleted: destroys data (the volume is released, and with reclaimPolicy Delete, deleted)"
	case "Namespace":
		ch.Impact = Destructive
		ch.Summary = "deleted: everything in the namespace goes with it"
		if claims := c.claimsIn(o.Name); len(claims) > 0 {
			ch.Summary += "; destroys data: it holds claims " + strings.Join(claims, ", ")
		}
	case "CustomResourceDefinition.apiextensions.k8s.io":
		ch.Impact = Destructive
		ch.Summary = "deleted: every custom resource of the type goes with it"
	case "StatefulSet.apps":
		ch.Summary = "deleted: its pods stop"
		if strings.Contains(o.Fields["spec.persistentVolumeClaimRetentionPolicy"], `"whenDeleted":"Delete"`) {
			ch.Impact = Destructive
			ch.Summary += "; destroys data: its retention policy deletes its claims " + strings.Join(o.Claims, ", ")
		} else if len(o.Claims) > 0 {
			ch.Details = append(ch.Details, "its claims "+strings.Join(o.Claims, ", ")+" stay (retention Retain): delete them to free the volumes")
		}
	case "NetworkPolicy.networking.k8s.io", "PodDisruptionBudget.policy", "HorizontalPodAutoscaler.autoscaling":
		ch.Impact = InPlace
	}
	return ch
}

// claimsIn lists the claims of the old design in a namespace: its
// PersistentVolumeClaims and those its StatefulSets create.
func (c *comparer) claimsIn(ns string) []string {
	var out []string
	for _, o := range c.old.Objects {
		if o.Namespace != ns {
			continue
		}
		if o.Kind == "PersistentVolumeClaim" {
			out = append(out, o.Name)
		}
		out = append(out, o.Claims...)
	}
	return out
}
