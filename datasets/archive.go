package datasets

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/mlforge/mlforge/data/images"
	"github.com/mlforge/mlforge/internal/text"
)

// Limits bound an import. Zero fields take the defaults.
type Limits struct {
	// MaxEntries caps the entries (files and folders) of an archive.
	MaxEntries int
	// MaxTotalBytes caps the uncompressed bytes of an archive.
	MaxTotalBytes int64
	// MaxRatio caps the ratio of uncompressed to compressed bytes, of an
	// entry of a zip and of a whole .tar.gz, once past 1 MiB.
	MaxRatio float64
	// MaxFileBytes caps one image file; a larger one is skipped.
	MaxFileBytes int64
	// MaxPixels caps an image's width*height, read from its header before
	// it is decoded (at most images.MaxPixels); a larger one is skipped.
	MaxPixels int64
}

// Defaults of Limits.
const (
	DefaultMaxEntries    = 65_536
	DefaultMaxTotalBytes = 4 << 30
	DefaultMaxRatio      = 100
	DefaultMaxFileBytes  = 32 << 20
	DefaultMaxPixels     = images.MaxPixels
)

func (l Limits) withDefaults() Limits {
	l.MaxEntries = cmp.Or(l.MaxEntries, DefaultMaxEntries)
	l.MaxTotalBytes = cmp.Or(l.MaxTotalBytes, DefaultMaxTotalBytes)
	l.MaxRatio = cmp.Or(l.MaxRatio, DefaultMaxRatio)
	l.MaxFileBytes = cmp.Or(l.MaxFileBytes, DefaultMaxFileBytes)
	if l.MaxPixels <= 0 || l.MaxPixels > images.MaxPixels {
		l.MaxPixels = DefaultMaxPixels
	}
	return l
}

// ratioFloor is the size below which an entry's ratio is not checked
// (small files of zeros compress very well and are harmless).
const ratioFloor = 1 << 20

// entry is one file of an archive.
type entry struct {
	name string // checked, slash-separated, relative
	top  string // the folder holding every file of the archive (commonDir)
	size int64  // declared size
	open func() (io.ReadCloser, error)
}

