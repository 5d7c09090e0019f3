package rehearse

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
	"github.com/blueprint-dev/blueprint/internal/hostsim"
	"github.com/blueprint-dev/blueprint/plan"
)

// Drill timing: every scenario is watched for at least observeMin after
// the failure (longer than keepalived's takeover bound and HAProxy's
// three failed checks, 24 s) and the plan's bound on failing requests,
// then until the API has answered for settle, at most observeMax.
const (
	probeEvery = 100 * time.Millisecond
	probeLimit = 2 * time.Second
	// A write every writeEvery, each given writeLimit: the longest run of
	// failed writes is measured to within their sum, which the comparison
	// with the plan's bound allows for.
	writeEvery = 500 * time.Millisecond
	writeLimit = 5 * time.Second
	// writeCalm is how long before a failure writes must all have
	// succeeded for the drill to hold failed writes to the plan's bound:
	// on a machine too loaded to answer them, a failed write says nothing
	// about the design.
	writeCalm  = 10 * time.Second
	observeMin = 25 * time.Second
	observeMax = 60 * time.Second
	settle     = 3 * time.Second
)

// DrillReport is one scenario: what was broken, what the rehearsal saw,
// and each row of the plan it was compared with.
type DrillReport struct {
	Scenario string   `json:"scenario"`
	Hosts    []string `json:"hosts"`
	// Measured, at the end of the scenario, from the client's side:
	EtcdAnswering int           `json:"etcdMembersAnswering"`
	EtcdQuorum    bool          `json:"etcdQuorum"`
	APIServers    int           `json:"apiServersAnswering"`
	VIPBefore     string        `json:"vipBefore,omitempty"`
	VIP           []string      `json:"vip,omitempty"` // hosts holding it at the end
	Takeover      time.Duration `json:"takeoverNanoseconds,omitempty"`
	// VIPPath lists the hosts that held the VIP after VIPBefore, in turn.
	VIPPath []string `json:"vipPath,omitempty"`
	// TakeoverBound is the plan's bound for this takeover, when it has one.
	TakeoverBound time.Duration `json:"takeoverBoundNanoseconds,omitempty"`
	APIReachable  bool          `json:"apiReachable"`
	Writes        bool          `json:"writes"`
	LongestGap    time.Duration `json:"longestGapNanoseconds"`
	Probes        int           `json:"probes"`
	FailedProbes  int           `json:"failedProbes"`
	// Writes through the endpoint during the scenario (a merge patch of
	// one ConfigMap every writeEvery): the longest time without a
	// successful one, and the plan's bound for it, when it has one.
	LongestWriteGap time.Duration `json:"longestWriteGapNanoseconds"`
	WriteProbes     int           `json:"writeProbes"`
	FailedWrites    int           `json:"failedWrites"`
	WriteGapBound   time.Duration `json:"writeGapBoundNanoseconds,omitempty"`
	// LastFailedWrite is when, after the failure started, the last write
	// that failed was sent (0 when none failed).
	LastFailedWrite time.Duration `json:"lastFailedWriteNanoseconds,omitempty"`
	LastWriteError  string        `json:"lastWriteError,omitempty"`
	// WritesFailedBefore counts the writes that failed in the writeCalm
	// before the failure started; with any, failed writes are not held to
	// the plan's bound.
	WritesFailedBefore int         `json:"writesFailedBefore"`
	Rows               []RowResult `json:"rows"`
	Note               string      `json:"note,omitempty"`
}

// RowResult is one row of the plan's failure table (or of its component
// failures) and whether the rehearsal agrees with it.
type RowResult struct {
	Row       string   `json:"row"`
	Expected  string   `json:"expected"`
	Agrees    bool     `json:"agrees"`
	Disagrees []string `json:"disagreements,omitempty"`
}

// scenario is one thing to break.
type scenario struct {
	name  string
	kind  string // "power-off", "partition", "stop"
	hosts []*simHost
	// rows of the failure table this scenario answers (power-off,
	// partition), or the component failure it is (stop).
	rows      []plan.Failure
	component *plan.ComponentFailure
}

// Name is how Options.Drills selects the scenario.
func (s scenario) Name() string { return s.name }

