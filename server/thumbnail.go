package server

import (
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"

	"github.com/mlforge/mlforge/datasets"
	"github.com/mlforge/mlforge/internal/text"
)

// thumbSlots bounds the thumbnails decoded at once in this process (each
// holds a decoded image of up to the pixel cap); the others wait for a
// slot, or for their client to go.
var thumbSlots = make(chan struct{}, max(2, runtime.NumCPU()))

// thumbnail is GET /api/datasets/{name}/items/{id}/thumbnail?size=N: the
// item reduced to at most N pixels on its longest side (default
// datasets.DefaultThumbnail, at most datasets.MaxThumbnail), keeping its
// aspect ratio, as PNG (JPEG for a JPEG item), typed by the format and
// never sniffed. Its ETag is the item's hash and the size, so a browser
// revalidates it for free; an item's bytes never change under its hash.
func (d *datasetRoutes) thumbnail(svc *datasets.Service, w http.ResponseWriter, r *http.Request) error {
	size := datasets.DefaultThumbnail
	if v := r.URL.Query().Get("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || datasets.CheckThumbnailSize(n) != nil {
			return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Field: "size",
				Message: fmt.Sprintf("size %s: expected a whole number of pixels from %d to %d", text.Quote(text.Abbrev(v)), datasets.MinThumbnail, datasets.MaxThumbnail)}
		}
		size = n
	}
	_, it, err := svc.Item(r.Context(), r.PathValue("name"), r.PathValue("id"))
	if err != nil {
		return err
	}
	etag := `"` + it.SHA256 + "-" + strconv.Itoa(size) + `"`
	h := w.Header()
	cacheable := func() {
		h.Set("ETag", etag)
		h.Set("Cache-Control", "private, max-age=86400")
		h.Set("X-Content-Type-Options", "nosniff")
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && (inm == "*" || strings.Contains(inm, etag)) {
		cacheable()
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	select {
	case thumbSlots <- struct{}{}:
		defer func() { <-thumbSlots }()
	case <-r.Context().Done():
		return errorf(http.StatusServiceUnavailable, "timeout", "no thumbnail slot came free in time")
	}
	b, ct, err := svc.Thumbnail(r.Context(), it, size)
	if err != nil {
		return err
	}
	cacheable()
	h.Set("Content-Type", ct)
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	return nil
}
