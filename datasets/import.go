package datasets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"sort"
	"strings"
	"sync"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/mlforge/mlforge/data/images"
	"github.com/mlforge/mlforge/store"
)

// Problem is a file an import did not store, and why.
type Problem struct {
	File   string `json:"file"`
	Reason string `json:"reason"`
}

// NearDuplicate is a stored file whose difference hash is within
// NearDistance bits of another item's.
type NearDuplicate struct {
	File     string `json:"file"`
	Item     string `json:"item"`               // the item it resembles
	Of       string `json:"of,omitempty"`       // the file that item came from in this import
	Label    string `json:"label"`              // the label of the item it resembles
	Distance int    `json:"distance"`           // Hamming distance of the hashes
	New      string `json:"new_item,omitempty"` // the item this file became
}

// Report is what an import did.
type Report struct {
	Dataset string `json:"dataset"`
	// Added is the number of items stored, by label in Labels.
	Added  int            `json:"added"`
	Labels map[string]int `json:"labels"`
	// Duplicates counts files whose bytes the dataset holds already (or
	// that repeat an earlier file of the import): stored once.
	Duplicates int `json:"duplicates"`
	// Skipped counts files not stored, listed in Problems (the first
	// MaxProblems of them).
	Skipped  int       `json:"skipped"`
	Problems []Problem `json:"problems"`
	// NearDuplicates lists stored files that resemble an item (the first
	// MaxProblems).
	NearDuplicates []NearDuplicate `json:"near_duplicates"`
	// Manifest is the hash of the dataset's item manifest after the import.
	Manifest string `json:"manifest"`
}

// writers is how many blob writes an import runs at once.
const writers = 8

// MaxProblems caps the problems and near duplicates a Report lists.
const MaxProblems = 1000

// NearDistance is the largest Hamming distance between two difference
// hashes that makes the images near duplicates.
const NearDistance = 4

func (r *Report) problem(file, reason string) {
	r.Skipped++
	if len(r.Problems) < MaxProblems {
		r.Problems = append(r.Problems, Problem{File: file, Reason: reason})
	}
}

// DHash returns the 64-bit difference hash of m: the image reduced to 9x8
// gray pixels, one bit per horizontally adjacent pair (set when the left
// one is brighter). Near-identical images differ in few bits.
func DHash(m *images.Image) (uint64, error) {
	g := images.Convert(m, images.L)
	small, err := images.ResizeImage(g, 9, 8, images.Bilinear)
	if err != nil {
		return 0, err
	}
	var h uint64
	for y := 0; y < 8; y++ {
		for x := 0; x < 8; x++ {
			h <<= 1
			if small.At(x, y, 0) > small.At(x+1, y, 0) {
				h |= 1
			}
		}
	}
	return h, nil
}

// checkImage checks an image's header against the pixel cap, then decodes
// it in full: only an image that decodes is stored.
func checkImage(b []byte, name string, maxPixels int64) (images.Config, *images.Image, error) {
	if len(b) == 0 {
		return images.Config{}, nil, errors.New("the file is empty")
	}
	cfg, err := images.DecodeConfig(b, name)
	if err != nil {
		return cfg, nil, err
	}
	if cfg.Pixels() > maxPixels {
		return cfg, nil, fmt.Errorf("%s image of %dx%d pixels is larger than the limit of %d pixels", cfg.Format, cfg.Width, cfg.Height, maxPixels)
	}
	m, err := images.DecodeBytesLimit(b, name, images.RGB, maxPixels)
	if err != nil {
		return cfg, nil, err
	}
	return cfg, m, nil
}

// reason is an image error's message without the file name that the
// report lists beside it.
func reason(err error, name string) string {
	var de *images.Error
	if errors.As(err, &de) && de.File == name {
		return de.Msg
	}
	return strings.TrimPrefix(err.Error(), name+": ")
}

