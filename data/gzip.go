package data

import (
	"bufio"
	"compress/gzip"
	"io"
)

// IsGzip reports whether head, the first bytes of a file, starts with the
// gzip magic bytes (1f 8b).
func IsGzip(head []byte) bool {
	return len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b
}

// Stream is the content of a file, decompressed when the file is gzip. It
// is buffered, so a reader can Peek at it to sniff the content.
type Stream struct {
	*bufio.Reader
	// Gzip says whether the source was gzip-compressed.
	Gzip bool

	gz *gzip.Reader
}

// Close releases the decompressor; it does not close the source.
func (s *Stream) Close() error {
	if s.gz != nil {
		return s.gz.Close()
	}
	return nil
}

// Gunzip returns the content of r, decompressed when it starts with the
// gzip magic bytes, whatever the file's name says (a gzip file named .csv
// and a plain one named .gz both read). Concatenated gzip members are read
// as one stream, as gunzip does. A bad gzip header, and corrupt compressed
// data met while reading, are *Error values naming name. The Stream must
// be closed.
func Gunzip(r io.Reader, name string) (*Stream, error) {
	src := bufio.NewReaderSize(r, 64<<10)
	head, _ := src.Peek(2)
	if !IsGzip(head) {
		return &Stream{Reader: src}, nil
	}
	gz, err := gzip.NewReader(src)
	if err != nil {
		return nil, &Error{File: name, Msg: "not a valid gzip file: " + err.Error(), Err: err}
	}
	return &Stream{
		Reader: bufio.NewReaderSize(&gzipErrReader{r: gz, name: name}, 64<<10),
		Gzip:   true,
		gz:     gz,
	}, nil
}

// gzipErrReader turns read errors from a gzip stream into *Error: a corrupt
// archive is bad input.
type gzipErrReader struct {
	r    io.Reader
	name string
}

func (g *gzipErrReader) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		err = &Error{File: g.name, Msg: "corrupt gzip data: " + err.Error(), Err: err}
	}
	return n, err
}
