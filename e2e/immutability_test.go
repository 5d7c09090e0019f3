package e2e

import (
	"context"
	"encoding/json"
	"flag"

	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blueprint-dev/blueprint/impact"
	"github.com/blueprint-dev/blueprint/internal/controlplane"
	"github.com/blueprint-dev/blueprint/state"
)

var update = flag.Bool("update", false, "rewrite ../impact/immutable.json from a probe of the real API server")

// probeBase is the objects the probe creates for real: every type
// blueprint renders, each valid, with labels and values chosen so that each
// field can change alone and the object stays valid.
const probeBase = `
apiVersion: v1
kind: Namespace
metadata: {name: probe, labels: {team: a}}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: probe-expand}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
allowVolumeExpansion: true
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: probe-fixed}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
allowVolumeExpansion: false
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: sc}
provisioner: example.com/probe
parameters: {speed: fast}
reclaimPolicy: Delete
volumeBindingMode: Immediate
allowVolumeExpansion: false
allowedTopologies:
- matchLabelExpressions: [{key: topology.kubernetes.io/zone, values: [a]}]
mountOptions: [noatime]
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-c}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: probe-expand
  claimRef: {namespace: probe, name: c}
  local: {path: /mnt/c}
  nodeAffinity: {required: {nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [n1]}]}]}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-cf}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: probe-fixed
  claimRef: {namespace: probe, name: cf}
  local: {path: /mnt/cf}
  nodeAffinity: {required: {nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [n1]}]}]}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: probe-fixed
  persistentVolumeReclaimPolicy: Retain
  volumeMode: Filesystem
  local: {path: /mnt/a}
  nodeAffinity: {required: {nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [n1]}]}]}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-nfs}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteMany]
  storageClassName: probe-fixed
  mountOptions: [hard]
  nfs: {server: 10.0.0.1, path: /a}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: c, namespace: probe}
spec:
  storageClassName: probe-expand
  accessModes: [ReadWriteOnce]
  volumeMode: Filesystem
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: cf, namespace: probe}
spec:
  storageClassName: probe-fixed
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: probe}
spec:
  replicas: 1
  selector: {matchLabels: {app: d}}
  strategy: {type: RollingUpdate}
  minReadySeconds: 0
  revisionHistoryLimit: 5
  progressDeadlineSeconds: 600
  template:
    metadata: {labels: {app: d, tier: web}}
    spec: {containers: [{name: c, image: "registry.example.com/app:1"}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: s, namespace: probe}
spec:
  replicas: 1
  selector: {matchLabels: {app: s}}
  serviceName: s
  podManagementPolicy: OrderedReady
  updateStrategy: {type: RollingUpdate}
  minReadySeconds: 0
  revisionHistoryLimit: 5
  persistentVolumeClaimRetentionPolicy: {whenDeleted: Retain, whenScaled: Retain}
  ordinals: {start: 0}
  template:
    metadata: {labels: {app: s, tier: db}}
    spec: {containers: [{name: c, image: "registry.example.com/app:1"}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], storageClassName: probe-fixed, resources: {requests: {storage: 1Gi}}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ds, namespace: probe}
spec:
  selector: {matchLabels: {app: ds}}
  updateStrategy: {type: RollingUpdate}
  minReadySeconds: 0
  revisionHistoryLimit: 5
  template:
    metadata: {labels: {app: ds, tier: node}}
    spec: {containers: [{name: c, image: "registry.example.com/app:1"}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: j, namespace: probe}
spec:
  suspend: true
  manualSelector: true
  selector: {matchLabels: {job: j}}
  completions: 1
  parallelism: 1
  backoffLimit: 6
  activeDeadlineSeconds: 600
  ttlSecondsAfterFinished: 600
  completionMode: NonIndexed
  template:
    metadata: {labels: {job: j, tier: batch}}
    spec: {restartPolicy: Never, containers: [{name: c, image: "registry.example.com/app:1"}]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: cj, namespace: probe}
spec:
  schedule: "0 1 * * *"
  timeZone: Etc/UTC
  concurrencyPolicy: Forbid
  suspend: true
  startingDeadlineSeconds: 600
  successfulJobsHistoryLimit: 3
  failedJobsHistoryLimit: 1
  jobTemplate:
    spec:
      template:
        spec: {restartPolicy: Never, containers: [{name: c, image: "registry.example.com/app:1"}]}
---
apiVersion: v1
kind: Service
metadata: {name: svc, namespace: probe}
spec:
  type: ClusterIP
  clusterIP: 10.96.100.10
  ports: [{name: http, port: 80, targetPort: 8080}]
  selector: {app: d}
  sessionAffinity: None
  publishNotReadyAddresses: false
  ipFamilyPolicy: SingleStack
  internalTrafficPolicy: Cluster
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: pdb, namespace: probe}
spec:
  selector: {matchLabels: {app: d}}
  minAvailable: 1
  unhealthyPodEvictionPolicy: IfHealthyBudget
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: probe}
spec:
  podSelector: {matchLabels: {app: d}}
  policyTypes: [Ingress]
  ingress: [{from: [{podSelector: {}}]}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: ing, namespace: probe}
spec:
  ingressClassName: nginx
  rules: [{host: a.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: svc, port: {number: 80}}}}]}}]
  tls: [{hosts: [a.example.com], secretName: tls}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm, namespace: probe}
immutable: false
data: {a: "1"}
binaryData: {b: "AQ=="}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cmi, namespace: probe}
immutable: true
data: {a: "1"}
binaryData: {b: "AQ=="}
---
apiVersion: v1
kind: Secret
metadata: {name: sec, namespace: probe}
type: Opaque
immutable: false
data: {a: "MQ=="}
---
apiVersion: v1
kind: Secret
metadata: {name: seci, namespace: probe}
type: Opaque
immutable: true
data: {a: "MQ=="}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa, namespace: probe}
automountServiceAccountToken: false
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r1, namespace: probe}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r2, namespace: probe}
rules: [{apiGroups: [""], resources: [pods], verbs: [list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: probe-cr1}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: probe-cr2}
rules: [{apiGroups: [""], resources: [pods], verbs: [list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rb, namespace: probe}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r1}
subjects: [{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: probe-crb}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: probe-cr1}
subjects: [{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: hpa, namespace: probe}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: d}
  minReplicas: 1
  maxReplicas: 3
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}}]
  behavior: {scaleDown: {stabilizationWindowSeconds: 300}}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.probe.example.com}
spec:
  group: probe.example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  versions:
  - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}
`

