package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/mlforge/mlforge/datasets"
	"github.com/mlforge/mlforge/internal/text"
	"github.com/mlforge/mlforge/store"
)

// maxImport is the largest archive POST /api/datasets/{name}/import
// accepts; a variable so that tests can lower it.
var maxImport int64 = 1 << 30

// datasetRoutes serves /api/datasets: the dataset service over the store
// and the blob folder DataDir/blobs, opened at the first request.
type datasetRoutes struct {
	s    *Server
	once sync.Once
	svc  *datasets.Service
	err  error
}

// datasets returns the handlers of the dataset routes, and registers the
// service as the opener of the "dataset:NAME" sources of the runs and
// validations of this server (which read from its files folder).
func (s *Server) datasets() *datasetRoutes {
	d := &datasetRoutes{s: s}
	datasets.RegisterSource(s.filesDir, d.service)
	if abs, err := filepath.Abs(s.filesDir); err == nil {
		datasets.RegisterSource(abs, d.service)
	}
	return d
}

func (d *datasetRoutes) service(ctx context.Context) (*datasets.Service, error) {
	d.once.Do(func() {
		url, err := datasets.StoreURL(d.s.cfg.DataDir, d.s.cfg.Artifacts)
		if err != nil {
			d.err = err
			return
		}
		b, err := datasets.OpenBucket(context.WithoutCancel(ctx), url)
		if err != nil {
			d.err = err
			return
		}
		d.svc = datasets.New(d.s.store, b)
		// Archives spooled by imports that a crash cut short.
		stale, _ := filepath.Glob(filepath.Join(d.s.cfg.DataDir, "tmp", "import-*"))
		for _, p := range stale {
			os.Remove(p)
		}
	})
	return d.svc, d.err
}

// handle adapts a dataset handler: it opens the service and maps the
// service's errors to statuses.
func (d *datasetRoutes) handle(f func(svc *datasets.Service, w http.ResponseWriter, r *http.Request) error) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		svc, err := d.service(r.Context())
		if err != nil {
			return err
		}
		err = f(svc, w, r)
		var de *datasets.Error
		switch {
		case err == nil:
			return nil
		case errors.As(err, &de) && de.NotFound:
			return errorf(http.StatusNotFound, "not_found", "%s", de.Msg)
		case errors.As(err, &de) && de.Exists:
			return errorf(http.StatusConflict, "conflict", "%s", de.Msg)
		case errors.As(err, &de):
			return errorf(http.StatusBadRequest, "bad_request", "%s", de.Msg)
		}
		return err
	}
}

// createDataset is POST /api/datasets {"name", "kind", "description"}.
func (d *datasetRoutes) create(svc *datasets.Service, w http.ResponseWriter, r *http.Request) error {
	b, err := readBody(w, r, 64<<10)
	if err != nil {
		return err
	}
	var req struct {
		Name        string `json:"name"`
		Kind        string `json:"kind"`
		Description string `json:"description"`
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return errorf(http.StatusBadRequest, "bad_request", "the body is not a dataset {\"name\", \"kind\", \"description\"}: %v", err)
	}
	ds, err := svc.Create(r.Context(), req.Name, req.Kind, req.Description)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, ds)
	return nil
}

// list is GET /api/datasets.
func (d *datasetRoutes) list(svc *datasets.Service, w http.ResponseWriter, r *http.Request) error {
	list, err := svc.List(r.Context())
	if err != nil {
		return err
	}
	if list == nil {
		list = []*store.Dataset{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"datasets": list})
	return nil
}

// get is GET /api/datasets/{name}: the dataset with its label counts.
func (d *datasetRoutes) get(svc *datasets.Service, w http.ResponseWriter, r *http.Request) error {
	ds, err := svc.Get(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ds)
	return nil
}

