package rehearse

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blueprint-dev/blueprint/internal/hostsim"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

// load plans and renders a spec of blueprints/.
func load(t *testing.T, name string) (*plan.Plan, render.Tree) {
	t.Helper()
	path := filepath.Join("..", "blueprints", name)
	s, diags := spec.NewLoader().Load(path, spec.Options{})
	if s != nil {
		diags = append(diags, validate.Spec(s)...)
	}
	if diags.HasErrors() {
		t.Fatalf("%s: %v", path, diags)
	}
	p := plan.Build(s)
	tree, err := render.Render(p)
	if err != nil {
		t.Fatal(err)
	}
	return p, tree
}

// needRehearse skips without what a rehearsal needs (fails under CI=true).
func needRehearse(t *testing.T, p *plan.Plan) {
	t.Helper()
	if m := Missing(p, nil); len(m) > 0 {
		msg := "a rehearsal needs: " + strings.Join(m, "; ")
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg + " (CI=true makes this a failure)")
	}
}

// logWriter sends progress lines to the test log.
type logWriter struct {
	t  *testing.T
	mu sync.Mutex
}

func (w *logWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// budget is how long a full rehearsal of a spec may take on two cores
// shared with other work (measured: see the README); a test run that ends
// sooner skips it.
var budget = map[string]time.Duration{
	"ha.hcl":            25 * time.Minute,
	"external-etcd.hcl": 45 * time.Minute,
	"external-lb.hcl":   40 * time.Minute,
	"data-platform.hcl": 25 * time.Minute,
}

// needTime skips a test that cannot finish before the test binary's
// deadline (go test's default is 10 minutes; .ci/run gives 80).
func needTime(t *testing.T, d time.Duration) {
	t.Helper()
	if deadline, ok := t.Deadline(); ok && time.Until(deadline) < d {
		t.Skipf("a rehearsal takes up to %s here and this test run ends in %s: run go test -timeout 80m ./rehearse, as .ci/run does", d, time.Until(deadline).Round(time.Second))
	}
}

// machine is what a rehearsal must leave as it found it: the real
// machine's links, named network namespaces and mounts.
func machine(t *testing.T) string {
	t.Helper()
	links, err := exec.Command("ip", "-o", "link", "show").Output()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(string(links)), "\n") {
		if f := strings.Fields(line); len(f) > 1 {
			names = append(names, f[1])
		}
	}
	netns, _ := exec.Command("ip", "netns", "list").Output()
	mounts, _ := os.ReadFile("/proc/self/mountinfo")
	var ours []string
	for _, line := range strings.Split(string(mounts), "\n") {
		if strings.Contains(line, "blueprint-rehearse") || strings.Contains(line, " overlay ") {
			ours = append(ours, line)
		}
	}
	return "links: " + strings.Join(names, " ") + "\nnetns: " + strings.TrimSpace(string(netns)) + "\nmounts: " + strings.Join(ours, "\n")
}

