package validate_test

import (
	"fmt"
	"testing"

	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

// TestKubernetesVersion: a release is taken as written; a minor, kubeadm's
// stable labels and an absent version resolve to the newest patch the
// table knows; anything else is refused.
func TestKubernetesVersion(t *testing.T) {
	newest := func(minor int) string {
		p, _ := spec.NewestPatch(minor)
		return fmt.Sprintf("1.%d.%d", minor, p)
	}
	top := newest(validate.MaxMinor)
	for written, want := range map[string]string{
		"1.37.2": "1.37.2", "v1.36.0": "1.36.0", "1.37.99": "1.37.99",
		"1.36": newest(36), "v1.35": newest(35), "stable-1.34": newest(34),
		"": top, "stable": top, "stable-1": top,
		"1.38": "1.38.0", // parsed; validate refuses the minor
	} {
		v, ok := validate.KubernetesVersion(written)
		if !ok || v.String() != want {
			t.Errorf("%q: got %s (ok %v), want %s", written, v, ok, want)
		}
		if full := written == "1.37.2" || written == "v1.36.0" || written == "1.37.99"; v.Resolved == full || (v.Resolution() == "") != full {
			t.Errorf("%q: resolved %v, resolution %q", written, v.Resolved, v.Resolution())
		}
	}
	for _, bad := range []string{"latest", "stable-2", "1", "1.037", "1.37.x", " 1.37", "stable-1.37.2", "v1.37.0-rc.1"} {
		if v, ok := validate.KubernetesVersion(bad); ok {
			t.Errorf("%q: accepted as %s", bad, v)
		}
	}
}
