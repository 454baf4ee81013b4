package datasets

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/png"
	"io"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/mlforge/mlforge/data/idx"
	"github.com/mlforge/mlforge/store"
)

// extension is the file name ending of a format.
func extension(format string) string {
	switch format {
	case "PNG":
		return ".png"
	case "JPEG":
		return ".jpg"
	case "GIF":
		return ".gif"
	}
	return ".bin"
}

// Export writes the dataset called name to w as a class-folder zip:
// LABEL/SHA256.EXT for every item (of labels only, when given), which
// Import and image-folder training read back.
func (s *Service) Export(ctx context.Context, name string, labels []string, w io.Writer) error {
	d, err := s.Dataset(ctx, name)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	after := ""
	for {
		page, err := s.Store.ListItems(ctx, d.ID, store.ItemOptions{Labels: labels, After: after, Limit: 1000})
		if err != nil {
			return err
		}
		for _, it := range page {
			if err := s.exportItem(ctx, zw, it); err != nil {
				return err
			}
		}
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].ID
	}
	return zw.Close()
}

func (s *Service) exportItem(ctx context.Context, zw *zip.Writer, it *store.Item) error {
	r, err := s.Open(ctx, it)
	if err != nil {
		return err
	}
	defer r.Close()
	// Images are compressed already: stored, not deflated.
	f, err := zw.CreateHeader(&zip.FileHeader{Name: it.Label + "/" + it.SHA256 + extension(it.Format), Method: zip.Store, Modified: it.AddedAt})
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	return err
}

// FsckReport is what Fsck found.
type FsckReport struct {
	// Items and Blobs are the numbers of items and of blobs checked.
	Items int `json:"items"`
	Blobs int `json:"blobs"`
	// Missing, Corrupt and Unreferenced are the problems: an item whose
	// blob is missing, one whose blob does not hash to the item's hash,
	// and a blob that no item references (left by a failed import, or
	// deleted by Repair).
	Missing      []FsckProblem `json:"missing"`
	Corrupt      []FsckProblem `json:"corrupt"`
	Unreferenced []string      `json:"unreferenced"`
	// Removed counts the unreferenced blobs that repair deleted.
	Removed int `json:"removed,omitempty"`
}

// FsckProblem names an item (by dataset ID and item ID) and its hash.
type FsckProblem struct {
	Dataset string `json:"dataset"`
	Item    string `json:"item"`
	SHA256  string `json:"sha256"`
	Reason  string `json:"reason"`
}

// OK reports whether nothing is wrong.
func (r *FsckReport) OK() bool {
	return len(r.Missing) == 0 && len(r.Corrupt) == 0 && len(r.Unreferenced) == 0
}

// Fsck checks that every item's blob exists and hashes to the item's hash,
// and that every blob is some item's. With repair, unreferenced blobs are
// deleted (missing and corrupt ones cannot be mended and stay reported).
func (s *Service) Fsck(ctx context.Context, repair bool) (*FsckReport, error) {
	if repair {
		s.gc.Lock()
		defer s.gc.Unlock()
	} else {
		s.gc.RLock()
		defer s.gc.RUnlock()
	}
	rep := &FsckReport{Missing: []FsckProblem{}, Corrupt: []FsckProblem{}, Unreferenced: []string{}}
	checked := map[string]string{} // sha → "" when fine, else the reason
	err := s.Store.AllItemHashes(ctx, func(ds, id, sha string, size int64) error {
		rep.Items++
		why, done := checked[sha]
		if !done {
			why = s.checkBlob(ctx, sha)
			checked[sha] = why
		}
		switch {
		case why == "":
		case strings.HasPrefix(why, "missing"):
			rep.Missing = append(rep.Missing, FsckProblem{Dataset: ds, Item: id, SHA256: sha, Reason: why})
		default:
			rep.Corrupt = append(rep.Corrupt, FsckProblem{Dataset: ds, Item: id, SHA256: sha, Reason: why})
		}
		return ctx.Err()
	})
	if err != nil {
		return nil, err
	}
	err = s.eachBlob(ctx, func(obj *blob.ListObject) {
		rep.Blobs++
		sha := obj.Key[strings.LastIndexByte(obj.Key, '/')+1:]
		if _, ok := checked[sha]; ok && obj.Key == blobKey(sha) {
			return
		}
		rep.Unreferenced = append(rep.Unreferenced, obj.Key)
	})
	if err != nil {
		return nil, err
	}
	if repair {
		for _, key := range rep.Unreferenced {
			if err := s.Bucket.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
				return nil, fmt.Errorf("datasets: deleting blob %s: %w", key, err)
			}
			rep.Removed++
		}
	}
	return rep, nil
}

// eachBlob calls f with each object (not a folder) under the blob
// store's prefix, in the bucket's order.
func (s *Service) eachBlob(ctx context.Context, f func(obj *blob.ListObject)) error {
	it := s.Bucket.List(&blob.ListOptions{Prefix: blobPrefix})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("datasets: listing the blob store: %w", err)
		}
		if !obj.IsDir {
			f(obj)
		}
	}
}

// checkBlob reads the blob of sha and returns "" when it hashes to sha,
// else why not.
func (s *Service) checkBlob(ctx context.Context, sha string) string {
	if !validSHA(sha) {
		return "malformed hash"
	}
	r, err := s.Bucket.NewReader(ctx, blobKey(sha), nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return "missing: the blob does not exist"
	}
	if err != nil {
		return "unreadable: " + err.Error()
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "unreadable: " + err.Error()
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sha {
		return "the blob hashes to " + got
	}
	return ""
}

// WriteIDXZip writes the images of an IDX pair to w as a class-folder zip
// of gray PNGs (LABEL/INDEX.png), the form Import reads: IDX data enters a
// dataset through the same checks as any archive.
func WriteIDXZip(w io.Writer, d *idx.Dataset) error {
	zw := zip.NewWriter(w)
	var buf bytes.Buffer
	for i := 0; i < d.N; i++ {
		m := d.Image(i)
		g := &image.Gray{Pix: m.Pix, Stride: m.W, Rect: image.Rect(0, 0, m.W, m.H)}
		buf.Reset()
		if err := png.Encode(&buf, g); err != nil {
			return err
		}
		f, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("%d/%05d.png", d.Labels[i], i), Method: zip.Store})
		if err != nil {
			return err
		}
		if _, err := f.Write(buf.Bytes()); err != nil {
			return err
		}
	}
	return zw.Close()
}
