package e2e

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
)

// syntheticTree is a small tree written for the harness test, not taken
// from any spec: a Deployment spread over zones with hostname
// anti-affinity, a StatefulSet on tainted nodes with volume claims of a
// WaitForFirstConsumer class, a DaemonSet, a CRD with a custom resource,
// and RBAC for a service account and a group.
const syntheticTree = `
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer}}}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w1, namespace: shop}
spec: {size: 3}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: local-disks}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: web, namespace: shop}
rules:
- apiGroups: [""]
  resources: [configmaps, pods, pods/log]
  verbs: [get, list, watch]
- apiGroups: [example.com]
  resources: [widgets]
  verbs: [get, update]
  resourceNames: [w1]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: web, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: web}
subjects:
- {kind: ServiceAccount, name: web, namespace: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: shop-observer}
rules:
- apiGroups: [""]
  resources: [nodes]
  verbs: [get, list]
- nonResourceURLs: [/metrics]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: shop-observer}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: shop-observer}
subjects:
- {kind: Group, name: shop-operators, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 5
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: web
      nodeSelector: {example.com/pool: general}
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: web}}
            topologyKey: kubernetes.io/hostname
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: topology.kubernetes.io/zone
        whenUnsatisfiable: DoNotSchedule
        labelSelector: {matchLabels: {app: web}}
      containers:
      - name: web
        image: registry.example.com/web:1.0
        resources: {requests: {cpu: 500m, memory: 256Mi}}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{port: 5432}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      nodeSelector: {example.com/pool: db}
      tolerations:
      - {key: example.com/dedicated, operator: Equal, value: db, effect: NoSchedule}
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: topology.kubernetes.io/zone
        whenUnsatisfiable: DoNotSchedule
        labelSelector: {matchLabels: {app: db}}
      containers:
      - name: db
        image: registry.example.com/db:1.0
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      storageClassName: local-disks
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 20Gi}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: shop}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
      - name: agent
        image: registry.example.com/agent:1.0
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: web}}
`

// syntheticNodes: three zones, each with one tainted control-plane node,
// two general workers and one tainted database node.
func syntheticNodes() []controlplane.NodeSpec {
	var out []controlplane.NodeSpec
	for _, z := range []string{"z1", "z2", "z3"} {
		zone := map[string]string{corev1.LabelTopologyZone: z}
		with := func(k, v string) map[string]string {
			m := map[string]string{k: v}
			for a, b := range zone {
				m[a] = b
			}
			return m
		}
		out = append(out,
			controlplane.NodeSpec{Name: "cp-" + z, Labels: with("node-role.kubernetes.io/control-plane", ""), CPU: "4", Memory: "16Gi",
				Taints: []corev1.Taint{{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule}}},
			controlplane.NodeSpec{Name: "general-" + z + "-1", Address: "", Labels: with("example.com/pool", "general"), CPU: "8", Memory: "32Gi"},
			controlplane.NodeSpec{Name: "general-" + z + "-2", Labels: with("example.com/pool", "general"), CPU: "8", Memory: "32Gi"},
			controlplane.NodeSpec{Name: "db-" + z, Labels: with("example.com/pool", "db"), CPU: "16", Memory: "64Gi",
				Taints: []corev1.Taint{{Key: "example.com/dedicated", Value: "db", Effect: corev1.TaintEffectNoSchedule}}},
		)
	}
	return out
}

// TestHarness runs the manifest checks on the synthetic tree, so that they
// are known to work before any spec renders manifests, and shows that each
// check can fail. It counts for no spec.
func TestHarness(t *testing.T) {
	opts := need(t, controlplane.Options{ControllerManager: true, Scheduler: true})
	opts.WorkDir = t.TempDir()
	cp := start(t, opts)
	c := cp.Client()
	ctx := context.Background()
	if _, err := c.RegisterNodes(ctx, syntheticNodes()); err != nil {
		t.Fatal(err)
	}
	objs, err := controlplane.ParseObjects([]byte(syntheticTree))
	if err != nil {
		t.Fatal(err)
	}
	res := verifyManifests(t, c, objs)
	t.Logf("synthetic tree: %s", res)
	if res.pods != 5+3+6 || res.workloads != 3 {
		t.Errorf("%d pods of %d workloads; want 14 pods (5 web, 3 db, 6 agents on the untainted nodes) of 3", res.pods, res.workloads)
	}
	if res.rbac.Yes == 0 || res.rbac.No == 0 {
		t.Errorf("RBAC checks: %d yes, %d no; want some of each", res.rbac.Yes, res.rbac.No)
	}
	if t.Failed() {
		return
	}

	t.Run("dry-run reports each rejection", func(t *testing.T) {
		bad, err := controlplane.ParseObjects([]byte(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: broken, namespace: shop}
spec:
  replicas: -1
  selector: {matchLabels: {app: broken}}
  template:
    metadata: {labels: {app: other}}
    spec: {containers: [{name: x, image: x}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: lost, namespace: no-such-namespace}
---
apiVersion: example.com/v1
kind: Gadget
metadata: {name: g, namespace: shop}
`))
		if err != nil {
			t.Fatal(err)
		}
		rej := c.ApplyAll(ctx, bad, true)
		if len(rej) != 3 {
			t.Fatalf("got %d rejections, want 3: %v", len(rej), rej)
		}
		for i, want := range []string{"ConfigMap no-such-namespace/lost", "Deployment.apps shop/broken", "Gadget.example.com shop/g"} {
			if rej[i].Object != want || rej[i].Message == "" {
				t.Errorf("rejection %d = %+v, want one for %s with a message", i, rej[i], want)
			}
		}
	})

	t.Run("RBAC reports a non-admin who can bind", func(t *testing.T) {
		risky, err := controlplane.ParseObjects([]byte(`
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: binder, namespace: shop}
rules:
- apiGroups: [rbac.authorization.k8s.io]
  resources: [roles]
  verbs: [bind]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: binder, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: binder}
subjects:
- {kind: User, name: mallory, apiGroup: rbac.authorization.k8s.io}
`))
		if err != nil {
			t.Fatal(err)
		}
		if rej := c.ApplyAll(ctx, risky, false); len(rej) > 0 {
			t.Fatal(rej)
		}
		rep, err := c.CheckRBAC(ctx, risky)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Failures) != 1 || !strings.Contains(rep.Failures[0], "can-i bind roles.rbac.authorization.k8s.io -n shop --as=mallory: yes, but only a cluster-admin") {
			t.Errorf("failures = %q, want one for mallory binding roles", rep.Failures)
		}
	})

	t.Run("placement reports a broken anti-affinity", func(t *testing.T) {
		ws, cl, err := c.WaitScheduled(ctx, objs, scheduleTimeout)
		if err != nil {
			t.Fatal(err)
		}
		for i := range ws {
			if ws[i].Name == "web" {
				moved := ws[i].Pods[1].Spec.NodeName
				ws[i].Pods[0].Spec.NodeName = moved
				for j := range cl.Pods {
					if cl.Pods[j].UID == ws[i].Pods[0].UID {
						cl.Pods[j].Spec.NodeName = moved
					}
				}
			}
		}
		v := controlplane.CheckPlacement(cl, ws)
		if len(v) == 0 || !strings.Contains(strings.Join(v, "\n"), "required anti-affinity over kubernetes.io/hostname broken") {
			t.Errorf("violations = %q, want the anti-affinity one", v)
		}
	})
}
