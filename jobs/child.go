package jobs

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/mlforge/mlforge/event"
	"github.com/mlforge/mlforge/store"
)

// Child makes a Manager train each attempt in a child process, so that a
// run that dies (out of memory, a runtime fatal error, a kill) fails alone
// and the service stays up. The child is started as Path Args..., gets its
// Task as one JSON line on stdin, and must call ServeChild; it reports
// progress, metrics and the result as JSON lines on stdout.
type Child struct {
	Path string
	Args []string
	// Env is added to the parent's environment.
	Env []string
	// Grace is how long a child has to stop after it is asked to (a cancel
	// or a server stop) before it is killed. Default 10 s.
	Grace time.Duration
}

// ChildOverhead is the address space the Go runtime of a child reserves
// beyond its heap: with RLIMIT_AS at 1.2 GB a Go program could not allocate
// 128 MiB at all, at 1.5 GB it could, and at 3 GB it failed with 1.68 GB of
// heap in use (measured with Go 1.26 on linux/amd64). The child's address
// space limit is its memory limit plus this.
var ChildOverhead int64 = 2 << 30

// Task is what a child receives.
type Task struct {
	Run *store.Run `json:"run"`
	// MaxRunMemory is the run's memory limit in bytes (0: none): the
	// child's Go memory limit (GOMEMLIMIT) and, on Linux, with
	// ChildOverhead added, its address-space limit.
	MaxRunMemory int64 `json:"max_run_memory,omitempty"`
}

// childMsg is one line a child writes: exactly one field is set.
type childMsg struct {
	Event   *wireEvent           `json:"event,omitempty"`
	Metrics map[string]wireFloat `json:"metrics,omitempty"`
	Step    int                  `json:"step,omitempty"`
	Result  json.RawMessage      `json:"result,omitempty"`
	Error   *childError          `json:"error,omitempty"`
}

type childError struct {
	Message  string `json:"message"`
	Canceled bool   `json:"canceled,omitempty"`
	BadInput bool   `json:"bad_input,omitempty"`
}

// wireEvent is event.Event with floats that survive JSON (NaN and infinities
// as strings).
type wireEvent struct {
	event.Event
	Loss    *wireFloat           `json:"loss,omitempty"`
	Metrics map[string]wireFloat `json:"metrics,omitempty"`
}

type wireFloat float64

func (f wireFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Inf"`), nil
	}
	return json.Marshal(v)
}

