package spec

import "github.com/hashicorp/hcl/v2"

// EtcdBackup is the periodic etcd snapshot: on by default, with or without
// this block.
type EtcdBackup struct {
	Enabled       *bool              `hcl:"enabled,optional"`
	EnabledRange  hcl.Range          `hcl:"enabled,attr_value_range"`
	Schedule      *string            `hcl:"schedule,optional"`
	ScheduleRange hcl.Range          `hcl:"schedule,attr_value_range"`
	Retain        *int               `hcl:"retain,optional"`
	RetainRange   hcl.Range          `hcl:"retain,attr_value_range"`
	Destination   *BackupDestination `hcl:"destination,block"`
	DeclRange     hcl.Range          `hcl:",def_range"`
}

// BackupDestination is where snapshots are copied off the control-plane
// nodes: an NFS export, or a claim of the spec (ReadWriteMany, in the
// backup namespace) on any storage that can be shared.
type BackupDestination struct {
	NFS        *NFSVolume `hcl:"nfs,block"`
	Claim      *string    `hcl:"claim,optional"`
	ClaimRange hcl.Range  `hcl:"claim,attr_value_range"`
	DeclRange  hcl.Range  `hcl:",def_range"`
}

// BackupNamespace holds the etcd backup jobs; a claim that is the backup's
// destination must be in it.
const BackupNamespace = "etcd-backup"

// Defaults of the etcd backup.
const (
	// DefaultBackupSchedule snapshots every six hours, at minute 17 so
	// that many clusters do not all start on the hour.
	DefaultBackupSchedule = "17 */6 * * *"
	// DefaultBackupRetain keeps two days of six-hourly snapshots.
	DefaultBackupRetain = 8
)

// BackupOrDefault returns the etcd block's backup settings; an absent etcd or backup
// block means the defaults.
func (e *Etcd) BackupOrDefault() *EtcdBackup {
	if e == nil || e.Backup == nil {
		return &EtcdBackup{}
	}
	return e.Backup
}

// EnabledOrDefault reports whether snapshots are taken: yes unless turned off.
func (b *EtcdBackup) EnabledOrDefault() bool { return b.Enabled == nil || *b.Enabled }

// ScheduleOrDefault returns the cron schedule, in UTC.
func (b *EtcdBackup) ScheduleOrDefault() string { return or(b.Schedule, DefaultBackupSchedule) }

// RetainOrDefault returns how many snapshots each node keeps.
func (b *EtcdBackup) RetainOrDefault() int { return or(b.Retain, DefaultBackupRetain) }
