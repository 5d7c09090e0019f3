//go:build unix

package pipeline_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// fakeHDFS stands in for the hdfs command: "hdfs haadmin" as Hadoop 3.4's
// HAAdmin, DFSHAAdmin and FailoverController behave with automatic failover
// off and the no-op fencing of hdfs-site.xml. The NameNodes' states are
// files $FAKE_HA/nn0 and nn1 (active, standby or down); every call is
// logged to $FAKE_HA/calls with the pod it came from.
//
//   - -getServiceState ID prints the state; a NameNode that is down gives
//     "Operation failed" and exit 255 (HAAdmin.run catches the IOException).
//   - -transitionToActive ID without --forceactive first asks the other
//     NameNode (isOtherTargetNodeActive): unreachable ("Unexpected error
//     occurred") or active ("is already active") refuses with exit 255.
//   - -failover FROM TO refuses when TO is down or active, or a standby in
//     safe mode, which NameNode.getServiceStatus reports as not ready to
//     become active (FailoverController.preFailoverChecks; --forceactive
//     overrides only that); else it makes FROM standby if it answers
//     (graceful fence), else fences it with the no-op, and makes TO active.
//
// "hdfs dfsadmin -fs hdfs://127.0.0.1:PORT -safemode get" answers for the
// pod's own NameNode: "Safe mode is ON" or "OFF" (an unchecked operation, so
// a standby answers too), or a connection error when it is down. Safe mode
// is the file $FAKE_HA/nnX.safemode: absent or "off", "on", or "on N": on,
// and off once N -failover calls have been refused for it (the block
// reports arriving while the caller retries).
const fakeHDFS = `#!/bin/sh
echo "$HOSTNAME $*" >> "$FAKE_HA/calls"
st() { cat "$FAKE_HA/$1"; }
other() { if [ "$1" = nn0 ]; then echo nn1; else echo nn0; fi; }
refused() {
  echo "Operation failed: Call From $HOSTNAME to $1:8020 failed on connection exception: java.net.ConnectException: Connection refused" >&2
  exit 255
}
safemode() {
  sm=$(cat "$FAKE_HA/$1.safemode" 2>/dev/null) || sm=off
  case "$sm" in off) echo off ;; *) echo on ;; esac
}
if [ "$1" = dfsadmin ]; then
  [ "$2 $4 $5" = "-fs -safemode get" ] || { echo "fake hdfs: dfsadmin $* is not modelled" >&2; exit 2; }
  case "$3" in hdfs://127.0.0.1:*) ;; *) echo "fake hdfs: dfsadmin asks $3, not this pod's NameNode" >&2; exit 2 ;; esac
  id=nn${HOSTNAME##*-}
  [ "$(st "$id")" = down ] && { echo "safemode: Call From $HOSTNAME to 127.0.0.1:8020 failed on connection exception" >&2; exit 255; }
  if [ "$(safemode "$id")" = on ]; then echo "Safe mode is ON"; else echo "Safe mode is OFF"; fi
  exit 0
fi
[ "$1" = haadmin ] || { echo "fake hdfs: only haadmin and dfsadmin -safemode" >&2; exit 2; }
shift
case "$1" in
  -getServiceState)
    [ "$(st "$2")" = down ] && refused "$2"
    st "$2"
    ;;
  -transitionToActive)
    force=
    if [ "$2" = --forceactive ]; then force=1; shift; fi
    id=$2
    o=$(other "$id")
    if [ -z "$force" ]; then
      case "$(st "$o")" in
        down) echo "Unexpected error occurred  Call From $HOSTNAME to $o:8020 failed on connection exception" >&2; exit 255 ;;
        active) echo "transitionToActive: Node $o is already active" >&2; exit 255 ;;
      esac
    fi
    [ "$(st "$id")" = down ] && refused "$id"
    echo active > "$FAKE_HA/$id"
    ;;
  -failover)
    shift
    force=
    while [ "$1" = --forcefence ] || [ "$1" = --forceactive ]; do
      [ "$1" = --forceactive ] && force=1
      shift
    done
    from=$1 to=$2
    case "$(st "$to")" in
      down) echo "Failover failed: Call From $HOSTNAME to $to:8020 failed on connection exception" >&2; exit 255 ;;
      active) echo "Failover failed: Can't failover to an active service" >&2; exit 255 ;;
    esac
    if [ -z "$force" ] && [ "$(safemode "$to")" = on ]; then
      set -- $(cat "$FAKE_HA/$to.safemode")
      if [ -n "${2:-}" ]; then
        if [ "$2" -le 1 ]; then echo off; else echo "on $(($2 - 1))"; fi > "$FAKE_HA/$to.safemode"
      fi
      echo "Failover failed: $to is not ready to become active: The NameNode is in safemode." >&2
      exit 255
    fi
    [ "$(st "$from")" = down ] || echo standby > "$FAKE_HA/$from"
    echo active > "$FAKE_HA/$to"
    echo "Failover from $from to $to successful"
    ;;
  *) echo "fake hdfs: haadmin $1 is not modelled" >&2; exit 2 ;;
esac
`

