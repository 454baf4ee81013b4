package datasets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/mlforge/mlforge/store"
)

// Provenance says where an image added one at a time came from.
type Provenance struct {
	Source string // "upload", "url" or "query"
	Query  string // the search query, for "query"
	Page   int    // the result page of the query
	URL    string // the URL the bytes were fetched from
}

// ImageError is an image that Add refused (empty, corrupt, truncated, of
// an unsupported format or too large): Msg says why.
type ImageError struct {
	Msg string
}

func (e *ImageError) Error() string { return e.Msg }

// BadInput marks the error as the input's.
func (e *ImageError) BadInput() bool { return true }

// Add stores one image, the bytes b, under label in the dataset called
// name, with its provenance. The image is checked as an import checks it
// (its header against the pixel cap, then decoded in full); a refused one
// is an *ImageError and stores nothing. The blob is written before the row,
// so that a crash leaves at most an unreferenced blob (which fsck
// reports), never a row without bytes. When the dataset holds these bytes
// already, Add stores nothing and returns the item that holds them with
// dup true.
func (s *Service) Add(ctx context.Context, name, label string, b []byte, p Provenance) (it *store.Item, dup bool, err error) {
	if err := CheckLabel(label); err != nil {
		return nil, false, err
	}
	switch p.Source {
	case "upload", "url", "query":
	default:
		return nil, false, fmt.Errorf("datasets: Add: source %q is not one of upload, url, query", p.Source)
	}
	d, err := s.Dataset(ctx, name)
	if err != nil {
		return nil, false, err
	}
	lim := s.Limits.withDefaults()
	if int64(len(b)) > lim.MaxFileBytes {
		return nil, false, &ImageError{Msg: fmt.Sprintf("the image is larger than the limit of %d bytes", lim.MaxFileBytes)}
	}
	cfg, m, err := checkImage(b, "image", lim.MaxPixels)
	if err != nil {
		return nil, false, &ImageError{Msg: reason(err, "image")}
	}
	dh, err := DHash(m)
	if err != nil {
		return nil, false, &ImageError{Msg: err.Error()}
	}
	m = nil
	sum := sha256.Sum256(b)
	sha := hex.EncodeToString(sum[:])
	it = &store.Item{ID: store.NewID(), Label: label, SHA256: sha, Width: cfg.Width, Height: cfg.Height, Format: cfg.Format,
		Bytes: int64(len(b)), Source: p.Source, Query: p.Query, Page: p.Page, URL: p.URL, DHash: dh}
	s.gc.RLock()
	defer s.gc.RUnlock()
	if err := s.putBlob(ctx, sha, b, cfg.Format); err != nil {
		return nil, false, err
	}
	added, err := s.Store.AddItems(ctx, d.ID, []*store.Item{it})
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, &Error{Msg: fmt.Sprintf("dataset %q was deleted while an image was added", name), NotFound: true}
	}
	if err != nil {
		return nil, false, err
	}
	if len(added) == 0 { // stored meanwhile
		old, err := s.itemWithSHA(ctx, d.ID, sha)
		return old, true, err
	}
	return it, false, nil
}

// itemWithSHA returns the item of a dataset whose bytes hash to sha, or
// nil.
func (s *Service) itemWithSHA(ctx context.Context, datasetID, sha string) (*store.Item, error) {
	hs, err := s.Store.ItemHashes(ctx, datasetID)
	if err != nil {
		return nil, err
	}
	for _, h := range hs {
		if h.SHA256 == sha {
			it, err := s.Store.GetItem(ctx, datasetID, h.ID)
			if errors.Is(err, store.ErrNotFound) {
				return nil, nil
			}
			return it, err
		}
	}
	return nil, nil
}

// URLs returns the source URLs of a dataset's items (the items that have
// one), each with its item's label: a collection skips them, so that a
// collection resumed after a crash downloads nothing twice.
func (s *Service) URLs(ctx context.Context, name string) (map[string]string, error) {
	d, err := s.Dataset(ctx, name)
	if err != nil {
		return nil, err
	}
	items, err := s.Store.ListItems(ctx, d.ID, store.ItemOptions{Limit: -1})
	if err != nil {
		return nil, err
	}
	out := make(map[string]string)
	for _, it := range items {
		if it.URL != "" {
			out[it.URL] = it.Label
		}
	}
	return out, nil
}
