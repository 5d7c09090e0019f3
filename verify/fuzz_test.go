package verify

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// The allow-lists read files an attacker may have written, so they must
// answer every input with refusals, never a panic or a hang (a `{` alone on
// a line of keepalived.conf used to panic). Each fuzz test is seeded with
// the files of out/; the entries under testdata/fuzz/ are inputs the fuzzer
// found interesting, and `go test` replays them all.

// seedOut adds each file of out/ that matches one of the patterns.
func seedOut(f *testing.F, patterns ...string) {
	f.Helper()
	n := 0
	for _, dir := range outTrees(f) {
		for p, b := range readOut(f, dir) {
			for _, pat := range patterns {
				if ok, _ := filepath.Match(pat, p); ok {
					f.Add(b)
					n++
				}
			}
		}
	}
	if n == 0 {
		f.Fatalf("no file of out/ matches %v", patterns)
	}
}

// outTrees lists the trees under out/.
func outTrees(tb testing.TB) []string {
	tb.Helper()
	dirs, _ := filepath.Glob("../out/*")
	var out []string
	for _, d := range dirs {
		out = append(out, filepath.Base(d))
	}
	if len(out) == 0 {
		tb.Fatal("no trees under out/")
	}
	return out
}

// splitsLikeTheProgram checks that every line an allow-list accepted splits
// into the same words under Go's strings.Fields, which the checkers use,
// and under the ASCII blanks haproxy and keepalived split on.
func splitsLikeTheProgram(t *testing.T, cfg []byte) {
	t.Helper()
	for i, line := range strings.Split(string(cfg), "\n") {
		ascii := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' })
		if got := strings.Fields(line); strings.Join(got, "\x00") != strings.Join(ascii, "\x00") {
			t.Fatalf("line %d %q accepted, but splits into %q here and %q for the program", i+1, line, got, ascii)
		}
		for _, r := range line {
			if r >= utf8.RuneSelf {
				t.Fatalf("line %d %q accepted with a character outside ASCII", i+1, line)
			}
		}
	}
}

func FuzzHAProxyConfig(f *testing.F) {
	seedOut(f, "loadbalancer/haproxy.cfg")
	f.Add([]byte("global\n    maxconn\u00a020000\n"))
	f.Fuzz(func(t *testing.T, cfg []byte) {
		if len(checkHAProxyConfig("haproxy.cfg", cfg)) == 0 {
			splitsLikeTheProgram(t, cfg)
		}
	})
}

func FuzzKeepalivedConfig(f *testing.F) {
	seedOut(f, "loadbalancer/keepalived/*.conf")
	f.Add([]byte("{\n"))
	f.Add([]byte("vrrp_instance VI_1 {\n{\n}\n}\n"))
	f.Fuzz(func(t *testing.T, cfg []byte) {
		if len(checkKeepalivedConfig("keepalived.conf", cfg)) == 0 {
			splitsLikeTheProgram(t, cfg)
		}
	})
}

func FuzzKubeadmConfig(f *testing.F) {
	seedOut(f, "kubeadm/init/*.yaml", "kubeadm/join-*/*.yaml", "kubeadm/etcd/*.yaml")
	f.Fuzz(func(t *testing.T, cfg []byte) {
		filled := Fill(cfg)
		if len(checkKubeadmConfig("kubeadm.yaml", filled)) != 0 {
			return
		}
		// An accepted config is one verify goes on to confine and run.
		if _, err := confineDryRun(filled, "/tmp/verify"); err != nil {
			t.Fatalf("accepted, but confineDryRun fails: %v", err)
		}
	})
}

func FuzzPrometheusConfig(f *testing.F) {
	seedOut(f, "manifests/monitoring/prometheus/prometheus.yml")
	f.Fuzz(func(t *testing.T, cfg []byte) {
		checkPrometheusConfig("prometheus.yml", cfg)
	})
}
