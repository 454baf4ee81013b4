//go:build !linux

package jobs

import (
	"os"
	"os/exec"
)

func prepareChild(*exec.Cmd) {}

// stopChild stops a child: without Linux signals semantics assumed, it is
// killed (its checkpoint from the last epoch stays).
func stopChild(p *os.Process) { _ = p.Kill() }

const canWatchRSS = false

func childRSS(int) int64 { return 0 }

func peakRSS(*os.ProcessState) int64 { return 0 }

// limitAddressSpace is a no-op off Linux; the Go memory limit still holds.
func limitAddressSpace(int64) error { return nil }
