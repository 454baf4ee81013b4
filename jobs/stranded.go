package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlforge/mlforge/store"
)

// Stranded runs: a run is queued until the worker that River handed its job
// marks it running (store.StartRun), a few milliseconds later. A worker
// killed in between (crashpoint "run-start") leaves the run queued and its
// job "running" in River, which would rescue it only after
// RescueStuckJobsAfter (30 days: recovery is ours). So on PostgreSQL the
// recovery sweep also requeues a queued run whose current attempt has no
// job that will still run (none available, scheduled, retryable or
// pending, and none running with an attempted_at newer than StaleAfter:
// the job is running in a dead worker, or finished, or gone), once the run
// itself has been quiet for StaleAfter (its last event, or its creation:
// a run requeued elsewhere gets its job a moment after its row).
//
// It never double-runs: the requeue (store.RequeueQueued) raises the
// attempt only while the run is still queued at the attempt read, so a
// live worker that marks it running first keeps it, and one that comes
// after finds its attempt superseded and drops its job. A sweep's child
// still pending (a row without a job, launched by its parent) and a
// waiting parent are left alone: Unfinished leaves out the first, and
// RequeueQueued touches neither.

// jobKey is one attempt of a run, as a job's TrainArgs carry it.
type jobKey struct {
	run     string
	attempt int
}

// liveJobsPG returns the attempts that have a job on the queue that will
// still run: waiting to be worked, or running and fetched less than fresh
// ago (by the database's clock, which also set attempted_at). At most one
// row per job not yet finalized is read.
func liveJobsPG(pool *pgxpool.Pool) func(ctx context.Context, fresh time.Duration) (map[jobKey]bool, error) {
	return func(ctx context.Context, fresh time.Duration) (map[jobKey]bool, error) {
		rows, err := pool.Query(ctx, `SELECT args->>'run_id', COALESCE((args->>'attempt')::int, 0) FROM river_job
			WHERE kind = $1 AND (state IN ('available', 'pending', 'retryable', 'scheduled')
				OR state = 'running' AND attempted_at > now() - make_interval(secs => $2))`,
			TrainArgs{}.Kind(), fresh.Seconds())
		if err != nil {
			return nil, fmt.Errorf("jobs: reading the queue's live jobs: %w", err)
		}
		defer rows.Close()
		live := map[jobKey]bool{}
		for rows.Next() {
			var k jobKey
			if err := rows.Scan(&k.run, &k.attempt); err != nil {
				return nil, fmt.Errorf("jobs: reading the queue's live jobs: %w", err)
			}
			live[k] = true
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("jobs: reading the queue's live jobs: %w", err)
		}
		return live, nil
	}
}

// stranded reports whether queued run r will not be trained by any job:
// its attempt has none live (live, read once per recovery pass through
// m.liveJobs, and only when a queued run is older than StaleAfter), and
// the run has been quiet for StaleAfter (the events are read only then).
// Without a live-job query (SQLite: a start requeues every queued run) it
// is false.
func (m *Manager) stranded(ctx context.Context, r *store.Run, live *map[jobKey]bool) (bool, error) {
	if m.liveJobs == nil || r.Status != store.Queued || r.Sweep != "" {
		return false, nil
	}
	if time.Since(r.CreatedAt) < StaleAfter {
		return false, nil // made a moment ago
	}
	if *live == nil {
		l, err := m.liveJobs(ctx, StaleAfter)
		if err != nil {
			return false, err
		}
		*live = l
	}
	if (*live)[jobKey{r.ID, r.Attempt}] {
		return false, nil
	}
	// No live job: stranded unless requeued a moment ago (its last event,
	// the requeue's status, is then newer than StaleAfter).
	seq, err := m.cfg.Store.LastEventSeq(ctx, r.ID)
	if err != nil || seq == 0 {
		return err == nil, err
	}
	evs, err := m.cfg.Store.Events(ctx, r.ID, seq-1, 1)
	if err != nil {
		return false, err
	}
	return len(evs) == 0 || time.Since(evs[0].Time) >= StaleAfter, nil
}