// mutation changes one field of a base object.
type mutation struct {
	base   string // Kind/name of the base object
	typ    string // Kind.group
	field  string
	cs     string
	change func(o controlplane.Object)
}

func set(path string, v any) func(controlplane.Object) {
	return func(o controlplane.Object) {
		parts := strings.Split(path, ".")
		m := map[string]any(o)
		for _, p := range parts[:len(parts)-1] {
			next, ok := m[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[p] = next
			}
			m = next
		}
		m[parts[len(parts)-1]] = v
	}
}

func unset(path string) func(controlplane.Object) {
	return func(o controlplane.Object) {
		parts := strings.Split(path, ".")
		m := map[string]any(o)
		for _, p := range parts[:len(parts)-1] {
			m, _ = m[p].(map[string]any)
		}
		delete(m, parts[len(parts)-1])
	}
}

func both(fs ...func(controlplane.Object)) func(controlplane.Object) {
	return func(o controlplane.Object) {
		for _, f := range fs {
			f(o)
		}
	}
}

func yamlValue(s string) any {
	objs, err := controlplane.ParseObjects([]byte("apiVersion: v1\nkind: X\nv: " + s))
	if err != nil {
		panic(err)
	}
	return objs[0]["v"]
}

var image2 = []any{map[string]any{"name": "c", "image": "registry.example.com/app:2"}}

