//go:build !unix

package main

// maxRSSMB is not available here.
func maxRSSMB() float64 { return -1 }

// cpuSeconds is not available here.
func cpuSeconds() float64 { return -1 }
