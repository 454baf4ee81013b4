package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"path/filepath"
	"strings"

	"github.com/mlforge/mlforge/api"
	"github.com/mlforge/mlforge/artifacts"
	"github.com/mlforge/mlforge/spec"
)

// The uploads of a cluster. With an object store given (--artifacts), POST
// /api/files also puts the file there (artifacts.UploadKey), GET /api/files
// lists the uploads it holds, and before a spec is checked (validate, a new
// run) or trained, each uploads/<name> it reads is taken from the object
// store when this process's copy is missing or differs (its SHA-256
// against the object's). Without --artifacts an upload stays in the data
// folder, as before.

// sharesUploads reports whether this server keeps uploads in the object
// store: only one given by --artifacts, not the data folder's own.
func (s *Server) sharesUploads() bool { return s.cfg.Artifacts != "" && s.art != nil }

// specUploads returns the names of the uploaded files that sp reads.
func specUploads(sp *spec.Spec) []string {
	var names []string
	for _, src := range []spec.Source{sp.Data.Train, sp.Data.Test} {
		p := path.Clean(filepath.ToSlash(src.Path))
		if name, ok := strings.CutPrefix(p, uploadDir+"/"); ok && artifacts.ValidUploadName(name) {
			names = append(names, name)
		}
	}
	return names
}

// fetchUploads brings this data folder's copies of the uploads that sp
// reads up to date with the object store's. An upload the object store
// lacks is read from the data folder, if it is there.
func fetchUploads(ctx context.Context, art *artifacts.Store, filesDir string, sp *spec.Spec) error {
	if art == nil {
		return nil
	}
	for _, name := range specUploads(sp) {
		sha, _, err := art.UploadSHA(ctx, name)
		if errors.Is(err, artifacts.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		local := filepath.Join(filesDir, uploadDir, name)
		if got, err := fileSHA(local); err == nil && got == sha {
			continue
		}
		if err := art.GetUpload(ctx, name, local, sha, maxUpload); err != nil {
			return fmt.Errorf("taking %s/%s from the object store: %w", uploadDir, name, err)
		}
	}
	return nil
}

// fetchSpecUploads is fetchUploads for a spec this server checks.
func (s *Server) fetchSpecUploads(ctx context.Context, sp *spec.Spec) error {
	if !s.sharesUploads() {
		return nil
	}
	if err := fetchUploads(ctx, s.art, s.filesDir, sp); err != nil {
		return errorf(http.StatusServiceUnavailable, "artifacts_unavailable", "%s", s.scrubErr(err).Error())
	}
	return nil
}

// putUpload puts a stored upload into the object store.
func (s *Server) putUpload(ctx context.Context, name, tmp string) error {
	if !s.sharesUploads() {
		return nil
	}
	if _, _, err := s.art.PutUpload(ctx, name, tmp); err != nil {
		return errorf(http.StatusServiceUnavailable, "artifacts_unavailable", "the file could not be put into the object store: %s", s.scrubErr(err).Error())
	}
	return nil
}

// uploadExists reports whether the object store holds the upload name.
func (s *Server) uploadExists(ctx context.Context, name string) (bool, error) {
	if !s.sharesUploads() {
		return false, nil
	}
	_, _, err := s.art.UploadSHA(ctx, name)
	if errors.Is(err, artifacts.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, errorf(http.StatusServiceUnavailable, "artifacts_unavailable", "%s", s.scrubErr(err).Error())
	}
	return true, nil
}

// sharedUploads adds to a listing the uploads of the object store that the
// data folder lacks.
func (s *Server) sharedUploads(ctx context.Context, out []api.File) ([]api.File, bool, error) {
	if !s.sharesUploads() {
		return out, false, nil
	}
	ups, more, err := s.art.Uploads(ctx, listMaxEntries)
	if err != nil {
		return nil, false, errorf(http.StatusServiceUnavailable, "artifacts_unavailable", "%s", s.scrubErr(err).Error())
	}
	have := map[string]bool{}
	for _, f := range out {
		have[f.Path] = true
	}
	for _, u := range ups {
		p := uploadDir + "/" + u.Name
		if !have[p] && fileKind(u.Name) != "" {
			out = append(out, api.File{Path: p, Kind: fileKind(u.Name), Size: u.Size})
		}
	}
	return out, more, nil
}
