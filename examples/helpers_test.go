package examples_test

import "os"

// tempDir makes a directory for an example's model; examples have no
// testing.T to clean up after them, so the operating system's temporary
// folder keeps it.
func tempDir() string {
	d, err := os.MkdirTemp("", "mlforge-example-")
	if err != nil {
		panic(err)
	}
	return d
}
