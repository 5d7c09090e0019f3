package state

// TrackedFields lists, per type (Kind.group), the fields whose values the
// state keeps for each object: those the impact rules need to tell an
// in-place change from a roll or a replacement. Every one of them is
// probed on a real API server (see impact's immutability table), which says
// whether an update may change it.
var TrackedFields = map[string][]string{
	"Deployment.apps": {
		"spec.selector", "spec.replicas", "spec.strategy", "spec.minReadySeconds",
		"spec.revisionHistoryLimit", "spec.progressDeadlineSeconds", "spec.template",
	},
	"StatefulSet.apps": {
		"spec.selector", "spec.serviceName", "spec.podManagementPolicy", "spec.volumeClaimTemplates",
		"spec.replicas", "spec.updateStrategy", "spec.minReadySeconds", "spec.revisionHistoryLimit",
		"spec.persistentVolumeClaimRetentionPolicy", "spec.ordinals", "spec.template",
	},
	"DaemonSet.apps": {
		"spec.selector", "spec.updateStrategy", "spec.minReadySeconds", "spec.revisionHistoryLimit", "spec.template",
	},
	"Job.batch": {
		"spec.selector", "spec.template", "spec.completions", "spec.parallelism", "spec.backoffLimit",
		"spec.activeDeadlineSeconds", "spec.ttlSecondsAfterFinished", "spec.completionMode",
	},
	"CronJob.batch": {
		"spec.schedule", "spec.timeZone", "spec.concurrencyPolicy", "spec.suspend", "spec.startingDeadlineSeconds",
		"spec.successfulJobsHistoryLimit", "spec.failedJobsHistoryLimit", "spec.jobTemplate",
	},
	"Service": {
		"spec.type", "spec.clusterIP", "spec.ports", "spec.selector", "spec.sessionAffinity",
		"spec.publishNotReadyAddresses", "spec.ipFamilyPolicy", "spec.internalTrafficPolicy",
	},
	"PersistentVolumeClaim": {
		"spec.storageClassName", "spec.accessModes", "spec.resources.requests.storage", "spec.volumeMode",
		"spec.volumeName", "spec.selector",
	},
	"PersistentVolume": {
		"spec.capacity.storage", "spec.storageClassName", "spec.accessModes", "spec.persistentVolumeReclaimPolicy",
		"spec.volumeMode", "spec.mountOptions", "spec.local", "spec.nfs", "spec.nodeAffinity",
	},
	"StorageClass.storage.k8s.io": {
		"provisioner", "parameters", "reclaimPolicy", "volumeBindingMode", "allowVolumeExpansion",
		"allowedTopologies", "mountOptions",
	},
	"PodDisruptionBudget.policy": {
		"spec.selector", "spec.minAvailable", "spec.maxUnavailable", "spec.unhealthyPodEvictionPolicy",
	},
	"NetworkPolicy.networking.k8s.io": {
		"spec.podSelector", "spec.policyTypes", "spec.ingress", "spec.egress",
	},
	"Ingress.networking.k8s.io": {
		"spec.ingressClassName", "spec.rules", "spec.tls",
	},
	"ConfigMap":                                    {"immutable", "data", "binaryData"},
	"Secret":                                       {"immutable", "type", "data", "stringData"},
	"ServiceAccount":                               {"automountServiceAccountToken"},
	"Namespace":                                    {"metadata.labels"},
	"Role.rbac.authorization.k8s.io":               {"rules"},
	"ClusterRole.rbac.authorization.k8s.io":        {"rules", "aggregationRule"},
	"RoleBinding.rbac.authorization.k8s.io":        {"roleRef", "subjects"},
	"ClusterRoleBinding.rbac.authorization.k8s.io": {"roleRef", "subjects"},
	"HorizontalPodAutoscaler.autoscaling": {
		"spec.scaleTargetRef", "spec.minReplicas", "spec.maxReplicas", "spec.metrics", "spec.behavior",
	},
	"CustomResourceDefinition.apiextensions.k8s.io": {
		"spec.group", "spec.names", "spec.scope", "spec.versions",
	},
}

// WorkloadKinds are the types whose pod template change replaces their
// running pods.
var WorkloadKinds = map[string]bool{"Deployment.apps": true, "StatefulSet.apps": true, "DaemonSet.apps": true}

// ClusterScoped are the types blueprint renders that live outside any
// namespace.
var ClusterScoped = map[string]bool{
	"Namespace": true, "PersistentVolume": true, "StorageClass.storage.k8s.io": true,
	"ClusterRole.rbac.authorization.k8s.io": true, "ClusterRoleBinding.rbac.authorization.k8s.io": true,
	"CustomResourceDefinition.apiextensions.k8s.io": true, "APIService.apiregistration.k8s.io": true,
	"PriorityClass.scheduling.k8s.io": true, "IngressClass.networking.k8s.io": true,
	"ValidatingWebhookConfiguration.admissionregistration.k8s.io": true,
	"MutatingWebhookConfiguration.admissionregistration.k8s.io":   true,
	"GatewayClass.gateway.networking.k8s.io":                      true,
}

// MaxFieldValue is the longest field value the state keeps as it is;
// longer values are kept as their hash.
const MaxFieldValue = 256
