// Package impact compares the design recorded in an output folder (its
// state file) with a new design and says what the change does to the
// running cluster: each change with a target, an action and an impact from a
// fixed vocabulary, and the ordered steps that carry it out, host by host.
// It works offline, from the two states alone.
package impact

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/state"
)

// Impact is how a change touches the running cluster. The values, most
// severe last, are the vocabulary of `blueprint plan` and its JSON.
type Impact string

// The impacts.
const (
	// None: nothing running is touched (information, such as capacity).
	None Impact = "none"
	// InPlace: applied without restarting anything.
	InPlace Impact = "in-place"
	// Restart: a component restarts, on the hosts named, one at a time.
	Restart Impact = "restart"
	// Rolling: a workload's pods are replaced one by one.
	Rolling Impact = "rolling"
	// Disruptive: a service or the API loses capacity or availability
	// while it happens.
	Disruptive Impact = "disruptive"
	// Destructive: data or identity is lost: a PVC or PV deleted, a
	// namespace pruned, an etcd member removed, a CA or the API endpoint
	// changed, a StatefulSet recreated.
	Destructive Impact = "destructive"
)

// Impacts lists the impacts, most severe first: the order plan prints them.
var Impacts = []Impact{Destructive, Disruptive, Rolling, Restart, InPlace, None}

func (i Impact) rank() int { return len(Impacts) - slices.Index(Impacts, i) }

// Action is what a change does to its target.
type Action string

// The actions.
const (
	Create           Action = "create"  // an object or a whole cluster comes into being
	Update           Action = "update"  // changed where it stands
	Roll             Action = "roll"    // a workload's pods are replaced
	Replace          Action = "replace" // deleted and created again: an immutable field changed
	Delete           Action = "delete"  // an object goes
	Add              Action = "add"     // a machine joins
	Remove           Action = "remove"  // a machine leaves
	Rebuild          Action = "rebuild" // a machine leaves and joins again (renamed, moved zone, new address)
	Relabel          Action = "relabel" // a node's labels or taints change
	Reissue          Action = "reissue" // certificates are issued again
	Reload           Action = "reload"  // a service reads its configuration again, without a restart
	RestartComponent Action = "restart" // a component restarts
	Upgrade          Action = "upgrade" // a Kubernetes version hop
	Refuse           Action = "refuse"  // cannot be done in place: plan says why
	Note             Action = "note"    // nothing to do
)

// Change is one thing the new design changes in the running cluster.
type Change struct {
	// Target is what changes: "machine worker07", "kube-apiserver",
	// "StatefulSet kafka/kafka".
	Target string `json:"target"`
	// Category groups targets: machines, control-plane, etcd,
	// load-balancer, network, versions, objects.
	Category string `json:"category"`
	Action   Action `json:"action"`
	Impact   Impact `json:"impact"`
	// Summary says what changes and why it has this impact, in one line.
	Summary string `json:"summary"`
	// Details are further facts: the flags that change, the data that goes.
	Details []string `json:"details,omitempty"`
	// Steps carry the change out, in order.
	Steps []Step `json:"steps,omitempty"`

	phase int // when its steps run among all changes' steps
	order int // its place in the order changes were found
	// scope keeps a change's steps apart from equal steps of other changes
	// in its phase: each version hop repeats the same commands, and every
	// one of them must run again.
	scope string
}

// Step kinds.
const (
	// StepRun is a command to run on the host.
	StepRun = "run"
	// StepCheck asks running software whether the steps before worked;
	// do not go on until it succeeds.
	StepCheck = "check"
	// StepManual is something blueprint cannot express as one command
	// (installing packages, a git push); the command says what.
	StepManual = "manual"
)

// AdminHost is the Host of a step run with kubectl as a cluster
// administrator, from any machine that has the admin kubeconfig.
const AdminHost = "kubectl"

// Step is one command on one host.
type Step struct {
	// Host is the machine to run it on, or AdminHost.
	Host string `json:"host"`
	// Command is the shell command, run from the top of the rendered
	// folder (files are named relative to it).
	Command string `json:"command"`
	// Purpose says why, in a few words.
	Purpose string `json:"purpose"`
	// Kind is run, check or manual.
	Kind string `json:"kind"`
}

// JSONVersion is the version of the plan's JSON form; a change that old
// readers would misread raises it.
const JSONVersion = 1