// remove is DELETE /api/datasets/{name}.
func (d *datasetRoutes) remove(svc *datasets.Service, w http.ResponseWriter, r *http.Request) error {
	if err := svc.Delete(r.Context(), r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ItemPage is the answer of GET /api/datasets/{name}/items.
type ItemPage struct {
	Items []*store.Item `json:"items"`
	// Next is the cursor of the next page (?after=), "" at the end.
	Next string `json:"next,omitempty"`
}

// items is GET /api/datasets/{name}/items?label=L&after=ID&limit=N.
func (d *datasetRoutes) items(svc *datasets.Service, w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Field: "limit", Message: fmt.Sprintf("limit %s: expected a whole number from 1 to 1000", text.Quote(text.Abbrev(v)))}
		}
		limit = n
	}
	items, err := svc.Items(r.Context(), r.PathValue("name"), store.ItemOptions{Labels: q["label"], After: q.Get("after"), Limit: limit})
	if err != nil {
		return err
	}
	page := ItemPage{Items: items}
	if len(items) == limit {
		page.Next = items[len(items)-1].ID
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// item is GET /api/datasets/{name}/items/{id}.
func (d *datasetRoutes) item(svc *datasets.Service, w http.ResponseWriter, r *http.Request) error {
	_, it, err := svc.Item(r.Context(), r.PathValue("name"), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, it)
	return nil
}

// image is GET /api/datasets/{name}/items/{id}/image: the item's bytes,
// typed by the format sniffed when it was stored, never to be sniffed
// again by the browser nor run as a document.
func (d *datasetRoutes) image(svc *datasets.Service, w http.ResponseWriter, r *http.Request) error {
	_, it, err := svc.Item(r.Context(), r.PathValue("name"), r.PathValue("id"))
	if err != nil {
		return err
	}
	rc, err := svc.Open(r.Context(), it)
	if err != nil {
		return err
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", datasets.ContentType(it.Format))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Content-Length", strconv.FormatInt(it.Bytes, 10))
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, rc)
	return nil
}

// deleteItem is DELETE /api/datasets/{name}/items/{id}.
func (d *datasetRoutes) deleteItem(svc *datasets.Service, w http.ResponseWriter, r *http.Request) error {
	if err := svc.DeleteItem(r.Context(), r.PathValue("name"), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// relabel is POST /api/datasets/{name}/items/{id}/label {"label": L}.
func (d *datasetRoutes) relabel(svc *datasets.Service, w http.ResponseWriter, r *http.Request) error {
	b, err := readBody(w, r, 4<<10)
	if err != nil {
		return err
	}
	var req struct {
		Label string `json:"label"`
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return errorf(http.StatusBadRequest, "bad_request", "the body is not {\"label\": \"...\"}: %v", err)
	}
	it, err := svc.Relabel(r.Context(), r.PathValue("name"), r.PathValue("id"), req.Label)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, it)
	return nil
}

// importArchive is POST /api/datasets/{name}/import: a multipart form whose
// field "file" is a class-folder .zip or .tar.gz of at most maxImport
// bytes, spooled to a temporary file (the zip reader needs to seek) that
// is removed afterwards.
func (d *datasetRoutes) importArchive(svc *datasets.Service, w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	if _, err := svc.Dataset(r.Context(), name); err != nil {
		return err
	}
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, "multipart/form-data") {
		return errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "expected Content-Type multipart/form-data with a field \"file\", got %q", text.Abbrev(ct))
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxImport+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		return errorf(http.StatusBadRequest, "bad_request", "reading the multipart form: %v", err)
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Field: "file", Message: "the form has no field \"file\""}
		}
		if err != nil {
			return importReadError(err)
		}
		if part.FormName() != "file" {
			part.Close()
			continue
		}
		dir := filepath.Join(d.s.cfg.DataDir, "tmp")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		tmp, err := os.CreateTemp(dir, "import-*")
		if err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		n, err := io.Copy(tmp, io.LimitReader(part, maxImport+1))
		if err != nil {
			return importReadError(err)
		}
		if n > maxImport {
			return errorf(http.StatusRequestEntityTooLarge, "too_large", "the archive exceeds %d bytes", maxImport)
		}
		if n == 0 {
			return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Field: "file", Message: "the archive is empty"}
		}
		rep, err := svc.Import(r.Context(), name, tmp, n)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, rep)
		return nil
	}
}

func importReadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errorf(http.StatusRequestEntityTooLarge, "too_large", "the archive exceeds %d bytes", maxImport)
	}
	return errorf(http.StatusBadRequest, "bad_request", "reading the upload: %v", err)
}

// export is GET /api/datasets/{name}/export?label=L: a class-folder zip.
func (d *datasetRoutes) export(svc *datasets.Service, w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	if _, err := svc.Dataset(r.Context(), name); err != nil {
		return err
	}
	labels := r.URL.Query()["label"]
	for _, l := range labels {
		if err := datasets.CheckLabel(l); err != nil {
			return err
		}
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.zip"`)
	w.WriteHeader(http.StatusOK)
	if err := svc.Export(r.Context(), name, labels, w); err != nil {
		// The status is sent: the zip stops without its central
		// directory, which no reader takes for a whole archive.
		d.s.log.Error("dataset export", "dataset", name, "err", err)
	}
	return nil
}

// fsck is GET /api/fsck (check) and POST /api/fsck?repair=1 (also delete
// unreferenced blobs).
func (d *datasetRoutes) fsck(svc *datasets.Service, w http.ResponseWriter, r *http.Request) error {
	repair := r.Method == http.MethodPost && r.URL.Query().Get("repair") == "1"
	rep, err := svc.Fsck(r.Context(), repair)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}
