package cronsched

import "testing"

func TestShiftMinute(t *testing.T) {
	for _, c := range []struct {
		in      string
		by      int
		want    string
		shifted bool
	}{
		{"17 */6 * * *", 0, "17 */6 * * *", true},
		{"17 */6 * * *", 20, "37 */6 * * *", true},
		{"17 */6 * * *", 50, "7 */6 * * *", true},
		{"@daily", 0, "@daily", true},
		{"@daily", 15, "15 0 * * *", true},
		{"5  3 * * 1", 10, "15 3 * * 1", true},
		{"*/30 * * * *", 10, "*/30 * * * *", false},
		{"0,30 * * * *", 10, "0,30 * * * *", false},
		{"07 * * * *", 10, "17 * * * *", true},
		{"@every 1h", 10, "@every 1h", false},
	} {
		got, shifted := ShiftMinute(c.in, c.by)
		if got != c.want || shifted != c.shifted {
			t.Errorf("ShiftMinute(%q, %d) = %q, %v; want %q, %v", c.in, c.by, got, shifted, c.want, c.shifted)
		}
		if !shifted {
			continue
		}
		g1, err1 := MaxGap(c.in)
		g2, err2 := MaxGap(got)
		if err1 != nil || err2 != nil || g1 != g2 {
			t.Errorf("%q and %q have different longest gaps: %v (%v), %v (%v)", c.in, got, g1, err1, g2, err2)
		}
	}
}
