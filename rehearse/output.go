package rehearse

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/blueprint-dev/blueprint/internal/escape"
)

// WriteJSON writes the report as JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report as tables for a terminal.
func (r *Report) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "Rehearsal of cluster %s (Kubernetes %s), %s\n\n", show(r.Cluster), r.Version, r.Duration.Round(time.Second))
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tROLES\tZONE\tADDRESS\tINTERFACE")
	for _, h := range r.Hosts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", show(h.Name), strings.Join(h.Roles, ", "), dash(show(h.Zone)), h.Address, show(h.Interface))
	}
	tw.Flush()
	if len(r.Programs) > 0 {
		fmt.Fprintln(w, "\nStand-ins:")
		for _, p := range r.Programs {
			fmt.Fprintf(w, "  - %s\n", p)
		}
	}
	counts := map[string]int{}
	for _, s := range r.Steps {
		counts[s.Disposition]++
	}
	fmt.Fprintf(w, "\nInstall order: %d steps: %d ran, %d by a stand-in, %d assumed, %d failed\n", len(r.Steps), counts[Ran], counts[StandIn], counts[Assumed], counts[Failed])
	tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tHOST\tDISPOSITION\tWHAT")
	for _, s := range r.Steps {
		what := oneLine(s.Command, s.Purpose)
		if s.Disposition != Ran && s.Note != "" {
			what = s.Purpose + ": " + s.Note
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Number, dash(show(s.Host)), s.Disposition, show(what))
	}
	tw.Flush()
	if len(r.Checks) > 0 {
		fmt.Fprintln(w, "\nAfter the install:")
		for _, c := range r.Checks {
			fmt.Fprintf(w, "  %s %s: %s\n", okMark(c.OK), c.Name, show(c.Detail))
		}
	}
	if len(r.Drills) > 0 {
		fmt.Fprintln(w, "\nDrills (the API probed through the endpoint every 100 ms, and written to every 500 ms, from a client on the bridge):")
		tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SCENARIO\tETCD\tQUORUM\tAPI SERVERS\tVIP\tAPI\tWRITES\tLONGEST GAP\tFAILED PROBES\tFAILED WRITES\tTAKEOVER\tPLAN ROW\tAGREES")
		for _, d := range r.Drills {
			vip := strings.Join(append([]string{d.VIPBefore}, d.VIPPath...), "→")
			if len(d.VIP) != 1 || (len(d.VIPPath) > 0 && d.VIP[0] != d.VIPPath[len(d.VIPPath)-1]) {
				vip += " (now " + dash(strings.Join(d.VIP, ",")) + ")"
			}
			take := "-"
			if d.Takeover > 0 {
				take = d.Takeover.String() + " (≤" + d.TakeoverBound.String() + ")"
			}
			writes := fmt.Sprintf("%d/%d", d.FailedWrites, d.WriteProbes)
			if d.FailedWrites > 0 {
				writes += fmt.Sprintf(", %s in a row, the last at %s", d.LongestWriteGap, d.LastFailedWrite)
			}
			if d.WriteGapBound > 0 {
				writes += " (≤" + d.WriteGapBound.String() + ")"
			}
			for _, row := range d.Rows {
				fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t%s\t%s\t%s\t%d/%d\t%s\t%s\t%s\t%s\n", show(d.Scenario), d.EtcdAnswering, kept(d.EtcdQuorum), d.APIServers,
					dash(show(vip)), yes(d.APIReachable), yes(d.Writes), d.LongestGap, d.FailedProbes, d.Probes, writes, take, show(row.Row), yes(row.Agrees))
			}
		}
		tw.Flush()
		for _, d := range r.Drills {
			if d.Note != "" {
				fmt.Fprintf(w, "  note, %s: %s\n", show(d.Scenario), show(d.Note))
			}
			for _, row := range d.Rows {
				for _, dis := range row.Disagrees {
					fmt.Fprintf(w, "  DISAGREES %s / %s: %s\n", show(d.Scenario), show(row.Row), show(dis))
				}
			}
		}
	}
	if rs := r.Restore; rs != nil {
		fmt.Fprintf(w, "\nBackup and restore: snapshot %s; runbook %d steps; object from before the snapshot kept: %s; object from after it gone: %s; namespaces of manifests/ kept: %d; API down %s: %s\n",
			dash(show(rs.Snapshot)), len(rs.Steps), yes(rs.BeforeKept), yes(rs.AfterGone), rs.Namespaces, rs.Downtime, okWord(rs.OK))
	}
	for _, o := range r.Open {
		fmt.Fprintf(w, "\nNot done: %s\n", show(o))
	}
	if len(r.Failures) > 0 {
		fmt.Fprintf(w, "\nFAILED: %d problems:\n", len(r.Failures))
		for _, f := range r.Failures {
			fmt.Fprintf(w, "  - %s\n", show(f))
		}
	} else {
		fmt.Fprintln(w, "\nEvery drill agrees with the plan.")
	}
	if r.WorkDir != "" {
		fmt.Fprintf(w, "Hosts' disks and logs kept in %s\n", r.WorkDir)
	}
	return nil
}

// show escapes what a terminal would act on.
func show(s string) string { return escape.Hidden(s) }

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "NO"
}

func kept(b bool) string {
	if b {
		return "kept"
	}
	return "LOST"
}

func okMark(b bool) string {
	if b {
		return "ok"
	}
	return "FAILED"
}

func okWord(b bool) string {
	if b {
		return "ok"
	}
	return "FAILED"
}
