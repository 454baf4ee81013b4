// Package idx reads the IDX files that MNIST and its relatives (Fashion-MNIST,
// KMNIST, EMNIST) are published in: unsigned-byte label files (idx1) and
// image files (idx3), gzipped or not, and turns a pair of them into a dataset
// of 1 x H x W float32 images in [0, 1] with integer labels, as torchvision's
// MNIST with ToTensor gives.
//
// Every size in a header is checked against limits and against the bytes
// that are actually there before anything large is allocated, so a corrupt
// or hostile file gives an error naming it rather than a crash.
package idx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/mlforge/mlforge/data"
)

// Limits on what a header may claim, by default; larger files are
// rejected from their header, before anything else is read.
const (
	MaxItems     = 100_000_000 // items (images or labels) in one file
	MaxItemSize  = 10_000_000  // values in one item (H*W for images)
	MaxTotalSize = 1 << 30     // bytes of data in one file (1 GiB: EMNIST ByClass, the largest of the family, is 547 MB)
)

// Limits caps what an IDX header may claim. A zero field takes the
// default (MaxItems, MaxItemSize, MaxTotalSize).
type Limits struct {
	MaxItems    int   // items (images or labels)
	MaxItemSize int   // values in one item (H*W for images)
	MaxBytes    int64 // bytes of data after the header, decompressed
}

func (l Limits) withDefaults() Limits {
	if l.MaxItems <= 0 {
		l.MaxItems = MaxItems
	}
	if l.MaxItemSize <= 0 {
		l.MaxItemSize = MaxItemSize
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = MaxTotalSize
	}
	return l
}

// Magic numbers of the supported files: unsigned bytes (type 0x08) with one
// dimension (labels) or three (images).
const (
	MagicLabels = 0x00000801
	MagicImages = 0x00000803
)

// Array is the content of an IDX file: its dimensions (N for labels,
// N x H x W for images) and the values in row-major order.
type Array struct {
	Dims []int
	Data []uint8
}

// Error is a problem with an IDX file; its text starts with the file name.
// It is data.Error, the error type of every data reader (images.Error is
// the same type).
type Error = data.Error

// Header is the header of an IDX file of unsigned bytes.
type Header struct {
	Magic uint32 // MagicLabels or MagicImages
	Dims  []int  // N for labels, N x H x W for images
}

// Items returns the number of items (Dims[0]).
func (h *Header) Items() int { return h.Dims[0] }

// ItemSize returns the values in one item (H*W for images, 1 for labels).
func (h *Header) ItemSize() int {
	n := 1
	for _, d := range h.Dims[1:] {
		n *= d
	}
	return n
}

// DataBytes returns the bytes of data the header accounts for.
func (h *Header) DataBytes() int64 { return int64(h.Items()) * int64(h.ItemSize()) }

// Len returns the length of the header in bytes.
func (h *Header) Len() int { return 4 + 4*len(h.Dims) }

// ReadHeader reads the header of an IDX file of unsigned bytes with one
// dimension (labels) or three (images) from r, which is decompressed when
// its content is gzip (the magic bytes decide, never the name), and checks
// its sizes against lim, reading nothing past the header. It is the one
// header parser: Read uses it, and so should anything that probes IDX
// files. Errors are *Error values naming name.
func ReadHeader(r io.Reader, name string, lim Limits) (*Header, error) {
	s, err := data.Gunzip(r, name)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return readHeader(s, name, lim.withDefaults())
}

