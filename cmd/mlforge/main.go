// Command mlforge trains, evaluates and serves machine-learning models
// described by a JSON training spec. Run `mlforge help` for the commands.
//
// A command other than serve runs in a child process of the same binary
// (see supervise.go), so that the exit code can keep its promise: 2 for
// the user's bad input only, 1 for everything else, including the Go
// runtime's own crashes (out of memory, a panic outside the command's
// goroutine), which exit with 2 from inside the process.
package main

import "os"

func main() { os.Exit(run(os.Args[1:])) }
