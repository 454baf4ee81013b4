package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mlforge/mlforge/event"
	"github.com/mlforge/mlforge/store"
)

// childEnv makes the test binary a training child (see TestMain).
const childEnv = "MLFORGE_JOBS_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
		err := ServeChild(ctx, os.Stdin, os.Stdout, childTestRunner, 2*time.Second)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// childTestRunner does what the run's spec says: {"mode": ...}.
func childTestRunner(ctx context.Context, run *store.Run, rec Progress) (json.RawMessage, error) {
	var sp struct{ Mode string }
	json.Unmarshal(run.Spec, &sp)
	switch sp.Mode {
	case "ok":
		for i := 1; i <= 3; i++ {
			loss := 1 / float64(i)
			if i == 2 {
				loss = math.NaN()
			}
			rec.Report(event.Event{Kind: "step", Step: i, Total: 3, Loss: &loss, Metrics: map[string]float64{"lr": math.Inf(1)}})
		}
		rec.Metrics(map[string]float64{"test_accuracy": 0.75}, 0)
		fmt.Println("a stray print goes to stderr, not into the messages")
		return json.RawMessage(`{"attempt":` + fmt.Sprint(run.Attempt) + `}`), nil
	case "panic":
		panic("boom")
	case "bad":
		return nil, event.DataErrorf("column %q is not numeric", "x")
	case "huge":
		b := make([]byte, 64<<30) // past the address-space limit: the runtime dies at once
		return json.RawMessage(fmt.Sprint(len(b))), nil
	case "grow":
		// Touch memory until the parent's watcher kills the process.
		var keep [][]byte
		for i := 0; i < 64; i++ {
			b := make([]byte, 32<<20)
			for j := range b {
				b[j] = 1
			}
			keep = append(keep, b)
			time.Sleep(5 * time.Millisecond)
		}
		return json.RawMessage(fmt.Sprint(len(keep))), nil
	case "exit":
		os.Exit(3)
	case "slow":
		<-ctx.Done()
		return nil, ctx.Err()
	case "stubborn":
		// Ignores its context: only the kill after the grace period ends it.
		time.Sleep(time.Hour)
	}
	return nil, errors.New("unknown mode " + sp.Mode)
}

func childManager(t *testing.T, limit int64) (*store.Store, *Manager) {
	t.Helper()
	ctx := context.Background()
	url := filepath.Join(t.TempDir(), "mlforge.db")
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(ctx, Config{Store: st, DB: url, Workers: 4, Limits: Limits{MaxRunMemory: limit},
		Child: &Child{Path: exe, Env: []string{childEnv + "=1"}, Grace: 500 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(t, st, m) })
	return st, m
}

func enqueue(t *testing.T, st *store.Store, m *Manager, spec string) string {
	t.Helper()
	r := &store.Run{ID: store.NewID(), Name: "c", Class: "X", Spec: json.RawMessage(spec)}
	if err := st.CreateRun(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if err := m.Enqueue(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return r.ID
}

func waitFinal(t *testing.T, st *store.Store, id string) *store.Run {
	t.Helper()
	var r *store.Run
	waitFor(t, "run "+id+" to end", func() bool {
		r, _ = st.GetRun(context.Background(), id)
		return r != nil && r.Status.Done()
	})
	return r
}

// TestChildRuns trains runs in child processes (the test binary itself)
// and checks that each way a child can end gives the right final state,
// while the parent carries on.
func TestChildRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	ctx := context.Background()
	st, m := childManager(t, 256<<20)
	cases := []struct {
		mode   string
		status store.Status
		err    string // a part of the run's error
	}{
		{"ok", store.Succeeded, ""},
		{"panic", store.Failed, "internal error: boom"},
		{"bad", store.Failed, `column "x" is not numeric`},
		{"huge", store.Failed, "the training process ran out of memory (limit 256 MiB, --max-run-memory)"},
		{"grow", store.Failed, "the run used more than its memory limit of 256 MiB (--max-run-memory) and was stopped"},
		{"exit", store.Failed, "the training process died (exit status 3) without a result"},
	}
	ids := map[string]string{}
	for _, c := range cases {
		ids[c.mode] = enqueue(t, st, m, `{"mode":"`+c.mode+`"}`)
	}
	for _, c := range cases {
		r := waitFinal(t, st, ids[c.mode])
		if r.Status != c.status || !strings.Contains(r.Error, c.err) || (c.err == "") != (r.Error == "") {
			t.Errorf("%s: status %s, error %q; want %s with %q", c.mode, r.Status, r.Error, c.status, c.err)
		}
	}
	r, _ := st.GetRun(ctx, ids["ok"])
	if string(r.Result) != `{"attempt":0}` {
		t.Errorf("result = %s", r.Result)
	}
	// NaN and infinities cross the pipe and are logged, not stored as
	// points (nor do they lose the batch they come in).
	pts, _ := st.Points(ctx, ids["ok"])
	var got []string
	for _, p := range pts {
		got = append(got, fmt.Sprintf("%s@%d=%v", p.Series, p.Step, p.Value))
	}
	if strings.Join(got, " ") != "loss@1=1 loss@3=0.3333333333333333 test_accuracy@0=0.75" {
		t.Errorf("points = %v", got)
	}
	evs, _ := st.Events(ctx, ids["ok"], 0, 0)
	var logs []string
	for _, e := range evs {
		var d struct{ Message string }
		json.Unmarshal(e.Data, &d)
		if e.Type == "log" {
			logs = append(logs, d.Message)
		}
	}
	all := strings.Join(logs, "\n")
	for _, want := range []string{"loss is NaN at step 2", "lr is +Inf at step 1", "training process: ", "peak memory"} {
		if !strings.Contains(all, want) {
			t.Errorf("no log says %q:\n%s", want, all)
		}
	}

	// Cancel: a child that stops when asked is cancelled; one that ignores
	// the request is killed after the grace period, and is cancelled too.
	for _, mode := range []string{"slow", "stubborn"} {
		id := enqueue(t, st, m, `{"mode":"`+mode+`"}`)
		waitFor(t, mode+" to start", func() bool {
			r, _ := st.GetRun(ctx, id)
			return r.Status == store.Running
		})
		time.Sleep(200 * time.Millisecond) // let the child read its task
		if _, err := m.Cancel(ctx, id); err != nil {
			t.Fatal(err)
		}
		if r := waitFinal(t, st, id); r.Status != store.Cancelled {
			t.Errorf("%s after cancel: %s %q", mode, r.Status, r.Error)
		}
	}
}

// TestChildStopRequeues stops a manager while a child trains: the run goes
// back to the queue without a crash counted, and the next start finishes
// it.
func TestChildStopRequeues(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	ctx := context.Background()
	url := filepath.Join(t.TempDir(), "mlforge.db")
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	exe, _ := os.Executable()
	m, err := New(ctx, Config{Store: st, DB: url, Child: &Child{Path: exe, Env: []string{childEnv + "=1"}, Grace: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	m.Start(ctx)
	id := enqueue(t, st, m, `{"mode":"slow"}`)
	waitFor(t, "the run to start", func() bool {
		r, _ := st.GetRun(ctx, id)
		return r.Status == store.Running
	})
	time.Sleep(200 * time.Millisecond)
	stop(t, st, m)
	st, err = store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r, _ := st.GetRun(ctx, id)
	if r.Status != store.Queued || r.Crashes != 0 || r.Attempt != 1 {
		t.Fatalf("after a clean stop: %+v", r)
	}
}
