package state

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

// TestRoundTrip: a rendered state decodes strictly and encodes to the same
// bytes.
func TestRoundTrip(t *testing.T) {
	for _, name := range []string{"ha", "external-etcd", "external-lb", "data-platform"} {
		b, err := os.ReadFile("../out/" + name + "/" + FileName)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Decode(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		again, err := Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, again) {
			t.Errorf("%s: encoding the decoded state changes its bytes", name)
		}
		if len(s.Machines) == 0 || len(s.ControlPlane) == 0 || s.Kubernetes.EtcdVersion == "unknown" {
			t.Errorf("%s: state misses machines, components or the etcd version: %+v", name, s.Kubernetes)
		}
	}
}

// TestDecodeRefuses: what no render writes is refused, with a message that
// says what to do.
func TestDecodeRefuses(t *testing.T) {
	good, err := os.ReadFile("../out/ha/" + FileName)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct{ data, want string }{
		"other kind":      {`{"kind":"Pod","version":1}`, "not a blueprint state file"},
		"newer version":   {`{"kind":"BlueprintState","version":2}`, "newer than this blueprint reads"},
		"older version":   {`{"kind":"BlueprintState","version":0}`, "render the folder again"},
		"unknown field":   {strings.Replace(string(good), `"cluster":`, `"owner": "x", "cluster":`, 1), `unknown field "owner"`},
		"trailing data":   {string(good) + "{}", "not valid JSON"},
		"twice a machine": {strings.Replace(string(good), `"name": "kafka-az2-1"`, `"name": "kafka-az1-1"`, 1), "listed twice"},
		"wrong type":      {strings.Replace(string(good), `"version": 1,`, `"version": 1, "machines": 3,`, 1), "cannot unmarshal"},
	}
	for name, tc := range cases {
		_, err := Decode([]byte(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", name, err, tc.want)
		}
	}
	var ve *VersionError
	if _, err := Decode([]byte(`{"kind":"BlueprintState","version":7}`)); !errors.As(err, &ve) || ve.Version != 7 {
		t.Errorf("a newer version is a *VersionError: %v", err)
	}
	if _, err := Decode(make([]byte, MaxSize+1)); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("oversized state: %v", err)
	}
}
