package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/mlforge/mlforge/api"
)

// SSE tunables; variables so tests can shorten them.
var (
	ssePoll      = time.Second
	sseHeartbeat = 15 * time.Second
)

// runEvents streams a run's event log as server-sent events: "id" is the
// event's sequence number, "event" its type (status, progress, metric, log)
// and "data" its JSON. A client that reconnects with Last-Event-ID (or
// ?last_event_id=) gets only what it missed. Comments keep the connection
// alive; an "end" event closes the stream once the run has finished and
// every event was sent.
func (s *Server) runEvents(w http.ResponseWriter, r *http.Request) error {
	run, err := s.loadRun(r)
	if err != nil {
		return err
	}
	last := int64(0)
	lastID := r.Header.Get("Last-Event-ID")
	if lastID == "" {
		lastID = r.URL.Query().Get("last_event_id")
	}
	if lastID != "" {
		n, err := strconv.ParseInt(lastID, 10, 64)
		if err != nil || n < 0 {
			return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Field: "Last-Event-ID", Message: "Last-Event-ID must be a non-negative integer"}
		}
		last = n
	}
	// The stream lasts as long as the client listens: each write gets
	// Limits.StreamWrite (the server's WriteTimeout would cut the stream),
	// so a client that stops reading is dropped.
	rc := http.NewResponseController(w)
	extend := func() error {
		if err := rc.SetWriteDeadline(time.Now().Add(s.limits.StreamWrite)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
		return nil
	}
	flush := func() error {
		if err := extend(); err != nil {
			return err
		}
		return rc.Flush()
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if extend() != nil {
		return nil
	}
	fmt.Fprint(w, "retry: 2000\n\n")
	if flush() != nil {
		return nil
	}

	wake, unsub := s.jobs.Broker.Subscribe(run.ID)
	defer unsub()
	poll := time.NewTicker(ssePoll)
	defer poll.Stop()
	beat := time.NewTicker(sseHeartbeat)
	defer beat.Stop()
	ctx := r.Context()
	for {
		// Read the status before the events, so that "done and nothing
		// new" really means nothing more will come.
		cur, err := s.store.GetRun(ctx, run.ID)
		if err != nil {
			return nil // deleted or the store is gone: end the stream
		}
		evs, err := s.store.Events(ctx, run.ID, last, 500)
		if err != nil {
			return nil
		}
		if len(evs) > 0 && extend() != nil {
			return nil
		}
		for _, e := range evs {
			fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", e.Seq, e.Type, e.Data)
			last = e.Seq
		}
		if len(evs) > 0 && flush() != nil {
			return nil
		}
		if len(evs) == 500 {
			continue
		}
		if cur.Status.Done() && len(evs) == 0 {
			if extend() != nil {
				return nil
			}
			end, _ := json.Marshal(api.End{Status: cur.Status})
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", api.EventEnd, end)
			flush()
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		case <-poll.C:
		case <-beat.C:
			if extend() != nil {
				return nil
			}
			fmt.Fprint(w, ": heartbeat\n\n")
			if flush() != nil {
				return nil
			}
		}
	}
}
