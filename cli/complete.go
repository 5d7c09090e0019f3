package cli

import "github.com/spf13/cobra"

// completeSpecs offers, for a SPEC argument, .hcl files and folders (a
// folder's .hcl files form one spec): shells filter by the extension and
// always offer folders to descend into.
func completeSpecs(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return []string{"hcl"}, cobra.ShellCompDirectiveFilterFileExt
}

// completeOneSpec is completeSpecs for commands that take one SPEC.
func completeOneSpec(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return completeSpecs(cmd, args, toComplete)
}

// completeOneDir offers folders only, for a command's one DIR argument.
func completeOneDir(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return nil, cobra.ShellCompDirectiveFilterDirs
}

// completeDirFlag and completeHCLFlag complete flags that take a folder or
// an HCL file.
func completeDirFlag(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveFilterDirs
}

func completeHCLFlag(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return []string{"hcl"}, cobra.ShellCompDirectiveFilterFileExt
}
