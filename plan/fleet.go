package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

// FleetDir is the folder of a fleet's tree that holds one tree per member.
const FleetDir = "clusters"

// Fleet is what FLEET.md and the fleet's GitOps files print: every
// member's plan, grouped by region.
type Fleet struct {
	Members []FleetMember // in declaration order
	Regions []FleetRegion // sorted by name
	// Services are the services that run in more than one member.
	Services []FleetService
	// RegionLoss says, per region, what goes and what keeps serving.
	RegionLoss []RegionLoss
	// Routes are the pairs of members routed together, and why.
	Routes []FleetRoute
	// GitOps is the fleet's hub wiring; nil when no member uses GitOps.
	GitOps *FleetGitOps
}

// FleetMember is one cluster of the fleet.
type FleetMember struct {
	Name    string
	Class   string
	Region  string
	Network string // "" when on no shared network
	Dir     string // clusters/NAME
	Plan    *Plan
	// Zones are the member's zones with their region.
	Zones []FleetZone
}

// FleetZone is one zone of a member.
type FleetZone struct {
	Name, Region string
}

// FleetRegion lists the members in one region.
type FleetRegion struct {
	Name    string
	Members []string
}

// FleetRoute is a pair of members routed to each other.
type FleetRoute struct {
	A, B, Why string
}

// FleetService is one service (a workload or cluster service, by kind and
// name) that runs in several members.
type FleetService struct {
	Kind, Name string
	Members    []string
}

// Title is "Kafka events", "monitoring".
func (s FleetService) Title() string {
	if s.Name == "" {
		return s.Kind
	}
	return s.Kind + " " + s.Name
}

// RegionLoss is what losing one region does.
type RegionLoss struct {
	Region string
	Lost   []string // the members in the region
	// Serving is, per replicated service, where it keeps serving.
	Serving []ServiceServing
}

// ServiceServing is where one service keeps serving after a region loss;
// Members is empty when every copy was in the region.
type ServiceServing struct {
	Service string
	Members []string
}

// FleetGitOps is one Argo CD ApplicationSet (list generator) or one Flux
// Kustomization per member, on a hub cluster that reaches every member.
type FleetGitOps struct {
	Argo     bool // false: Flux
	Elements []FleetGitOpsElement
}

// FleetGitOpsElement is one member as the hub deploys it.
type FleetGitOpsElement struct {
	Cluster  string
	Region   string
	Server   string // https://endpoint
	RepoURL  string
	Revision string
	Path     string // the member's manifests/ in the repository
}

// BuildFleet builds the fleet view from its members' plans (by member
// name); members without a plan are left out.
func BuildFleet(f *spec.Fleet, plans map[string]*Plan) *Fleet {
	out := &Fleet{}
	regions := map[string][]string{}
	for _, m := range f.Members {
		p := plans[m.Name]
		if p == nil || m.Spec == nil {
			continue
		}
		fm := FleetMember{Name: m.Name, Class: m.Class, Region: m.Region, Network: m.Network, Dir: FleetDir + "/" + m.Name, Plan: p}
		for _, z := range m.Spec.Zones {
			fm.Zones = append(fm.Zones, FleetZone{z.Name, m.ZoneRegion(z)})
		}
		out.Members = append(out.Members, fm)
		regions[m.Region] = append(regions[m.Region], m.Name)
	}
	for _, r := range sortedKeys(regions) {
		out.Regions = append(out.Regions, FleetRegion{r, regions[r]})
	}
	for i, a := range f.Members {
		for _, b := range f.Members[i+1:] {
			if plans[a.Name] == nil || plans[b.Name] == nil {
				continue
			}
			if why := validate.RoutedTogether(f, a, b); why != "" {
				out.Routes = append(out.Routes, FleetRoute{a.Name, b.Name, why})
			}
		}
	}

	// Services by kind and name, in the members that run them.
	byKey := map[string]*FleetService{}
	var keys []string
	add := func(kind, name, member string) {
		k := kind + "\x00" + name
		s, ok := byKey[k]
		if !ok {
			s = &FleetService{Kind: kind, Name: name}
			byKey[k] = s
			keys = append(keys, k)
		}
		s.Members = append(s.Members, member)
	}
	for _, m := range out.Members {
		p := m.Plan
		if k := p.Workloads.Kafka; k != nil {
			add("Kafka", k.Name, m.Name)
		}
		if h := p.Workloads.HDFS; h != nil {
			add("HDFS", h.Name, m.Name)
		}
		if s := p.Workloads.Spark; s != nil {
			add("Spark", s.Name, m.Name)
		}
		if p.Services.Monitoring != nil {
			add("monitoring", "", m.Name)
		}
		if l := p.Services.Logging; l != nil {
			add("logging", "", m.Name)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if s := byKey[k]; len(s.Members) > 1 {
			out.Services = append(out.Services, *s)
		}
	}
	for _, r := range out.Regions {
		loss := RegionLoss{Region: r.Name, Lost: r.Members}
		for _, s := range out.Services {
			var left []string
			for _, m := range s.Members {
				if !slices.Contains(r.Members, m) {
					left = append(left, m)
				}
			}
			loss.Serving = append(loss.Serving, ServiceServing{Service: s.Title(), Members: left})
		}
		out.RegionLoss = append(out.RegionLoss, loss)
	}
	out.GitOps = fleetGitOps(out.Members)
	return out
}

// fleetGitOps wires the members that use GitOps into one hub: the tool
// of the first such member (validate requires them to agree).
func fleetGitOps(members []FleetMember) *FleetGitOps {
	var g *FleetGitOps
	for _, m := range members {
		mg := m.Plan.Services.GitOps
		if mg == nil {
			continue
		}
		if g == nil {
			g = &FleetGitOps{Argo: mg.Tool == "argocd"}
		}
		g.Elements = append(g.Elements, FleetGitOpsElement{
			Cluster:  m.Name,
			Region:   m.Region,
			Server:   "https://" + m.Plan.Endpoint.String(),
			RepoURL:  mg.RepoURL,
			Revision: mg.Revision,
			Path:     strings.TrimSuffix(mg.Path, "/") + "/manifests",
		})
	}
	return g
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ZoneList is "euw-a, euw-b, euw-c".
func (m FleetMember) ZoneList() string {
	var names []string
	for _, z := range m.Zones {
		if z.Region != m.Region {
			names = append(names, fmt.Sprintf("%s (%s)", z.Name, z.Region))
			continue
		}
		names = append(names, z.Name)
	}
	return strings.Join(names, ", ")
}