// Plan is what the new design does to the cluster.
type Plan struct {
	// Version is the version of this JSON schema (JSONVersion).
	Version int    `json:"version"`
	Cluster string `json:"cluster"`
	// From and To are the Kubernetes versions; From is empty on a first
	// render.
	From string `json:"from,omitempty"`
	To   string `json:"to"`
	// FirstRender is set when the folder holds no state: everything is
	// created.
	FirstRender bool     `json:"firstRender"`
	Changes     []Change `json:"changes"`
	// Steps are every change's steps, in the order to carry them out.
	Steps   []Step  `json:"steps"`
	Summary Summary `json:"summary"`
}

// Summary counts the changes.
type Summary struct {
	MachinesAdd       int `json:"machinesAdd"`
	MachinesRebuild   int `json:"machinesRebuild"`
	MachinesRemove    int `json:"machinesRemove"`
	ComponentsRestart int `json:"componentsRestart"`
	ObjectsCreate     int `json:"objectsCreate"`
	ObjectsUpdate     int `json:"objectsUpdate"`
	ObjectsRoll       int `json:"objectsRoll"`
	ObjectsReplace    int `json:"objectsReplace"`
	ObjectsDelete     int `json:"objectsDelete"`
	// ObjectsDestroyed counts objects deleted or replaced with their data
	// or identity (impact destructive).
	ObjectsDestroyed int `json:"objectsDestroyed"`
	Refused          int `json:"refused"`
	// Hops is the number of Kubernetes version hops.
	Hops int `json:"hops"`
	// Line is the one-line summary plan prints.
	Line string `json:"line"`
}

// Changed reports whether the plan changes anything.
func (p *Plan) Changed() bool {
	for _, c := range p.Changes {
		if c.Impact != None || c.Action == Refuse {
			return true
		}
	}
	return false
}

// Compare plans the change from old (nil: nothing rendered yet) to new.
func Compare(old, new *state.State) *Plan {
	p := &Plan{Version: JSONVersion, Cluster: new.Cluster, To: new.Kubernetes.Version}
	c := &comparer{old: old, new: new}
	if old == nil {
		p.FirstRender = true
		c.firstRender()
	} else {
		p.From = old.Kubernetes.Version
		c.network()
		c.versions()
		c.endpoint()
		c.machines()
		c.zones()
		c.etcd()
		c.controlPlane()
		c.loadBalancer()
		c.objects()
	}
	p.Changes = c.changes
	sort.SliceStable(p.Changes, func(i, j int) bool {
		a, b := p.Changes[i], p.Changes[j]
		if a.Impact != b.Impact {
			return a.Impact.rank() > b.Impact.rank()
		}
		return a.order < b.order
	})
	p.Steps = orderSteps(c.changes)
	p.Summary = summarize(p)
	return p
}

// comparer collects the changes.
type comparer struct {
	old, new *state.State
	changes  []Change
	// rebuilt are machines whose removal and joining the machine rules
	// already planned, so other rules skip their per-host steps.
	rebuilt map[string]bool
	// refusedVersion is set when the version change is refused: the other
	// rules then plan nothing that depends on it.
	refusedVersion bool
}

func (c *comparer) add(ch Change) {
	ch.order = len(c.changes)
	c.changes = append(c.changes, ch)
}

// Phases order the steps of different changes.
const (
	phaseRefused = iota
	phaseEndpoint
	phaseUpgrade
	phaseCertificates
	phaseAddControlPlane
	phaseEtcd
	phaseLoadBalancer
	phaseControlPlane
	phaseKubelet
	phaseAddWorkers
	phaseRelabel
	phaseRebuild
	phaseRemove
	phaseObjectsBefore // deleting what is replaced
	phaseObjects       // applying
	phaseObjectsAfter  // rollouts, deletions
)

// orderSteps joins the changes' steps in phase order, dropping a step that
// the same phase and scope already has (one upload of the kubeadm
// configuration serves every component that changed).
func orderSteps(changes []Change) []Step {
	idx := make([]int, len(changes))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return changes[idx[a]].phase < changes[idx[b]].phase })
	var out []Step
	seen := map[string]bool{}
	for _, i := range idx {
		for _, s := range changes[i].Steps {
			key := fmt.Sprintf("%d\x00%s\x00%s\x00%s", changes[i].phase, changes[i].scope, s.Host, s.Command)
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, s)
		}
	}
	if out == nil {
		out = []Step{}
	}
	return out
}