// CheckEntryName returns an error unless name, an archive entry's name,
// is a relative slash-separated path without "..", backslashes, NUL bytes
// or a drive letter.
func CheckEntryName(name string) error {
	bad := func(why string) error {
		return errorf("archive entry %s is refused: %s", text.Quote(text.Abbrev(name)), why)
	}
	switch {
	case name == "":
		return bad("its name is empty")
	case strings.ContainsRune(name, 0):
		return bad("its name contains a NUL byte")
	case strings.Contains(name, `\`):
		return bad("its name contains a backslash")
	case strings.HasPrefix(name, "/"):
		return bad("it is an absolute path")
	case len(name) >= 2 && name[1] == ':':
		return bad("it names a drive")
	}
	for _, el := range strings.Split(strings.TrimSuffix(name, "/"), "/") {
		if el == ".." {
			return bad(`it leaves the archive (".." is not allowed)`)
		}
	}
	clean := strings.TrimPrefix(strings.TrimSuffix(name, "/"), "./")
	if !fs.ValidPath(clean) {
		return bad("it is not a clean relative path")
	}
	return nil
}

// isZip and isGzip recognise archives by their first bytes.
func isZip(b []byte) bool {
	return bytes.HasPrefix(b, []byte("PK\x03\x04")) || bytes.HasPrefix(b, []byte("PK\x05\x06"))
}
func isGzip(b []byte) bool { return bytes.HasPrefix(b, []byte{0x1f, 0x8b}) }

// walkArchive calls f with every file of the archive in r (a zip or a
// .tar.gz, recognised from its first bytes), after checking the archive's
// names and sizes against lim. An error from the archive itself (a name,
// a link, a cap) stops the walk and is returned; f's errors too.
func walkArchive(r io.ReaderAt, size int64, lim Limits, f func(entry) error) error {
	head := make([]byte, 4)
	n, _ := r.ReadAt(head, 0)
	head = head[:n]
	switch {
	case isZip(head):
		return walkZip(r, size, lim, f)
	case isGzip(head):
		// A first pass learns the names (the class folders' parent), with
		// the archive's checks; the second reads the files.
		var names []string
		err := walkTarGz(io.NewSectionReader(r, 0, size), lim, "", func(e entry) error {
			names = append(names, e.name)
			return nil
		}, false)
		if err != nil {
			return err
		}
		return walkTarGz(io.NewSectionReader(r, 0, size), lim, commonDir(names), f, true)
	}
	return errorf("the archive is neither a .zip nor a .tar.gz (it starts with %q)", head)
}

func walkZip(r io.ReaderAt, size int64, lim Limits, f func(entry) error) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return errorf("the zip archive cannot be read: %v", err)
	}
	if len(zr.File) > lim.MaxEntries {
		return errorf("the zip archive has %d entries, more than the limit of %d", len(zr.File), lim.MaxEntries)
	}
	var total uint64
	for _, zf := range zr.File {
		if err := CheckEntryName(zf.Name); err != nil {
			return err
		}
		if m := zf.Mode(); m&fs.ModeSymlink != 0 || !(m.IsRegular() || m.IsDir()) {
			return errorf("archive entry %s is refused: it is a link or special file, not a file or folder", text.Quote(text.Abbrev(zf.Name)))
		}
		total += zf.UncompressedSize64
		if total > uint64(lim.MaxTotalBytes) {
			return errorf("the zip archive holds more than the limit of %d uncompressed bytes", lim.MaxTotalBytes)
		}
		if zf.UncompressedSize64 > ratioFloor && float64(zf.UncompressedSize64) > lim.MaxRatio*float64(max(zf.CompressedSize64, 1)) {
			return errorf("archive entry %s is refused: it expands %d bytes to %d, more than %g times (a zip bomb?)", text.Quote(text.Abbrev(zf.Name)), zf.CompressedSize64, zf.UncompressedSize64, lim.MaxRatio)
		}
	}
	var names []string
	for _, zf := range zr.File {
		if !zf.Mode().IsDir() && !hidden(zf.Name) {
			names = append(names, zf.Name)
		}
	}
	top := commonDir(names)
	for _, zf := range zr.File {
		if zf.Mode().IsDir() || hidden(zf.Name) {
			continue
		}
		zf := zf
		if err := f(entry{name: zf.Name, top: top, size: int64(min(zf.UncompressedSize64, 1<<62)), open: func() (io.ReadCloser, error) { return zf.Open() }}); err != nil {
			return err
		}
	}
	return nil
}

// counter counts the bytes read through it.
type counter struct {
	r io.Reader
	n int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// errCap is a cap passed while reading a .tar.gz.
type capReader struct {
	in, out *counter
	lim     Limits
	err     error
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.out.Read(p)
	switch {
	case c.out.n > c.lim.MaxTotalBytes:
		c.err = errorf("the .tar.gz archive holds more than the limit of %d uncompressed bytes", c.lim.MaxTotalBytes)
	case c.out.n > ratioFloor && float64(c.out.n) > c.lim.MaxRatio*float64(max(c.in.n, 1)):
		c.err = errorf("the .tar.gz archive expands %d bytes to more than %d, more than %g times (a gzip bomb?)", c.in.n, c.out.n, c.lim.MaxRatio)
	}
	if c.err != nil {
		return 0, c.err
	}
	return n, err
}

func walkTarGz(r io.Reader, lim Limits, top string, f func(entry) error, contents bool) error {
	in := &counter{r: bufio.NewReader(r)}
	zr, err := gzip.NewReader(in)
	if err != nil {
		return errorf("the .tar.gz archive cannot be read: %v", err)
	}
	cr := &capReader{in: in, out: &counter{r: zr}, lim: lim}
	tr := tar.NewReader(cr)
	for n := 1; ; n++ {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if cr.err != nil {
			return cr.err
		}
		if err != nil {
			return errorf("the .tar.gz archive cannot be read after %d entries: %v", n-1, err)
		}
		if n > lim.MaxEntries {
			return errorf("the .tar.gz archive has more than the limit of %d entries", lim.MaxEntries)
		}
		if err := CheckEntryName(h.Name); err != nil {
			return err
		}
		switch h.Typeflag {
		case tar.TypeDir:
			continue
		case tar.TypeReg, tar.TypeRegA: //nolint:staticcheck // old archives write TypeRegA
		case tar.TypeXGlobalHeader:
			continue
		default:
			return errorf("archive entry %s is refused: it is a link or special file (type %q), not a file or folder", text.Quote(text.Abbrev(h.Name)), h.Typeflag)
		}
		if hidden(h.Name) {
			continue
		}
		if !contents {
			if err := f(entry{name: h.Name}); err != nil {
				return err
			}
			continue
		}
		if err := f(entry{name: h.Name, top: top, size: h.Size, open: func() (io.ReadCloser, error) { return io.NopCloser(tr), nil }}); err != nil {
			return err
		}
		if cr.err != nil {
			return cr.err
		}
	}
}

// readEntry reads an entry's bytes, at most max; a larger entry is an
// error naming the limit.
func readEntry(e entry, max int64) ([]byte, error) {
	if e.size > max {
		return nil, fmt.Errorf("file of %d bytes is larger than the limit of %d bytes", e.size, max)
	}
	rc, err := e.open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		var de *Error
		if errors.As(err, &de) {
			return nil, de
		}
		return nil, fmt.Errorf("cannot be read: %v", err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("file is larger than the limit of %d bytes", max)
	}
	return b, nil
}

// hidden reports whether an entry is passed over silently: a hidden file
// or folder, or a macOS resource fork.
func hidden(name string) bool {
	for _, el := range strings.Split(strings.TrimPrefix(name, "./"), "/") {
		if strings.HasPrefix(el, ".") || el == "__MACOSX" {
			return true
		}
	}
	return false
}

// commonDir returns the longest folder that holds every one of the files
// names that lie in a folder ("" for the archive's top).
func commonDir(names []string) string {
	var common []string
	first := true
	for _, n := range names {
		dir := strings.Split(path.Dir(strings.TrimPrefix(n, "./")), "/")
		if dir[0] == "." {
			continue // a file at the top, reported as outside any class folder
		}
		if first {
			common, first = dir, false
			continue
		}
		k := 0
		for k < len(common) && k < len(dir) && common[k] == dir[k] {
			k++
		}
		common = common[:k]
		if k == 0 {
			return ""
		}
	}
	return strings.Join(common, "/")
}

// labelOf returns the class of the file name in an archive whose files
// all lie in the folder top (commonDir): the first folder below top, so
// that "cat/1.png" and "train/cat/x/1.png" (with every file under
// "train/") are both of class "cat"; a file directly in top is of class
// top's name ("dogs/1.png" when every file is in "dogs/"), and one at the
// archive's top is an error.
func labelOf(name, top string) (string, error) {
	name = strings.TrimPrefix(name, "./")
	dir := path.Dir(name)
	var label string
	switch {
	case dir == ".":
		return "", fmt.Errorf("is not inside a class folder")
	case dir == top:
		label = path.Base(top)
	default:
		rest := strings.TrimPrefix(dir, top+"/")
		if top == "" {
			rest = dir
		}
		label, _, _ = strings.Cut(rest, "/")
	}
	if err := CheckLabel(label); err != nil {
		return "", err
	}
	return label, nil
}
