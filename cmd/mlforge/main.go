// Command mlforge trains, evaluates and serves machine-learning models
// described by a JSON training spec. Run `mlforge help` for the commands.
package main

import (
	"os"

	"github.com/mlforge/mlforge/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
