package plan

// A procedure is steps ARCHITECTURE.md tells the reader to perform, kept as
// data so that the document and anything that carries the steps out (the
// tests, a rehearsal on simulated hosts) read the same list.

// StepKind says what a step needs from its host.
type StepKind string

// The kinds of step.
const (
	// StepRun is a shell command that only reads this tree (from the
	// current folder) and writes files on its host: kubeadm phases,
	// install, cp, find. Tests run these for real on simulated hosts.
	StepRun StepKind = "run"
	// StepCopy moves files from one host to another (scp, or any other
	// way): the only step that crosses hosts.
	StepCopy StepKind = "copy"
	// StepService starts or restarts a system service (systemctl).
	StepService StepKind = "service"
	// StepCheck asks running software whether the steps before worked.
	StepCheck StepKind = "check"
)

// Step is one action of a procedure, on one host.
type Step struct {
	Kind StepKind
	// Host is where the step runs; for a copy, the host the files come from.
	Host string
	// Command is the shell command to run as root on Host, from the top of
	// this tree (empty for a copy).
	Command string
	// Copy is set for StepCopy.
	Copy *Copy
	// Purpose says why, in a few words.
	Purpose string
	// Each, when set, runs the step on each of these hosts (Host then
	// names them in words, such as "every worker"), with "<node>" in
	// Command standing for the host's name (see ForHost).
	Each []string
	// Kubeadm is set when Command is a kubeadm init or join.
	Kubeadm *KubeadmRun
	// Service is set for StepService: what the step (re)starts.
	Service *Service
	// Apply names the folder of this tree whose objects the step applies
	// to the cluster, directly or through GitOps.
	Apply string
}

// Listed returns the steps the document lists with their commands: all
// but the manual ones, which its prose states.
func (i InstallStep) Listed() []Step {
	var out []Step
	for _, s := range i.Steps {
		if s.Kind != StepManual {
			out = append(out, s)
		}
	}
	return out
}

// Copy is a transfer of one file or folder between hosts.
type Copy struct {
	From   string // path on Step.Host
	ToHost string
	To     string // path on ToHost; a folder is copied to exactly this path
	// Address is ToHost's address, for the scp command the document shows.
	Address string
}

// Hosts returns the hosts a procedure touches, in the order they first
// appear.
func Hosts(steps []Step) []string {
	var out []string
	seen := map[string]bool{}
	add := func(h string) {
		if h != "" && !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	for _, s := range steps {
		add(s.Host)
		if s.Copy != nil {
			add(s.Copy.ToHost)
		}
	}
	return out
}
