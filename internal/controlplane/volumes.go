package controlplane

import (
	"context"
	"fmt"
	"slices"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SimulatedLabel marks the PersistentVolumes SupplyVolumes made.
const SimulatedLabel = "blueprint.dev/simulated-volume"

// NoProvisioner is the provisioner of classes whose volumes are made by hand.
const NoProvisioner = "kubernetes.io/no-provisioner"

// SupplyVolumes stands in for the storage a cluster would provide: no
// provisioner runs here, so a claim would stay Pending, and a pod that
// uses it would never be bound to a node. For every storage class that
// objs' claims use (PersistentVolumeClaims, and StatefulSets'
// volumeClaimTemplates times their replicas) and for which objs declare no
// PersistentVolume of their own, it creates as many PersistentVolumes as
// there are such claims, each as large as the largest: on every node, as
// local volumes with node affinity, for a WaitForFirstConsumer class (so
// the scheduler still chooses the node); unpinned otherwise. Classes objs
// do supply volumes for are left to those volumes. StorageClasses must be
// applied first; it returns the number of volumes made.
func (c *Client) SupplyVolumes(ctx context.Context, objs []Object) (int, error) {
	return c.supplyVolumes(ctx, objs, false)
}

// SupplyVolumesExceptProvisioned is SupplyVolumes without the classes a
// provisioner serves on demand (WaitForFirstConsumer with a provisioner
// other than kubernetes.io/no-provisioner): SimulateProvisioner makes
// their volumes, in the zone of the node the scheduler picks.
func (c *Client) SupplyVolumesExceptProvisioned(ctx context.Context, objs []Object) (int, error) {
	return c.supplyVolumes(ctx, objs, true)
}

func (c *Client) supplyVolumes(ctx context.Context, objs []Object, skipProvisioned bool) (int, error) {
	var classes []storagev1.StorageClass
	if err := c.List(ctx, "storage.k8s.io/v1", "StorageClass", "", "", &classes); err != nil {
		return 0, err
	}
	waitForConsumer := map[string]bool{}
	provisioned := map[string]bool{}
	defaultClass := ""
	for _, sc := range classes {
		waitForConsumer[sc.Name] = sc.VolumeBindingMode != nil && *sc.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer
		provisioned[sc.Name] = skipProvisioned && waitForConsumer[sc.Name] && sc.Provisioner != NoProvisioner
		if sc.Annotations["storageclass.kubernetes.io/is-default-class"] == "true" {
			defaultClass = sc.Name
		}
	}

	// A volume of ReadWriteOncePod may have no other access mode (the API
	// refuses it), so the claims that ask for it get volumes of their own.
	type group struct {
		class  string
		mode   corev1.PersistentVolumeMode
		onePod bool
	}
	type supply struct {
		claims int
		size   resource.Quantity
		access map[corev1.PersistentVolumeAccessMode]bool
	}
	declared := map[string]bool{}
	need := map[group]*supply{}
	claim := func(spec corev1.PersistentVolumeClaimSpec, n int) {
		class := defaultClass
		if spec.StorageClassName != nil {
			class = *spec.StorageClassName
		}
		mode := corev1.PersistentVolumeFilesystem
		if spec.VolumeMode != nil {
			mode = *spec.VolumeMode
		}
		g := group{class, mode, slices.Contains(spec.AccessModes, corev1.ReadWriteOncePod)}
		s := need[g]
		if s == nil {
			s = &supply{access: map[corev1.PersistentVolumeAccessMode]bool{}}
			need[g] = s
		}
		s.claims += n
		if q, ok := spec.Resources.Requests[corev1.ResourceStorage]; ok && q.Cmp(s.size) > 0 {
			s.size = q
		}
		for _, m := range spec.AccessModes {
			s.access[m] = true
		}
	}
	for _, o := range objs {
		switch o.GroupKind() {
		case "PersistentVolume":
			var pv corev1.PersistentVolume
			if err := o.Into(&pv); err != nil {
				return 0, fmt.Errorf("%s: %w", o, err)
			}
			declared[pv.Spec.StorageClassName] = true
		case "PersistentVolumeClaim":
			var pvc corev1.PersistentVolumeClaim
			if err := o.Into(&pvc); err != nil {
				return 0, fmt.Errorf("%s: %w", o, err)
			}
			if pvc.Spec.VolumeName == "" {
				claim(pvc.Spec, 1)
			}
		case "StatefulSet.apps":
			var ss appsv1.StatefulSet
			if err := o.Into(&ss); err != nil {
				return 0, fmt.Errorf("%s: %w", o, err)
			}
			replicas := 1
			if ss.Spec.Replicas != nil {
				replicas = int(*ss.Spec.Replicas)
			}
			for _, t := range ss.Spec.VolumeClaimTemplates {
				claim(t.Spec, replicas)
			}
		}
	}

	nodes, err := c.Nodes(ctx)
	if err != nil {
		return 0, err
	}
	var groups []group
	for g := range need {
		if !declared[g.class] && !provisioned[g.class] {
			groups = append(groups, g)
		}
	}
	sort.Slice(groups, func(i, j int) bool {
		a, b := groups[i], groups[j]
		if a.class+string(a.mode) != b.class+string(b.mode) {
			return a.class+string(a.mode) < b.class+string(b.mode)
		}
		return !a.onePod && b.onePod
	})
	made := 0
	for gi, g := range groups {
		s := need[g]
		if s.size.IsZero() {
			s.size = resource.MustParse("1Gi")
		}
		var access []corev1.PersistentVolumeAccessMode
		for m := range s.access {
			access = append(access, m)
		}
		sort.Slice(access, func(i, j int) bool { return access[i] < access[j] })
		if len(access) == 0 {
			access = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
		}
		mode := g.mode
		pv := func(name string) corev1.PersistentVolume {
			return corev1.PersistentVolume{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolume"},
				ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{SimulatedLabel: "true"}},
				Spec: corev1.PersistentVolumeSpec{
					Capacity:                      corev1.ResourceList{corev1.ResourceStorage: s.size},
					AccessModes:                   access,
					StorageClassName:              g.class,
					VolumeMode:                    &mode,
					PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
				},
			}
		}
		create := func(v corev1.PersistentVolume) error {
			if err := c.Post(ctx, "/api/v1/persistentvolumes", v, nil); err != nil {
				return fmt.Errorf("supplying volume %s for class %q: %w", v.Name, g.class, err)
			}
			made++
			return nil
		}
		for i := 0; i < s.claims; i++ {
			if !waitForConsumer[g.class] {
				v := pv(fmt.Sprintf("simulated-%d-%d", gi, i))
				v.Spec.HostPath = &corev1.HostPathVolumeSource{Path: "/var/lib/blueprint-simulated/" + v.Name}
				if err := create(v); err != nil {
					return made, err
				}
				continue
			}
			for _, n := range nodes {
				v := pv(fmt.Sprintf("simulated-%d-%d-%s", gi, i, n.Name))
				v.Spec.Local = &corev1.LocalVolumeSource{Path: "/var/lib/blueprint-simulated/" + v.Name}
				v.Spec.NodeAffinity = &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{
					NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{
						Key: corev1.LabelHostname, Operator: corev1.NodeSelectorOpIn, Values: []string{n.Labels[corev1.LabelHostname]},
					}}}},
				}}
				if err := create(v); err != nil {
					return made, err
				}
			}
		}
	}
	return made, nil
}
