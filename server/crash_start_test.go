package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mlforge/mlforge/store"
)

// TestCrashBeforeRunStarts kills the server after River handed a worker a
// run's job and before the worker marked the run running (run-start): the
// run is left queued with its job "running" in River, which rescues stuck
// jobs only after 30 days. On SQLite the restart's recovery (one process
// owns the store: every queued run is orphaned) queues it again; on
// PostgreSQL the recovery sweep does, once the job's attempted_at is older
// than StaleAfter. Either way the run trains once, as its second attempt,
// with no crash counted.
func TestCrashBeforeRunStarts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs server processes")
	}
	bin := buildSlowServer(t)
	t.Setenv("SLOWSERVER_STALE_AFTER", "2s")
	for _, backend := range backendsToTest() {
		t.Run(backend, func(t *testing.T) {
			dir := t.TempDir()
			b := openCrashBackend(t, backend, dir)
			addr := freeAddr(t)
			srv, armed := startArmedRun(t, bin, addr, dir, "run-start", b.flags...)
			if armed.pid != srv.Process.Pid {
				t.Fatalf("the crash point was reached by process %d, not the server %d", armed.pid, srv.Process.Pid)
			}
			kill9(t, srv, armed.pid)
			var status, state string
			if err := b.db.QueryRow(`SELECT status FROM mlf_runs WHERE id = $1`, armed.run).Scan(&status); err != nil {
				t.Fatal(err)
			}
			if err := b.db.QueryRow(`SELECT state FROM river_job`).Scan(&state); err != nil {
				t.Fatal(err)
			}
			if status != "queued" || state != "running" {
				t.Fatalf("after the kill: run %s, job %s; want queued and running", status, state)
			}

			base := "http://" + addr
			startServer(t, bin, addr, dir, b.flags...)
			if run := waitDone(t, base, armed.run, 60*time.Second); run["status"] != "succeeded" {
				t.Fatalf("the run after the restart: %v", run)
			}
			st, err := store.Open(context.Background(), storeURL(b, dir))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			r, err := st.GetRun(context.Background(), armed.run)
			if err != nil {
				t.Fatal(err)
			}
			if r.Attempt != 1 || r.Crashes != 0 {
				t.Errorf("the run took %d attempts with %d crashes; want 2 attempts, no crash", r.Attempt+1, r.Crashes)
			}
			evs, _ := st.Events(context.Background(), armed.run, 0, 0)
			var all strings.Builder
			succeeded := 0
			for _, e := range evs {
				all.Write(e.Data)
				all.WriteByte('\n')
				if e.Type == "status" && strings.Contains(string(e.Data), `"status":"succeeded"`) {
					succeeded++
				}
			}
			want := "queued again after a restart"
			if backend == "postgres" {
				want = "the worker that took its job stopped before starting it"
			}
			if succeeded != 1 || !strings.Contains(all.String(), want) {
				t.Errorf("%d succeeded statuses, want 1, and %q in:\n%s", succeeded, want, all.String())
			}
		})
	}
}
