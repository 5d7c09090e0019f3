package forecast

import (
	"slices"
	"sort"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
)

// NoProvisioner is the provisioner of classes whose volumes are made by
// hand.
const NoProvisioner = "kubernetes.io/no-provisioner"

// What the forecast assumes about storage, and the e2e suite supplies:
//
//   - a PersistentVolume of the tree binds where its node affinity allows
//     (a local volume: its node; NFS: anywhere);
//   - a class that provisions nothing and has no volumes in the tree has a
//     local volume for every claim on every node (made outside the spec,
//     as for local disks): a claim binds on the node its pod first lands
//     on and stays there;
//   - a class with a provisioner and WaitForFirstConsumer provisions a
//     volume in the zone of the node the pod first lands on (block storage
//     is zonal), where the class's zones allow it; the claim then stays in
//     that zone; a provisioner of node-local disks (NodeLocalProvisioner)
//     makes it on that node, where the claim then stays;
//   - an Immediate class binds each claim as it is created, to a volume
//     of the tree if it has any (the smallest that fits), else to a volume
//     any node reaches.
//
// A loss starts from a settled cluster: no claim is waiting for its
// volume. A claim whose pod was being placed in the lost zone (its
// volume.kubernetes.io/selected-node naming a lost node, on which alone
// the scheduler would try it) is taken to be given back to the scheduler
// by its provisioner, as the CSI external-provisioner does from v3.5.0 to
// v5.3 and from v6.1.0 on; ARCHITECTURE.md says what to do with one that
// v6.0.x leaves stuck (CapacityReport.Provisioned).

// NodeLocalProvisioner reports whether a provisioner makes volumes on the
// node's own disks (TopoLVM, OpenEBS LocalPV, local-path, csi-driver-lvm),
// which only that node reaches.
func NodeLocalProvisioner(p string) bool {
	switch p {
	case "topolvm.io", "local.csi.openebs.io", "openebs.io/local", "rancher.io/local-path", "lvm.csi.metal-stack.io":
		return true
	}
	return false
}

// claim is one PersistentVolumeClaim a pod uses.
type claim struct {
	namespace, name string
	class           *storagev1.StorageClass
	className       string
	size            int64
	modes           []corev1.PersistentVolumeAccessMode
	// binding, once bound
	bound    bool
	volume   *volume // a volume of the tree
	pinNode  string  // a local volume made outside the spec
	pinZone  string  // a provisioned zonal volume
	anywhere bool    // a volume every node reaches
}

// volume is a PersistentVolume of the tree.
type volume struct {
	pv       *corev1.PersistentVolume
	size     int64
	affinity *nodeaffinity.NodeSelector
	claim    *claim
}

type volumes struct {
	objs    *Objects
	byClass map[string][]*volume
	claims  map[string]*claim // namespace/name
}

// volumeChoice is how one claim would bind on a node.
type volumeChoice struct {
	c       *claim
	v       *volume
	pinNode string
	pinZone string
}

func newVolumes(objs *Objects) *volumes {
	vs := &volumes{objs: objs, byClass: map[string][]*volume{}, claims: map[string]*claim{}}
	for _, pv := range objs.Volumes {
		v := &volume{pv: pv}
		if q, ok := pv.Spec.Capacity[corev1.ResourceStorage]; ok {
			v.size = q.Value()
		}
		if pv.Spec.NodeAffinity != nil && pv.Spec.NodeAffinity.Required != nil {
			v.affinity, _ = nodeaffinity.NewNodeSelector(pv.Spec.NodeAffinity.Required)
		}
		vs.byClass[pv.Spec.StorageClassName] = append(vs.byClass[pv.Spec.StorageClassName], v)
	}
	for _, list := range vs.byClass {
		// The binder takes the smallest volume that fits.
		sort.SliceStable(list, func(i, j int) bool { return list[i].size < list[j].size })
	}
	return vs
}

// claimFor returns the claim namespace/name, made from spec the first time
// (a StatefulSet's template, or a claim of the tree), and binds it at once
// when its class binds immediately.
func (vs *volumes) claimFor(namespace, name string, spec corev1.PersistentVolumeClaimSpec) *claim {
	key := namespace + "/" + name
	if c, ok := vs.claims[key]; ok {
		return c
	}
	c := &claim{namespace: namespace, name: name, modes: spec.AccessModes}
	if spec.StorageClassName != nil {
		c.className = *spec.StorageClassName
	} else {
		c.className = vs.objs.DefaultClass
	}
	c.class = vs.objs.StorageClasses[c.className]
	if q, ok := spec.Resources.Requests[corev1.ResourceStorage]; ok {
		c.size = q.Value()
	}
	vs.claims[key] = c
	if c.class != nil && (c.class.VolumeBindingMode == nil || *c.class.VolumeBindingMode == storagev1.VolumeBindingImmediate) {
		if list := vs.byClass[c.className]; len(list) > 0 {
			for _, v := range list {
				if v.claim == nil && v.fits(c) {
					c.bound, c.volume, v.claim = true, v, c
					break
				}
			}
		} else {
			c.bound, c.anywhere = true, true
		}
	}
	return c
}

