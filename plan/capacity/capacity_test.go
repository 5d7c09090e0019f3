package capacity

import (
	"testing"

	"github.com/blueprint-dev/blueprint/spec"
)

const gi = 1 << 30

func value(list []Setting, key string) string {
	for _, s := range list {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}

// TestDefaults checks the tiers at machine sizes where each one shows:
// kubeReserved memory is 25% of the first 4 GiB, 20% of the next 4, 10% of
// the next 8, 6% up to 128 GiB and 2% above (255 MiB below 1 GiB); CPU is
// 6% of the first core, 1% of the second, 0.5% of the third and fourth and
// 0.25% of each further one; memory.available is 1% of memory, at least
// 100 MiB. Each figure is worked out by hand in the comment beside it.
func TestDefaults(t *testing.T) {
	for _, c := range []struct {
		cpu                        int
		memory                     int64
		kubeCPU, kubeMemory, evict string
	}{
		{1, 512 << 20, "60m", "255Mi", "100Mi"},          // below 1 GiB: the flat 255 MiB
		{2, 4 * gi, "70m", "1024Mi", "100Mi"},            // 60+10m; 25% of 4 GiB; 1% is 41 MiB < 100
		{4, 16 * gi, "80m", "2663Mi", "164Mi"},           // 60+10+5+5m; 1024+819.2+819.2 = 2662.4 MiB; 163.84 MiB
		{16, 64 * gi, "110m", "5612Mi", "656Mi"},         // 80+12×2.5m; 2662.4+6%×48 GiB = 5611.52 MiB; 655.36 MiB
		{64, 256 * gi, "230m", "12166Mi", "2622Mi"},      // 80+60×2.5m; 2662.4+6881.28+2%×128 GiB = 12165.12 MiB
		{3, 8 * gi, "75m", "1844Mi", "100Mi"},            // 60+10+5m; 1024+819.2 = 1843.2 MiB; 81.92 MiB < 100
		{5, 10 * gi, "83m", "2048Mi", "103Mi"},           // 80+2.5 = 82.5m, rounded up; 1843.2+10%×2 GiB = 2048 MiB; 102.4 MiB
		{1024, 1024 * gi, "2630m", "27894Mi", "10486Mi"}, // 80+1020×2.5m; 9543.68+2%×896 GiB = 27893.76 MiB; 10485.76 MiB
	} {
		r := Defaults(c.cpu, c.memory)
		got := [3]string{value(r.KubeReserved, "cpu"), value(r.KubeReserved, "memory"), value(r.EvictionHard, "memory.available")}
		if got != [3]string{c.kubeCPU, c.kubeMemory, c.evict} {
			t.Errorf("%d CPU, %d MiB: kubeReserved cpu, memory and memory.available = %v, want %v", c.cpu, c.memory>>20, got, [3]string{c.kubeCPU, c.kubeMemory, c.evict})
		}
		if value(r.SystemReserved, "cpu") != "100m" || value(r.SystemReserved, "memory") != "256Mi" {
			t.Errorf("%d CPU: systemReserved = %v, want cpu 100m and memory 256Mi", c.cpu, r.SystemReserved)
		}
		for _, s := range []string{"nodefs.available", "nodefs.inodesFree", "imagefs.available", "imagefs.inodesFree"} {
			if value(r.EvictionHard, s) == "" {
				t.Errorf("evictionHard lacks %s: a partial map turns the kubelet's other defaults off", s)
			}
		}
	}
}

// TestAllocatable checks the kubelet's formula, with overrides and with a
// percentage memory threshold.
func TestAllocatable(t *testing.T) {
	r := Defaults(4, 16*gi)
	a, err := r.Allocatable(4, 16*gi)
	if err != nil || a.MilliCPU != 4000-100-80 || a.Memory != (16<<30)-(256<<20)-(2663<<20)-(164<<20) {
		t.Errorf("4 CPU, 16Gi: allocatable %+v (%v), want 3820m and 13301 MiB", a, err)
	}
	if got := a.String(); got != "3.82 CPU, 13.0Gi" {
		t.Errorf("String() = %q", got)
	}
	o := r.With(spec.KubeletReservations{
		SystemReserved: map[string]string{"memory": "1Gi", "pid": "1000"},
		EvictionHard:   map[string]string{"memory.available": "5%"},
	})
	if value(o.SystemReserved, "pid") != "1000" || value(o.SystemReserved, "cpu") != "100m" || value(o.KubeReserved, "memory") != "2663Mi" {
		t.Errorf("overrides must replace defaults key by key and keep the rest: %+v", o)
	}
	a, err = o.Allocatable(4, 16*gi)
	capacity := int64(16 << 30)
	want := capacity - (1 << 30) - (2663 << 20) - int64(float64(capacity)*0.05)
	if err != nil || a.Memory != want {
		t.Errorf("with 1Gi system memory and a 5%% threshold: %d bytes (%v), want %d", a.Memory, err, want)
	}
	if _, err := o.With(spec.KubeletReservations{KubeReserved: map[string]string{"cpu": "lots"}}).Allocatable(4, 16*gi); err == nil {
		t.Error("a reservation that is not a quantity must fail")
	}
}
