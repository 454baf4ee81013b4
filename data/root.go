package data

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mlforge/mlforge/internal/text"
)

// Root is the folder that the relative paths of a run (a spec's data files
// and output) start from. It is the one place that keeps such paths inside
// their folder: spec validation, the run's readers and the service's file
// routes all go through it. With Restrict, as the service needs, absolute
// paths, ".." elements, backslashes and symbolic links that lead out of Dir
// are refused, and files are opened through os.Root so that a link changed
// after the check cannot lead out either. Error messages name paths as the
// spec wrote them, relative to Dir, never Dir itself.
type Root struct {
	// Dir is the folder; "" means the working directory.
	Dir string
	// Restrict confines every path to Dir.
	Restrict bool
}

// PathError is a path that Root refuses, or cannot check; its message
// names the path as written.
type PathError struct {
	Path string // the path as written
	Msg  string // the whole message, naming the path
}

func (e *PathError) Error() string { return e.Msg }

// BadInput marks the error as the user's input.
func (e *PathError) BadInput() bool { return true }

func (r Root) dir() string { return cmp.Or(r.Dir, ".") }

// Resolve returns the file-system path of p: joined to Dir unless it is
// absolute (and allowed). With Restrict it refuses paths that could leave
// Dir, including through symbolic links that exist now; open files through
// Open even so, since links can change after the check. The error is a
// *PathError.
func (r Root) Resolve(p string) (string, error) {
	if strings.IndexByte(p, 0) >= 0 {
		return "", &PathError{Path: p, Msg: "the path contains a NUL byte"}
	}
	if !r.Restrict {
		if r.Dir == "" || filepath.IsAbs(p) {
			return p, nil
		}
		return filepath.Join(r.Dir, p), nil
	}
	q := text.Quote(text.Abbrev(p))
	bad := func(msg string) (string, error) { return "", &PathError{Path: p, Msg: q + " " + msg} }
	switch {
	case strings.Contains(p, `\`):
		return bad(`contains a backslash; separate directories with "/"`)
	case strings.HasPrefix(p, "/") || filepath.IsAbs(p) || filepath.VolumeName(p) != "":
		return bad("is an absolute path; expected a path relative to the workspace")
	case slices.Contains(strings.Split(p, "/"), ".."):
		return bad(`leaves the workspace; ".." is not allowed here`)
	case !filepath.IsLocal(p):
		return bad("is not a path inside the workspace")
	}
	full := filepath.Join(r.dir(), p)
	if msg := contained(r.dir(), p); msg != "" {
		return bad(msg)
	}
	return full, nil
}

// contained checks that the relative path p under root, which may not exist
// yet, stays inside root once the symbolic links along it are followed; it
// returns what is wrong, or "".
func contained(root, p string) string {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "cannot be checked: the workspace is not readable"
	}
	for cur := filepath.Clean(p); ; {
		full := filepath.Join(root, cur)
		if _, err := os.Lstat(full); err == nil {
			real, err := filepath.EvalSymlinks(full)
			if err != nil {
				return "goes through a broken symbolic link"
			}
			rel, err := filepath.Rel(realRoot, real)
			if err != nil || !filepath.IsLocal(rel) && rel != "." {
				return "leads outside the workspace through a symbolic link"
			}
			return ""
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "cannot be checked: " + DescribeOSError(filepath.ToSlash(cur), err)
		}
		if cur == "." {
			return ""
		}
		cur = filepath.Dir(cur)
	}
}

// Contains reports whether the relative path p (slash- or OS-separated) is
// inside Dir once symbolic links are followed; for a Root without Restrict
// it applies the same check.
func (r Root) Contains(p string) bool {
	r.Restrict = true
	_, err := r.Resolve(filepath.ToSlash(p))
	return err == nil
}

// Open opens the file p. With Restrict it goes through os.Root, so that no
// path or symbolic link leads outside Dir, even one changed since Resolve
// checked it. The error is a *PathError or an *Error naming p.
func (r Root) Open(p string) (*os.File, error) {
	full, err := r.Resolve(p)
	if err != nil {
		return nil, err
	}
	if !r.Restrict {
		f, err := os.Open(full)
		if err != nil {
			return nil, &Error{File: p, Msg: openMsg(err), Err: err}
		}
		return f, nil
	}
	root, err := os.OpenRoot(r.dir())
	if err != nil {
		return nil, &Error{File: p, Msg: "cannot open the data folder", Err: err}
	}
	defer root.Close()
	f, err := root.Open(p)
	if err != nil {
		return nil, &Error{File: p, Msg: "cannot open the file inside the data folder: " + openMsg(err), Err: err}
	}
	return f, nil
}

// Stat returns the file information of p, following links (which Resolve
// has checked stay inside Dir with Restrict). With Restrict it goes through
// os.Root, as Open does, so that what Stat accepts Open opens: "x.csv/" of
// a file is an error for both.
func (r Root) Stat(p string) (fs.FileInfo, error) {
	full, err := r.Resolve(p)
	if err != nil {
		return nil, err
	}
	if !r.Restrict {
		return os.Stat(full)
	}
	root, err := os.OpenRoot(r.dir())
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return root.Stat(p)
}

// IsDir reports whether p is a directory.
func (r Root) IsDir(p string) bool {
	fi, err := r.Stat(p)
	return err == nil && fi.IsDir()
}

// ReadCSV reads the CSV file p (see ReadCSV); the file is opened through
// Open. opt.Name defaults to p.
func (r Root) ReadCSV(p string, opt CSVOptions) (*Frame, error) {
	if opt.Name == "" {
		opt.Name = p
	}
	if !r.Restrict {
		full, err := r.Resolve(p)
		if err != nil {
			return nil, err
		}
		return ReadCSVFile(full, opt)
	}
	f, err := r.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadCSV(f, opt)
}

// openMsg is what went wrong opening a file, without the path the OS error
// carries.
func openMsg(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return err.Error()
}

// DescribeOSError says what went wrong opening name without repeating the
// full path the OS error carries: "file "x.csv" does not exist".
func DescribeOSError(name string, err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("file %s does not exist", text.Quote(name))
	case errors.Is(err, fs.ErrPermission):
		return fmt.Sprintf("no permission to read %s", text.Quote(name))
	}
	return fmt.Sprintf("%s: %v", text.Quote(name), err)
}

// Kind says what kind of data a source holds.
type Kind string

// The kinds of data.
const (
	TableData  Kind = "table"  // a CSV file or a built-in dataset: rows of numbers
	IDXData    Kind = "idx"    // a pair of IDX files: gray images and labels
	FolderData Kind = "folder" // a folder with one subfolder of images per class
)

// DatasetPrefix starts a source that names a stored image dataset
// ("dataset:NAME", or "dataset:NAME:LABEL,LABEL" for some of its labels),
// which data/source opens as an image folder.
const DatasetPrefix = "dataset:"

// Kind returns the kind of data a source holds: a pair of IDX files when
// idxPair, a table for a built-in dataset, an image folder when path is a
// directory and a table (a CSV file) otherwise.
func (r Root) Kind(builtin, path string, idxPair bool) Kind {
	switch {
	case idxPair:
		return IDXData
	case builtin != "":
		return TableData
	case strings.HasPrefix(path, DatasetPrefix):
		return FolderData
	case r.IsDir(path):
		return FolderData
	}
	return TableData
}
