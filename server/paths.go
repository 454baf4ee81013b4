package server

import (
	"errors"
	"net/http"
	"path/filepath"
	"sort"
	"strings"

	"github.com/mlforge/mlforge/spec"
)

// Error messages never show where the server keeps its files: a path under
// the files folder is shown as a spec names it (relative to <data>/files),
// any other path under the data folder relative to the data folder
// (runs/<id>/model.safetensors), and the two folders themselves as
// "<data>/files" and "<data>".

// pathScrubber replaces the server's folders in a message.
type pathScrubber struct{ r *strings.Replacer }

// newPathScrubber covers every spelling of the two folders: as configured,
// absolute, and with symbolic links resolved.
func newPathScrubber(dataDir, filesDir string) pathScrubber {
	type pair struct{ from, to string }
	var ps []pair
	seen := map[string]bool{}
	addDir := func(dir, alone string) {
		forms := []string{dir}
		if abs, err := filepath.Abs(dir); err == nil {
			forms = append(forms, abs)
			if real, err := filepath.EvalSymlinks(abs); err == nil {
				forms = append(forms, real)
			}
		}
		for _, f := range forms {
			f = filepath.Clean(f)
			if f == "." || f == string(filepath.Separator) || seen[f] {
				continue
			}
			seen[f] = true
			ps = append(ps, pair{f + string(filepath.Separator), ""}, pair{f, alone})
		}
	}
	addDir(filesDir, "<data>/files")
	addDir(dataDir, "<data>")
	// strings.Replacer tries the old strings in argument order at each
	// position: longest first, so that the files folder wins over the data
	// folder that holds it.
	sort.SliceStable(ps, func(i, j int) bool { return len(ps[i].from) > len(ps[j].from) })
	args := make([]string, 0, 2*len(ps))
	for _, p := range ps {
		args = append(args, p.from, p.to)
	}
	return pathScrubber{strings.NewReplacer(args...)}
}

// String scrubs one message.
func (p pathScrubber) String(msg string) string {
	if p.r == nil {
		return msg
	}
	return p.r.Replace(msg)
}

// scrubbedError is an error whose message was scrubbed; it still unwraps
// to the original, so that its kind (bad input, cancelled) is kept.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// scrubErr returns err with its message scrubbed (nil stays nil).
func (s *Server) scrubErr(err error) error {
	if err == nil {
		return nil
	}
	msg := s.paths.String(err.Error())
	if msg == err.Error() {
		return err
	}
	return &scrubbedError{msg, err}
}

// writeError writes err as the package's writeError does, with every
// message scrubbed.
func (s *Server) writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	var se *specErrors
	switch {
	case errors.As(err, &se):
		list := make(spec.Errors, len(se.list))
		for i, fe := range se.list {
			list[i] = &spec.FieldError{Path: fe.Path, Msg: s.paths.String(fe.Msg)}
		}
		err = &specErrors{list: list}
	case errors.As(err, &ae):
		cp := *ae
		cp.Message = s.paths.String(cp.Message)
		err = &cp
	default:
		err = s.scrubErr(err)
	}
	writeError(w, err)
}
