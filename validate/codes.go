package validate

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Code names one kind of warning. Codes are stable: a spec acknowledges a
// warning by its code (accept "CODE" { reason = "…" }), CI filters on it in
// --json, and the README lists every one. Never rename or reuse a code;
// retire it instead.
type Code string

// The warning codes. Each is listed in codes below with what it means and
// what an accept block may scope it to.
const (
	CodeUnknownPatch         Code = "unknown-patch-release"
	CodeSingleZone           Code = "single-zone"
	CodeEtcdZoneQuorum       Code = "etcd-zone-quorum"
	CodeEtcdLarge            Code = "etcd-large"
	CodeEtcdBackupOff        Code = "etcd-backup-off"
	CodeEtcdBackupInfrequent Code = "etcd-backup-infrequent"
	CodeEtcdBackupOnHost     Code = "etcd-backup-on-host"
	CodeLBSingleHost         Code = "lb-single-host"
	CodeKafkaZoneWrites      Code = "kafka-zone-writes"
	CodeKafkaZoneQuorum      Code = "kafka-zone-quorum"
	CodeHDFSZoneData         Code = "hdfs-zone-data"
	CodeVolumesDeleted       Code = "volumes-deleted-with-claims"
	CodeImmediateBinding     Code = "storage-immediate-binding"
	CodeVPANothing           Code = "vpa-nothing-to-size"
	CodeCiliumIngress        Code = "cilium-ingress-policy"
	CodeUserNoIssuer         Code = "rbac-user-no-issuer"
	CodeGroupNoIssuer        Code = "rbac-group-no-issuer"
	CodeOIDCUnprefixed       Code = "oidc-username-unprefixed"
	CodePoolCapacityUnknown  Code = "pool-capacity-unknown"
	CodeAdvertiseUnchecked   Code = "advertise-address-unchecked"
	CodeCNINoPolicies        Code = "cni-no-network-policy"
	CodeProxyModeDeprecated  Code = "proxy-mode-deprecated"
	CodeAcceptUnused         Code = "accept-unused"
	CodeCapacityZoneLoss     Code = "capacity-zone-loss"
	CodeCNINotAdmitted       Code = "images-cni-not-admitted"
	CodeKubeProxyTag         Code = "images-kube-proxy-by-tag"
	CodeUpgradeUnpinned      Code = "images-upgrade-unpinned"
	CodeScanningNoAlerts     Code = "image-scanning-no-alerts"
	CodeFleetVersionSkew     Code = "fleet-version-skew"
)

// CodeInfo documents one warning code.
type CodeInfo struct {
	Code Code
	// Meaning is one sentence: what the warning says is at risk.
	Meaning string
	// Scopes are the accept block attributes (zone, node, pool, workload)
	// that can narrow an acknowledgement of this code; empty when the
	// warning is about the design as a whole.
	Scopes []string
	// Acceptable is false for a code that no accept block may acknowledge.
	Acceptable bool
}

