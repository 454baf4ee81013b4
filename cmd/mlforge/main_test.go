package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// asMainEnv makes the test binary act as mlforge (TestMain calls run), in
// the test's children and in their supervised children alike.
const asMainEnv = "MLFORGE_TEST_AS_MAIN"

// crashEnv makes the supervised child crash the Go runtime before the
// command runs: "panic" (an unrecovered panic on another goroutine) or
// "oom" (out of memory under an address-space limit).
const crashEnv = "MLFORGE_TEST_CRASH"

func TestMain(m *testing.M) {
	if os.Getenv(asMainEnv) == "1" {
		if os.Getenv(supervisedEnv) == "1" {
			crash(os.Getenv(crashEnv))
		}
		os.Exit(run(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// sink keeps the allocations of crash("oom") alive.
var sink [][]byte

func crash(how string) {
	switch how {
	case "panic":
		done := make(chan bool)
		go func() { panic("simulated crash") }()
		<-done
	case "oom":
		// Limit the address space to what the process has now plus 256
		// MiB, then allocate past it: the runtime's "fatal error: out of
		// memory", which exits with 2.
		var vm uint64
		if b, err := os.ReadFile("/proc/self/status"); err == nil {
			for _, l := range strings.Split(string(b), "\n") {
				if rest, ok := strings.CutPrefix(l, "VmSize:"); ok {
					kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
					vm = kb << 10
				}
			}
		}
		lim := &syscall.Rlimit{Cur: vm + 256<<20, Max: vm + 256<<20}
		if vm == 0 || syscall.Setrlimit(syscall.RLIMIT_AS, lim) != nil {
			os.Exit(99)
		}
		for {
			b := make([]byte, 64<<20)
			for i := range b {
				b[i] = 1
			}
			sink = append(sink, b)
		}
	}
}

// mlforge runs the test binary as mlforge in dir with the extra
// environment and returns its exit code and stderr.
func mlforge(t *testing.T, dir string, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), asMainEnv+"=1"), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

// TestExitCodes: 2 only for the user's bad input (flags, spec, a spec over
// budget), 1 for failures of mlforge or of the machine, including the Go
// runtime's own crashes, which exit with 2 inside the process.
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("ok.json", `{"name": "iris", "data": {"train": "builtin:iris"}, "model": {"class": "GaussianNB"}}`)
	write("bad.json", `{"name": "iris", "data": {"train": "builtin:iris"}, "model": {"class": "GaussianNB"}`)
	write("invalid.json", `{"name": "iris", "data": {"train": "builtin:iris"}, "model": {"class": "GausianNB"}}`)
	write("big.json", `{"name": "big", "data": {"train": "builtin:iris"}, "model": {"class": "MLPClassifier", "params": {"hidden_layer_sizes": [1000000000]}}}`)
	for _, c := range []struct {
		name    string
		env     []string
		args    []string
		want    int
		contain string
	}{
		{"success", nil, []string{"train", "ok.json", "--quiet"}, 0, ""},
		{"version", nil, []string{"version"}, 0, ""},
		{"bad flag", nil, []string{"train", "--nope", "ok.json"}, 2, "flag provided but not defined"},
		{"unknown command", nil, []string{"trian"}, 2, "unknown command"},
		{"malformed spec", nil, []string{"train", "bad.json"}, 2, "invalid JSON at line 1"},
		{"validation error", nil, []string{"train", "invalid.json"}, 2, "GausianNB"},
		{"over budget", nil, []string{"train", "big.json", "--max-model-bytes", "1GiB"}, 2, "model.params.hidden_layer_sizes"},
		{"missing file", nil, []string{"train", "absent.json"}, 2, "absent.json"},
		{"runtime panic", []string{crashEnv + "=panic"}, []string{"train", "ok.json"}, 1, "the process crashed (exit status 2)"},
		{"out of memory", []string{crashEnv + "=oom"}, []string{"train", "ok.json"}, 1, "out of memory"},
	} {
		code, stderr := mlforge(t, dir, c.env, c.args...)
		if code != c.want || !strings.Contains(stderr, c.contain) {
			t.Errorf("%s: exit %d, want %d; stderr:\n%.2000s", c.name, code, c.want, stderr)
		}
	}
}

// TestKilledChild: a command whose process is killed (as the kernel's
// out-of-memory killer does) exits with 1, and SIGTERM to mlforge reaches
// the command, which stops cleanly (1, interrupted).
func TestKilledChild(t *testing.T) {
	dir := t.TempDir()
	// serve is not supervised; a long train is: digits with many iterations.
	spec := `{"name": "slow", "data": {"train": "builtin:digits"}, "model": {"class": "LogisticRegression", "params": {"max_iter": 1000000, "tol": 0, "C": 1000}}}`
	if err := os.WriteFile(filepath.Join(dir, "slow.json"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		sig     syscall.Signal
		child   bool // signal the child instead of mlforge
		contain string
	}{
		{"SIGTERM to mlforge", syscall.SIGTERM, false, "interrupted"},
		{"SIGKILL to the command", syscall.SIGKILL, true, "the process was killed"},
	} {
		cmd := exec.Command(os.Args[0], "train", "slow.json")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), asMainEnv+"=1")
		pipe, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// The progress bar's first output says the command is training
		// (its signal handling is in place).
		var stderr bytes.Buffer
		var mu sync.Mutex
		training := make(chan struct{})
		copied := make(chan struct{})
		go func() {
			defer close(copied)
			b := make([]byte, 4096)
			once := sync.OnceFunc(func() { close(training) })
			for {
				n, err := pipe.Read(b)
				mu.Lock()
				stderr.Write(b[:n])
				mu.Unlock()
				if n > 0 {
					once()
				}
				if err != nil {
					return
				}
			}
		}()
		select {
		case <-training:
		case <-time.After(time.Minute):
			t.Fatal("no progress from train in a minute")
		}
		// The command's process is mlforge's child.
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/task/" + strconv.Itoa(cmd.Process.Pid) + "/children")
		child, _ := strconv.Atoi(strings.Fields(string(b) + " 0")[0])
		if child == 0 {
			cmd.Process.Kill()
			cmd.Wait()
			t.Skip("cannot find the command's process (/proc/PID/task/PID/children)")
		}
		if c.child {
			syscall.Kill(child, c.sig)
		} else {
			cmd.Process.Signal(c.sig)
		}
		<-copied
		cmd.Wait()
		if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(stderr.String(), c.contain) {
			t.Errorf("%s: exit %d, want 1; stderr:\n%s", c.name, code, stderr.String())
		}
	}
}
