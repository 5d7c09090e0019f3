package validate

import (
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/blueprint-dev/blueprint/internal/cronsched"
	"github.com/blueprint-dev/blueprint/spec"
)

// maxBackupGap is the longest gap between two snapshots that validate
// accepts without a warning.
const maxBackupGap = 24 * time.Hour

// etcdBackup checks the etcd backup, which is on unless turned off: a
// schedule the CronJob controller accepts, a retention count, and a
// destination off the nodes (or a warning that there is none). A spec
// without a backup block gets the defaults, snapshots kept on the nodes,
// which ARCHITECTURE.md says in its backup section; the warning is for a
// backup block that names no destination.
func (v *validator) etcdBackup() {
	var b *spec.EtcdBackup
	if e := v.s.Etcd; e != nil {
		b = e.Backup
	}
	if b == nil {
		return
	}
	if !b.EnabledOrDefault() {
		v.warnf(CodeEtcdBackupOff, b.EnabledRange, &b.DeclRange, "No etcd backups",
			"Without snapshots, losing etcd's quorum loses the cluster's whole state. Turn this off only if something else snapshots etcd.")
		return
	}
	if b.Schedule != nil {
		s := *b.Schedule
		if strings.Contains(s, "TZ") {
			v.errorf(b.ScheduleRange, &b.DeclRange, "Invalid schedule", "The schedule runs in UTC (the CronJobs set timeZone); remove the TZ= or CRON_TZ= prefix.")
		} else if gap, err := cronsched.MaxGap(s); err != nil {
			v.errorf(b.ScheduleRange, &b.DeclRange, "Invalid schedule", "%q is not a cron schedule the CronJob controller accepts (minute hour day-of-month month day-of-week, such as \"17 */6 * * *\", or @daily): %v.", s, err)
		} else if gap > maxBackupGap {
			v.warnf(CodeEtcdBackupInfrequent, b.ScheduleRange, &b.DeclRange, "Infrequent snapshots", "Schedule %q leaves up to %s between snapshots: a restore may lose that much of the cluster's changes.", s, gap)
		}
	}
	if b.Retain != nil && (*b.Retain < 1 || *b.Retain > 1000) {
		v.errorf(b.RetainRange, &b.DeclRange, "Invalid retention", "retain is how many snapshots each control-plane node keeps (and the destination, per node): 1 to 1000; got %d.", *b.Retain)
	}
	d := b.Destination
	if d == nil {
		v.warnf(CodeEtcdBackupOnHost, b.DeclRange, nil, "Snapshots not off-host",
			"The snapshots stay on the control-plane nodes, which a disaster may take with them. Add destination { nfs { server = \"…\", path = \"…\" } } or destination { claim = \"…\" }.")
		return
	}
	switch {
	case (d.NFS == nil) == (d.Claim == nil):
		v.errorf(d.DeclRange, &b.DeclRange, "Backup destination", "Give the destination exactly one of an nfs block or claim = \"…\".")
	case d.NFS != nil:
		if strings.TrimSpace(d.NFS.Server) == "" || strings.ContainsAny(d.NFS.Server, " /") {
			v.errorf(d.NFS.ServerRange, &d.DeclRange, "Invalid NFS server", "server %q should be the NFS server's host name or address.", d.NFS.Server)
		}
		if !path.IsAbs(d.NFS.Path) || path.Clean(d.NFS.Path) != d.NFS.Path {
			v.errorf(d.NFS.PathRange, &d.DeclRange, "Invalid NFS path", "path %q should be the export's absolute path, such as \"/exports/etcd-backups\".", d.NFS.Path)
		}
	default:
		v.backupClaim(*d.Claim, d.ClaimRange, &d.DeclRange)
	}
}

// backupClaim checks that the destination names a claim of the spec that
// every node's job can mount at once.
func (v *validator) backupClaim(name string, rng hcl.Range, ctx *hcl.Range) {
	var names []string
	for _, c := range v.s.Claims {
		if c.NamespaceOrDefault() != spec.BackupNamespace {
			continue
		}
		names = append(names, c.Name)
		if c.Name != name {
			continue
		}
		if !contains(c.AccessModesOrDefault(), "ReadWriteMany") {
			v.errorf(rng, ctx, "Backup claim not shared", "Claim %q is mounted by the backup job of every control-plane node, on different nodes at once: give it access_modes = [\"ReadWriteMany\"] (NFS, CephFS or another shared file system).", name)
		}
		return
	}
	detail := fmt.Sprintf("No persistent_volume_claim %q in namespace %q. Declare one there (namespace = %q, access_modes = [\"ReadWriteMany\"]).", name, spec.BackupNamespace, spec.BackupNamespace)
	v.errorf(rng, ctx, "Unknown claim", "%s", detail+didYouMean(name, names))
}
