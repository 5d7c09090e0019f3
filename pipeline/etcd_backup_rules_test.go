package pipeline_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/internal/cronsched"
	"github.com/blueprint-dev/blueprint/plan"
)

// TestEtcdBackupAlerts runs `promtool test rules` on the rendered
// etcd-backup.rules.yml of every example with monitoring, on either engine
// (the ConfigMap's file or the PrometheusRule's spec): each alert fires on
// a bad input and stays silent on a good one. The input series carry the
// labels Prometheus stores for kube-state-metrics' CronJob metrics with the
// rendered scrape job (job="kube-state-metrics", honor_labels keeping the
// namespace and cronjob labels kube-state-metrics sets, instance the
// endpoint). promtool starts its clock at 0, so a last-success value of 0 is
// a backup taken at the start of the test.
func TestEtcdBackupAlerts(t *testing.T) {
	promtool := tool(t, "promtool")
	ran := 0
	for _, ex := range examples(t) {
		b := ex.plan.Etcd.Backup
		if b == nil || ex.plan.Services.Monitoring == nil {
			continue
		}
		rules, ok := prometheusStack(t, ex).Rules["etcd-backup.rules.yml"]
		if !ok {
			t.Fatalf("%s: monitoring and etcd backups, but Prometheus loads no etcd-backup.rules.yml", ex.name)
		}
		ran++
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "etcd-backup.rules.yml"), rules, 0o644); err != nil {
			t.Fatal(err)
		}
		job := func(name string) string {
			return fmt.Sprintf(`{job="kube-state-metrics",instance="10.244.1.7:8080",namespace=%q,cronjob=%q}`, b.Namespace, name)
		}
		stale, fresh, never := b.Jobs[0].Name, b.Jobs[1].Name, b.Jobs[2].Name
		minutes := b.StaleAfterSeconds/60 + 20 // past the threshold and the 5m "for"
		evalAt := fmt.Sprintf("%dm", minutes)
		// fresh succeeds every minute: its value follows the clock.
		test := fmt.Sprintf(`rule_files: [etcd-backup.rules.yml]
evaluation_interval: 1m
tests:
- interval: 1m
  input_series:
  - series: 'kube_cronjob_status_last_successful_time%[1]s'
    values: '0x%[4]d'
  - series: 'kube_cronjob_status_last_successful_time%[2]s'
    values: '0+60x%[4]d'
  - series: 'kube_cronjob_created%[1]s'
    values: '0x%[4]d'
  - series: 'kube_cronjob_created%[2]s'
    values: '0x%[4]d'
  - series: 'kube_cronjob_created%[3]s'
    values: '0x%[4]d'
  alert_rule_test:
  - eval_time: 30m
    alertname: EtcdBackupStale
  - eval_time: 30m
    alertname: EtcdBackupNeverSucceeded
  - eval_time: 30m
    alertname: EtcdBackupJobsMissing
  - eval_time: %[5]s
    alertname: EtcdBackupStale
    exp_alerts:
    - exp_labels: {severity: warning, job: kube-state-metrics, instance: "10.244.1.7:8080", namespace: %[6]s, cronjob: %[7]s}
      exp_annotations:
        summary: An etcd backup job missed its schedule.
        description: '%[7]s last took a snapshot %[9]s ago; look at its last Job in namespace %[6]s.'
  - eval_time: %[5]s
    alertname: EtcdBackupNeverSucceeded
    exp_alerts:
    - exp_labels: {severity: warning, job: kube-state-metrics, instance: "10.244.1.7:8080", namespace: %[6]s, cronjob: %[8]s}
      exp_annotations:
        summary: An etcd backup job has never succeeded.
        description: '%[8]s has existed for longer than %[10]s without one successful snapshot.'
  - eval_time: %[5]s
    alertname: EtcdBackupsAllStale
- interval: 1m
  input_series:
  - series: 'kube_cronjob_status_last_successful_time%[1]s'
    values: '0x%[4]d'
  - series: 'kube_cronjob_status_last_successful_time%[2]s'
    values: '0x%[4]d'
  alert_rule_test:
  - eval_time: 30m
    alertname: EtcdBackupsAllStale
  - eval_time: %[5]s
    alertname: EtcdBackupsAllStale
    exp_alerts:
    - exp_labels: {severity: critical}
      exp_annotations:
        summary: No control-plane node has a recent etcd snapshot.
        description: 'The newest etcd snapshot of any node is %[9]s old; a restore now would lose everything since.'
- interval: 1m
  input_series:
  - series: 'kube_cronjob_created{job="kube-state-metrics",instance="10.244.1.7:8080",namespace="other",cronjob="x"}'
    values: '0x60'
  alert_rule_test:
  - eval_time: 10m
    alertname: EtcdBackupJobsMissing
  - eval_time: 20m
    alertname: EtcdBackupJobsMissing
    exp_alerts:
    - exp_labels: {severity: critical, job: kube-state-metrics, namespace: %[6]s}
      exp_annotations:
        summary: etcd backup CronJobs are missing, so no alert watches the backups.
        description: Fewer than %[11]d etcd backup CronJobs (one per control-plane node) are seen in namespace %[6]s; the backups may have stopped, and the stale-backup alerts cannot fire. Check the CronJobs and kube-state-metrics.
`, job(stale), job(fresh), job(never), minutes+10, evalAt, b.Namespace, stale, never,
			fmt.Sprintf("%dh %dm 0s", minutes/60, minutes%60), b.StaleAfter, len(b.Jobs))
		if err := os.WriteFile(filepath.Join(dir, "test.yml"), []byte(test), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(promtool, "test", "rules", "test.yml")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "SUCCESS") {
			t.Errorf("%s: promtool test rules on etcd-backup.rules.yml: %v\n%s", ex.name, err, out)
		}
	}
	if ran == 0 {
		t.Fatal("no example renders etcd backups with monitoring: the alerts went untested")
	}
}