// leftovers fails the test if a process of the hosts' process groups still
// runs, or has ended without this process (its parent) collecting it. A
// process of the groups whose parent died with it is collected by the
// machine's init, which under load can take a while: it is waited for (up
// to 15 s) and then only logged, since it runs nothing.
func leftovers(t *testing.T, pgids []int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var left []hostsim.Remain
	for i := 0; i < 300; i++ {
		if left = hostsim.Remains(pgids); len(left) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, p := range left {
		switch {
		case !p.Zombie:
			t.Errorf("process %d of a simulated host's process group %d still runs", p.PID, p.PGID)
		case p.PPID == os.Getpid():
			t.Errorf("process %d of a simulated host's process group %d ended, and rehearse never collected it", p.PID, p.PGID)
		default:
			t.Logf("process %d of process group %d ended and waits for its parent %d to collect it", p.PID, p.PGID, p.PPID)
		}
	}
}

// rehearse runs a rehearsal and checks that it cleaned up after itself:
// no process left in any process group of its hosts, the real machine's
// links, namespaces and mounts as they were, its work folder gone.
func rehearse(t *testing.T, p *plan.Plan, tree render.Tree, opts Options) *Report {
	t.Helper()
	before := machine(t)
	opts.Progress = &logWriter{t: t}
	r, err := Run(context.Background(), p, tree, opts)
	var out bytes.Buffer
	r.WriteText(&out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Errorf("rehearsal: %v", err)
	}
	if len(r.pgids) == 0 {
		t.Error("the report names no process group of the hosts")
	}
	leftovers(t, r.pgids)
	if after := machine(t); after != before {
		t.Errorf("the real machine changed:\nbefore %s\nafter  %s", before, after)
	}
	if r.workDir != "" {
		if _, err := os.Stat(r.workDir); err == nil {
			t.Errorf("work folder %s is still there", r.workDir)
		}
	}
	return r
}

// TestRehearse rehearses blueprints/ha.hcl and external-etcd.hcl (all the
// examples with BLUEPRINT_REHEARSE_ALL=1): every install step is performed
// or accounted for, the install checks pass, every row of the failure table
// and every component failure agrees with a drill, and the restore drill
// brings back what was there before the snapshot and nothing after it.
func TestRehearse(t *testing.T) {
	specs := []string{"ha.hcl", "external-etcd.hcl"}
	if os.Getenv("BLUEPRINT_REHEARSE_ALL") != "" {
		specs = append(specs, "external-lb.hcl", "data-platform.hcl")
	}
	for _, name := range specs {
		t.Run(name, func(t *testing.T) {
			p, tree := load(t, name)
			needRehearse(t, p)
			needTime(t, budget[name])
			r := rehearse(t, p, tree, Options{})
			if len(r.Failures) > 0 {
				t.Errorf("%d problems: %s", len(r.Failures), strings.Join(r.Failures, "\n"))
			}
			steps := 0
			for _, is := range p.Install {
				steps += len(is.Steps)
			}
			if len(r.Steps) != steps {
				t.Errorf("%d install steps reported, the plan has %d", len(r.Steps), steps)
			}
			for _, s := range r.Steps {
				if s.Disposition != Ran && s.Note == "" {
					t.Errorf("step %s (%s) is %s without saying why", s.Number, s.Purpose, s.Disposition)
				}
			}
			rows := map[string]bool{}
			for _, d := range r.Drills {
				for _, row := range d.Rows {
					rows[row.Row] = true
				}
			}
			for _, f := range p.Failures {
				if !rows["failure table: "+f.Lost] {
					t.Errorf("no drill answered the failure table's row %q", f.Lost)
				}
			}
			for _, c := range p.LB.ComponentFailures {
				if !rows["component failure: "+c.Component+" stopped on the VIP holder"] {
					t.Errorf("no drill stopped %s on the VIP holder", c.Component)
				}
			}
			if p.Etcd.Backup != nil && (r.Restore == nil || !r.Restore.OK) {
				t.Errorf("the restore drill did not pass: %+v", r.Restore)
			}
			for _, d := range r.Drills {
				if d.Takeover > 0 {
					t.Logf("benchmark %s: VIP taken over in %s (bound %s)", d.Scenario, d.Takeover, d.TakeoverBound)
				}
				if strings.HasPrefix(d.Scenario, "power off") {
					t.Logf("benchmark %s: longest gap between answers through the endpoint %s, %d of %d probes failed", d.Scenario, d.LongestGap, d.FailedProbes, d.Probes)
				}
			}
			t.Logf("benchmark %s: rehearsal took %s", name, r.Duration)
		})
	}
}

// TestRehearseWrongDesign shows that a drill fails a design that does not
// do what its plan says: keepalived's check weight (1) smaller than the gap
// between two peers' priorities (2), through a test-only change of the
// plan before rendering. Stopping HAProxy on the VIP holder fails the check,
// but the lowered priority stays above the next peer's, so the VIP stays on
// a host where nothing answers.
func TestRehearseWrongDesign(t *testing.T) {
	p, _ := load(t, "ha.hcl")
	needRehearse(t, p)
	needTime(t, 15*time.Minute)
	p.LB.CheckWeight = 1
	tree, err := render.Render(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(tree["loadbalancer/keepalived/kmaster1.conf"]), "weight -1\n") {
		t.Fatal("the override did not reach keepalived.conf")
	}
	r := rehearse(t, p, tree, Options{Drills: []string{"stop haproxy"}, NoRestore: true})
	if len(r.Drills) != 1 || len(r.Drills[0].Rows) != 1 {
		t.Fatalf("want one drill with one row, got %+v", r.Drills)
	}
	row := r.Drills[0].Rows[0]
	if row.Agrees || !strings.Contains(strings.Join(row.Disagrees, "; "), "VIP moved: measured false, the plan says true") {
		t.Errorf("the drill did not catch the wrong design: %+v", row)
	}
	if len(r.Failures) == 0 {
		t.Error("the rehearsal of a wrong design reported no failure")
	}
}

// TestCompareFlippedRow checks the comparison itself, without hosts: a
// measurement that matches a failure-table row agrees, and the same
// measurement against the row with one answer flipped does not.
func TestCompareFlippedRow(t *testing.T) {
	p, _ := load(t, "ha.hcl")
	e := &engine{p: p, byName: map[string]*simHost{}}
	row := p.Failures[0]
	d := DrillReport{EtcdAnswering: row.EtcdLeft, EtcdQuorum: row.EtcdQuorum, APIServers: row.APIServers,
		VIP: []string{"kmaster2"}, APIReachable: row.APIReachable, Writes: row.APIReachable}
	if got := e.compare(scenario{rows: []plan.Failure{row}}, &d); !got[0].Agrees {
		t.Fatalf("a matching measurement disagrees: %+v", got[0])
	}
	flipped := row
	flipped.APIReachable = !row.APIReachable
	got := e.compare(scenario{rows: []plan.Failure{flipped}}, &d)
	if got[0].Agrees || !strings.Contains(strings.Join(got[0].Disagrees, "; "), "API reachable through the endpoint") {
		t.Errorf("a flipped row agrees: %+v", got[0])
	}
	flipped = row
	flipped.EtcdLeft++
	if got := e.compare(scenario{rows: []plan.Failure{flipped}}, &d); got[0].Agrees {
		t.Errorf("a row with one more etcd member agrees: %+v", got[0])
	}
	// Requests failing longer than the row's bound disagree, whether in
	// one run or scattered.
	if row.RequestsMayFailFor == 0 {
		t.Fatalf("%s: the row states no bound on failing requests", row.Lost)
	}
	bound := time.Duration(row.RequestsMayFailFor * float64(time.Second))
	for _, late := range []DrillReport{
		{LongestWriteGap: bound + writeEvery + writeLimit + time.Second},
		{LongestWriteGap: time.Second, LastFailedWrite: bound + writeEvery + writeLimit + time.Second},
	} {
		m := d
		m.LongestWriteGap, m.LastFailedWrite = late.LongestWriteGap, late.LastFailedWrite
		if got := e.compare(scenario{rows: []plan.Failure{row}}, &m); got[0].Agrees || !strings.Contains(strings.Join(got[0].Disagrees, "; "), "the plan says") {
			t.Errorf("writes failing beyond %s agree: %+v", bound, got[0])
		}
	}
	m := d
	m.LongestWriteGap, m.LastFailedWrite = bound, bound
	if got := e.compare(scenario{rows: []plan.Failure{row}}, &m); !got[0].Agrees {
		t.Errorf("writes failing within %s disagree: %+v", bound, got[0])
	}
}

// TestRehearseDev is for development: BLUEPRINT_REHEARSE_DEV=1 rehearses
// BLUEPRINT_REHEARSE_DEV_SPEC (ha.hcl) with the drills named in
// BLUEPRINT_REHEARSE_DEV_DRILLS (comma-separated), keeping the work folder.
func TestRehearseDev(t *testing.T) {
	if os.Getenv("BLUEPRINT_REHEARSE_DEV") == "" {
		t.Skip("development run: set BLUEPRINT_REHEARSE_DEV=1")
	}
	spec := os.Getenv("BLUEPRINT_REHEARSE_DEV_SPEC")
	if spec == "" {
		spec = "ha.hcl"
	}
	p, tree := load(t, spec)
	needRehearse(t, p)
	var drills []string
	if d := os.Getenv("BLUEPRINT_REHEARSE_DEV_DRILLS"); d != "" {
		drills = strings.Split(d, ",")
	}
	r, err := Run(context.Background(), p, tree, Options{Progress: &logWriter{t: t}, Drills: drills, NoRestore: os.Getenv("BLUEPRINT_REHEARSE_DEV_NORESTORE") != "", Keep: true})
	var out bytes.Buffer
	r.WriteText(&out)
	t.Log(out.String())
	if err != nil {
		t.Fatal(err)
	}
}

// TestReportOutput writes a report as text and JSON: the tables name every
// drill row and its verdict, disagreements and notes are listed, and a
// control character from a name cannot reach the terminal.
func TestReportOutput(t *testing.T) {
	r := &Report{Cluster: "c\x1b[2J", Version: "v1.37.2",
		Hosts: []HostReport{{Name: "m1", Roles: []string{"control plane"}, Zone: "a", Address: "10.0.0.1", Interface: "eth0"}},
		Steps: []StepReport{{Number: "1.1", Host: "every host", Kind: "manual", Purpose: "packages", Disposition: Assumed, Note: "not here"}},
		Drills: []DrillReport{{Scenario: "power off node m1", VIPBefore: "m1", VIPPath: []string{"m2"}, VIP: []string{"m2"}, EtcdAnswering: 2, EtcdQuorum: true,
			APIServers: 2, APIReachable: true, Writes: true, LongestGap: 2 * time.Second, Takeover: 3 * time.Second, TakeoverBound: 3600 * time.Millisecond,
			Rows: []RowResult{{Row: "failure table: node m1", Agrees: false, Disagrees: []string{"etcd quorum: measured false, the plan says true"}}}}},
		Failures: []string{"drill disagrees"}}
	var text bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	out := text.String()
	for _, want := range []string{"Rehearsal of cluster c\\u001b[2J", "1.1", "assumed", "power off node m1", "m1→m2", "3s (≤3.6s)",
		"failure table: node m1", "DISAGREES power off node m1", "FAILED: 1 problems"} {
		if !strings.Contains(out, want) {
			t.Errorf("the text report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Error("the text report passes a control character through")
	}
	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Drills[0].Rows[0].Row != "failure table: node m1" || back.Drills[0].Takeover != 3*time.Second {
		t.Errorf("the JSON report does not read back: %v %+v", err, back.Drills)
	}
}

// TestMissingOtherVersion checks that a design of a Kubernetes version this
// machine has no binaries of is reported as not rehearsable, naming the
// version, while the same design at the installed version lacks nothing of
// that kind.
func TestMissingOtherVersion(t *testing.T) {
	p, _ := load(t, "ha.hcl")
	needRehearse(t, p)
	p.KubernetesVersion = "v1.36.4"
	m := strings.Join(Missing(p, nil), "\n")
	for _, want := range []string{"kube-apiserver v1.36.4", "kube-scheduler v1.36.4", "kubeadm v1.36.4", "not rehearsable"} {
		if !strings.Contains(m, want) {
			t.Errorf("a design of v1.36.4 is not reported as lacking %q:\n%s", want, m)
		}
	}
}