func readHeader(br io.Reader, name string, lim Limits) (*Header, error) {
	bad := func(format string, args ...any) error {
		return &Error{File: name, Msg: fmt.Sprintf(format, args...)}
	}
	var magic [4]byte
	if n, err := io.ReadFull(br, magic[:]); err != nil {
		if de := asDataError(err); de != nil {
			return nil, de
		}
		return nil, bad("file too short for an IDX header: %d bytes, want at least 4", n)
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, bad("not an IDX file: magic number %#08x, want 0x00000801 (labels) or 0x00000803 (images)", binary.BigEndian.Uint32(magic[:]))
	}
	if magic[2] != 0x08 {
		return nil, bad("unsupported IDX value type %#02x; only unsigned bytes (0x08) are supported", magic[2])
	}
	nd := int(magic[3])
	if nd != 1 && nd != 3 {
		return nil, bad("unsupported IDX file with %d dimensions; want 1 (labels) or 3 (images)", nd)
	}
	dimBytes := make([]byte, 4*nd)
	if n, err := io.ReadFull(br, dimBytes); err != nil {
		if de := asDataError(err); de != nil {
			return nil, de
		}
		return nil, bad("truncated header: %d bytes of dimensions, want %d", n, 4*nd)
	}
	h := &Header{Magic: binary.BigEndian.Uint32(magic[:]), Dims: make([]int, nd)}
	for i := range h.Dims {
		h.Dims[i] = int(binary.BigEndian.Uint32(dimBytes[4*i:]))
	}
	dims := h.Dims
	if dims[0] > lim.MaxItems {
		return nil, bad("header claims %d items, more than the limit of %d", dims[0], lim.MaxItems)
	}
	item := 1
	for _, d := range dims[1:] {
		if d == 0 {
			return nil, bad("header has a zero dimension: %v", dims)
		}
		if d > lim.MaxItemSize {
			return nil, bad("header claims items of %v values, more than the limit of %d", dims[1:], lim.MaxItemSize)
		}
		item *= d
		if item > lim.MaxItemSize {
			return nil, bad("header claims items of %v values, more than the limit of %d", dims[1:], lim.MaxItemSize)
		}
	}
	if total := uint64(dims[0]) * uint64(item); total > uint64(lim.MaxBytes) {
		return nil, bad("header claims %d bytes of data (%v), more than the limit of %d", total, dims, lim.MaxBytes)
	}
	return h, nil
}

func asDataError(err error) *data.Error {
	var de *data.Error
	if errors.As(err, &de) {
		return de
	}
	return nil
}

// Read reads an IDX file of unsigned bytes with one dimension (magic
// 0x00000801, labels) or three (0x00000803, images) from r, with the
// default Limits; see Limits.Read.
func Read(r io.Reader, name string) (*Array, error) { return Limits{}.Read(r, name) }

// Read reads an IDX file of unsigned bytes with one dimension (magic
// 0x00000801, labels) or three (0x00000803, images) from r; a gzip stream
// is recognised by its magic bytes and decompressed. name is used in
// errors. The header's sizes are checked against l (ReadHeader) before
// anything else is read, the data must be exactly as long as the header
// says, and memory grows only as data actually arrives, so a truncated
// file with a huge header costs no more than its real length; a regular
// file whose length (or gzip trailer) agrees with its header is read into
// one allocation of the exact size.
func (l Limits) Read(r io.Reader, name string) (*Array, error) {
	s, err := data.Gunzip(r, name)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	h, err := readHeader(s, name, l.withDefaults())
	if err != nil {
		return nil, err
	}
	dims := h.Dims
	want := int(h.DataBytes())
	initial := min(want, 16<<20)
	if size, ok := fileContentSize(r, s.Gzip); ok {
		got := size - int64(h.Len())
		if !s.Gzip && got < int64(want) {
			return nil, &Error{File: name, Msg: fmt.Sprintf("truncated: header says %v (%d data bytes after the %d-byte header), got %d", dims, want, h.Len(), got)}
		}
		if !s.Gzip && got > int64(want) {
			return nil, &Error{File: name, Msg: fmt.Sprintf("%d bytes after the %d data bytes that the header %v accounts for", got-int64(want), want, dims)}
		}
		if uint32(got) == uint32(want) { // the gzip trailer holds the length mod 2^32
			initial = want
		}
	}
	// Grow as data arrives.
	data := make([]byte, 0, initial)
	for len(data) < want {
		if len(data) == cap(data) {
			data = append(data, make([]byte, min(want-len(data), cap(data)))...)[:len(data)]
		}
		n, err := s.Read(data[len(data):min(cap(data), want)])
		data = data[:len(data)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			if de := asDataError(err); de != nil {
				return nil, de
			}
			return nil, &Error{File: name, Msg: fmt.Sprintf("read error after %d of %d data bytes: %v", len(data), want, err), Err: err}
		}
	}
	if len(data) < want {
		return nil, &Error{File: name, Msg: fmt.Sprintf("truncated: header says %v (%d data bytes after the %d-byte header), got %d", dims, want, h.Len(), len(data))}
	}
	var extra [1]byte
	if n, _ := io.ReadFull(s, extra[:]); n > 0 {
		rest, _ := io.Copy(io.Discard, s)
		return nil, &Error{File: name, Msg: fmt.Sprintf("%d bytes after the %d data bytes that the header %v accounts for", rest+1, want, dims)}
	}
	return &Array{Dims: dims, Data: data}, nil
}