func (v *volume) fits(c *claim) bool {
	if v.size < c.size {
		return false
	}
	for _, m := range c.modes {
		if !slices.Contains(v.pv.Spec.AccessModes, m) {
			return false
		}
	}
	return true
}

// immediateUnbound reports a claim of an Immediate class that found no
// volume: the scheduler refuses the pod before looking at any node.
func (vs *volumes) immediateUnbound(p *placed) bool {
	for _, c := range p.claims {
		if !c.bound && c.class != nil && c.class.VolumeBindingMode != nil && *c.class.VolumeBindingMode == storagev1.VolumeBindingImmediate {
			return true
		}
	}
	return false
}

// check is VolumeBinding's filter on one node: the bound claims' volumes
// must reach it, and each unbound claim must find a free volume of its
// class there or be provisionable there. The choices made are kept in fs
// for bindVolumes.
func (vs *volumes) check(p *placed, n *node, fs *filterState) []string {
	nodeConflict, bindConflict := false, false
	fs.lastVolumes = fs.lastVolumes[:0]
	taken := map[*volume]bool{}
	for _, c := range p.claims {
		if c.bound {
			switch {
			case c.volume != nil:
				if c.volume.affinity != nil && !c.volume.affinity.Match(n.obj) {
					nodeConflict = true
				}
			case c.pinNode != "":
				if c.pinNode != n.Name {
					nodeConflict = true
				}
			case c.pinZone != "":
				if n.Labels[corev1.LabelTopologyZone] != c.pinZone {
					nodeConflict = true
				}
			}
			continue
		}
		if c.class == nil {
			bindConflict = true
			continue
		}
		if list := vs.byClass[c.className]; len(list) > 0 {
			found := false
			for _, v := range list {
				if v.claim == nil && !taken[v] && v.fits(c) && (v.affinity == nil || v.affinity.Match(n.obj)) {
					taken[v] = true
					fs.lastVolumes = append(fs.lastVolumes, volumeChoice{c: c, v: v})
					found = true
					break
				}
			}
			if found {
				continue
			}
			if c.class.Provisioner == NoProvisioner {
				bindConflict = true
				continue
			}
		} else if c.class.Provisioner == NoProvisioner {
			fs.lastVolumes = append(fs.lastVolumes, volumeChoice{c: c, pinNode: n.Name})
			continue
		}
		if !allowedTopology(c.class, n) {
			bindConflict = true
			continue
		}
		if NodeLocalProvisioner(c.class.Provisioner) {
			fs.lastVolumes = append(fs.lastVolumes, volumeChoice{c: c, pinNode: n.Name})
			continue
		}
		fs.lastVolumes = append(fs.lastVolumes, volumeChoice{c: c, pinZone: n.Labels[corev1.LabelTopologyZone]})
	}
	var out []string
	if nodeConflict {
		out = append(out, ReasonVolumeNode)
	}
	if bindConflict {
		out = append(out, ReasonVolumeBind)
	}
	return out
}

// allowedTopology reports whether a class may provision a volume for node
// n (its allowedTopologies, the class's zones).
func allowedTopology(class *storagev1.StorageClass, n *node) bool {
	if len(class.AllowedTopologies) == 0 {
		return true
	}
	for _, term := range class.AllowedTopologies {
		ok := true
		for _, e := range term.MatchLabelExpressions {
			if !slices.Contains(e.Values, n.Labels[e.Key]) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// bindVolumes binds the claims of p as chosen on its node.
func (vs *volumes) bindVolumes(choices []volumeChoice) {
	for _, ch := range choices {
		c := ch.c
		c.bound = true
		switch {
		case ch.v != nil:
			c.volume, ch.v.claim = ch.v, c
		case ch.pinNode != "":
			c.pinNode = ch.pinNode
		case ch.pinZone != "":
			c.pinZone = ch.pinZone
		default:
			c.anywhere = true
		}
	}
}

// clone copies the bindings, for a scenario that starts from this one.
func (vs *volumes) clone() *volumes {
	out := &volumes{objs: vs.objs, byClass: map[string][]*volume{}, claims: map[string]*claim{}}
	vmap := map[*volume]*volume{}
	for class, list := range vs.byClass {
		for _, v := range list {
			nv := &volume{pv: v.pv, size: v.size, affinity: v.affinity}
			vmap[v] = nv
			out.byClass[class] = append(out.byClass[class], nv)
		}
	}
	for key, c := range vs.claims {
		nc := *c
		if c.volume != nil {
			nc.volume = vmap[c.volume]
			nc.volume.claim = &nc
		}
		out.claims[key] = &nc
	}
	return out
}
