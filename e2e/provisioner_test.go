package e2e

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/blueprint-dev/blueprint/forecast"
	"github.com/blueprint-dev/blueprint/internal/controlplane"
)

// TestProvisionerGivesBackADeletedNode holds the simulated provisioner to
// what the real ones do when the node the scheduler chose for a
// WaitForFirstConsumer claim is deleted before the volume is made (a zone
// lost while a pod was being placed there): the claim's
// volume.kubernetes.io/selected-node annotation is removed, the real
// scheduler, waiting in its PreBind step, gives the node up and places the
// pod again on a node that is left, and the volume is made in that node's
// zone. This is what the capacity forecast assumes of a zone loss. A
// provisioner that keeps the annotation (as this stand-in did, and as
// csi-provisioner v6.0.x does) leaves the pod Pending on every node: the
// test then fails on its bound wait.
func TestProvisionerGivesBackADeletedNode(t *testing.T) {
	opts := need(t, controlplane.Options{ControllerManager: true, Scheduler: true})
	opts.WorkDir = t.TempDir()
	c := start(t, opts).Client()
	ctx := context.Background()

	zoneOf := map[string]string{"a1": "az1", "b1": "az2"}
	var specs []controlplane.NodeSpec
	for _, n := range []string{"a1", "b1"} {
		specs = append(specs, controlplane.NodeSpec{Name: n, CPU: "4", Memory: "16Gi",
			Labels: map[string]string{corev1.LabelTopologyZone: zoneOf[n]}})
	}
	if _, err := c.RegisterNodes(ctx, specs); err != nil {
		t.Fatal(err)
	}
	ensureServiceAccount(t, c, "default")
	objs, err := controlplane.ParseObjects([]byte(`
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: zonal}
provisioner: ebs.csi.aws.com
volumeBindingMode: WaitForFirstConsumer
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: default}
spec:
  storageClassName: zonal
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: app, namespace: default}
spec:
  containers:
  - name: app
    image: registry.k8s.io/pause:3.10
    resources: {requests: {cpu: 100m, memory: 64Mi}}
    volumeMounts: [{name: data, mountPath: /data}]
  volumes:
  - name: data
    persistentVolumeClaim: {claimName: data}
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range c.ApplyAll(ctx, objs, false) {
		t.Fatalf("rejected: %s", r)
	}

	// No provisioner yet: the scheduler picks a node, annotates the claim
	// and waits for the volume.
	var chosen string
	wait(t, "the scheduler to choose a node for the claim", func() bool {
		var pvc corev1.PersistentVolumeClaim
		if err := c.Get(ctx, "/api/v1/namespaces/default/persistentvolumeclaims/data", &pvc); err != nil {
			t.Fatal(err)
		}
		chosen = pvc.Annotations["volume.kubernetes.io/selected-node"]
		return chosen != ""
	})
	if err := c.DeleteNode(ctx, chosen); err != nil {
		t.Fatal(err)
	}
	other := "a1"
	if chosen == "a1" {
		other = "b1"
	}

	prov := c.SimulateProvisioner(ctx, forecast.NodeLocalProvisioner)
	var pod corev1.Pod
	wait(t, "the pod to be bound again", func() bool {
		if err := c.Get(ctx, "/api/v1/namespaces/default/pods/app", &pod); err != nil {
			t.Fatal(err)
		}
		return pod.Spec.NodeName != ""
	})
	made, errs := prov.Stop()
	for _, err := range errs {
		t.Errorf("simulated provisioner: %v", err)
	}
	if pod.Spec.NodeName != other {
		t.Errorf("the pod went to %s, want %s (its first choice %s is gone)", pod.Spec.NodeName, other, chosen)
	}
	if made != 1 || prov.Rescheduled() != 1 {
		t.Errorf("the provisioner made %d volumes and gave back %d claims, want 1 and 1", made, prov.Rescheduled())
	}
	var pvc corev1.PersistentVolumeClaim
	if err := c.Get(ctx, "/api/v1/namespaces/default/persistentvolumeclaims/data", &pvc); err != nil {
		t.Fatal(err)
	}
	var pv corev1.PersistentVolume
	if err := c.Get(ctx, "/api/v1/persistentvolumes/"+pvc.Spec.VolumeName, &pv); err != nil {
		t.Fatalf("the claim's volume %q: %v", pvc.Spec.VolumeName, err)
	}
	if got := pv.Spec.NodeAffinity.Required.NodeSelectorTerms[0].MatchExpressions[0].Values; len(got) != 1 || got[0] != zoneOf[other] {
		t.Errorf("the volume was made for zone %v, want %s", got, zoneOf[other])
	}
	t.Logf("the scheduler chose %s, which was deleted; the claim was given back and the pod bound to %s, its volume in %s", chosen, other, zoneOf[other])
}

// wait polls ready every 200 ms for up to 90 s (the control plane shares
// two loaded cores), failing the test with what it waited for.
func wait(t *testing.T, what string, ready func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !ready() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s after 90 s", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