// fileContentSize returns the length of r's decompressed content when r is
// a regular file: its size, or for gzip the length modulo 2^32 that the
// trailer records.
func fileContentSize(r io.Reader, gz bool) (int64, bool) {
	f, ok := r.(*os.File)
	if !ok {
		return 0, false
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return 0, false
	}
	if !gz {
		return st.Size(), true
	}
	var tail [4]byte
	if st.Size() < 18 {
		return 0, false
	}
	if _, err := f.ReadAt(tail[:], st.Size()-4); err != nil {
		return 0, false
	}
	// The trailer is the writer's word: deflate expands at most 1032
	// times, so a larger length is forged and not trusted.
	n := int64(binary.LittleEndian.Uint32(tail[:]))
	if n > 1032*st.Size() {
		return 0, false
	}
	return n, true
}

// ReadFile reads an IDX file (gzipped or not) from path with the default
// Limits; errors name the path.
func ReadFile(path string) (*Array, error) { return Limits{}.ReadFile(path) }

// ReadFile reads an IDX file (gzipped or not) from path; errors name the
// path.
func (l Limits) ReadFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return l.Read(f, path)
}

// Load reads an image file (idx3) and a label file (idx1), whose item counts
// must agree, into a dataset.
func Load(imagesPath, labelsPath string) (*Dataset, error) {
	img, err := ReadFile(imagesPath)
	if err != nil {
		return nil, err
	}
	lab, err := ReadFile(labelsPath)
	if err != nil {
		return nil, err
	}
	return New(img, lab, filepath.Base(imagesPath), filepath.Base(labelsPath))
}

// New makes a dataset from an image array (N x H x W) and a label array (N),
// as read by Read; the names are used in errors.
func New(images, labels *Array, imagesName, labelsName string) (*Dataset, error) {
	if len(images.Dims) != 3 {
		return nil, &Error{File: imagesName, Msg: fmt.Sprintf("want an image file (3 dimensions, magic 0x00000803), got %d dimensions", len(images.Dims))}
	}
	if len(labels.Dims) != 1 {
		return nil, &Error{File: labelsName, Msg: fmt.Sprintf("want a label file (1 dimension, magic 0x00000801), got %d dimensions", len(labels.Dims))}
	}
	if images.Dims[0] != labels.Dims[0] {
		return nil, fmt.Errorf("idx: %s has %d images but %s has %d labels", imagesName, images.Dims[0], labelsName, labels.Dims[0])
	}
	if images.Dims[0] == 0 {
		return nil, &Error{File: imagesName, Msg: "no images"}
	}
	d := &Dataset{N: images.Dims[0], H: images.Dims[1], W: images.Dims[2], Images: images.Data, Labels: make([]int, len(labels.Data))}
	for i, l := range labels.Data {
		d.Labels[i] = int(l)
	}
	d.init()
	return d, nil
}

// ErrIndex is returned for an index out of range.
var ErrIndex = errors.New("idx: index out of range")

// Files names an IDX pair as the training spec gives it:
// {"images": "t10k-images-idx3-ubyte.gz", "labels": "t10k-labels-idx1-ubyte.gz"}.
type Files struct {
	Images string `json:"images"`
	Labels string `json:"labels"`
}

// Load reads the pair, with paths relative to dir (when not absolute).
func (f Files) Load(dir string) (*Dataset, error) {
	if f.Images == "" || f.Labels == "" {
		return nil, fmt.Errorf(`idx: want both "images" and "labels" files, got images %q and labels %q`, f.Images, f.Labels)
	}
	abs := func(p string) string {
		if filepath.IsAbs(p) || dir == "" {
			return p
		}
		return filepath.Join(dir, p)
	}
	return Load(abs(f.Images), abs(f.Labels))
}
