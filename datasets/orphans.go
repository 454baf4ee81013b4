package datasets

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// OrphanGrace is how old an unreferenced blob must be before
// RemoveOrphans deletes it: a blob is written before its row, and a
// writer in another process (on another machine sharing the store) may
// be between the two; an hour is far longer than that gap.
const OrphanGrace = time.Hour

// RemoveOrphans deletes the blobs that no item references and that were
// last written more than grace ago: what a crash between a blob's write
// and its row's commit leaves behind. It returns the keys it deleted. A
// server and a worker call it at their start (and then daily), so such
// blobs go without a fsck --repair; fsck still reports the younger ones.
//
// A writer that finds the bytes it would write stored already rewrites
// them when they are older than half the grace (putBlob), and every
// candidate's age and reference are checked again just before it is
// deleted, so a blob that a writer elsewhere has just started to use
// again is kept.
func (s *Service) RemoveOrphans(ctx context.Context, grace time.Duration) ([]string, error) {
	s.gc.Lock() // no import of this process between its blobs and its rows
	defer s.gc.Unlock()
	cutoff := time.Now().Add(-grace)
	var old []string
	err := s.eachBlob(ctx, func(obj *blob.ListObject) {
		if obj.ModTime.Before(cutoff) {
			old = append(old, obj.Key)
		}
	})
	if err != nil {
		return nil, err
	}
	removed := []string{}
	for _, key := range old {
		sha := key[strings.LastIndexByte(key, '/')+1:]
		if key != blobKey0(sha) {
			continue // not a blob of ours: fsck reports it
		}
		used, err := s.Store.SHAReferenced(ctx, sha)
		if err != nil {
			return removed, err
		}
		if used {
			continue
		}
		attrs, err := s.Bucket.Attributes(ctx, key)
		if gcerrors.Code(err) == gcerrors.NotFound {
			continue
		}
		if err != nil {
			return removed, fmt.Errorf("datasets: blob %s: %w", key, err)
		}
		if !attrs.ModTime.Before(cutoff) {
			continue // rewritten meanwhile
		}
		if err := s.Bucket.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return removed, fmt.Errorf("datasets: deleting blob %s: %w", key, err)
		}
		removed = append(removed, key)
	}
	return removed, nil
}

// blobKey0 is blobKey of a string that may not be a hash.
func blobKey0(sha string) string {
	if !validSHA(sha) {
		return ""
	}
	return blobKey(sha)
}
