package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/blueprint-dev/blueprint/importer/convert"
	"github.com/blueprint-dev/blueprint/internal/safefs"
)

type importOptions struct {
	Sources []string
	Output  string
	Name    string
	Force   bool
}

func newImportCommand(s Streams) *cobra.Command {
	o := &importOptions{}
	cmd := &cobra.Command{
		Use:   "import SOURCE... -o FILE.hcl",
		Short: "Write a spec from a Kubespray inventory, kubeadm configs or a KubeOne manifest",
		Long: `import reads the description of an existing cluster (a Kubespray inventory,
kubeadm configuration files or a KubeOne manifest) and writes a formatted spec
for it to FILE.hcl. It reports on standard error every setting of the sources the spec does not
carry as they have it, with its file and line, and validates the spec.
Exit code 0: written and valid; 1: written, but the sources lack something a
spec needs (machines, the API endpoint) or the spec has errors; 2: usage;
3: a source could not be read or the file not written.`,
		Example: `  blueprint import inventory/mycluster -o cluster.hcl          # a Kubespray inventory folder
  blueprint import hosts.yaml group_vars/k8s_cluster/*.yml -o cluster.hcl
  blueprint import init.yaml join-*.yaml -o cluster.hcl         # kubeadm configuration files
  blueprint import kubeone.yaml -o cluster.hcl                  # a KubeOneCluster manifest`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Sources = args
			return importRun(o, s)
		},
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "the spec file to write (required)")
	cmd.Flags().StringVar(&o.Name, "name", "", "the cluster's name, when the sources give none")
	cmd.Flags().BoolVar(&o.Force, "force", false, "overwrite the output file if it exists")
	return cmd
}

func importRun(o *importOptions, s Streams) error {
	if o.Output == "" {
		return &exitError{code: ExitUsage, err: errors.New("name the spec file to write with -o FILE.hcl")}
	}
	r, err := convert.Sources(o.Sources, convert.Options{SpecName: filepath.Base(o.Output), Name: o.Name})
	if err != nil {
		return &exitError{code: ExitFailure, err: err}
	}
	err = safefs.WriteFile(o.Output, r.Spec, 0o644, o.Force)
	switch {
	case errors.Is(err, fs.ErrExist):
		return &exitError{code: ExitUsage, err: fmt.Errorf("%s exists; use --force to overwrite it", safefs.Show(o.Output))}
	case err != nil:
		return &exitError{code: ExitFailure, err: err}
	}
	if len(r.Findings) > 0 {
		fmt.Fprintf(s.Err, "%d source settings are not carried over as the sources have them:\n", len(r.Findings))
		for _, f := range r.Findings {
			fmt.Fprintf(s.Err, "  %s\n", f)
		}
	}
	if len(r.Diagnostics) > 0 {
		tw := hcl.NewDiagnosticTextWriter(s.Err, r.Files, 100, false)
		_ = tw.WriteDiagnostics(r.Diagnostics)
	}
	fmt.Fprintf(s.Out, "Wrote %s from %d %s source(s). Next: blueprint validate %s\n", safefs.Show(o.Output), len(o.Sources), r.Format, safefs.Show(o.Output))
	if len(r.Missing) > 0 {
		for _, m := range r.Missing {
			fmt.Fprintf(s.Err, "Missing: the sources do not give %s; add it to %s.\n", m, safefs.Show(o.Output))
		}
		return specError()
	}
	if r.Diagnostics.HasErrors() {
		return specError()
	}
	return nil
}
