package jobs

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// prepareChild puts the child in its own process group, so that a Ctrl-C
// in the server's terminal reaches the server, which stops its runs in
// order (a run the terminal interrupted directly would look cancelled).
func prepareChild(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// stopChild asks a child to stop.
func stopChild(p *os.Process) { _ = p.Signal(syscall.SIGTERM) }

const canWatchRSS = true

// childRSS returns the resident memory of process pid in bytes (0 when
// unknown), from /proc/PID/status.
func childRSS(pid int) int64 {
	return procStatus(pid, "VmRSS:")
}

// procStatus reads one kB field of /proc/PID/status in bytes.
func procStatus(pid int, field string) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// peakRSS returns the peak resident memory of an ended process in bytes.
func peakRSS(ps *os.ProcessState) int64 {
	if ps == nil {
		return 0
	}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss << 10 // kilobytes on Linux
	}
	return 0
}

// limitAddressSpace sets this process's RLIMIT_AS to n bytes, so that an
// allocation past it fails at once instead of pushing the machine into
// swap or the kernel's OOM killer.
func limitAddressSpace(n int64) error {
	return syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: uint64(n), Max: uint64(n)})
}