// Import adds the images of a class-folder archive (a .zip or a .tar.gz,
// size bytes read through r) to the dataset called name: each file's
// folder is its label. The archive's names, entry count, sizes and
// compression ratio are checked against the limits; a refused archive, or
// any error, leaves the dataset as it was (the rows are added in one
// transaction at the end). Files that are not images, or are corrupt,
// truncated, empty or too large, are skipped and listed in the report;
// files whose bytes the dataset holds already are counted as duplicates.
func (s *Service) Import(ctx context.Context, name string, r io.ReaderAt, size int64) (*Report, error) {
	d, err := s.Dataset(ctx, name)
	if err != nil {
		return nil, err
	}
	lim := s.Limits.withDefaults()
	existing, err := s.Store.ItemHashes(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(existing))
	for _, h := range existing {
		seen[h.SHA256] = true
	}
	type near struct {
		hash       uint64
		item, file string
		label      string
	}
	var hashes []near
	for _, h := range existing {
		hashes = append(hashes, near{hash: h.DHash, item: h.ID, label: h.Label})
	}
	rep := &Report{Dataset: name, Labels: map[string]int{}, Problems: []Problem{}, NearDuplicates: []NearDuplicate{}}
	var items []*store.Item

	s.gc.RLock()
	defer s.gc.RUnlock()
	// Blob writes wait on the disk or the network: up to writers of them
	// run at once, beside the decoding (each holds one file's bytes).
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, writers)
	var wg sync.WaitGroup
	var werrOnce sync.Once
	var werr error
	put := func(sha string, b []byte, format string) {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := s.putBlob(wctx, sha, b, format); err != nil {
				werrOnce.Do(func() { werr = err; cancel() })
			}
		}()
	}
	err = walkArchive(r, size, lim, func(e entry) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		label, err := labelOf(e.name, e.top)
		if err != nil {
			rep.problem(e.name, err.Error())
			return nil
		}
		b, err := readEntry(e, lim.MaxFileBytes)
		var de *Error
		if errors.As(err, &de) {
			return de // a cap of the archive: the whole import fails
		}
		if err != nil {
			rep.problem(e.name, err.Error())
			return nil
		}
		cfg, m, err := checkImage(b, e.name, lim.MaxPixels)
		if err != nil {
			rep.problem(e.name, reason(err, e.name))
			return nil
		}
		sum := sha256.Sum256(b)
		sha := hex.EncodeToString(sum[:])
		if seen[sha] {
			rep.Duplicates++
			return nil
		}
		dh, err := DHash(m)
		if err != nil {
			rep.problem(e.name, err.Error())
			return nil
		}
		m = nil
		if err := wctx.Err(); err != nil {
			return err
		}
		put(sha, b, cfg.Format)
		seen[sha] = true
		it := &store.Item{ID: store.NewID(), Label: label, SHA256: sha, Width: cfg.Width, Height: cfg.Height, Format: cfg.Format, Bytes: int64(len(b)), Source: "import", DHash: dh}
		if len(rep.NearDuplicates) < MaxProblems {
			for _, h := range hashes {
				if dist := bits.OnesCount64(h.hash ^ dh); dist <= NearDistance {
					rep.NearDuplicates = append(rep.NearDuplicates, NearDuplicate{File: e.name, Item: h.item, Of: h.file, Label: h.label, Distance: dist, New: it.ID})
					break
				}
			}
		}
		hashes = append(hashes, near{hash: dh, item: it.ID, file: e.name, label: label})
		items = append(items, it)
		return nil
	})
	wg.Wait()
	if werr != nil {
		return nil, werr
	}
	if err != nil {
		return nil, err
	}
	added, err := s.Store.AddItems(ctx, d.ID, items)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &Error{Msg: fmt.Sprintf("dataset %q was deleted during the import", name), NotFound: true}
	}
	if err != nil {
		return nil, err
	}
	rep.Added = len(added)
	rep.Duplicates += len(items) - len(added) // stored meanwhile by another import
	for _, it := range added {
		rep.Labels[it.Label]++
	}
	if rep.Manifest, err = s.Manifest(ctx, name, nil); err != nil {
		return nil, err
	}
	return rep, nil
}

// putBlob writes the bytes whose hash is sha, unless they are stored.
func (s *Service) putBlob(ctx context.Context, sha string, b []byte, format string) error {
	key := blobKey(sha)
	attrs, err := s.Bucket.Attributes(ctx, key)
	if err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fmt.Errorf("datasets: blob store: %w", err)
	}
	// Bytes stored already are not written again, unless they are old
	// enough for RemoveOrphans to take them for an orphan before this
	// item's row commits: rewriting them makes them young again.
	if err == nil && time.Since(attrs.ModTime) < OrphanGrace/2 {
		return nil
	}
	if err := s.Bucket.WriteAll(ctx, key, b, &blob.WriterOptions{ContentType: ContentType(format)}); err != nil {
		return fmt.Errorf("datasets: writing blob %s: %w", sha, err)
	}
	return nil
}

// Manifest returns the hash of a dataset's item manifest: the SHA-256 of
// the sorted lines "label<TAB>sha256" of its items (of labels only, when
// given). Two runs whose manifests agree saw the same images under the
// same labels.
func (s *Service) Manifest(ctx context.Context, name string, labels []string) (string, error) {
	d, err := s.Dataset(ctx, name)
	if err != nil {
		return "", err
	}
	hs, err := s.Store.ItemHashes(ctx, d.ID)
	if err != nil {
		return "", err
	}
	keep := map[string]bool{}
	for _, l := range labels {
		keep[l] = true
	}
	lines := make([]string, 0, len(hs))
	for _, h := range hs {
		if len(keep) == 0 || keep[h.Label] {
			lines = append(lines, h.Label+"\t"+h.SHA256+"\n")
		}
	}
	return manifestHash(lines), nil
}

// manifestOf is Manifest of the items a listing returned (those of the
// labels asked for), without reading them again.
func manifestOf(items []*store.Item) string {
	lines := make([]string, len(items))
	for i, it := range items {
		lines[i] = it.Label + "\t" + it.SHA256 + "\n"
	}
	return manifestHash(lines)
}

// manifestHash is the SHA-256 of the sorted lines, in hex.
func manifestHash(lines []string) string {
	sort.Strings(lines)
	sum := sha256.New()
	for _, l := range lines {
		io.WriteString(sum, l)
	}
	return hex.EncodeToString(sum.Sum(nil))
}
