// Command blueprint renders a highly available Kubernetes cluster from one
// HCL spec. See the README.
package main

import (
	"os"

	"github.com/blueprint-dev/blueprint/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
