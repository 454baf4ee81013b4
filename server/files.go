package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/mlforge/mlforge/api"
	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/internal/text"
)

// maxUpload is the largest file POST /api/files stores; a variable so that
// tests can lower it.
var maxUpload int64 = 100 << 20

// uploadDir is where uploads go, relative to the files folder; specs name an
// upload "uploads/<name>".
const uploadDir = "uploads"

// fileNamePattern is what uploaded file names must match (before the
// extension check).
var fileNamePattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// checkUploadName says why name cannot be an upload's name, or nil.
func checkUploadName(name string) error {
	if !fileNamePattern.MatchString(name) || strings.HasPrefix(name, ".") {
		return &apiError{Status: http.StatusBadRequest, Code: "bad_name", Field: "name",
			Message: fmt.Sprintf("%q is not a valid file name: expected 1 to 64 letters, digits, \".\", \"_\" or \"-\", not starting with \".\"", text.Abbrev(name))}
	}
	lower := strings.ToLower(name)
	if !strings.HasSuffix(lower, ".csv") && !strings.HasSuffix(lower, ".csv.gz") {
		return &apiError{Status: http.StatusBadRequest, Code: "bad_name", Field: "name",
			Message: fmt.Sprintf("%q must end in .csv or .csv.gz", name)}
	}
	return nil
}

// uploadFile is POST /api/files: a multipart form whose field "file" is a
// CSV file (or gzip-compressed CSV) of at most maxUpload bytes. It is stored
// atomically as <data>/files/uploads/<name>, where name is ?name= or the
// file's own name; an existing file is kept unless ?overwrite=1.
func (s *Server) uploadFile(w http.ResponseWriter, r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, "multipart/form-data") {
		return errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "expected Content-Type multipart/form-data with a field \"file\", got %q", text.Abbrev(ct))
	}
	overwrite := r.URL.Query().Get("overwrite") == "1"
	// The body may hold a little more than the file: part headers and
	// boundaries.
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload+64<<10)
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
			return uploadReadError(err)
		}
		if part.FormName() != "file" {
			part.Close()
			continue
		}
		name := r.URL.Query().Get("name")
		if name == "" {
			name = part.FileName()
		}
		if err := checkUploadName(name); err != nil {
			return err
		}
		size, err := s.storeUpload(r.Context(), part, name, overwrite)
		if err != nil {
			return err
		}
		rel := uploadDir + "/" + name
		writeJSON(w, http.StatusCreated, api.Upload{Path: rel, Size: size, SpecPath: rel})
		return nil
	}
}

func uploadReadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errorf(http.StatusRequestEntityTooLarge, "too_large", "the file exceeds %d bytes", maxUpload)
	}
	return errorf(http.StatusBadRequest, "bad_request", "reading the upload: %v", err)
}

// storeUpload writes part to a temporary file beside its destination and
// then links (no overwrite) or renames (overwrite) it into place, so that no
// reader ever sees half a file.
func (s *Server) storeUpload(ctx context.Context, part *multipart.Part, name string, overwrite bool) (int64, error) {
	dir := filepath.Join(s.filesDir, uploadDir)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return 0, err
	}
	dest := filepath.Join(dir, name)
	if !overwrite {
		shared, err := s.uploadExists(ctx, name)
		if err != nil {
			return 0, err
		}
		if _, err := os.Lstat(dest); err == nil || shared {
			return 0, &apiError{Status: http.StatusConflict, Code: "conflict", Field: "name",
				Message: fmt.Sprintf("%s/%s already exists: choose another name or add ?overwrite=1", uploadDir, name)}
		}
	}
	tmp, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	n, err := io.Copy(tmp, io.LimitReader(part, maxUpload+1))
	if err != nil {
		tmp.Close()
		return 0, uploadReadError(err)
	}
	if n > maxUpload {
		tmp.Close()
		return 0, errorf(http.StatusRequestEntityTooLarge, "too_large", "the file exceeds %d bytes", maxUpload)
	}
	if n == 0 {
		tmp.Close()
		return 0, &apiError{Status: http.StatusBadRequest, Code: "bad_request", Field: "file", Message: "the file is empty"}
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return 0, err
	}
	if err := tmp.Close(); err != nil {
		return 0, err
	}
	// The object store first: a file this server lists is one every
	// server and worker can read.
	if err := s.putUpload(ctx, name, tmp.Name()); err != nil {
		return 0, err
	}
	if overwrite {
		return n, os.Rename(tmp.Name(), dest)
	}
	if err := os.Link(tmp.Name(), dest); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return 0, &apiError{Status: http.StatusConflict, Code: "conflict", Field: "name",
				Message: fmt.Sprintf("%s/%s already exists: choose another name or add ?overwrite=1", uploadDir, name)}
		}
		return 0, err
	}
	return n, nil
}

