package templates

import (
	"encoding/json"
	"testing"

	"github.com/blueprint-dev/blueprint/internal/escape"
)

// yamlString's shortcut writes exactly what its general path writes.
func TestYAMLStringShortcutMatchesJSON(t *testing.T) {
	general := func(s string) string {
		b, _ := json.Marshal(s)
		return escape.Hidden(string(b))
	}
	inputs := []string{"", "worker01", "10.0.0.1:6443", "a b", `a"b`, `a\b`, "<x>", "a&b", "\u00e9", "\u2028", "${KUBEADM_TOKEN}"}
	for c := 0; c < 256; c++ {
		inputs = append(inputs, string([]byte{'x', byte(c), 'y'}))
	}
	for _, s := range inputs {
		if got, want := yamlString(s), general(s); got != want {
			t.Errorf("yamlString(%q) = %s, want %s", s, got, want)
		}
	}
}
