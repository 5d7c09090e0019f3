package verify_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blueprint-dev/blueprint/verify"
)

// imagesTree is a tree with out/ha's images.txt and a static pod whose
// image is rewritten to foreign, plus whatever extra images.txt lines.
func imagesTree(t *testing.T, foreign string, extra ...string) string {
	t.Helper()
	list, err := os.ReadFile("../out/ha/images.txt")
	if err != nil {
		t.Fatal(err)
	}
	pod, err := os.ReadFile("../out/ha/loadbalancer/static-pods/haproxy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pod = []byte(strings.Replace(string(pod), `image: "docker.io/library/haproxy:2.8.16-alpine"`, `image: "`+foreign+`"`, 1))
	if !strings.Contains(string(pod), foreign) {
		t.Fatal("out/ha's haproxy static pod no longer has the image this test replaces")
	}
	return writeTree(t, map[string]string{
		"images.txt":                            string(list) + strings.Join(extra, "\n"),
		"loadbalancer/static-pods/haproxy.yaml": string(pod),
	})
}

// fakeTrivy writes a stand-in for trivy that logs every argument list to
// log and answers with script.
func fakeTrivy(t *testing.T, log, script string) func(string) (string, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "trivy")
	body := "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'Version: 0.99.0'; exit 0; fi\necho \"$@\" >> " + log + "\n" + script + "\n"
	if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return func(name string) (string, error) {
		if name == "trivy" {
			return path, nil
		}
		return "", errors.New(name + " left out of this test")
	}
}

func checksOf(rep verify.Report) map[string]verify.Check {
	out := map[string]verify.Check{}
	for _, c := range rep.Checks {
		if c.Name == "trivy image" {
			_, ref, _ := strings.Cut(c.Artifact, ": ")
			out[ref] = c
		}
	}
	return out
}

const foreignImage = "registry.evil.example/haproxy:2.8.16-alpine"

// TestImagesNotRunWithoutTrivy: without trivy every allowed image is "not
// run", as for the other programs, and an image from a registry the spec
// does not allow fails all the same, since it is refused before trivy.
func TestImagesNotRunWithoutTrivy(t *testing.T) {
	dir := imagesTree(t, foreignImage)
	o := verify.Options{Dir: dir, Images: true, LookPath: func(name string) (string, error) { return "", errors.New(name + " not found") }}
	rep, err := verify.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	checks := checksOf(rep)
	if len(checks) < 10 {
		t.Fatalf("want a scan per image, got %v", rep.Checks)
	}
	for ref, c := range checks {
		switch {
		case ref == foreignImage:
			if c.Result != verify.Failed || !strings.Contains(c.Output, "refused, never pulled") {
				t.Errorf("%s: want refused, got %s %s", ref, c.Result, c.Output)
			}
		case c.Result != verify.NotRun || c.Reason != "trivy not found":
			t.Errorf("%s: want not run (trivy not found), got %s %q", ref, c.Result, c.Reason)
		}
	}
	// Without --images, nothing is scanned.
	o.Images = false
	rep, err = verify.Run(context.Background(), o)
	if err != nil && !errors.Is(err, verify.ErrNotATree) {
		t.Fatal(err)
	}
	if n := len(checksOf(rep)); n != 0 {
		t.Errorf("verify without --images scanned %d images", n)
	}
}

// TestForeignImageNeverPulled runs a stand-in trivy: images of the allowed
// registries are handed to it and their HIGH and CRITICAL findings counted
// (a CRITICAL one fails); the image from another registry and a reference
// that is not one blueprint writes are never handed to it.
func TestForeignImageNeverPulled(t *testing.T) {
	log := filepath.Join(t.TempDir(), "trivy.log")
	const evilArg = "--config=/etc/passwd"
	dir := imagesTree(t, foreignImage, evilArg)
	script := `case "$*" in
*grafana*) echo '{"Results":[{"Vulnerabilities":[{"Severity":"HIGH"},{"Severity":"CRITICAL"},{"Severity":"HIGH"}]}]}';;
*) echo '{"Results":[{"Vulnerabilities":null}]}';;
esac`
	rep, err := verify.Run(context.Background(), verify.Options{Dir: dir, Images: true, LookPath: fakeTrivy(t, log, script)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	logged := string(b)
	for _, never := range []string{foreignImage, evilArg} {
		if strings.Contains(logged, never) {
			t.Errorf("trivy was handed %s:\n%s", never, logged)
		}
	}
	checks := checksOf(rep)
	if c := checks[evilArg]; c.Result != verify.Failed || !strings.Contains(c.Output, "not a fully qualified image reference") {
		t.Errorf("%s: want refused as no image reference, got %+v", evilArg, c)
	}
	if c := checks[foreignImage]; c.Result != verify.Failed || !strings.Contains(c.Output, "refused, never pulled") {
		t.Errorf("%s: want refused, got %+v", foreignImage, c)
	}
	if c := checks["docker.io/grafana/grafana:12.2.1"]; c.Result != verify.Failed || c.Output != "HIGH 2, CRITICAL 1" {
		t.Errorf("grafana: want failed with HIGH 2, CRITICAL 1, got %+v", c)
	}
	if c := checks["quay.io/prometheus/prometheus:v3.16.0"]; c.Result != verify.Passed || c.Output != "HIGH 0, CRITICAL 0" {
		t.Errorf("prometheus: want passed with HIGH 0, CRITICAL 0, got %+v", c)
	}
	if !strings.Contains(logged, "image --quiet --format json --scanners vuln --severity HIGH,CRITICAL -- quay.io/prometheus/prometheus:v3.16.0") {
		t.Errorf("trivy's arguments:\n%s", logged)
	}
}

// TestImagesOffline: a trivy that cannot reach the network reports "not
// run", as a missing program does, not a failure.
func TestImagesOffline(t *testing.T) {
	log := filepath.Join(t.TempDir(), "trivy.log")
	dir := imagesTree(t, "docker.io/library/haproxy:2.8.16-alpine")
	script := `echo 'FATAL init error: DB error: failed to download vulnerability DB: dial tcp: lookup mirror.gcr.io: no such host' >&2; exit 1`
	rep, err := verify.Run(context.Background(), verify.Options{Dir: dir, Images: true, LookPath: fakeTrivy(t, log, script)})
	if err != nil {
		t.Fatal(err)
	}
	for ref, c := range checksOf(rep) {
		if c.Result != verify.NotRun || !strings.HasPrefix(c.Reason, "no network") {
			t.Errorf("%s: want not run (no network), got %s %q %q", ref, c.Result, c.Reason, c.Output)
		}
	}
}
