package server

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
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
	fl, ok := w.(http.Flusher)
	if !ok {
		return errorf(http.StatusInternalServerError, "internal", "streaming unsupported")
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n\n")
	fl.Flush()

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
		for _, e := range evs {
			fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", e.Seq, e.Type, e.Data)
			last = e.Seq
		}
		if len(evs) > 0 {
			fl.Flush()
		}
		if len(evs) == 500 {
			continue
		}
		if cur.Status.Done() && len(evs) == 0 {
			fmt.Fprintf(w, "event: end\ndata: {\"status\":%q}\n\n", cur.Status)
			fl.Flush()
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		case <-poll.C:
		case <-beat.C:
			fmt.Fprint(w, ": heartbeat\n\n")
			fl.Flush()
		}
	}
}