var codes = []CodeInfo{
	{CodeUnknownPatch, "kubernetes_version names a patch release blueprint's table does not know", nil, true},
	{CodeSingleZone, "all control-plane nodes, or all load-balancer hosts, are in one zone of several", []string{"zone"}, true},
	{CodeEtcdZoneQuorum, "losing one zone loses etcd's quorum, and the control plane stops", []string{"zone"}, true},
	{CodeEtcdLarge, "more than 7 etcd members slow every write", nil, true},
	{CodeEtcdBackupOff, "etcd backups are turned off", nil, true},
	{CodeEtcdBackupInfrequent, "the backup schedule leaves more than a day between snapshots", nil, true},
	{CodeEtcdBackupOnHost, "etcd snapshots stay on the control-plane nodes", nil, true},
	{CodeLBSingleHost, "one load-balancer host is a single point of failure for the API", nil, true},
	{CodeKafkaZoneWrites, "losing one zone stops Kafka's acks=all writes", []string{"workload"}, true},
	{CodeKafkaZoneQuorum, "losing one zone loses the KRaft controllers' quorum", []string{"workload"}, true},
	{CodeHDFSZoneData, "losing one zone makes HDFS data unavailable", []string{"workload"}, true},
	{CodeVolumesDeleted, "a data workload's volumes are deleted with their claims", []string{"workload"}, true},
	{CodeImmediateBinding, "a storage class binds volumes before pods are scheduled", nil, true},
	{CodeVPANothing, "the VPA recommender has no workload to size", nil, true},
	{CodeCiliumIngress, "Cilium's own Gateway or Ingress is blocked by the dashboards' NetworkPolicies", nil, true},
	{CodeUserNoIssuer, "a binding names a user no OIDC issuer can produce", nil, true},
	{CodeGroupNoIssuer, "a binding names a group no OIDC issuer can produce", nil, true},
	{CodeOIDCUnprefixed, "OIDC user names come unprefixed from a claim users may choose", nil, true},
	{CodeCapacityZoneLoss, "after losing one zone, pods that could run elsewhere find no node and stay Pending", []string{"zone", "workload"}, true},
	{CodePoolCapacityUnknown, "a pool does not give its machines' cpu or memory, so nothing checks what fits on them", []string{"pool"}, true},
	{CodeCNINoPolicies, "the CNI does not enforce the NetworkPolicies blueprint renders", nil, true},
	{CodeProxyModeDeprecated, "kube-proxy's mode is deprecated at this Kubernetes version", nil, true},
	{CodeAdvertiseUnchecked, "a control-plane node's address is a DNS name, so kubeadm picks its advertise address and nothing checks it", []string{"node"}, true},
	{CodeAcceptUnused, "an accept block acknowledges a warning that does not occur", nil, false},
	{CodeCNINotAdmitted, "the images admission policy would refuse the CNI's pods in kube-system", nil, true},
	{CodeKubeProxyTag, "kubeadm before 1.37 cannot pin kube-proxy by digest", nil, true},
	{CodeUpgradeUnpinned, "the lock file lacks the next minor's images, which an upgrade needs", nil, true},
	{CodeScanningNoAlerts, "image scanning runs without monitoring, so no alert fires on its findings", nil, true},
	{CodeFleetVersionSkew, "a fleet's clusters are more than one minor release apart, so no one kubectl manages them all", nil, false},
}

// Codes returns every warning code with its documentation, in the order the
// README lists them.
func Codes() []CodeInfo { return append([]CodeInfo(nil), codes...) }

func codeInfo(c Code) (CodeInfo, bool) {
	for _, i := range codes {
		if i.Code == c {
			return i, true
		}
	}
	return CodeInfo{}, false
}

func codeNames() []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = string(c.Code)
	}
	return out
}

// Scope is what a warning is about, for accept blocks that narrow an
// acknowledgement: a zone, a machine, a node pool or a workload (a kafka,
// hdfs or spark block, or monitoring or logging). Empty fields do not
// apply.
type Scope struct{ Zone, Node, Pool, Workload string }

func (s Scope) String() string {
	var parts []string
	for _, f := range []struct{ k, v string }{{"zone", s.Zone}, {"node", s.Node}, {"pool", s.Pool}, {"workload", s.Workload}} {
		if f.v != "" {
			parts = append(parts, fmt.Sprintf("%s = %q", f.k, f.v))
		}
	}
	return strings.Join(parts, ", ")
}

// Warning is the Extra of every warning diagnostic validate reports: its
// code, its scope and its detail as the rule wrote it (the diagnostic's
// Detail also says how to acknowledge it).
type Warning struct {
	Code   Code
	Scope  Scope
	Detail string
}

// WarningOf returns the code and scope of a warning diagnostic, and false
// for an error or a diagnostic that validate did not write.
func WarningOf(d *hcl.Diagnostic) (Warning, bool) {
	w, ok := d.Extra.(Warning)
	return w, ok && d.Severity == hcl.DiagWarning
}

// CodeOf returns the code of a warning diagnostic, or "".
func CodeOf(d *hcl.Diagnostic) Code {
	w, _ := WarningOf(d)
	return w.Code
}

// NewWarning makes a warning diagnostic of a check outside the rules (the
// capacity forecast), with its code and scope as accept blocks read them
// and the sentence on how to acknowledge it.
func NewWarning(code Code, scope Scope, subject, context hcl.Range, summary, detail string) *hcl.Diagnostic {
	w := Warning{Code: code, Scope: scope, Detail: detail}
	d := &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: detail + acceptHint(w), Subject: subject.Ptr(), Extra: w}
	if context.Filename != "" {
		d.Context = context.Ptr()
	}
	return d
}

// acceptHint is the sentence appended to every acceptable warning's detail.
func acceptHint(w Warning) string {
	if info, ok := codeInfo(w.Code); ok && !info.Acceptable {
		return fmt.Sprintf(" (warning %s)", w.Code)
	}
	body := `reason = "…"`
	if sc := w.Scope.String(); sc != "" {
		body = sc + ", " + body
	}
	return fmt.Sprintf(" (warning %s: if this risk is intended, acknowledge it with accept %q { %s })", w.Code, w.Code, body)
}