// scenarios lists the drills for the design: every failure-table row as a
// power-off (rows losing the same hosts share one run), every zone cut off
// by a partition, and each component failure of the VIP holder.
func (e *engine) scenarios() []scenario {
	var out []scenario
	byHosts := map[string]int{}
	for _, f := range e.p.Failures {
		var hosts []*simHost
		for _, m := range f.Machines {
			if h := e.byName[m]; h != nil {
				hosts = append(hosts, h)
			}
		}
		key := hostKey(hosts)
		if i, ok := byHosts[key]; ok {
			out[i].rows = append(out[i].rows, f)
			out[i].name += " = " + f.Lost
			continue
		}
		byHosts[key] = len(out)
		out = append(out, scenario{name: "power off " + f.Lost, kind: "power-off", hosts: hosts, rows: []plan.Failure{f}})
	}
	for _, f := range e.p.Failures {
		if !strings.HasPrefix(f.Lost, "zone ") {
			continue
		}
		var hosts []*simHost
		for _, m := range f.Machines {
			if h := e.byName[m]; h != nil {
				hosts = append(hosts, h)
			}
		}
		if len(hosts) == 0 || len(hosts) == len(e.hosts) {
			continue
		}
		out = append(out, scenario{name: "partition cuts off " + f.Lost, kind: "partition", hosts: hosts, rows: []plan.Failure{f}})
	}
	for i := range e.p.LB.ComponentFailures {
		c := e.p.LB.ComponentFailures[i]
		out = append(out, scenario{name: "stop " + c.Component + " on the VIP holder", kind: "stop", component: &c})
	}
	if e.opts.Drills != nil {
		out = slices.DeleteFunc(out, func(s scenario) bool {
			for _, want := range e.opts.Drills {
				if strings.Contains(s.name, want) {
					return false
				}
			}
			return true
		})
	}
	return out
}

