package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// buildVersion is what "blueprint version" reports. It describes the
// binary only: rendered files never carry it, so that out/ stays the same
// bytes across commits and a GitOps repository does not churn when the
// tool is upgraded.
type buildVersion struct {
	// Version is the module version the binary was built at: a tag such
	// as v1.2.0 for go install …@v1.2.0, "(devel)" for a build from a
	// checkout.
	Version string `json:"version"`
	// Commit is the revision of a build from a checkout, when Go recorded
	// it; Modified says the checkout had uncommitted changes.
	Commit     string `json:"commit,omitempty"`
	CommitTime string `json:"commit_time,omitempty"`
	Modified   bool   `json:"modified,omitempty"`
	Go         string `json:"go"`
	Platform   string `json:"platform"`
}

// readVersion reads the binary's build information.
func readVersion() buildVersion {
	bi, ok := debug.ReadBuildInfo()
	return versionOf(bi, ok)
}

// versionOf turns build information into a buildVersion.
func versionOf(bi *debug.BuildInfo, ok bool) buildVersion {
	v := buildVersion{Version: "(unknown)", Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if !ok || bi == nil {
		return v
	}
	if bi.Main.Version != "" {
		v.Version = bi.Main.Version
	}
	if bi.GoVersion != "" {
		v.Go = bi.GoVersion
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.time":
			v.CommitTime = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// versionLine is the one-line form, which --version prints too.
func versionLine(v buildVersion) string {
	line := "blueprint " + v.Version
	if v.Commit != "" {
		line += ", commit " + v.Commit
		if v.Modified {
			line += " with uncommitted changes"
		}
		if v.CommitTime != "" {
			line += " (" + v.CommitTime + ")"
		}
	}
	return line + fmt.Sprintf(", built with %s for %s", v.Go, v.Platform)
}

type versionOptions struct {
	JSON bool
}

func newVersionCommand(s Streams) *cobra.Command {
	o := &versionOptions{}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print blueprint's version, commit and Go version",
		Long: `version prints the module version blueprint was built at, the commit of the
checkout it was built from (when Go recorded one) and the Go version. blueprint
--version prints the same line. Rendered files never carry the version.`,
		Example: `  blueprint version
  blueprint version --json | jq -r .commit`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return versionRun(o, readVersion(), s)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the version as JSON")
	return cmd
}

func versionRun(o *versionOptions, v buildVersion, s Streams) error {
	if o.JSON {
		return writeJSONTo(s.Out, v)
	}
	_, err := fmt.Fprintln(s.Out, versionLine(v))
	return err
}

// writeJSONTo writes v as indented JSON; a failure to write is exit 3.
func writeJSONTo(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return &exitError{code: ExitFailure, err: err}
	}
	return nil
}
