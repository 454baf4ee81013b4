package server

import (
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/datasets"
	"github.com/mlforge/mlforge/internal/text"
)

// Data at a glance, before a run: the head of a CSV file of the files
// folder with its column kinds (GET /api/files/preview), an image folder's
// classes with a few sample images each (GET /api/files/samples), and a
// thumbnail of one of its images (GET /api/files/thumbnail). Every path
// goes through data.Root with Restrict, as the run's readers do.

// Bounds of the previews.
const (
	previewMaxRows   = 50   // rows shown
	previewScanRows  = 1000 // rows read to judge the column kinds
	samplesMaxClass  = 200  // classes listed by /api/files/samples
	samplesPerClass  = 12   // sample images per class, at most
	samplesMaxListed = 20000
	thumbMaxFile     = 32 << 20 // bytes of an image file to thumbnail
)

func (s *Server) filesRoot() data.Root { return data.Root{Dir: s.filesDir, Restrict: true} }

// pathParam is the ?path= of a files route, checked by data.Root.
func (s *Server) pathParam(r *http.Request) (string, error) {
	p := r.URL.Query().Get("path")
	if p == "" {
		return "", badParam("path", "path: expected a path under the files folder (as GET /api/files lists it)")
	}
	if _, err := s.filesRoot().Resolve(p); err != nil {
		return "", badParam("path", "path: %s", err.Error())
	}
	return p, nil
}

// previewFile is GET /api/files/preview?path=P&rows=N: the CSV's first N
// rows (default 10, at most 50) and its columns with their kinds as the
// first 1,000 rows make them (number, text or empty), their missing cells
// and distinct values: what the form picks the target column from.
func (s *Server) previewFile(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pathParam(r)
	if err != nil {
		return err
	}
	rows := 10
	if v := r.URL.Query().Get("rows"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > previewMaxRows {
			return badParam("rows", "rows must be a whole number from 0 to %d, got %s", previewMaxRows, text.Quote(text.Abbrev(v)))
		}
		rows = n
	}
	f, err := s.filesRoot().Open(p)
	if err != nil {
		return errorf(http.StatusNotFound, "not_found", "%s", err.Error())
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return badParam("path", "%s is not a file", text.Quote(text.Abbrev(p)))
	}
	pv, err := data.PreviewCSV(f, p, rows, previewScanRows)
	if err != nil {
		return &apiError{Status: http.StatusBadRequest, Code: "bad_file", Field: "path", Message: err.Error()}
	}
	writeJSON(w, http.StatusOK, map[string]any{"path": p, "columns": pv.Columns, "rows": pv.Rows, "scanned": pv.Scanned, "more": pv.More})
	return nil
}

// sampleClass is one class of GET /api/files/samples.
type sampleClass struct {
	Name    string   `json:"name"`
	Images  int      `json:"images"`
	Samples []string `json:"samples"` // paths under the files folder
}

// fileSamples is GET /api/files/samples?path=FOLDER&per_class=N: the image
// folder's classes (its subfolders with images) with their image counts
// and the first N images of each by name (default 4, at most 12), for
// thumbnails.
func (s *Server) fileSamples(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pathParam(r)
	if err != nil {
		return err
	}
	per := 4
	if v := r.URL.Query().Get("per_class"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > samplesPerClass {
			return badParam("per_class", "per_class must be a whole number from 0 to %d, got %s", samplesPerClass, text.Quote(text.Abbrev(v)))
		}
		per = n
	}
	full, err := s.filesRoot().Resolve(p)
	if err != nil {
		return badParam("path", "path: %s", err.Error())
	}
	root, err := os.OpenRoot(full)
	if err != nil {
		return errorf(http.StatusNotFound, "not_found", "%s is not a folder under the files folder", text.Quote(text.Abbrev(p)))
	}
	defer root.Close()
	entries, err := fs.ReadDir(root.FS(), ".")
	if err != nil {
		return errorf(http.StatusNotFound, "not_found", "%s is not a folder under the files folder", text.Quote(text.Abbrev(p)))
	}
	out := []sampleClass{}
	listed := 0
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") || len(out) >= samplesMaxClass {
			continue
		}
		sub, err := fs.ReadDir(root.FS(), e.Name())
		if err != nil {
			continue
		}
		c := sampleClass{Name: e.Name(), Samples: []string{}}
		for _, f := range sub {
			if listed++; listed > samplesMaxListed {
				break
			}
			if f.Type().IsRegular() && imageExts[strings.ToLower(path.Ext(f.Name()))] {
				c.Images++
				if len(c.Samples) < per {
					c.Samples = append(c.Samples, path.Join(p, e.Name(), f.Name()))
				}
			}
		}
		if c.Images > 0 {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	writeJSON(w, http.StatusOK, map[string]any{"path": p, "classes": out, "truncated": listed > samplesMaxListed})
	return nil
}

// fileThumbnail is GET /api/files/thumbnail?path=P&size=N: an image of the
// files folder reduced to at most N pixels on its longest side (default
// 128), as PNG (JPEG for a JPEG file), decoded under the pixel cap.
func (s *Server) fileThumbnail(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pathParam(r)
	if err != nil {
		return err
	}
	if !imageExts[strings.ToLower(path.Ext(p))] {
		return badParam("path", "%s is not an image file (.png, .jpg, .jpeg, .gif, .bmp, .webp)", text.Quote(text.Abbrev(p)))
	}
	size := datasets.DefaultThumbnail
	if v := r.URL.Query().Get("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || datasets.CheckThumbnailSize(n) != nil {
			return badParam("size", "size %s: expected a whole number of pixels from %d to %d", text.Quote(text.Abbrev(v)), datasets.MinThumbnail, datasets.MaxThumbnail)
		}
		size = n
	}
	f, err := s.filesRoot().Open(p)
	if err != nil {
		return errorf(http.StatusNotFound, "not_found", "%s", err.Error())
	}
	b, err := io.ReadAll(io.LimitReader(f, thumbMaxFile+1))
	f.Close()
	if err != nil {
		return err
	}
	if len(b) > thumbMaxFile {
		return badParam("path", "%s is larger than %d MiB", text.Quote(text.Abbrev(p)), thumbMaxFile>>20)
	}
	select {
	case thumbSlots <- struct{}{}:
		defer func() { <-thumbSlots }()
	case <-r.Context().Done():
		return errorf(http.StatusServiceUnavailable, "timeout", "no thumbnail slot came free in time")
	}
	isJPEG := len(b) > 2 && b[0] == 0xff && b[1] == 0xd8
	out, ct, err := datasets.EncodeThumbnail(b, p, isJPEG, size, datasets.DefaultMaxPixels)
	if err != nil {
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "bad_image", Field: "path", Message: fmt.Sprint(err)}
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
	return nil
}
