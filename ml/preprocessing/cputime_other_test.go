//go:build !unix

package preprocessing

// cpuTime is not measured on this system.
func cpuTime() int64 { return 0 }
