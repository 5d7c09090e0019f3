package validate

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/blueprint-dev/blueprint/spec"
)

// TestQuorumAdviceIsPossible checks the advice of the zone-quorum warning
// for every member and zone count a spec can have: a placement it proposes
// keeps a quorum when any one zone is lost, and it never proposes one for
// members that have none. The old advice for 4 members in 3 zones said "no
// zone holds 2 or more (for example … 5 in 3 zones as 2+2+1)", which
// contradicts itself.
func TestQuorumAdviceIsPossible(t *testing.T) {
	layoutRE := regexp.MustCompile(`for example ([0-9+]+) over (\d+) zones`)
	for n := 3; n <= 9; n++ {
		for zones := 1; zones <= 6; zones++ {
			advice := quorumAdvice(n, zones)
			m := layoutRE.FindStringSubmatch(advice)
			if m == nil {
				if n%2 == 1 && zones >= 3 {
					t.Errorf("%d members, %d zones: an odd number of members always fits 3 zones, but the advice proposes no placement: %s", n, zones, advice)
				}
				if !strings.Contains(advice, "no placement") {
					t.Errorf("%d members, %d zones: neither a placement nor why there is none: %s", n, zones, advice)
				}
				continue
			}
			over, _ := strconv.Atoi(m[2])
			parts := strings.Split(m[1], "+")
			sum, most := 0, 0
			for _, p := range parts {
				c, _ := strconv.Atoi(p)
				sum += c
				most = max(most, c)
			}
			if sum != n || len(parts) != over || over > zones {
				t.Errorf("%d members, %d zones: %q is not a placement of %d members over the declared zones", n, zones, m[1], n)
			}
			if n-most < n/2+1 {
				t.Errorf("%d members, %d zones: losing the zone with %d of %q leaves %d, short of the quorum %d", n, zones, most, m[1], n-most, n/2+1)
			}
		}
	}
}

// TestTwoMembersSayTheyTolerateNothing checks the refusal of two members
// names the reason, and that no warning then asks for an impossible
// placement ("no zone holds 1 or more").
func TestTwoMembersSayTheyTolerateNothing(t *testing.T) {
	src := `cluster "c" {
  kubernetes_version = "1.37.2"
}
network {
  node_subnets = ["10.0.0.0/16"]
}
zone "a" {}
zone "b" {}
control_plane {
  node "m1" {
    address = "10.0.0.11"
    zone    = "a"
  }
  node "m2" {
    address = "10.0.0.12"
    zone    = "b"
  }
}
load_balancer {
  mode = "colocated"
  vip  = "10.0.0.10"
}
`
	s, diags := spec.NewLoader().LoadSource("t.hcl", []byte(src), spec.Options{})
	diags = Check(s, diags)
	found := false
	for _, d := range diags {
		if d.Summary == "Too few control-plane nodes" && strings.Contains(d.Detail, "2 members tolerate no failure") {
			found = true
		}
		if strings.Contains(d.Detail, "holds 1 or more") || d.Summary == "Zone failure loses etcd quorum" {
			t.Errorf("impossible advice: %s: %s", d.Summary, d.Detail)
		}
	}
	if !found {
		t.Errorf("no refusal says that two members tolerate no failure: %v", diags)
	}
}
