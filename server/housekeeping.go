package server

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/mlforge/mlforge/datasets"
)

// Housekeeping: what a crash of a process leaves behind is removed by the
// next start of a server or a worker (and then once a day), once it is
// older than datasets.OrphanGrace, so that what a live process elsewhere
// is writing is never taken:
//   - dataset blobs that no item references (a crash between a blob's
//     write and its row's commit; datasets.Service.RemoveOrphans);
//   - the temporary files of model writes and artifact downloads cut short
//     in the data folder's runs/<id>/ (.model-*.tmp, .download-*.tmp).
//
// mlforge datasets fsck still reports every unreferenced blob, young ones
// included.

// HousekeepingEvery is how often a running process sweeps again.
var HousekeepingEvery = 24 * time.Hour

// housekeeper runs the sweeps of one process until stopped.
type housekeeper struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	first  chan struct{} // closed when the first sweep is done
}

// startHousekeeping sweeps now and every HousekeepingEvery, until stop.
func startHousekeeping(log *slog.Logger, dataDir string, svc func(context.Context) (*datasets.Service, error)) *housekeeper {
	ctx, cancel := context.WithCancel(context.Background())
	h := &housekeeper{cancel: cancel, first: make(chan struct{})}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		t := time.NewTicker(HousekeepingEvery)
		defer t.Stop()
		for i := 0; ; i++ {
			housekeep(ctx, log, dataDir, svc)
			if i == 0 {
				close(h.first)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return h
}

// stop ends the sweeps and waits for the one in progress.
func (h *housekeeper) stop() {
	if h == nil {
		return
	}
	h.cancel()
	h.wg.Wait()
}

// housekeep sweeps once, logging what it removed.
func housekeep(ctx context.Context, log *slog.Logger, dataDir string, svc func(context.Context) (*datasets.Service, error)) {
	cutoff := time.Now().Add(-datasets.OrphanGrace)
	for _, pattern := range []string{".model-*.tmp", ".download-*.tmp"} {
		stale, _ := filepath.Glob(filepath.Join(dataDir, "runs", "*", pattern))
		for _, p := range stale {
			if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() && fi.ModTime().Before(cutoff) {
				if err := os.Remove(p); err == nil {
					log.Info("removed a temporary file that a crash left", "file", p, "modified", fi.ModTime().UTC().Format(time.RFC3339))
				}
			}
		}
	}
	if svc == nil || ctx.Err() != nil {
		return
	}
	s, err := svc(ctx)
	if err != nil {
		log.Warn("unreferenced dataset blobs not swept: the dataset store does not open", "err", err)
		return
	}
	removed, err := s.RemoveOrphans(ctx, datasets.OrphanGrace)
	for _, key := range removed {
		log.Info("removed a dataset blob that no item references (a crash between its write and its row)", "key", key)
	}
	if err != nil && ctx.Err() == nil {
		log.Warn("sweeping unreferenced dataset blobs", "err", err)
	}
}
