package idx

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func idxHeader(dims ...uint32) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(0x800+len(dims)))
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return b
}

func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestIDXBomb is issue 8's probe: a gzip IDX declaring 4194304 x 32 x 32
// images (4 GiB), named imgs.csv.gz. The header alone refuses it.
func TestIDXBomb(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(idxHeader(4194304, 32, 32))
	zw.Write(make([]byte, 8<<20))
	zw.Close()
	p := filepath.Join(t.TempDir(), "imgs.csv.gz")
	if err := os.WriteFile(p, gz.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	var err error
	n := allocated(func() { _, err = ReadFile(p) })
	var de *Error
	if !errors.As(err, &de) || !strings.HasSuffix(err.Error(), "imgs.csv.gz: header claims 4294967296 bytes of data ([4194304 32 32]), more than the limit of 1073741824") {
		t.Errorf("bomb: %v", err)
	}
	if n > 1<<20 {
		t.Errorf("bomb: allocated %d bytes, want < 1 MiB", n)
	}
	f, _ := os.Open(p)
	defer f.Close()
	if _, err := ReadHeader(f, "imgs.csv.gz", Limits{}); err == nil || err.Error() != de.Error()[strings.Index(de.Error(), "imgs.csv.gz"):] {
		t.Errorf("ReadHeader: %v", err)
	}
}

func TestLimits(t *testing.T) {
	b := append(idxHeader(4, 2, 3), make([]byte, 24)...)
	for _, c := range []struct {
		lim  Limits
		want string
	}{
		{Limits{MaxItems: 3}, "x: header claims 4 items, more than the limit of 3"},
		{Limits{MaxItemSize: 5}, "x: header claims items of [2 3] values, more than the limit of 5"},
		{Limits{MaxBytes: 23}, "x: header claims 24 bytes of data ([4 2 3]), more than the limit of 23"},
		{Limits{MaxBytes: 24}, ""},
	} {
		_, err := c.lim.Read(bytes.NewReader(b), "x")
		if (err == nil) != (c.want == "") || (err != nil && err.Error() != c.want) {
			t.Errorf("%+v: %v, want %q", c.lim, err, c.want)
		}
	}
	h, err := ReadHeader(bytes.NewReader(b), "x", Limits{})
	if err != nil || h.Magic != MagicImages || h.Items() != 4 || h.ItemSize() != 6 || h.DataBytes() != 24 || h.Len() != 16 {
		t.Errorf("ReadHeader = %+v, %v", h, err)
	}
}

// TestExactAllocation checks that a regular file whose length agrees with
// its header is read into one allocation of its size (plain or gzip), and
// that one whose length does not is refused before the data is read.
func TestExactAllocation(t *testing.T) {
	dir := t.TempDir()
	raw := append(idxHeader(64, 512, 1024), make([]byte, 64*512*1024)...) // 32 MiB
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	for name, b := range map[string][]byte{"plain-idx3-ubyte": raw, "gz-idx3-ubyte.gz": gz.Bytes()} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o600)
		var a *Array
		var err error
		n := allocated(func() { a, err = ReadFile(p) })
		if err != nil || len(a.Data) != 64*512*1024 {
			t.Fatalf("%s: %v", name, err)
		}
		if lim := uint64(len(a.Data)) + 1<<20; n > lim {
			t.Errorf("%s: allocated %d bytes for %d of data, want at most %d", name, n, len(a.Data), lim)
		}
	}
	p := filepath.Join(dir, "short-idx3-ubyte")
	os.WriteFile(p, raw[:len(raw)-1], 0o600)
	var err error
	n := allocated(func() { _, err = ReadFile(p) })
	if err == nil || !strings.Contains(err.Error(), "truncated: header says [64 512 1024] (33554432 data bytes after the 16-byte header), got 33554431") || n > 1<<20 {
		t.Errorf("short file: %v, %d bytes allocated", err, n)
	}
}

// TestForgedGzipTrailer: a gzip file of a few dozen bytes whose header
// claims 1e9 bytes of images and whose trailer (the length mod 2^32, which
// the writer chooses) agrees with it is refused as truncated without the
// reader allocating what the header claims: deflate expands at most 1032
// times, so a trailer beyond that is not trusted.
func TestForgedGzipTrailer(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(idxHeader(1000, 1000, 1000))
	zw.Close()
	b := gz.Bytes()
	binary.LittleEndian.PutUint32(b[len(b)-4:], uint32(16+1000*1000*1000))
	p := filepath.Join(t.TempDir(), "forged-idx3-ubyte.gz")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	var err error
	n := allocated(func() { _, err = ReadFile(p) })
	if err == nil {
		t.Fatal("a forged trailer was read")
	}
	if n > 17<<20 {
		t.Errorf("a %d-byte file allocated %d bytes (%v)", len(b), n, err)
	}
}
