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
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Limits on what a header may claim; larger files are rejected before
// anything is allocated.
const (
	MaxItems     = 100_000_000 // items (images or labels) in one file
	MaxItemSize  = 10_000_000  // values in one item (H*W for images)
	MaxTotalSize = 1 << 32     // bytes of data in one file (4 GiB)
)

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
type Error struct {
	File string
	Msg  string
	Err  error
}

// Error formats e as "FILE: MSG[: cause]".
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.File, e.Msg, e.Err)
	}
	return e.File + ": " + e.Msg
}

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// BadInput marks the error as the user's input (a file), not a bug.
func (e *Error) BadInput() bool { return true }

// Read reads an IDX file of unsigned bytes with one dimension (magic
// 0x00000801, labels) or three (0x00000803, images) from r; a gzip stream is
// recognised by its magic bytes and decompressed. name is used in errors.
// The header's sizes are checked against MaxItems, MaxItemSize and
// MaxTotalSize, the data must be exactly as long as the header says, and
// memory grows only as data actually arrives, so a truncated file with a
// huge header costs no more than its real length.
func Read(r io.Reader, name string) (*Array, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	head, err := br.Peek(2)
	if err == nil && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, &Error{File: name, Msg: "bad gzip header", Err: err}
		}
		defer zr.Close()
		zr.Multistream(false)
		br = bufio.NewReaderSize(zr, 1<<16)
	}
	var magic [4]byte
	if n, err := io.ReadFull(br, magic[:]); err != nil {
		return nil, &Error{File: name, Msg: fmt.Sprintf("file too short for an IDX header: %d bytes, want at least 4", n)}
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, &Error{File: name, Msg: fmt.Sprintf("not an IDX file: magic number %#08x, want 0x00000801 (labels) or 0x00000803 (images)", binary.BigEndian.Uint32(magic[:]))}
	}
	if magic[2] != 0x08 {
		return nil, &Error{File: name, Msg: fmt.Sprintf("unsupported IDX value type %#02x; only unsigned bytes (0x08) are supported", magic[2])}
	}
	nd := int(magic[3])
	if nd != 1 && nd != 3 {
		return nil, &Error{File: name, Msg: fmt.Sprintf("unsupported IDX file with %d dimensions; want 1 (labels) or 3 (images)", nd)}
	}
	dimBytes := make([]byte, 4*nd)
	if n, err := io.ReadFull(br, dimBytes); err != nil {
		return nil, &Error{File: name, Msg: fmt.Sprintf("truncated header: %d bytes of dimensions, want %d", n, 4*nd)}
	}
	dims := make([]int, nd)
	for i := range dims {
		dims[i] = int(binary.BigEndian.Uint32(dimBytes[4*i:]))
	}
	if dims[0] > MaxItems {
		return nil, &Error{File: name, Msg: fmt.Sprintf("header claims %d items, more than the limit of %d", dims[0], MaxItems)}
	}
	item := 1
	for _, d := range dims[1:] {
		if d == 0 {
			return nil, &Error{File: name, Msg: fmt.Sprintf("header has a zero dimension: %v", dims)}
		}
		if d > MaxItemSize {
			return nil, &Error{File: name, Msg: fmt.Sprintf("header claims items of %v values, more than the limit of %d", dims[1:], MaxItemSize)}
		}
		item *= d
		if item > MaxItemSize {
			return nil, &Error{File: name, Msg: fmt.Sprintf("header claims items of %v values, more than the limit of %d", dims[1:], MaxItemSize)}
		}
	}
	total := uint64(dims[0]) * uint64(item)
	if total > MaxTotalSize {
		return nil, &Error{File: name, Msg: fmt.Sprintf("header claims %d bytes of data (%v), more than the limit of %d", total, dims, uint64(MaxTotalSize))}
	}
	want := int(total)
	// Grow as data arrives: start with at most 16 MiB.
	data := make([]byte, 0, min(want, 16<<20))
	for len(data) < want {
		if len(data) == cap(data) {
			data = append(data, make([]byte, min(want-len(data), cap(data)))...)[:len(data)]
		}
		n, err := br.Read(data[len(data):min(cap(data), want)])
		data = data[:len(data)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &Error{File: name, Msg: fmt.Sprintf("read error after %d of %d data bytes", len(data), want), Err: err}
		}
	}
	if len(data) < want {
		return nil, &Error{File: name, Msg: fmt.Sprintf("truncated: header says %v (%d data bytes after the %d-byte header), got %d", dims, want, 4+4*nd, len(data))}
	}
	var extra [1]byte
	if n, _ := io.ReadFull(br, extra[:]); n > 0 {
		rest, _ := io.Copy(io.Discard, br)
		return nil, &Error{File: name, Msg: fmt.Sprintf("%d bytes after the %d data bytes that the header %v accounts for", rest+1, want, dims)}
	}
	return &Array{Dims: dims, Data: data}, nil
}

// ReadFile reads an IDX file (gzipped or not) from path; errors name the path.
func ReadFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f, path)
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