func hostKey(hosts []*simHost) string {
	var names []string
	for _, h := range hosts {
		names = append(names, h.node.Name)
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

// probe is one request to the API through the endpoint.
type probe struct {
	at  time.Time
	ok  bool
	err string // why it failed, when it did
}

// prober asks the API for /readyz through the endpoint every 100 ms, from
// the client namespace, for as long as the drills run.
type prober struct {
	mu     sync.Mutex
	probes []probe
	cancel context.CancelFunc
	done   chan struct{}
}

// startProber asks the API through the endpoint for /readyz every
// probeEvery.
func (e *engine) startProber() *prober {
	url := e.endpointURL() + "/readyz"
	client := e.httpClient(probeLimit)
	return startProbing(probeEvery, func(context.Context) error {
		resp, err := client.Get(url)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("%s", resp.Status)
		}
		return nil
	})
}

// writeProbe is the ConfigMap the write prober patches.
const writeProbe = "rehearse-write-probe"

// startWriter writes through the endpoint every writeEvery: a merge
// patch of one ConfigMap, which the API server stores in etcd like any
// update. It fails (and measures nothing) without the admin's
// credentials.
func (e *engine) startWriter(ctx context.Context) (*prober, error) {
	c, err := e.adminClient(writeLimit)
	if err != nil {
		return nil, err
	}
	path := "/api/v1/namespaces/default/configmaps"
	cm := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": writeProbe}}
	if err := c.Post(ctx, path, cm, nil); err != nil && !controlplane.IsConflict(err) { // 409: made by an earlier run
		return nil, fmt.Errorf("the write probe's ConfigMap: %w", err)
	}
	var n atomic.Int64
	return startProbing(writeEvery, func(ctx context.Context) error {
		patch := map[string]any{"data": map[string]any{"n": strconv.FormatInt(n.Add(1), 10)}}
		return c.Patch(ctx, path+"/"+writeProbe, patch)
	}), nil
}

// startProbing runs check every interval, each run in its own goroutine
// so that a slow answer does not delay the next, and records the results.
func startProbing(every time.Duration, check func(context.Context) error) *prober {
	ctx, cancel := context.WithCancel(context.Background())
	pr := &prober{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(pr.done)
		var wg sync.WaitGroup
		tick := time.NewTicker(every)
		defer tick.Stop()
		for ctx.Err() == nil {
			wg.Add(1)
			go func(at time.Time) {
				defer wg.Done()
				err := check(ctx)
				pb := probe{at: at, ok: err == nil}
				if err != nil {
					pb.err = err.Error()
				}
				pr.mu.Lock()
				pr.probes = append(pr.probes, pb)
				pr.mu.Unlock()
			}(time.Now())
			select {
			case <-ctx.Done():
			case <-tick.C:
			}
		}
		wg.Wait()
	}()
	return pr
}

func (pr *prober) stop() {
	pr.cancel()
	<-pr.done
}

// window returns the probes that started in [from, to), in order.
func (pr *prober) window(from, to time.Time) []probe {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	var out []probe
	for _, p := range pr.probes {
		if !p.at.Before(from) && p.at.Before(to) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

// longestGap is the longest time between two successful probes from
// `from` (where the API answered) to `to`.
func longestGap(ps []probe, from, to time.Time) time.Duration {
	last, gap := from, time.Duration(0)
	for _, p := range ps {
		if p.ok {
			gap = max(gap, p.at.Sub(last))
			last = p.at
		}
	}
	return max(gap, to.Sub(last))
}

// drills runs every scenario, restoring the design between them.
func (e *engine) drills(ctx context.Context) error {
	scs := e.scenarios()
	if len(scs) == 0 {
		return nil
	}
	pr := e.startProber()
	defer pr.stop()
	wr, err := e.startWriter(ctx)
	if err != nil {
		return err
	}
	defer wr.stop()
	for i, sc := range scs {
		if err := e.waitHealthy(ctx); err != nil {
			return fmt.Errorf("before scenario %q: %w", sc.name, err)
		}
		e.progress("drill %d/%d: %s", i+1, len(scs), sc.name)
		d := e.runScenario(ctx, i, &sc, pr, wr)
		e.mu.Lock()
		e.report.Drills = append(e.report.Drills, d)
		e.mu.Unlock()
		e.progress("  measured: etcd %d answering, quorum %v; %d API servers; VIP %s → %s (takeover %s, %s); API reachable %v; writes %v; longest gap %s; %d of %d probes failed; longest run of failed writes %s (%d of %d failed%s)%s",
			d.EtcdAnswering, d.EtcdQuorum, d.APIServers, dash(d.VIPBefore), dash(strings.Join(d.VIP, ",")), d.Takeover, dash(strings.Join(d.VIPPath, "→")), d.APIReachable, d.Writes, d.LongestGap, d.FailedProbes, d.Probes, d.LongestWriteGap, d.FailedWrites, d.WriteProbes, lastFailed(d), noteSuffix(d.Note))
		for _, r := range d.Rows {
			if r.Agrees {
				e.progress("  agrees with %s", r.Row)
			} else {
				e.fail("drill %q disagrees with %s: %s", sc.name, r.Row, strings.Join(r.Disagrees, "; "))
			}
		}
		if err := e.undo(ctx, sc); err != nil {
			return fmt.Errorf("restoring after %q: %w", sc.name, err)
		}
	}
	return e.waitHealthy(ctx)
}

// runScenario breaks the design, watches it, and measures.
func (e *engine) runScenario(ctx context.Context, idx int, sc *scenario, pr, wr *prober) DrillReport {
	d := DrillReport{Scenario: sc.name}
	before := e.vipHolders()
	if len(before) > 0 {
		d.VIPBefore = before[0]
	}
	if sc.kind == "stop" {
		h := e.byName[d.VIPBefore]
		if h == nil {
			d.Note = "no host holds the VIP"
			d.Rows = []RowResult{{Row: "component failure " + sc.component.Component, Disagrees: []string{"no VIP holder to stop it on"}}}
			return d
		}
		sc.hosts = []*simHost{h}
	}
	for _, h := range sc.hosts {
		d.Hosts = append(d.Hosts, h.node.Name)
	}
	// Watch where the VIP is, from the moment the failure starts: the
	// holders in turn, and when each took it.
	type holding struct {
		host string
		at   time.Duration
	}
	var path []holding
	var wmu sync.Mutex
	t0 := time.Now()
	wctx, wcancel := context.WithCancel(ctx)
	wdone := make(chan struct{})
	go func() {
		defer close(wdone)
		for wctx.Err() == nil {
			if hs := e.majorityHolders(*sc); len(hs) == 1 {
				wmu.Lock()
				if len(path) == 0 || path[len(path)-1].host != hs[0] {
					path = append(path, holding{hs[0], time.Since(t0)})
				}
				wmu.Unlock()
			}
			select {
			case <-wctx.Done():
			case <-time.After(probeEvery):
			}
		}
	}()
	if err := e.breakDesign(ctx, *sc); err != nil {
		wcancel()
		<-wdone
		d.Note = "could not break the design: " + err.Error()
		d.Rows = []RowResult{{Row: sc.name, Disagrees: []string{d.Note}}}
		return d
	}
	// Watch: at least observeMin and the plan's bound on failing
	// requests, then until the API answered for settle.
	bound := e.writeGapBound(*sc)
	end := t0.Add(max(observeMin, bound+settle))
	for time.Now().Before(t0.Add(observeMax)) && ctx.Err() == nil {
		now := time.Now()
		if now.After(end) {
			recent := pr.window(now.Add(-settle), now)
			if len(recent) > 0 && allOK(recent) {
				break
			}
			if !e.expectReachable(*sc) {
				break
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	t1 := time.Now()
	wcancel()
	<-wdone
	for i, hd := range path {
		if i == 0 && hd.host == d.VIPBefore {
			continue
		}
		d.VIPPath = append(d.VIPPath, hd.host)
	}
	// The takeover is the first move away from the holder of before; the
	// path shows any move after it.
	if n := len(path); n > 0 && path[n-1].host != d.VIPBefore {
		for _, hd := range path {
			if hd.host != d.VIPBefore {
				d.Takeover = hd.at.Round(time.Millisecond)
				break
			}
		}
		bound := e.p.LB.MasterDown()
		if sc.component != nil {
			bound = e.p.LB.TakeoverBound()
		}
		d.TakeoverBound = time.Duration(bound * float64(time.Second)).Round(time.Millisecond)
	}
	if len(d.VIPPath) > 1 || len(d.VIPPath) == 1 && d.VIPPath[0] == d.VIPBefore {
		d.Note = "the VIP moved " + strings.Join(append([]string{d.VIPBefore}, d.VIPPath...), " → ") + " during the scenario"
	}
	ps := pr.window(t0, t1)
	d.Probes = len(ps)
	for _, p := range ps {
		if !p.ok {
			d.FailedProbes++
		}
	}
	lastOK := t0
	if prev := pr.window(t0.Add(-5*time.Second), t0); len(prev) > 0 {
		for _, p := range prev {
			if p.ok {
				lastOK = p.at
			}
		}
	}
	d.LongestGap = longestGap(ps, lastOK, t1).Round(time.Millisecond)
	ws := wr.window(t0, t1)
	d.WriteProbes = len(ws)
	for _, w := range ws {
		if !w.ok {
			d.FailedWrites++
			d.LastFailedWrite = w.at.Sub(t0).Round(time.Millisecond)
			d.LastWriteError = w.err
		}
	}
	lastWrite := t0
	for _, w := range wr.window(t0.Add(-writeCalm), t0) {
		if w.ok {
			lastWrite = w.at
		} else {
			d.WritesFailedBefore++
		}
	}
	d.LongestWriteGap = longestGap(ws, lastWrite, t1).Round(time.Millisecond)
	d.WriteGapBound = bound
	if d.WritesFailedBefore > 0 {
		calm := fmt.Sprintf("%d writes failed in the %s before the failure: the machine is too loaded to hold failed writes to the plan's bound", d.WritesFailedBefore, writeCalm)
		if d.Note != "" {
			calm = d.Note + "; " + calm
		}
		d.Note = calm
	}
	recent := pr.window(t1.Add(-settle), t1)
	d.APIReachable = len(recent) > 0 && allOK(recent)
	d.VIP = e.majorityHolders(*sc)
	if v := e.vantage(*sc); v != nil {
		st := e.etcdState(ctx, v)
		d.EtcdAnswering, d.EtcdQuorum = st.Answering, st.Quorum
	}
	for _, n := range e.p.ControlPlane {
		h := e.byName[n.Name]
		if h.h.Up() && !e.cutOff(*sc, h) && e.apiReady(ctx, n.Address, "/livez") == nil {
			d.APIServers++
		}
	}
	d.Writes = e.write(ctx, fmt.Sprintf("rehearse-drill-%d", idx))
	d.Rows = e.compare(*sc, &d)
	return d
}

func allOK(ps []probe) bool {
	for _, p := range ps {
		if !p.ok {
			return false
		}
	}
	return true
}

// writeGapBound is the plan's bound on how long requests may fail in the
// scenario (Failure.RequestsMayFailFor), or 0 when it states none.
func (e *engine) writeGapBound(sc scenario) time.Duration {
	var b float64
	for _, r := range sc.rows {
		if r.APIReachable {
			b = max(b, r.RequestsMayFailFor)
		}
	}
	return time.Duration(b * float64(time.Second))
}

// expectReachable is whether the plan says the API stays reachable.
func (e *engine) expectReachable(sc scenario) bool {
	if sc.component != nil {
		return sc.component.APIReachable
	}
	for _, r := range sc.rows {
		if !r.APIReachable {
			return false
		}
	}
	return true
}

// cutOff reports whether a host is on the far side of the scenario's
// partition (or powered off by it).
func (e *engine) cutOff(sc scenario, h *simHost) bool {
	return (sc.kind == "partition" || sc.kind == "power-off") && slices.Contains(sc.hosts, h)
}

// majorityHolders are the hosts holding the VIP that the client reaches.
func (e *engine) majorityHolders(sc scenario) []string {
	var out []string
	for _, name := range e.vipHolders() {
		if !e.cutOff(sc, e.byName[name]) {
			out = append(out, name)
		}
	}
	return out
}

// vantage is an etcd member the client side can ask: up, not cut off.
func (e *engine) vantage(sc scenario) *simHost {
	for _, h := range e.etcdMembers() {
		if h.h.Up() && !e.cutOff(sc, h) {
			return h
		}
	}
	return nil
}

// write creates a ConfigMap through the endpoint, as a client would: up to
// three tries of 5 s, since a request the load balancer sends to a server
// it has not yet marked down fails (the failed probes count those).
func (e *engine) write(ctx context.Context, name string) bool {
	c, err := e.adminClient(5 * time.Second)
	if err != nil {
		return false
	}
	for try := 0; try < 3 && ctx.Err() == nil; try++ {
		err = c.Post(ctx, "/api/v1/namespaces/default/configmaps", map[string]any{
			"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": fmt.Sprintf("%s-%d", name, try)},
			"data":     map[string]any{"written-by": "blueprint rehearse"},
		}, nil)
		if err == nil {
			return true
		}
	}
	return false
}

// breakDesign applies the scenario's failure.
func (e *engine) breakDesign(ctx context.Context, sc scenario) error {
	switch sc.kind {
	case "power-off":
		for _, h := range sc.hosts {
			if err := h.powerOff(); err != nil {
				return err
			}
		}
		return nil
	case "partition":
		var hs []*hostsim.Host
		for _, h := range sc.hosts {
			hs = append(hs, h.h)
		}
		return e.lab.Partition(hs)
	case "stop":
		return sc.hosts[0].hold(sc.component.Component)
	}
	return fmt.Errorf("unknown scenario kind %q", sc.kind)
}

// undo restores the design after a scenario.
func (e *engine) undo(ctx context.Context, sc scenario) error {
	switch sc.kind {
	case "power-off":
		for _, h := range sc.hosts {
			if err := h.powerOn(); err != nil {
				return err
			}
		}
	case "partition":
		return e.lab.Heal()
	case "stop":
		sc.hosts[0].release(sc.component.Component)
	}
	return nil
}

// waitHealthy waits until the whole design runs: every etcd member answers
// and etcd has quorum, every API server is ready, the endpoint answers and
// exactly one host holds the VIP.
func (e *engine) waitHealthy(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 6*time.Minute)
	defer cancel()
	began := time.Now()
	members := e.etcdMembers()
	var last string
	for ctx.Err() == nil {
		last = ""
		st := e.etcdState(ctx, members[0])
		if st.Answering != len(members) || !st.Quorum {
			last = fmt.Sprintf("etcd: %d of %d members answer, quorum %v", st.Answering, len(members), st.Quorum)
		}
		for _, n := range e.p.ControlPlane {
			if last == "" {
				if err := e.apiReady(ctx, n.Address, "/readyz"); err != nil {
					last = fmt.Sprintf("API server of %s: %v", n.Name, err)
				}
			}
		}
		if last == "" {
			if err := e.get(ctx, e.endpointURL()+"/readyz"); err != nil {
				last = "the endpoint: " + err.Error()
			}
		}
		if last == "" && e.p.LB.Managed {
			// Back where keepalived's priorities put it, so that the next
			// scenario starts from the design's own state.
			if hs := e.vipHolders(); len(hs) != 1 || hs[0] != e.preferredHolder() {
				last = fmt.Sprintf("VIP held by %s, not (only) by %s, the peer of highest priority", dash(strings.Join(hs, ", ")), e.preferredHolder())
			}
		}
		if last == "" {
			if time.Since(began) > time.Second {
				e.progress("  design healthy again after %s", time.Since(began).Round(100*time.Millisecond))
			}
			return nil
		}
		time.Sleep(time.Second)
	}
	return fmt.Errorf("the design did not become healthy within 6 minutes: %s", last)
}

// preferredHolder is the running keepalived peer of highest priority.
func (e *engine) preferredHolder() string {
	best, name := -1, ""
	for _, p := range e.p.LB.Peers {
		if h := e.byName[p.Name]; h != nil && h.h.Up() && p.Priority > best {
			best, name = p.Priority, p.Name
		}
	}
	return name
}

// compare checks the measurement against each plan row of the scenario.
func (e *engine) compare(sc scenario, d *DrillReport) []RowResult {
	var out []RowResult
	check := func(r *RowResult, what string, got, want any) {
		if fmt.Sprint(got) != fmt.Sprint(want) {
			r.Disagrees = append(r.Disagrees, fmt.Sprintf("%s: measured %v, the plan says %v", what, got, want))
		}
	}
	if c := sc.component; c != nil {
		r := RowResult{Row: "component failure: " + c.Component + " stopped on the VIP holder",
			Expected: fmt.Sprintf("VIP moves: %v, API reachable: %v", c.VIPMoves, c.APIReachable)}
		moved := len(d.VIP) > 0 && !slices.Contains(d.VIP, d.VIPBefore)
		check(&r, "VIP moved", moved, c.VIPMoves)
		check(&r, "API reachable", d.APIReachable, c.APIReachable)
		check(&r, "writes succeed", d.Writes, c.APIReachable)
		if len(d.VIP) != 1 {
			r.Disagrees = append(r.Disagrees, fmt.Sprintf("VIP held by %d hosts (%s)", len(d.VIP), strings.Join(d.VIP, ", ")))
		}
		r.Agrees = len(r.Disagrees) == 0
		return []RowResult{r}
	}
	for _, f := range sc.rows {
		r := RowResult{Row: "failure table: " + f.Lost,
			Expected: fmt.Sprintf("etcd members left %d, quorum %v, API servers left %d, load balancer: %s, API reachable %v", f.EtcdLeft, f.EtcdQuorum, f.APIServers, f.LoadBalancer, f.APIReachable)}
		check(&r, "etcd members answering", d.EtcdAnswering, f.EtcdLeft)
		check(&r, "etcd quorum", d.EtcdQuorum, f.EtcdQuorum)
		check(&r, "API servers answering", d.APIServers, f.APIServers)
		switch {
		case !e.p.LB.Managed:
			if e.extLB == nil || !e.extLB.h.Up() {
				r.Disagrees = append(r.Disagrees, "the external load balancer's stand-in is down")
			}
		case f.LoadBalancer == "no host left to hold the VIP":
			check(&r, "VIP holders", len(d.VIP), 0)
		default:
			if len(d.VIP) != 1 {
				r.Disagrees = append(r.Disagrees, fmt.Sprintf("VIP held by %d reachable hosts (%s), the plan says one surviving host", len(d.VIP), strings.Join(d.VIP, ", ")))
			}
		}
		check(&r, "API reachable through the endpoint", d.APIReachable, f.APIReachable)
		check(&r, "writes succeed", d.Writes, f.APIReachable)
		if f.APIReachable && f.RequestsMayFailFor > 0 && d.WritesFailedBefore == 0 {
			// Allow for the measurement: a write's interval and its time
			// limit, which also absorb a loaded machine's late timers.
			limit := time.Duration(f.RequestsMayFailFor*float64(time.Second)) + writeEvery + writeLimit
			if d.LongestWriteGap > limit {
				r.Disagrees = append(r.Disagrees, fmt.Sprintf("writes failed for %s in a row, the plan says at most %.0f s (measured to within %s)",
					d.LongestWriteGap, f.RequestsMayFailFor, writeEvery+writeLimit))
			}
			if d.LastFailedWrite > limit {
				r.Disagrees = append(r.Disagrees, fmt.Sprintf("a write sent %s after the failure failed, the plan says requests fail for up to %.0f s (measured to within %s)",
					d.LastFailedWrite, f.RequestsMayFailFor, writeEvery+writeLimit))
			}
		}
		r.Agrees = len(r.Disagrees) == 0
		out = append(out, r)
	}
	return out
}

// lastFailed says when the last failed write was sent and why it failed,
// when one did.
func lastFailed(d DrillReport) string {
	if d.FailedWrites == 0 {
		return ""
	}
	return fmt.Sprintf(", the last sent %s after the failure: %s", d.LastFailedWrite, d.LastWriteError)
}
