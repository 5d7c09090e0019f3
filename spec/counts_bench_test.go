package spec

import (
	"os"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// BenchmarkCountVariables measures the walk that finds the variables a
// spec counts with, beside BenchmarkLoadDataPlatform, the whole load it is part of.
func BenchmarkCountVariables(b *testing.B) {
	src, err := os.ReadFile("../blueprints/data-platform.hcl")
	if err != nil {
		b.Fatal(err)
	}
	l := NewLoader()
	f, diags := l.parse(src, "data-platform.hcl")
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	b.ReportAllocs()
	for b.Loop() {
		countVariables([]*hcl.File{f})
	}
}

func BenchmarkLoadDataPlatform(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, diags := NewLoader().Load("../blueprints/data-platform.hcl", Options{}); diags.HasErrors() {
			b.Fatal(diags)
		}
	}
}
