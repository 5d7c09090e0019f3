package spec_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/blueprint-dev/blueprint/spec"
)

func TestSuggest(t *testing.T) {
	cases := []struct {
		name       string
		candidates []string
		want       string
	}{
		{"cuont", []string{"count", "zone"}, "count"},
		{"AZ1", []string{"az1", "az2"}, "az1"},
		{"zone", []string{"count"}, ""},
		{"a", []string{"abcd"}, ""},
		{strings.Repeat("x", 300), []string{strings.Repeat("x", 299)}, ""},
	}
	for _, c := range cases {
		if got := spec.Suggest(c.name, c.candidates); got != c.want {
			t.Errorf("Suggest(%.10q, %.20q) = %q, want %q", c.name, c.candidates, got, c.want)
		}
	}
}

// TestSuggestIsCheap keeps a spec that names thousands of unknown zones
// among hundreds of thousands from taking minutes to validate.
func TestSuggestIsCheap(t *testing.T) {
	many := make([]string, 200000)
	for i := range many {
		many[i] = fmt.Sprintf("z%06d", i)
	}
	start := time.Now()
	for i := 0; i < 3000; i++ {
		spec.Suggest(fmt.Sprintf("q%06d", i), many)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("3000 suggestions took %v", took)
	}
}
