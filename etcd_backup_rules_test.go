package blueprint_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestEtcdBackupAlerts runs `promtool test rules` on the rendered
// etcd-backup.rules.yml of every example with monitoring: each alert fires on
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
		rules, ok := ex.tree["manifests/monitoring/prometheus/etcd-backup.rules.yml"]
		if !ok {
			t.Fatalf("%s: monitoring and etcd backups, but no etcd-backup.rules.yml", ex.name)
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
`, job(stale), job(fresh), job(never), minutes+10, evalAt, b.Namespace, stale, never,
			fmt.Sprintf("%dh %dm 0s", minutes/60, minutes%60), b.StaleAfter)
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