// TestEtcdBackupJobsSpreadOverTheHour: the nodes' backup CronJobs run at
// different minutes of the same hours (so their snapshots and copies do
// not all start at once), each as the plan says, and the stale alert's
// threshold still follows every one of their schedules.
func TestEtcdBackupJobsSpreadOverTheHour(t *testing.T) {
	ran := 0
	for _, ex := range examples(t) {
		b := ex.plan.Etcd.Backup
		if b == nil || len(b.Jobs) < 2 {
			continue
		}
		ran++
		var jobs []batchv1.CronJob
		for _, doc := range strings.Split(string(ex.tree["manifests/etcd-backup/cronjobs.yaml"]), "\n---\n") {
			var cj batchv1.CronJob
			if err := yaml.Unmarshal([]byte(doc), &cj); err != nil {
				t.Fatalf("%s: %v", ex.name, err)
			}
			if cj.Kind == "CronJob" {
				jobs = append(jobs, cj)
			}
		}
		if len(jobs) != len(b.Jobs) {
			t.Fatalf("%s: %d CronJobs, want one per control-plane node (%d)", ex.name, len(jobs), len(b.Jobs))
		}
		gap, err := cronsched.MaxGap(b.Schedule)
		if err != nil {
			t.Fatal(err)
		}
		minutes := map[string]string{}
		for i, cj := range jobs {
			s := cj.Spec.Schedule
			if s != b.Jobs[i].Schedule {
				t.Errorf("%s: CronJob %s runs on %q, the plan says %q", ex.name, cj.Name, s, b.Jobs[i].Schedule)
			}
			if g, err := cronsched.MaxGap(s); err != nil || g != gap {
				t.Errorf("%s: %s's longest gap is %v (%v); the alert assumes %v", ex.name, s, g, err, gap)
			}
			m := strings.Fields(s)[0]
			if other, ok := minutes[m]; ok {
				t.Errorf("%s: %s and %s both start at minute %s", ex.name, other, cj.Name, m)
			}
			minutes[m] = cj.Name
		}
		if b.StaleAfterSeconds != int((gap + plan.BackupStaleMargin).Seconds()) {
			t.Errorf("%s: stale after %ds, want the longest gap %v plus %v", ex.name, b.StaleAfterSeconds, gap, plan.BackupStaleMargin)
		}
	}
	if ran == 0 {
		t.Fatal("no example backs up several control-plane nodes")
	}
}
