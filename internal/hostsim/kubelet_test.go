package hostsim

import (
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// pod is a static pod of busybox that records its version and pid through
// a host-path mount, then sleeps.
func pod(name, image, version string, hostNetwork bool) string {
	return `apiVersion: v1
kind: Pod
metadata: {name: ` + name + `, namespace: kube-system}
spec:
  hostNetwork: ` + strconv.FormatBool(hostNetwork) + `
  containers:
  - name: main
    image: ` + image + `
    command: [sh, -c, 'echo ` + version + ` $$ > /data/state; exec sleep 600']
    volumeMounts:
    - {name: data, mountPath: /data}
  volumes:
  - name: data
    hostPath: {path: /var/lib/sleeper, type: DirectoryOrCreate}
`
}

// eventually polls cond every 50 ms for up to 20 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; i < 400 && time.Now().Before(deadline); i++ {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("not within 20 s: %s", what)
}

// TestKubelet runs static pods with the stand-in kubelet: it starts them
// with their host-path mounts, restarts a container that dies after the
// back-off, keeps a held pod down, replaces a pod whose manifest changed,
// stops one whose manifest went, and refuses what it cannot run.
func TestKubelet(t *testing.T) {
	needLab(t)
	lab, err := New(Options{WorkDir: filepath.Join(t.TempDir(), "lab")})
	if err != nil {
		t.Fatal(err)
	}
	defer lab.Close()
	h, err := lab.AddHost(HostSpec{Name: "node1", Address: "10.98.0.1", Prefix: netip.MustParsePrefix("10.98.0.0/24"), Gateway: "10.98.0.254"})
	if err != nil {
		t.Fatal(err)
	}
	k := h.StartKubelet(KubeletOptions{Images: &Images{}, BackoffInitial: 300 * time.Millisecond})
	defer k.Stop()
	manifests := h.Path(ManifestsDir)
	if err := os.MkdirAll(manifests, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(file, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(manifests, file), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	state := func() (string, int) {
		b, _ := os.ReadFile(h.Path("/var/lib/sleeper/state"))
		f := strings.Fields(string(b))
		if len(f) != 2 {
			return "", 0
		}
		pid, _ := strconv.Atoi(f[1])
		return f[0], pid
	}
	write("sleeper.yaml", pod("sleeper", "docker.io/library/busybox:1.37.0", "v1", true))
	eventually(t, "the pod runs and writes through its mount", func() bool { v, pid := state(); return k.Running("sleeper") && v == "v1" && pid > 0 })

	_, pid := state()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the container is started again after it died", func() bool { _, p := state(); return p != pid && k.Running("sleeper") })
	if n := k.Restarts("sleeper"); n != 1 {
		t.Errorf("%d restarts, want 1", n)
	}

	k.Hold("sleeper")
	if k.Running("sleeper") {
		t.Error("a held pod still runs")
	}
	time.Sleep(time.Second) // more than the back-off: a held pod stays down
	if k.Running("sleeper") {
		t.Error("a held pod was started again")
	}
	k.Release("sleeper")
	eventually(t, "a released pod runs again", func() bool { return k.Running("sleeper") })

	write("sleeper.yaml", pod("sleeper", "docker.io/library/busybox:1.37.0", "v2", true))
	eventually(t, "a changed manifest replaces the pod", func() bool { v, _ := state(); return v == "v2" && k.Running("sleeper") })
	_, pid = state()

	write("unknown.yaml", pod("unknown", "registry.example.com/app:1.0", "x", true))
	write("podnet.yaml", pod("podnet", "docker.io/library/busybox:1.37.0", "x", false))
	eventually(t, "pods the stand-in cannot run are refused", func() bool { return len(k.Refusals()) == 2 })
	r := strings.Join(k.Refusals(), "\n")
	for _, want := range []string{"registry.example.com/app:1.0: no program of this machine stands in for it", "not on the host network"} {
		if !strings.Contains(r, want) {
			t.Errorf("refusals do not say %q:\n%s", want, r)
		}
	}

	if err := os.Remove(filepath.Join(manifests, "sleeper.yaml")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a removed manifest stops its pod", func() bool { return syscall.Kill(pid, 0) != nil })
}