func (f *wireFloat) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"NaN"`:
		*f = wireFloat(math.NaN())
	case `"+Inf"`:
		*f = wireFloat(math.Inf(1))
	case `"-Inf"`:
		*f = wireFloat(math.Inf(-1))
	default:
		var v float64
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*f = wireFloat(v)
	}
	return nil
}

func toWire(m map[string]float64) map[string]wireFloat {
	if m == nil {
		return nil
	}
	out := make(map[string]wireFloat, len(m))
	for k, v := range m {
		out[k] = wireFloat(v)
	}
	return out
}

func fromWire(m map[string]wireFloat) map[string]float64 {
	if m == nil {
		return nil
	}
	out := make(map[string]float64, len(m))
	for k, v := range m {
		out[k] = float64(v)
	}
	return out
}

// childBadInput is the error of a run that failed in a child on the
// user's input.
type childBadInput struct{ msg string }

func (e *childBadInput) Error() string  { return e.msg }
func (e *childBadInput) BadInput() bool { return true }

// maxChildLine caps one line from a child (a result with a large confusion
// matrix is the longest).
const maxChildLine = 64 << 20

// runChild trains one attempt of run in a child process and relays what it
// reports to rec. A cancelled ctx asks the child to stop (SIGTERM, and
// stdin closed), and kills it after the grace period.
func (m *Manager) runChild(ctx context.Context, run *store.Run, rec Progress) (json.RawMessage, error) {
	c := m.cfg.Child
	grace := c.Grace
	if grace <= 0 {
		grace = 10 * time.Second
	}
	limit := m.cfg.Limits.MaxRunMemory
	task, err := json.Marshal(Task{Run: run, MaxRunMemory: limit})
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(c.Path, c.Args...)
	cmd.Env = append(os.Environ(), c.Env...)
	if limit > 0 {
		cmd.Env = append(cmd.Env, fmt.Sprintf("GOMEMLIMIT=%d", limit))
	}
	prepareChild(cmd)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr := &tailBuffer{max: 64 << 10}
	cmd.Stderr = stderr
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the training process: %w", err)
	}
	if _, err := stdin.Write(append(task, '\n')); err != nil {
		m.log.Warn("writing the task to the training process", "run", run.ID, "err", err)
	}

	// Stop the child when ctx ends: ask, then kill after the grace period.
	// The memory watcher kills it at once when it exceeds its limit.
	var overLimit bool
	var mu sync.Mutex
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var tick <-chan time.Time
		if limit > 0 && canWatchRSS {
			t := time.NewTicker(100 * time.Millisecond)
			defer t.Stop()
			tick = t.C
		}
		for {
			select {
			case <-done:
				return
			case <-tick:
				if rss := childRSS(cmd.Process.Pid); rss > limit {
					mu.Lock()
					overLimit = true
					mu.Unlock()
					cmd.Process.Kill()
					return
				}
			case <-ctx.Done():
				stdin.Close()
				stopChild(cmd.Process)
				select {
				case <-done:
				case <-time.After(grace):
					m.log.Warn("training process did not stop in time; killing it", "run", run.ID, "grace", grace)
					cmd.Process.Kill()
				}
				return
			}
		}
	}()

	var result json.RawMessage
	var final *childError
	var protoErr error
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), maxChildLine)
	for sc.Scan() {
		var msg childMsg
		if err := json.Unmarshal(sc.Bytes(), &msg); err != nil {
			// Not one of ServeChild's lines: something in the child wrote
			// to its standard output directly. Keep it in the server's log.
			m.log.Warn("training process wrote a line that is not a message", "run", run.ID, "line", fmt.Sprintf("%.200q", sc.Bytes()))
			continue
		}
		switch {
		case msg.Event != nil:
			e := msg.Event.Event
			if msg.Event.Loss != nil {
				l := float64(*msg.Event.Loss)
				e.Loss = &l
			}
			e.Metrics = fromWire(msg.Event.Metrics)
			rec.Report(e)
		case msg.Metrics != nil:
			rec.Metrics(fromWire(msg.Metrics), msg.Step)
		case msg.Result != nil:
			result = msg.Result
		case msg.Error != nil:
			final = msg.Error
		}
	}
	if err := sc.Err(); err != nil && protoErr == nil {
		protoErr = fmt.Errorf("reading from the training process: %w", err)
	}
	if protoErr != nil {
		cmd.Process.Kill()
	}
	io.Copy(io.Discard, stdout)
	waitErr := cmd.Wait()
	close(done)
	wg.Wait()
	stdin.Close()

	peak := peakRSS(cmd.ProcessState)
	if peak > 0 {
		msg := fmt.Sprintf("training process: %.2f s, peak memory %s", time.Since(started).Seconds(), FormatBytes(peak))
		if limit > 0 {
			msg += " (limit " + FormatBytes(limit) + ")"
		}
		rec.Report(event.Event{Kind: "log", Message: msg})
	}
	mu.Lock()
	killedForMemory := overLimit
	mu.Unlock()
	switch {
	case killedForMemory:
		return nil, fmt.Errorf("the run used more than its memory limit of %s (--max-run-memory) and was stopped", FormatBytes(limit))
	case protoErr != nil:
		return nil, protoErr
	case final != nil && final.Canceled:
		return nil, context.Canceled
	case final != nil && final.BadInput:
		return nil, &childBadInput{final.Message}
	case final != nil:
		return nil, errors.New(final.Message)
	case result != nil && waitErr == nil:
		return result, nil
	case ctx.Err() != nil:
		// Stopped (or killed after the grace period) before it answered.
		return nil, context.Canceled
	}
	return nil, m.childDeath(run, waitErr, stderr.String(), limit)
}

// childDeath explains a child that ended without a result.
func (m *Manager) childDeath(run *store.Run, waitErr error, stderr string, limit int64) error {
	m.log.Warn("training process died", "run", run.ID, "err", waitErr, "stderr", firstLines(stderr, 12))
	fatal := ""
	for _, line := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(line, "fatal error: ") || strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "runtime: out of memory") {
			fatal = strings.TrimSpace(line)
			break
		}
	}
	lim := "no limit set"
	if limit > 0 {
		lim = "limit " + FormatBytes(limit) + ", --max-run-memory"
	}
	if strings.Contains(stderr, "out of memory") {
		return fmt.Errorf("the training process ran out of memory (%s): %s", lim, fatal)
	}
	var ee *exec.ExitError
	if errors.As(waitErr, &ee) && ee.ExitCode() == -1 {
		return fmt.Errorf("the training process was killed (%v); the machine may have run out of memory (%s)", waitErr, lim)
	}
	if fatal != "" {
		return fmt.Errorf("the training process died (%v): %s", waitErr, fatal)
	}
	if waitErr == nil {
		return errors.New("the training process exited without a result")
	}
	return fmt.Errorf("the training process died (%v) without a result", waitErr)
}

// tailBuffer keeps the first and the last max bytes written to it (the
// first line of a Go crash says what happened; the end says where).
type tailBuffer struct {
	mu         sync.Mutex
	max        int
	head, tail []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(p)
	if room := b.max - len(b.head); room > 0 {
		k := min(room, len(p))
		b.head = append(b.head, p[:k]...)
		p = p[k:]
	}
	b.tail = append(b.tail, p...)
	if len(b.tail) > b.max {
		b.tail = append(b.tail[:0], b.tail[len(b.tail)-b.max:]...)
	}
	return n, nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.head) + string(b.tail)
}

// FormatBytes writes n bytes for people: "512 MiB", "1.5 GiB".
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1<<30)), ".0") + " GiB"
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ServeChild is the child's side of Child: it reads the Task from in,
// applies its memory limits, runs it with run, and writes progress and the
// outcome to out as JSON lines. ctx should end on SIGTERM and SIGINT; the
// run is also cancelled when in reaches its end (the parent closed it, or
// died), and the process exits grace (default 10 s) after that if the run
// has not returned: ServeChild is meant to be the whole of its process. It returns an error only when the task cannot be read; a
// failed run is reported on out.
func ServeChild(ctx context.Context, in io.Reader, out io.Writer, run Runner, grace time.Duration) error {
	br := bufio.NewReaderSize(in, 64<<10)
	line, err := br.ReadBytes('\n')
	if err != nil && len(line) == 0 {
		return fmt.Errorf("reading the task: %w", err)
	}
	var task Task
	if err := json.Unmarshal(line, &task); err != nil || task.Run == nil {
		return fmt.Errorf("the task is not valid JSON with a run: %.200q", line)
	}
	if task.MaxRunMemory > 0 {
		debug.SetMemoryLimit(task.MaxRunMemory)
		if err := limitAddressSpace(task.MaxRunMemory + ChildOverhead); err != nil {
			return fmt.Errorf("setting the memory limit: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		io.Copy(io.Discard, br)
		cancel()
	}()
	if grace <= 0 {
		grace = 10 * time.Second
	}
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-finished:
			return
		case <-ctx.Done():
		}
		select {
		case <-finished:
		case <-time.After(grace):
			// The run did not stop in time and its parent may be gone:
			// nobody else will end this process.
			os.Exit(1)
		}
	}()

	if f, ok := out.(*os.File); ok && f == os.Stdout {
		os.Stdout = os.Stderr // stray prints must not mix with the messages
	}
	w := &childWriter{enc: json.NewEncoder(out)}
	var result json.RawMessage
	var runErr error
	func() {
		defer func() {
			if r := recover(); r != nil {
				runErr = fmt.Errorf("internal error: %v\n%s", r, firstLines(string(debug.Stack()), 12))
			}
		}()
		result, runErr = run(ctx, task.Run, w)
	}()
	if runErr != nil {
		w.send(childMsg{Error: &childError{Message: runErr.Error(), Canceled: errors.Is(runErr, context.Canceled),
			BadInput: event.IsBadInput(runErr)}})
		return nil
	}
	if result == nil {
		result = json.RawMessage("null")
	}
	w.send(childMsg{Result: result})
	return nil
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// childWriter is the child's Progress: each report is one line.
type childWriter struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (w *childWriter) send(m childMsg) {
	w.mu.Lock()
	defer w.mu.Unlock()
	_ = w.enc.Encode(m) // a parent that is gone cancels the run through stdin
}

// Report sends a progress event.
func (w *childWriter) Report(e event.Event) {
	we := &wireEvent{Event: e, Metrics: toWire(e.Metrics)}
	if e.Loss != nil {
		l := wireFloat(*e.Loss)
		we.Loss = &l
	}
	we.Event.Loss, we.Event.Metrics = nil, nil
	w.send(childMsg{Event: we})
}

// Metrics sends final metric values.
func (w *childWriter) Metrics(values map[string]float64, step int) {
	if len(values) == 0 {
		return
	}
	w.send(childMsg{Metrics: toWire(values), Step: step})
}
