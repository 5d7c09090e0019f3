package spec_test

import (
	"fmt"
	"strings"
	"testing"

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
// among hundreds of thousands from taking minutes to validate: past a
// thousand candidates Suggest gives up at once, even when one is a near
// match, and a long name is never compared. BenchmarkSuggest measures the
// cost of a search it does make.
func TestSuggestIsCheap(t *testing.T) {
	many := make([]string, 200000)
	for i := range many {
		many[i] = fmt.Sprintf("z%06d", i)
	}
	if got := spec.Suggest("y000999", many); got != "" {
		t.Errorf("Suggest over %d candidates = %q; want it to give up", len(many), got)
	}
	if got := spec.Suggest("y000999", many[:1000]); got != "z000999" {
		t.Errorf("Suggest over 1000 candidates = %q; want z000999", got)
	}
	long := strings.Repeat("z", 300)
	if got := spec.Suggest(long, []string{long + "x"}); got != "" {
		t.Errorf("Suggest for a %d-character name = %q; want it to give up", len(long), got)
	}
}

// BenchmarkSuggest is the largest search Suggest makes: 1000 candidates.
func BenchmarkSuggest(b *testing.B) {
	names := make([]string, 1000)
	for i := range names {
		names[i] = fmt.Sprintf("z%06d", i)
	}
	b.ReportAllocs()
	for b.Loop() {
		spec.Suggest("q000500", names)
	}
}
