package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/rehearse"
	"github.com/blueprint-dev/blueprint/render"
)

type rehearseOptions struct {
	specOptions
	Keep      bool
	JSON      bool
	WorkDir   string
	ToolDirs  []string
	Drills    []string
	NoDrills  bool
	NoRestore bool
	Timeout   time.Duration
}

// newRehearseCommand builds "blueprint rehearse"; run, if not nil, replaces
// rehearseRun so that tests can see the options argv becomes.
func newRehearseCommand(s Streams, run func(context.Context, *rehearseOptions, Streams) error) *cobra.Command {
	if run == nil {
		run = rehearseRun
	}
	o := &rehearseOptions{}
	cmd := &cobra.Command{
		Use:   "rehearse SPEC",
		Short: "Bring the design up on simulated hosts, follow its install order, then break it on purpose",
		Long: `rehearse turns every machine of SPEC that runs control-plane, etcd or
load-balancer software into a simulated host (network, mount and UTS
namespaces of its own, on one bridge with no link or route to this machine),
follows ARCHITECTURE.md's install order on them with the real kubeadm, etcd,
kube-apiserver, kube-controller-manager, kube-scheduler, haproxy and
keepalived, then runs drills while a client probes the API through the VIP
every 100 ms: each host and each zone powered off, each zone cut off by a
partition, HAProxy and kube-apiserver stopped on the VIP holder, and an etcd
restore from a backup. Every answer is compared with ARCHITECTURE.md's
failure table; a disagreement fails the command.

It needs root (or CAP_NET_ADMIN and CAP_SYS_ADMIN) and the programs .ci/run
installs; without them it says what is missing and exits 3. A stand-in
kubelet runs the static pods as processes; see the README for what that
leaves unproven.

Exit code 0: the design behaved as the plan says; 1: a drill disagreed, or a
step failed; 2: usage; 3: this machine cannot rehearse (or cleanup failed).`,
		Example: `  sudo blueprint rehearse blueprints/ha.hcl
  sudo blueprint rehearse blueprints/ha.hcl --no-drills --keep
  sudo blueprint rehearse cluster.hcl --drill kmaster1 --drill partition --no-restore --json > report.json`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeOneSpec,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Path = args[0]
			if !cmd.Flags().Changed("tools") {
				if d := os.Getenv("BLUEPRINT_TOOLS"); d != "" {
					o.ToolDirs = []string{d}
				}
			}
			if o.NoDrills && len(o.Drills) > 0 {
				return &exitError{code: ExitUsage, err: errors.New("--no-drills and --drill exclude each other")}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return run(ctx, o, s)
		},
	}
	o.addFlags(cmd)
	f := cmd.Flags()
	f.BoolVar(&o.Keep, "keep", false, "keep the hosts' disks and logs (the work folder) after the run")
	f.BoolVar(&o.JSON, "json", false, "print the report as JSON (progress still goes to standard error)")
	f.StringVar(&o.WorkDir, "work-dir", "", "folder for the hosts' disks and logs (default: a new one in $TMPDIR)")
	f.StringArrayVar(&o.ToolDirs, "tools", nil, "folder of kubeadm, the Kubernetes servers and etcd (repeatable; default $BLUEPRINT_TOOLS)")
	f.StringArrayVar(&o.Drills, "drill", nil, "run only the drills whose name contains this (repeatable), such as \"kmaster1\" or \"partition\"")
	f.BoolVar(&o.NoDrills, "no-drills", false, "only bring the design up and check it")
	f.BoolVar(&o.NoRestore, "no-restore", false, "skip the backup and restore drill")
	f.DurationVar(&o.Timeout, "timeout", 60*time.Minute, "bound on the whole rehearsal")
	return cmd
}

func rehearseRun(ctx context.Context, o *rehearseOptions, s Streams) error {
	l := loadSpec(o.specOptions)
	l.printDiagnostics(s)
	if l.failed(o.Strict) {
		return specError()
	}
	p := plan.Build(l.spec)
	tree, err := render.Render(p)
	if err != nil {
		return &exitError{code: ExitFailure, err: err}
	}
	if m := rehearse.Missing(p, o.ToolDirs); len(m) > 0 {
		return &exitError{code: ExitFailure, err: (&rehearse.MissingError{Missing: m})}
	}
	opts := rehearse.Options{WorkDir: o.WorkDir, Keep: o.Keep, ToolDirs: o.ToolDirs, Progress: s.Err,
		Drills: o.Drills, NoRestore: o.NoRestore, Timeout: o.Timeout}
	if o.NoDrills {
		opts.Drills = []string{}
		opts.NoRestore = true
	}
	r, err := rehearse.Run(ctx, p, tree, opts)
	if werr := writeReport(r, o.JSON, s.Out); werr != nil && err == nil {
		err = werr
	}
	var missing *rehearse.MissingError
	var lab *rehearse.LabError
	switch {
	case errors.As(err, &missing), errors.As(err, &lab):
		return &exitError{code: ExitFailure, err: err}
	case err != nil || len(r.Failures) > 0:
		return &exitError{code: ExitSpecError, err: fmt.Errorf("the rehearsal failed: %d problems (listed above)", len(r.Failures))}
	}
	return nil
}

func writeReport(r *rehearse.Report, asJSON bool, w io.Writer) error {
	if r == nil {
		return nil
	}
	if asJSON {
		return r.WriteJSON(w)
	}
	return r.WriteText(w)
}