// Listing limits: how deep and how many entries GET /api/files looks at.
const (
	listMaxDepth   = 8
	listMaxEntries = 100000
)

var imageExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".bmp": true, ".webp": true}

// listFiles is GET /api/files: the CSV files, IDX files and image folders
// under the files folder. Symbolic links are listed only when they resolve
// inside the files folder, and are never descended into.
func (s *Server) listFiles(w http.ResponseWriter, r *http.Request) error {
	root, err := filepath.Abs(s.filesDir)
	if err != nil {
		return err
	}
	if real, err := filepath.EvalSymlinks(root); err == nil {
		root = real
	}
	var out []api.File
	seen := 0
	truncated := false
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable: skip it
		}
		if seen++; seen > listMaxEntries {
			truncated = true
			return fs.SkipAll
		}
		rel, rerr := filepath.Rel(root, p)
		if rerr != nil || rel == "." {
			return nil
		}
		name := d.Name()
		if strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if strings.Count(rel, string(filepath.Separator)) >= listMaxDepth {
				return fs.SkipDir
			}
			if classes := imageClasses(p); len(classes) > 0 {
				out = append(out, api.File{Path: filepath.ToSlash(rel), Kind: "images", Classes: classes})
				return fs.SkipDir
			}
			return nil
		}
		kind := fileKind(name)
		if kind == "" {
			return nil
		}
		info, err := os.Stat(p) // follows a link: only kept if it stays inside
		if err != nil || !info.Mode().IsRegular() {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 && !(data.Root{Dir: root}).Contains(rel) {
			return nil
		}
		out = append(out, api.File{Path: filepath.ToSlash(rel), Kind: kind, Size: info.Size()})
		return nil
	})
	if err != nil {
		return err
	}
	out, more, err := s.sharedUploads(r.Context(), out)
	if err != nil {
		return err
	}
	truncated = truncated || more
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	if out == nil {
		out = []api.File{}
	}
	writeJSON(w, http.StatusOK, api.FileList{Files: out, Truncated: truncated, MaxUpload: maxUpload, UploadDir: uploadDir})
	return nil
}

// fileKind is the kind of a data file by its name, or "".
func fileKind(name string) string {
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, ".csv"), strings.HasSuffix(lower, ".csv.gz"):
		return "csv"
	case strings.Contains(lower, "-ubyte"), strings.HasSuffix(lower, ".idx"), strings.HasSuffix(lower, ".idx.gz"):
		return "idx"
	}
	return ""
}

// imageClasses returns the class subfolders of dir that hold images (not
// following links), or nil when dir is not an image folder.
func imageClasses(dir string) []api.ImageClass {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var classes []api.ImageClass
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		sub, err := os.ReadDir(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		n := 0
		for _, f := range sub {
			if f.Type().IsRegular() && imageExts[strings.ToLower(filepath.Ext(f.Name()))] {
				n++
			}
		}
		if n > 0 {
			classes = append(classes, api.ImageClass{Name: e.Name(), Images: n})
		}
	}
	return classes
}
