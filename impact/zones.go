package impact

import (
	"fmt"
	"slices"
	"strings"

	"github.com/blueprint-dev/blueprint/state"
)

// zoneSet returns the zones that machines of s stand in, sorted.
func zoneSet(s *state.State) []string {
	var out []string
	for _, m := range s.Machines {
		if m.Zone != "" && !slices.Contains(out, m.Zone) {
			out = append(out, m.Zone)
		}
	}
	slices.Sort(out)
	return out
}

// zones plans a zone that no machine of the new design stands in (removed,
// or renamed: a rename is a removal and an addition, since a node's zone
// label is set when it registers). The machines' own changes say what
// leaves and joins; this says what they cannot: a volume provisioned in the
// zone keeps its topology (its PersistentVolume's node affinity names the
// zone), so the pods whose claims are bound there cannot start anywhere
// once the zone's last node is gone.
func (c *comparer) zones() {
	oldZ, newZ := zoneSet(c.old), zoneSet(c.new)
	var added []string
	for _, z := range newZ {
		if !slices.Contains(oldZ, z) {
			added = append(added, z)
		}
	}
	var claims []string
	for _, o := range c.old.Objects {
		switch {
		case o.Kind == "PersistentVolumeClaim":
			claims = append(claims, o.Namespace+"/"+o.Name)
		case len(o.Claims) > 0:
			for _, cl := range o.Claims {
				claims = append(claims, o.Namespace+"/"+cl)
			}
		}
	}
	for _, z := range oldZ {
		if slices.Contains(newZ, z) {
			continue
		}
		ch := Change{Target: "zone " + z, Category: "zones", Action: Remove, Impact: None, phase: phaseRelabel, scope: z,
			Summary: fmt.Sprintf("no machine stands in zone %s any more", z)}
		if len(added) > 0 {
			ch.Summary += fmt.Sprintf(" (%s is new: renaming a zone rebuilds its machines, as the zone label is set when a node registers)", strings.Join(added, ", "))
		}
		if len(claims) > 0 {
			ch.Impact = Disruptive
			ch.Summary += fmt.Sprintf("; a volume provisioned in %s keeps that zone in its PersistentVolume's node affinity, so a pod whose claim is bound there cannot start once the zone's last node is gone: move such data to claims in another zone first", z)
			ch.Details = append(ch.Details, "claims that may be bound in "+z+": "+strings.Join(claims, ", "))
			ch.Steps = []Step{
				{Host: AdminHost, Kind: StepCheck, Command: "kubectl get pv -o custom-columns=NAME:.metadata.name,NAMESPACE:.spec.claimRef.namespace,CLAIM:.spec.claimRef.name,ZONES:.spec.nodeAffinity.required.nodeSelectorTerms[*].matchExpressions[*].values | grep -w " + z,
					Purpose: "list the volumes bound to zone " + z},
				{Host: AdminHost, Kind: StepManual, Command: "copy the data of each volume listed into a claim provisioned in another zone (backup and restore), and point its workload at it",
					Purpose: "keep the data before zone " + z + "'s last node leaves"},
			}
		}
		c.add(ch)
	}
}
