//go:build linux

package pipeline_test

import (
	"testing"

	"github.com/blueprint-dev/blueprint/forecast"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

// The capacity forecast's benchmarks: the placement of every pod on the
// intact cluster and after every zone loss and each pool's busiest node
// lost, for blueprints/ha.hcl and for blueprints/data-platform.hcl grown to
// 500 to 5,000 machines by largeSpec (every service on). Rendering, which
// gives the forecast its objects, is done before the timer starts.
//
//	go test ./pipeline -run '^$' -bench 'Forecast' -benchmem

// forecastOf renders a spec and returns its forecast.
func forecastOf(tb testing.TB, path string) *forecast.Forecast {
	tb.Helper()
	s, diags := spec.NewLoader().Load(path, spec.Options{})
	diags = validate.Check(s, diags)
	if diags.HasErrors() {
		tb.Fatal(diags)
	}
	_, fc, err := render.RenderForecast(plan.Build(s), render.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return fc
}

func benchForecast(b *testing.B, path string) {
	fc := forecastOf(b, path)
	pods := len(fc.Intact.Pods)
	b.ReportAllocs()
	defer reportCPU(b, cpuTime())
	for b.Loop() {
		if _, err := forecast.Run(fc.Machines, fc.Objects); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(fc.Machines)), "nodes")
	b.ReportMetric(float64(len(fc.Workloads)), "workloads")
	b.ReportMetric(float64(pods), "pods")
	b.ReportMetric(float64(1+len(fc.ZoneLosses)+len(fc.NodeLosses)), "scenarios")
}

func BenchmarkForecastHA(b *testing.B)   { benchForecast(b, "blueprints/ha.hcl") }
func BenchmarkForecast500(b *testing.B)  { benchForecast(b, writeLargeSpec(b, 500)) }
func BenchmarkForecast1000(b *testing.B) { benchForecast(b, writeLargeSpec(b, 1000)) }
func BenchmarkForecast2000(b *testing.B) { benchForecast(b, writeLargeSpec(b, 2000)) }
func BenchmarkForecast5000(b *testing.B) { benchForecast(b, writeLargeSpec(b, 5000)) }