// mutations lists one change per tracked field (per case), each to a
// value that is valid on its own.
func mutations() []mutation {
	m := func(base, typ, field, cs string, f func(controlplane.Object)) mutation {
		return mutation{base: base, typ: typ, field: field, cs: cs, change: f}
	}
	return []mutation{
		m("Deployment/d", "Deployment.apps", "spec.selector", "", set("spec.selector", yamlValue("{matchLabels: {app: d, tier: web}}"))),
		m("Deployment/d", "Deployment.apps", "spec.replicas", "", set("spec.replicas", 2)),
		m("Deployment/d", "Deployment.apps", "spec.strategy", "", set("spec.strategy", yamlValue("{type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}"))),
		m("Deployment/d", "Deployment.apps", "spec.minReadySeconds", "", set("spec.minReadySeconds", 5)),
		m("Deployment/d", "Deployment.apps", "spec.revisionHistoryLimit", "", set("spec.revisionHistoryLimit", 3)),
		m("Deployment/d", "Deployment.apps", "spec.progressDeadlineSeconds", "", set("spec.progressDeadlineSeconds", 300)),
		m("Deployment/d", "Deployment.apps", "spec.template", "", set("spec.template.spec.containers", image2)),

		m("StatefulSet/s", "StatefulSet.apps", "spec.selector", "", set("spec.selector", yamlValue("{matchLabels: {app: s, tier: db}}"))),
		m("StatefulSet/s", "StatefulSet.apps", "spec.serviceName", "", set("spec.serviceName", "s2")),
		m("StatefulSet/s", "StatefulSet.apps", "spec.podManagementPolicy", "", set("spec.podManagementPolicy", "Parallel")),
		m("StatefulSet/s", "StatefulSet.apps", "spec.volumeClaimTemplates", "", set("spec.volumeClaimTemplates", yamlValue("[{metadata: {name: data}, spec: {accessModes: [ReadWriteOnce], storageClassName: probe-fixed, resources: {requests: {storage: 2Gi}}}}]"))),
		m("StatefulSet/s", "StatefulSet.apps", "spec.replicas", "", set("spec.replicas", 2)),
		m("StatefulSet/s", "StatefulSet.apps", "spec.updateStrategy", "", set("spec.updateStrategy", yamlValue("{type: OnDelete}"))),
		m("StatefulSet/s", "StatefulSet.apps", "spec.minReadySeconds", "", set("spec.minReadySeconds", 5)),
		m("StatefulSet/s", "StatefulSet.apps", "spec.revisionHistoryLimit", "", set("spec.revisionHistoryLimit", 3)),
		m("StatefulSet/s", "StatefulSet.apps", "spec.persistentVolumeClaimRetentionPolicy", "", set("spec.persistentVolumeClaimRetentionPolicy", yamlValue("{whenDeleted: Delete, whenScaled: Retain}"))),
		m("StatefulSet/s", "StatefulSet.apps", "spec.ordinals", "", set("spec.ordinals", yamlValue("{start: 1}"))),
		m("StatefulSet/s", "StatefulSet.apps", "spec.template", "", set("spec.template.spec.containers", image2)),

		m("DaemonSet/ds", "DaemonSet.apps", "spec.selector", "", set("spec.selector", yamlValue("{matchLabels: {app: ds, tier: node}}"))),
		m("DaemonSet/ds", "DaemonSet.apps", "spec.updateStrategy", "", set("spec.updateStrategy", yamlValue("{type: OnDelete}"))),
		m("DaemonSet/ds", "DaemonSet.apps", "spec.minReadySeconds", "", set("spec.minReadySeconds", 5)),
		m("DaemonSet/ds", "DaemonSet.apps", "spec.revisionHistoryLimit", "", set("spec.revisionHistoryLimit", 3)),
		m("DaemonSet/ds", "DaemonSet.apps", "spec.template", "", set("spec.template.spec.containers", image2)),

		m("Job/j", "Job.batch", "spec.selector", "", set("spec.selector", yamlValue("{matchLabels: {job: j, tier: batch}}"))),
		m("Job/j", "Job.batch", "spec.template", "", set("spec.template.spec.containers", image2)),
		m("Job/j", "Job.batch", "spec.completions", "", set("spec.completions", 2)),
		m("Job/j", "Job.batch", "spec.parallelism", "", set("spec.parallelism", 2)),
		m("Job/j", "Job.batch", "spec.backoffLimit", "", set("spec.backoffLimit", 3)),
		m("Job/j", "Job.batch", "spec.activeDeadlineSeconds", "", set("spec.activeDeadlineSeconds", 300)),
		m("Job/j", "Job.batch", "spec.ttlSecondsAfterFinished", "", set("spec.ttlSecondsAfterFinished", 300)),
		m("Job/j", "Job.batch", "spec.completionMode", "", set("spec.completionMode", "Indexed")),

		m("CronJob/cj", "CronJob.batch", "spec.schedule", "", set("spec.schedule", "0 2 * * *")),
		m("CronJob/cj", "CronJob.batch", "spec.timeZone", "", set("spec.timeZone", "Europe/Berlin")),
		m("CronJob/cj", "CronJob.batch", "spec.concurrencyPolicy", "", set("spec.concurrencyPolicy", "Replace")),
		m("CronJob/cj", "CronJob.batch", "spec.suspend", "", set("spec.suspend", false)),
		m("CronJob/cj", "CronJob.batch", "spec.startingDeadlineSeconds", "", set("spec.startingDeadlineSeconds", 300)),
		m("CronJob/cj", "CronJob.batch", "spec.successfulJobsHistoryLimit", "", set("spec.successfulJobsHistoryLimit", 1)),
		m("CronJob/cj", "CronJob.batch", "spec.failedJobsHistoryLimit", "", set("spec.failedJobsHistoryLimit", 3)),
		m("CronJob/cj", "CronJob.batch", "spec.jobTemplate", "", set("spec.jobTemplate.spec.template.spec.containers", image2)),

		m("Service/svc", "Service", "spec.type", "", set("spec.type", "NodePort")),
		m("Service/svc", "Service", "spec.clusterIP", "", set("spec.clusterIP", "10.96.100.11")),
		m("Service/svc", "Service", "spec.ports", "", set("spec.ports", yamlValue("[{name: http, port: 8080, targetPort: 8080}]"))),
		m("Service/svc", "Service", "spec.selector", "", set("spec.selector", yamlValue("{app: s}"))),
		m("Service/svc", "Service", "spec.sessionAffinity", "", set("spec.sessionAffinity", "ClientIP")),
		m("Service/svc", "Service", "spec.publishNotReadyAddresses", "", set("spec.publishNotReadyAddresses", true)),
		m("Service/svc", "Service", "spec.ipFamilyPolicy", "", set("spec.ipFamilyPolicy", "PreferDualStack")),
		m("Service/svc", "Service", "spec.internalTrafficPolicy", "", set("spec.internalTrafficPolicy", "Local")),

		m("PersistentVolumeClaim/c", "PersistentVolumeClaim", "spec.storageClassName", "", set("spec.storageClassName", "probe-fixed")),
		m("PersistentVolumeClaim/c", "PersistentVolumeClaim", "spec.accessModes", "", set("spec.accessModes", []any{"ReadWriteOncePod"})),
		m("PersistentVolumeClaim/c", "PersistentVolumeClaim", "spec.resources.requests.storage", "grow-expandable", set("spec.resources.requests.storage", "2Gi")),
		m("PersistentVolumeClaim/cf", "PersistentVolumeClaim", "spec.resources.requests.storage", "grow-fixed", set("spec.resources.requests.storage", "2Gi")),
		m("PersistentVolumeClaim/c", "PersistentVolumeClaim", "spec.resources.requests.storage", "shrink", set("spec.resources.requests.storage", "512Mi")),
		m("PersistentVolumeClaim/c", "PersistentVolumeClaim", "spec.volumeMode", "", set("spec.volumeMode", "Block")),
		m("PersistentVolumeClaim/c", "PersistentVolumeClaim", "spec.volumeName", "", set("spec.volumeName", "pv")),
		m("PersistentVolumeClaim/c", "PersistentVolumeClaim", "spec.selector", "", set("spec.selector", yamlValue("{matchLabels: {disk: ssd}}"))),

		m("PersistentVolume/pv", "PersistentVolume", "spec.capacity.storage", "", set("spec.capacity.storage", "2Gi")),
		m("PersistentVolume/pv", "PersistentVolume", "spec.storageClassName", "", set("spec.storageClassName", "probe-expand")),
		m("PersistentVolume/pv", "PersistentVolume", "spec.accessModes", "", set("spec.accessModes", []any{"ReadWriteOncePod"})),
		m("PersistentVolume/pv", "PersistentVolume", "spec.persistentVolumeReclaimPolicy", "", set("spec.persistentVolumeReclaimPolicy", "Delete")),
		m("PersistentVolume/pv", "PersistentVolume", "spec.volumeMode", "", set("spec.volumeMode", "Block")),
		m("PersistentVolume/pv-nfs", "PersistentVolume", "spec.mountOptions", "", set("spec.mountOptions", []any{"soft"})),
		m("PersistentVolume/pv", "PersistentVolume", "spec.local", "", set("spec.local.path", "/mnt/b")),
		m("PersistentVolume/pv-nfs", "PersistentVolume", "spec.nfs", "", set("spec.nfs.path", "/b")),
		m("PersistentVolume/pv", "PersistentVolume", "spec.nodeAffinity", "", set("spec.nodeAffinity", yamlValue("{required: {nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [n2]}]}]}}"))),

		m("StorageClass/sc", "StorageClass.storage.k8s.io", "provisioner", "", set("provisioner", "example.com/other")),
		m("StorageClass/sc", "StorageClass.storage.k8s.io", "parameters", "", set("parameters", map[string]any{"speed": "slow"})),
		m("StorageClass/sc", "StorageClass.storage.k8s.io", "reclaimPolicy", "", set("reclaimPolicy", "Retain")),
		m("StorageClass/sc", "StorageClass.storage.k8s.io", "volumeBindingMode", "", set("volumeBindingMode", "WaitForFirstConsumer")),
		m("StorageClass/sc", "StorageClass.storage.k8s.io", "allowVolumeExpansion", "", set("allowVolumeExpansion", true)),
		m("StorageClass/sc", "StorageClass.storage.k8s.io", "allowedTopologies", "", set("allowedTopologies", yamlValue("[{matchLabelExpressions: [{key: topology.kubernetes.io/zone, values: [a, b]}]}]"))),
		m("StorageClass/sc", "StorageClass.storage.k8s.io", "mountOptions", "", set("mountOptions", []any{"relatime"})),

		m("PodDisruptionBudget/pdb", "PodDisruptionBudget.policy", "spec.selector", "", set("spec.selector", yamlValue("{matchLabels: {app: d, tier: web}}"))),
		m("PodDisruptionBudget/pdb", "PodDisruptionBudget.policy", "spec.minAvailable", "", set("spec.minAvailable", 2)),
		m("PodDisruptionBudget/pdb", "PodDisruptionBudget.policy", "spec.maxUnavailable", "", both(unset("spec.minAvailable"), set("spec.maxUnavailable", 1))),
		m("PodDisruptionBudget/pdb", "PodDisruptionBudget.policy", "spec.unhealthyPodEvictionPolicy", "", set("spec.unhealthyPodEvictionPolicy", "AlwaysAllow")),

		m("NetworkPolicy/np", "NetworkPolicy.networking.k8s.io", "spec.podSelector", "", set("spec.podSelector", yamlValue("{matchLabels: {app: s}}"))),
		m("NetworkPolicy/np", "NetworkPolicy.networking.k8s.io", "spec.policyTypes", "", both(set("spec.policyTypes", []any{"Ingress", "Egress"}), set("spec.egress", yamlValue("[{to: [{podSelector: {}}]}]")))),
		m("NetworkPolicy/np", "NetworkPolicy.networking.k8s.io", "spec.ingress", "", set("spec.ingress", yamlValue("[{from: [{namespaceSelector: {}}]}]"))),
		m("NetworkPolicy/np", "NetworkPolicy.networking.k8s.io", "spec.egress", "", set("spec.egress", yamlValue("[{to: [{podSelector: {}}]}]"))),

		m("Ingress/ing", "Ingress.networking.k8s.io", "spec.ingressClassName", "", set("spec.ingressClassName", "traefik")),
		m("Ingress/ing", "Ingress.networking.k8s.io", "spec.rules", "", set("spec.rules", yamlValue("[{host: b.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: svc, port: {number: 80}}}}]}}]"))),
		m("Ingress/ing", "Ingress.networking.k8s.io", "spec.tls", "", set("spec.tls", yamlValue("[{hosts: [a.example.com], secretName: tls2}]"))),

		m("ConfigMap/cm", "ConfigMap", "immutable", "set", set("immutable", true)),
		m("ConfigMap/cmi", "ConfigMap", "immutable", "unset", set("immutable", false)),
		m("ConfigMap/cm", "ConfigMap", "data", "", set("data", map[string]any{"a": "2"})),
		m("ConfigMap/cmi", "ConfigMap", "data", "immutable", set("data", map[string]any{"a": "2"})),
		m("ConfigMap/cm", "ConfigMap", "binaryData", "", set("binaryData", map[string]any{"b": "Ag=="})),
		m("ConfigMap/cmi", "ConfigMap", "binaryData", "immutable", set("binaryData", map[string]any{"b": "Ag=="})),
		m("Secret/sec", "Secret", "immutable", "set", set("immutable", true)),
		m("Secret/seci", "Secret", "immutable", "unset", set("immutable", false)),
		m("Secret/sec", "Secret", "type", "", set("type", "example.com/other")),
		m("Secret/sec", "Secret", "data", "", set("data", map[string]any{"a": "Mg=="})),
		m("Secret/seci", "Secret", "data", "immutable", set("data", map[string]any{"a": "Mg=="})),
		m("Secret/sec", "Secret", "stringData", "", set("stringData", map[string]any{"s": "x"})),
		m("Secret/seci", "Secret", "stringData", "immutable", set("stringData", map[string]any{"s": "x"})),

		m("ServiceAccount/sa", "ServiceAccount", "automountServiceAccountToken", "", set("automountServiceAccountToken", true)),
		m("Namespace/probe", "Namespace", "metadata.labels", "", set("metadata.labels", map[string]any{"team": "b"})),
		m("Role/r1", "Role.rbac.authorization.k8s.io", "rules", "", set("rules", yamlValue("[{apiGroups: [''], resources: [pods], verbs: [list]}]"))),
		m("ClusterRole/probe-cr1", "ClusterRole.rbac.authorization.k8s.io", "rules", "", set("rules", yamlValue("[{apiGroups: [''], resources: [pods], verbs: [list]}]"))),
		m("ClusterRole/probe-cr1", "ClusterRole.rbac.authorization.k8s.io", "aggregationRule", "", set("aggregationRule", yamlValue("{clusterRoleSelectors: [{matchLabels: {probe: x}}]}"))),
		m("RoleBinding/rb", "RoleBinding.rbac.authorization.k8s.io", "roleRef", "", set("roleRef.name", "r2")),
		m("RoleBinding/rb", "RoleBinding.rbac.authorization.k8s.io", "subjects", "", set("subjects", yamlValue("[{kind: User, name: bob, apiGroup: rbac.authorization.k8s.io}]"))),
		m("ClusterRoleBinding/probe-crb", "ClusterRoleBinding.rbac.authorization.k8s.io", "roleRef", "", set("roleRef.name", "probe-cr2")),
		m("ClusterRoleBinding/probe-crb", "ClusterRoleBinding.rbac.authorization.k8s.io", "subjects", "", set("subjects", yamlValue("[{kind: User, name: bob, apiGroup: rbac.authorization.k8s.io}]"))),

		m("HorizontalPodAutoscaler/hpa", "HorizontalPodAutoscaler.autoscaling", "spec.scaleTargetRef", "", set("spec.scaleTargetRef.name", "other")),
		m("HorizontalPodAutoscaler/hpa", "HorizontalPodAutoscaler.autoscaling", "spec.minReplicas", "", set("spec.minReplicas", 2)),
		m("HorizontalPodAutoscaler/hpa", "HorizontalPodAutoscaler.autoscaling", "spec.maxReplicas", "", set("spec.maxReplicas", 5)),
		m("HorizontalPodAutoscaler/hpa", "HorizontalPodAutoscaler.autoscaling", "spec.metrics", "", set("spec.metrics", yamlValue("[{type: Resource, resource: {name: memory, target: {type: Utilization, averageUtilization: 80}}}]"))),
		m("HorizontalPodAutoscaler/hpa", "HorizontalPodAutoscaler.autoscaling", "spec.behavior", "", set("spec.behavior", yamlValue("{scaleDown: {stabilizationWindowSeconds: 60}}"))),

		m("CustomResourceDefinition/widgets.probe.example.com", "CustomResourceDefinition.apiextensions.k8s.io", "spec.group", "", set("spec.group", "probe2.example.com")),
		m("CustomResourceDefinition/widgets.probe.example.com", "CustomResourceDefinition.apiextensions.k8s.io", "spec.names", "", set("spec.names.shortNames", []any{"wd"})),
		m("CustomResourceDefinition/widgets.probe.example.com", "CustomResourceDefinition.apiextensions.k8s.io", "spec.scope", "", set("spec.scope", "Cluster")),
		m("CustomResourceDefinition/widgets.probe.example.com", "CustomResourceDefinition.apiextensions.k8s.io", "spec.versions", "", set("spec.versions", yamlValue("[{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}, {name: v2, served: true, storage: false, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}]"))),
	}
}