func summarize(p *Plan) Summary {
	var s Summary
	restarts := map[string]bool{}
	for _, c := range p.Changes {
		switch c.Category {
		case "machines":
			switch c.Action {
			case Add, Create:
				s.MachinesAdd++
			case Rebuild:
				s.MachinesRebuild++
			case Remove:
				s.MachinesRemove++
			}
		case "objects":
			switch c.Action {
			case Create:
				s.ObjectsCreate++
			case Update:
				s.ObjectsUpdate++
			case Roll:
				s.ObjectsRoll++
			case Replace:
				s.ObjectsReplace++
			case Delete:
				s.ObjectsDelete++
			}
			if c.Impact == Destructive {
				s.ObjectsDestroyed++
			}
		case "versions":
			if c.Action == Upgrade {
				s.Hops++
			}
		}
		if c.Action == RestartComponent || (c.Impact == Restart && c.Category != "objects") {
			restarts[strings.Fields(c.Target)[0]] = true
		}
		if c.Action == Refuse {
			s.Refused++
		}
	}
	s.ComponentsRestart = len(restarts)
	var b strings.Builder
	fmt.Fprintf(&b, "Plan: %s to add, %d to rebuild, %d to remove; %s restart; %s to create, %d change in place, %d roll, %d replaced, %d destroyed",
		plural(s.MachinesAdd, "machine"), s.MachinesRebuild, s.MachinesRemove, plural(s.ComponentsRestart, "component"),
		plural(s.ObjectsCreate, "object"), s.ObjectsUpdate, s.ObjectsRoll, s.ObjectsReplace, s.ObjectsDestroyed)
	if s.ObjectsDelete > 0 {
		fmt.Fprintf(&b, ", %d deleted", s.ObjectsDelete)
	}
	if s.Hops > 0 {
		fmt.Fprintf(&b, "; upgrade %s → %s in %s", p.From, p.To, plural(s.Hops, "hop"))
	}
	if s.Refused > 0 {
		fmt.Fprintf(&b, "; %s refused", plural(s.Refused, "change"))
	}
	b.WriteString(".")
	s.Line = b.String()
	return s
}

// plural says "1 machine", "2 machines".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// firstRender plans a design with nothing rendered before: every machine
// and object is created, following the install order of ARCHITECTURE.md.
func (c *comparer) firstRender() {
	for _, m := range c.new.Machines {
		c.add(Change{Target: "machine " + m.Name, Category: "machines", Action: Create, Impact: InPlace,
			Summary: fmt.Sprintf("new %s in zone %s", strings.Join(m.Roles, ", "), m.Zone), phase: phaseAddWorkers})
	}
	for _, o := range c.new.Objects {
		c.add(Change{Target: objectTarget(o), Category: "objects", Action: Create, Impact: InPlace,
			Summary: "created", phase: phaseObjects})
	}
	c.add(Change{Target: "cluster " + c.new.Cluster, Category: "versions", Action: Create, Impact: InPlace,
		Summary: "first render: no state file in the folder, so the whole design is new",
		Steps: []Step{{Host: AdminHost, Kind: StepManual, Command: "follow ARCHITECTURE.md, section \"Install order\"",
			Purpose: "build the cluster from scratch"}},
		phase: phaseEndpoint})
}

// Procedure returns the plan's steps as plan.Steps, the form the install
// and restore procedures of ARCHITECTURE.md take, so that whatever carries
// those out (a rehearsal on simulated hosts) can carry these out too.
// systemctl commands are plan.StepService; a manual step keeps the kind
// "manual", which such a runner reports as not performed.
func (p *Plan) Procedure() []plan.Step {
	out := make([]plan.Step, 0, len(p.Steps))
	for _, s := range p.Steps {
		k := plan.StepKind(s.Kind)
		switch {
		case s.Kind == StepRun && strings.HasPrefix(s.Command, "systemctl "):
			k = plan.StepService
		case s.Kind == StepRun:
			k = plan.StepRun
		case s.Kind == StepCheck:
			k = plan.StepCheck
		}
		out = append(out, plan.Step{Kind: k, Host: s.Host, Command: s.Command, Purpose: s.Purpose})
	}
	return out
}
