package forecast

import "github.com/blueprint-dev/blueprint/plan"

// ArchitectureView is what ARCHITECTURE.md is rendered from: the plan and
// the capacity forecast of its rendered pods.
type ArchitectureView struct {
	*plan.Plan
	Capacity *CapacityReport
}

// CapacityReport is the forecast as ARCHITECTURE.md shows it.
type CapacityReport struct {
	f *Forecast
}

// Report summarises a forecast for ARCHITECTURE.md; nil gives nil.
func Report(f *Forecast) *CapacityReport {
	if f == nil {
		return nil
	}
	return &CapacityReport{f: f}
}
