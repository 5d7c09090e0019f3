package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/blueprint-dev/blueprint/verify"
)

type verifyOptions struct {
	Dir        string
	ToolDirs   []string
	Interface  string
	JSON       bool
	RequireAll bool
	Images     bool
}

// newVerifyCommand builds "blueprint verify"; run, if not nil, replaces
// verifyRun so that tests can see the options argv becomes.
func newVerifyCommand(s Streams, run func(context.Context, *verifyOptions, Streams) error) *cobra.Command {
	if run == nil {
		run = verifyRun
	}
	o := &verifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify DIR",
		Short: "Check a rendered tree with the real haproxy, keepalived, kubeadm, promtool and kube-apiserver",
		Long: `verify runs whichever of haproxy, keepalived, kubeadm, promtool and
kube-apiserver (with etcd, on 127.0.0.1) it finds against the tree that render
wrote into DIR, and prints for every artifact
which check ran, with which program and version, and the result. Programs are
looked for in the --tools folders (default: $BLUEPRINT_TOOLS), then in
/var/cache/blueprint-tools/bin, /usr/sbin and /usr/local/sbin, then on PATH.
A missing program is reported, with how to install it, and fails only with
--require-all.

DIR may have been edited by hand or by an attacker, so verify never executes,
includes or fetches what it supplies: it reads only the regular files
.blueprint-files lists (no symbolic links, size-capped), refuses before any
program runs every directive, field or kustomize reference blueprint never
writes (a failed check naming file:line), and runs each program on a copy, with
only PATH, HOME and LANG in its environment and, on Linux, haproxy, kubeadm and
promtool in a network namespace of their own. See the README.

Exit code 0: every check that ran passed; 1: a check failed (or, with
--require-all, could not run); 2: usage, or DIR is not one rendered tree;
3: other failure.`,
		Example: `  blueprint render cluster.hcl -o out && blueprint verify out
  blueprint verify out --require-all --json`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeOneDir,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Dir = args[0]
			if !cmd.Flags().Changed("tools") {
				if d := os.Getenv("BLUEPRINT_TOOLS"); d != "" {
					o.ToolDirs = []string{d}
				}
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			return run(ctx, o, s)
		},
	}
	cmd.Flags().StringArrayVar(&o.ToolDirs, "tools", nil, "folder to look for the programs in first (repeatable)")
	cmd.Flags().StringVar(&o.Interface, "interface", "", "network interface keepalived's check uses instead of the configs' (default: this machine's first non-loopback one)")
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the report as JSON")
	cmd.Flags().BoolVar(&o.RequireAll, "require-all", false, "fail when a check cannot run because its program is missing")
	cmd.Flags().BoolVar(&o.Images, "images", false, "also scan every image of the tree with trivy (reaches the network; only images from the spec's allowed registries)")
	_ = cmd.RegisterFlagCompletionFunc("tools", completeDirFlag)
	return cmd
}

func verifyRun(ctx context.Context, o *verifyOptions, s Streams) error {
	var p *progress
	rep, err := verify.Run(ctx, verify.Options{Dir: o.Dir, ToolDirs: o.ToolDirs, Interface: o.Interface, Images: o.Images,
		Progress: func(n, total int, what string) {
			if p == nil {
				p = s.progress(total)
			}
			p.step("%s", what)
		}})
	if p != nil {
		p.done()
	}
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, verify.ErrNotATree):
		return &exitError{code: ExitUsage, err: err}
	case err != nil:
		return &exitError{code: ExitFailure, err: err}
	}
	if o.JSON {
		enc := json.NewEncoder(s.Out)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	} else {
		err = rep.WriteText(s.Out)
	}
	if err != nil {
		return &exitError{code: ExitFailure, err: err}
	}
	if n := rep.Count(verify.Failed); n > 0 {
		return &exitError{code: ExitSpecError, err: fmt.Errorf("%d of %d checks failed", n, len(rep.Checks))}
	}
	if n := rep.Count(verify.NotRun); n > 0 && o.RequireAll {
		return &exitError{code: ExitSpecError, err: fmt.Errorf("%d checks could not run, and --require-all asks for every one", n)}
	}
	return nil
}