// haWorld is the two NameNodes as the fake hdfs sees them.
type haWorld struct {
	t   *testing.T
	dir string
}

func (w haWorld) set(id, state string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.dir, id), []byte(state+"\n"), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

// safemode sets a NameNode's safe mode: off, on, or "on N" (see fakeHDFS).
func (w haWorld) safemode(id, mode string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.dir, id+".safemode"), []byte(mode+"\n"), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

func (w haWorld) get(id string) string {
	w.t.Helper()
	b, err := os.ReadFile(filepath.Join(w.dir, id))
	if err != nil {
		w.t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func (w haWorld) states() string { return "nn0 " + w.get("nn0") + ", nn1 " + w.get("nn1") }

// calls counts the haadmin calls a pod made, with an argument if given.
func (w haWorld) calls(pod, arg string) int {
	w.t.Helper()
	b, err := os.ReadFile(filepath.Join(w.dir, "calls"))
	if err != nil && !os.IsNotExist(err) {
		w.t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, pod+" ") && strings.Contains(line, arg) {
			n++
		}
	}
	return n
}

// rounds waits until each pod's watch loop has asked for states n more
// times: enough rounds for it to have acted on what it saw.
func (w haWorld) rounds(n int, pods ...string) {
	w.t.Helper()
	start := map[string]int{}
	for _, p := range pods {
		start[p] = w.calls(p, "-getServiceState")
	}
	deadline := time.Now().Add(15 * time.Second)
	for _, p := range pods {
		for w.calls(p, "-getServiceState") < start[p]+2*n {
			if time.Now().After(deadline) {
				w.t.Fatalf("%s's watch loop made no progress within 15 s (%s)", p, w.states())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// until waits, at most 15 s, for the NameNodes to reach the wanted states.
func (w haWorld) until(nn0, nn1, what string) {
	w.t.Helper()
	for deadline := time.Now().Add(15 * time.Second); w.get("nn0") != nn0 || w.get("nn1") != nn1; {
		if time.Now().After(deadline) {
			w.t.Fatalf("%s: want nn0 %s, nn1 %s within 15 s; have %s", what, nn0, nn1, w.states())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// holds checks that the states stay as they are over a few rounds.
func (w haWorld) holds(nn0, nn1, what string, pods ...string) {
	w.t.Helper()
	w.rounds(4, pods...)
	if w.get("nn0") != nn0 || w.get("nn1") != nn1 {
		w.t.Errorf("%s: want nn0 %s, nn1 %s; have %s", what, nn0, nn1, w.states())
	}
}

// TestHDFSNameNodeActivation runs namenode-ha.sh as rendered, both
// NameNode pods' watch loops at once (every 50 ms) and the preStop
// handover, against the fake hdfs, through the cases ARCHITECTURE.md and
// namenode.yaml describe. The previous design ran one check and one
// transitionToActive when namenode-0 started: on a first install namenode-1
// was still copying the namespace, HAAdmin refused, and both NameNodes
// stayed standby for good (this test's first case).
func TestHDFSNameNodeActivation(t *testing.T) {
	var c hsCase
	for _, hc := range hsCases(t) {
		if hc.plan.Workloads.HDFS.HA {
			c = hc
		}
	}
	if c.plan == nil {
		t.Fatal("no HDFS spec with namenode_ha among the test specs")
	}
	h := c.plan.Workloads.HDFS
	nn := hsObject[appsv1.StatefulSet](t, c, h.Namespace, "namenode")
	checkNameNodePod(t, nn.Spec.Template.Spec)
	var script []byte
	for _, cm := range hsObjects[corev1.ConfigMap](c) {
		if strings.HasPrefix(cm.Name, "hdfs-config") {
			script = []byte(cm.Data["namenode-ha.sh"])
		}
	}
	if len(script) == 0 {
		t.Fatal("ConfigMap hdfs-config has no namenode-ha.sh")
	}
	for _, sh := range scriptShells(t) {
		t.Run(sh.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "namenode-ha.sh")
			if err := os.WriteFile(path, script, 0o755); err != nil {
				t.Fatal(err)
			}
			fake := filepath.Join(dir, "hdfs")
			if err := os.WriteFile(fake, []byte(fakeHDFS), 0o755); err != nil {
				t.Fatal(err)
			}
			w := haWorld{t, dir}
			env := func(pod string) []string {
				return []string{"HOSTNAME=" + pod, "HDFS=" + fake, "FAKE_HA=" + dir, "HA_INTERVAL=0.05",
					"HA_RETRY=0.05", "HA_READY_FILE=" + filepath.Join(dir, pod+".ready")}
			}
			// handover runs the preStop hook of a pod's namenode container,
			// which tries for at most window seconds: long enough, where a
			// case bounds the attempts itself, for a loaded machine.
			handoverWithin := func(pod string, window int) string {
				env := append(env(pod), fmt.Sprintf("HA_HANDOVER_SECONDS=%d", window))
				out, code := runScript(t, sh, path, env, "", time.Duration(window+60)*time.Second, "handover")
				if code != 0 {
					t.Errorf("handover in %s exited %d: the preStop hook must not fail the stop:\n%s", pod, code, out)
				}
				return out
			}
			handover := func(pod string) string { return handoverWithin(pod, 60) }
			// ready runs the readiness probe of a pod's namenode container.
			ready := func(pod string) (bool, string) {
				out, code := runScript(t, sh, path, env(pod), "", 20*time.Second, "ready")
				return code == 0, out
			}
			// becomesReady waits, at most 15 s, for a pod's probe to pass, as
			// the StatefulSet controller waits before it goes on with a roll.
			becomesReady := func(pod, what string) {
				t.Helper()
				for deadline := time.Now().Add(15 * time.Second); ; {
					ok, out := ready(pod)
					if ok {
						return
					}
					if time.Now().After(deadline) {
						t.Fatalf("%s: %s is not Ready within 15 s (%s): %s", what, pod, w.states(), out)
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
			both := []string{"namenode-0", "namenode-1"}

			// First install: namenode-0 formats and starts; namenode-1
			// answers only once it has copied the namespace from it.
			w.set("nn0", "down")
			w.set("nn1", "down")
			watch0 := startScript(t, sh, path, env("namenode-0"), "watch")
			watch1 := startScript(t, sh, path, env("namenode-1"), "watch")
			w.set("nn0", "standby")
			w.holds("standby", "down", "first install, namenode-1 still copying", both...)
			if n := w.calls("namenode-0", "-transitionToActive"); n != 0 {
				t.Errorf("first install: namenode-0 tried -transitionToActive %d times while namenode-1 could not answer; HAAdmin refuses that", n)
			}
			w.set("nn1", "standby")
			w.until("active", "standby", "first install, both NameNodes answer standby")
			w.holds("active", "standby", "first install, once active", both...)

			becomesReady("namenode-0", "first install, namenode-0 active")
			becomesReady("namenode-1", "first install, namenode-1 standby out of safe mode")
			// A verdict the container ha wrote long ago (it hangs, or was
			// stopped) does not count.
			old := filepath.Join(dir, "old.ready")
			if err := os.WriteFile(old, []byte("1 ready\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, code := runScript(t, sh, path, append(env("namenode-0"), "HA_READY_FILE="+old), "", 20*time.Second, "ready"); code == 0 || !strings.Contains(out, "last checked") {
				t.Errorf("a verdict written at the epoch must fail the probe, saying so; exit %d: %s", code, out)
			}

			// A rolling update restarts namenode-1 (standby), waits for it
			// to be Ready, then restarts namenode-0 (active), whose preStop
			// hands over first. namenode-1 comes back in safe mode (until
			// the block reports and dfs.namenode.safemode.extension), when
			// haadmin -failover refuses it: it must not be Ready then, or
			// the roll would stop namenode-0 with nobody to take over.
			w.set("nn1", "down")
			w.holds("active", "down", "restart of the standby namenode-1", both...)
			if ok, _ := ready("namenode-1"); ok {
				t.Error("namenode-1 is down, but its readiness probe passes")
			}
			w.safemode("nn1", "on")
			w.set("nn1", "standby")
			w.holds("active", "standby", "namenode-1 back, in safe mode", both...)
			if ok, out := ready("namenode-1"); ok {
				t.Error("namenode-1 is a standby in safe mode, which haadmin -failover refuses, but its readiness probe passes: the rolling update would stop namenode-0 now")
			} else if !strings.Contains(out, "safe mode") {
				t.Errorf("namenode-1's readiness probe does not say it waits for safe mode to end: %q", out)
			}
			if ok, out := ready("namenode-0"); !ok {
				t.Errorf("the active namenode-0 must stay Ready while namenode-1 is in safe mode: %s", out)
			}
			w.safemode("nn1", "off")
			becomesReady("namenode-1", "namenode-1 out of safe mode")
			if out := handover("namenode-0"); !strings.Contains(out, "failing over to nn1") {
				t.Errorf("handover in namenode-0 while active: want a failover to nn1, got:\n%s", out)
			}
			w.until("standby", "active", "preStop of the active namenode-0")
			w.set("nn0", "down")
			w.holds("down", "active", "namenode-0 restarting", both...)
			w.set("nn0", "standby")
			w.holds("standby", "active", "namenode-0 back after a handover", both...)

			// The pod of the active NameNode is deleted (kubectl delete pod
			// passes by the budget) while the other is still in safe mode:
			// the handover tries again until the other leaves it.
			handover("namenode-1")
			w.until("active", "standby", "preStop of the active namenode-1")
			w.safemode("nn1", "on 3")
			if out := handover("namenode-0"); !strings.Contains(out, "failover to nn1 failed") {
				t.Errorf("handover while nn1 is in safe mode: want a refused failover first, got:\n%s", out)
			}
			w.until("standby", "active", "preStop of the active namenode-0 while nn1 leaves safe mode")
			if n := w.calls("namenode-0", "-failover"); n < 4 {
				t.Errorf("handover while nn1 is in safe mode: %d -failover calls, want at least 4 (three refused, then one that works)", n)
			}

			// namenode-1 (now active) stops the same way.
			handover("namenode-1")
			w.until("active", "standby", "preStop of the active namenode-1")
			if out := handover("namenode-1"); strings.Contains(out, "failing over") {
				t.Errorf("handover in a standby namenode-1 must do nothing, got:\n%s", out)
			}
			w.holds("active", "standby", "handover of a standby", both...)

			// The active NameNode (namenode-0, or namenode-1 after a manual
			// failover) dies without a handover: nobody can take over (the
			// alert fires) until it is back; then namenode-0 is made active.
			for _, lost := range []string{"nn0", "nn1"} {
				survivor := map[string]string{"nn0": "nn1", "nn1": "nn0"}[lost]
				w.set(survivor, "standby")
				w.set(lost, "active")
				w.set(lost, "down")
				want := map[string]string{lost: "down", survivor: "standby"}
				w.holds(want["nn0"], want["nn1"], "active "+lost+" lost", both...)
				w.set(lost, "standby")
				w.until("active", "standby", lost+" back after a crash")
			}

			// The active NameNode's pod stops while the other does not
			// answer: the handover waits HA_HANDOVER_SECONDS, then lets
			// the pod stop.
			w.set("nn0", "active")
			w.set("nn1", "down")
			if out := handoverWithin("namenode-0", 1); !strings.Contains(out, "gave up after 1 s") {
				t.Errorf("handover while nn1 is down: want it to give up after its window, got:\n%s", out)
			}
			if w.get("nn0") != "active" {
				t.Errorf("a handover that gave up must leave nn0 as it was: %s", w.states())
			}

			// The other NameNode's pod is gone for good: the survivor
			// waits, and the operator fails over by hand.
			w.set("nn0", "standby")
			w.set("nn1", "down")
			before := w.calls("namenode-0", "-transitionToActive")
			w.holds("standby", "down", "namenode-1 absent", both...)
			if n := w.calls("namenode-0", "-transitionToActive") - before; n != 0 {
				t.Errorf("namenode-1 absent: namenode-0 tried -transitionToActive %d times; HAAdmin refuses while it cannot reach nn1", n)
			}
			if out := watch0(); !strings.Contains(out, "nn1 does not answer") {
				t.Errorf("namenode-0's watch loop does not say what it waits for:\n%s", out)
			}

			// namenode-0's own watch loop is not running: namenode-1 steps
			// in after three rounds of seeing both standby.
			w.set("nn1", "standby")
			w.until("standby", "active", "only namenode-1's watch loop runs")
			watch1()
		})
	}
}

// checkNameNodePod checks how the NameNode pod runs namenode-ha.sh: the
// container "ha" watches, the namenode container's preStop hands over,
// with time for it, and readiness means serving, active or standby.
func checkNameNodePod(t *testing.T, pod corev1.PodSpec) {
	t.Helper()
	var namenode, ha *corev1.Container
	for i := range pod.Containers {
		switch pod.Containers[i].Name {
		case "namenode":
			namenode = &pod.Containers[i]
		case "ha":
			ha = &pod.Containers[i]
		}
	}
	if namenode == nil || ha == nil {
		t.Fatalf("the NameNode pod needs the containers namenode and ha, has %d containers", len(pod.Containers))
	}
	script := "/etc/hadoop/namenode-ha.sh"
	if !slices.Equal(ha.Command, []string{"/bin/sh", script, "watch"}) {
		t.Errorf("container ha runs %v, want %s watch", ha.Command, script)
	}
	if ha.ReadinessProbe != nil || ha.LivenessProbe != nil {
		t.Error("container ha must not decide the pod's readiness")
	}
	if l := namenode.Lifecycle; l == nil || l.PreStop == nil || l.PreStop.Exec == nil ||
		!slices.Equal(l.PreStop.Exec.Command, []string{"/bin/sh", script, "handover"}) {
		t.Errorf("the namenode container's preStop must run %s handover, got %+v", script, namenode.Lifecycle)
	}
	if g := pod.TerminationGracePeriodSeconds; g == nil || *g < 75+60+30 {
		grace := "unset"
		if g != nil {
			grace = fmt.Sprint(*g)
		}
		t.Errorf("terminationGracePeriodSeconds %s leaves too little time for the handover's attempts (75 s), one more failover (a 60 s RPC timeout) and a clean stop", grace)
	}
	rp := namenode.ReadinessProbe
	if rp == nil || rp.Exec == nil || !slices.Equal(rp.Exec.Command, []string{"/bin/sh", script, "ready"}) {
		t.Errorf("the NameNode's readiness must be %s ready (active, or a standby out of safe mode), got %+v", script, rp)
	}
	if fmt.Sprint(namenode.Command) != "[/opt/hadoop/bin/hdfs namenode]" {
		t.Errorf("the namenode container runs %v; activation belongs to namenode-ha.sh", namenode.Command)
	}
	checkNameNodeMemory(t, namenode)
}

// checkNameNodeMemory checks that the hdfs haadmin JVMs the preStop hook
// starts in the namenode container fit beside the NameNode: its heap, a
// quarter more for what a JVM holds beside its heap (metaspace, code cache,
// thread stacks, the collector's own structures), and the client's heap
// plus 128 MiB for its own must stay within the container's limit.
func checkNameNodeMemory(t *testing.T, c *corev1.Container) {
	t.Helper()
	heap := func(name string) int64 {
		for _, e := range c.Env {
			if e.Name != name {
				continue
			}
			for _, f := range strings.Fields(e.Value) {
				if v, ok := strings.CutPrefix(f, "-Xmx"); ok {
					// Java's k, m, g are powers of 1024.
					q, err := resource.ParseQuantity(v[:len(v)-1] + strings.ToUpper(v[len(v)-1:]) + "i")
					if err != nil {
						t.Fatalf("%s: cannot read %s: %v", name, f, err)
					}
					return q.Value()
				}
			}
		}
		t.Fatalf("the namenode container sets no -Xmx in %s", name)
		return 0
	}
	nn, client := heap("HDFS_NAMENODE_OPTS"), heap("HADOOP_CLIENT_OPTS")
	limit := c.Resources.Limits.Memory().Value()
	need := nn + nn/4 + client + 128<<20
	if need > limit {
		t.Errorf("the namenode container's limit %d MiB is below the NameNode's heap %d MiB + a quarter + a client JVM's heap %d MiB + 128 MiB = %d MiB: the preStop hook's JVM could get the NameNode killed",
			limit>>20, nn>>20, client>>20, need>>20)
	}
	for _, e := range c.Env {
		if e.Name == "HADOOP_CLIENT_OPTS" && !strings.Contains(e.Value, "-XX:+UseSerialGC") {
			t.Error("HADOOP_CLIENT_OPTS of the namenode container: a client JVM beside the NameNode should use the serial collector (fewer threads, less memory)")
		}
	}
}