func clone(o controlplane.Object) controlplane.Object {
	b, _ := json.Marshal(o)
	var out controlplane.Object
	_ = json.Unmarshal(b, &out)
	return out
}

// fresh renames an object so that a dry-run create of it is independent
// of the base (a CRD's name must be plural.group).
func fresh(o controlplane.Object) {
	md := o["metadata"].(map[string]any)
	if o.Kind() == "CustomResourceDefinition" {
		spec := o["spec"].(map[string]any)
		spec["group"] = "fresh" + strings.TrimPrefix(spec["group"].(string), "probe")
		md["name"] = spec["names"].(map[string]any)["plural"].(string) + "." + spec["group"].(string)
		return
	}
	md["name"] = md["name"].(string) + "-fresh"
	if o.Kind() == "Service" {
		spec := o["spec"].(map[string]any)
		spec["clusterIP"] = "10.96.100.99"
	}
	if o.Kind() == "PersistentVolumeClaim" {
		delete(o["spec"].(map[string]any), "volumeName")
	}
}

// TestImmutability probes, on a real kube-apiserver, which fields an
// update may change, and compares the answers with impact/immutable.json
// (rewritten with -update).
func TestImmutability(t *testing.T) {
	opts := need(t, controlplane.Options{ControllerManager: true})
	opts.WorkDir = t.TempDir()
	cp := start(t, opts)
	c := cp.Client()
	ctx := context.Background()

	base, err := controlplane.ParseObjects([]byte(probeBase))
	if err != nil {
		t.Fatal(err)
	}
	bases := map[string]controlplane.Object{}
	for _, o := range base {
		bases[o.Kind()+"/"+o.Name()] = o
	}
	for _, group := range [][]controlplane.Object{
		controlplane.Select(base, controlplane.IsFoundation),
		controlplane.Select(base, func(o controlplane.Object) bool { return !controlplane.IsFoundation(o) }),
	} {
		for _, r := range c.ApplyAll(ctx, group, false) {
			t.Fatalf("creating the probe's base objects: %s", r)
		}
		if err := c.WaitEstablished(ctx, group, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	waitBound(t, c, "c", "cf")

	var version struct{ GitVersion string }
	if err := c.Get(ctx, "/version", &version); err != nil {
		t.Fatal(err)
	}
	var probes []impact.Probe
	for _, m := range mutations() {
		b, ok := bases[m.base]
		if !ok {
			t.Fatalf("mutation of %s %s: no base object %s", m.typ, m.field, m.base)
		}
		changed := clone(b)
		m.change(changed)
		alone := clone(changed)
		fresh(alone)
		if err := c.Apply(ctx, alone, true); err != nil {
			t.Errorf("%s %s %s: the changed object is not valid on its own, so the probe proves nothing: %v", m.typ, m.field, m.cs, err)
			continue
		}
		p := impact.Probe{Type: m.typ, Field: m.field, Case: m.cs, Update: impact.Allowed}
		if err := c.Apply(ctx, changed, true); err != nil {
			p.Update, p.Message = impact.Refused, err.Error()
		}
		probes = append(probes, p)
	}
	// Every field the state tracks is probed.
	for typ, fields := range state.TrackedFields {
		for _, f := range fields {
			if !slices.ContainsFunc(probes, func(p impact.Probe) bool { return p.Type == typ && p.Field == f }) {
				t.Errorf("%s %s is tracked by the state but not probed: add a mutation", typ, f)
			}
		}
	}
	got := impact.ImmutabilityTable{
		About: "Which fields an update may change, probed on a real API server by e2e's TestImmutability: each type's object is created, " +
			"then each field alone is changed with a server-side apply dry run, after a dry-run create of the changed object under another name proved it valid. " +
			"Regenerate with: go test ./e2e -run TestImmutability -update",
		ProbedWith: version.GitVersion,
		Fields:     probes,
	}
	refused := 0
	for _, p := range probes {
		if p.Update == impact.Refused {
			refused++
		}
	}
	t.Logf("probed %d field changes on kube-apiserver %s: %d refused, %d allowed", len(probes), version.GitVersion, refused, len(probes)-refused)
	if *update {
		b, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("../impact/immutable.json", append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want := impact.Table()
	if want.ProbedWith != got.ProbedWith {
		t.Errorf("impact/immutable.json was probed on %s, this API server is %s: re-run with -update", want.ProbedWith, got.ProbedWith)
	}
	key := func(p impact.Probe) string { return p.Type + " " + p.Field + " " + p.Case }
	wantBy := map[string]impact.Probe{}
	for _, p := range want.Fields {
		wantBy[key(p)] = p
	}
	for _, p := range probes {
		w, ok := wantBy[key(p)]
		switch {
		case !ok:
			t.Errorf("%s: probed %s, not in impact/immutable.json: re-run with -update", key(p), p.Update)
		case w.Update != p.Update:
			t.Errorf("%s: the table says %s, the API server %s (%s): re-run with -update", key(p), w.Update, p.Update, p.Message)
		}
		delete(wantBy, key(p))
	}
	for k := range wantBy {
		t.Errorf("%s is in impact/immutable.json but no longer probed", k)
	}
}

// waitBound waits until the probe's claims are bound to their volumes by
// the controller manager, so that their updates are judged as a bound
// claim's are.
func waitBound(t *testing.T, c *controlplane.Client, names ...string) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for _, n := range names {
		for i := 0; ; i++ {
			var pvc struct{ Status struct{ Phase string } }
			err := c.Get(context.Background(), "/api/v1/namespaces/probe/persistentvolumeclaims/"+n, &pvc)
			if err == nil && pvc.Status.Phase == "Bound" {
				break
			}
			if time.Now().After(deadline) || i > 900 {
				t.Fatalf("claim probe/%s not Bound after 90s (phase %q, %v)", n, pvc.Status.Phase, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}
