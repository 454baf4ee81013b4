package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// bombReader yields a CSV of rows x cols cells "0" (2 bytes a cell, 8 as
// a float64) without holding it: the shape of issue 8's bomb.
type bombReader struct {
	head, row []byte
	rows      int
	buf       []byte
}

func newBomb(rows, cols int) *bombReader {
	var h bytes.Buffer
	for j := 0; j < cols; j++ {
		if j > 0 {
			h.WriteByte(',')
		}
		h.WriteString("c" + strconv.Itoa(j))
	}
	h.WriteByte('\n')
	row := bytes.Repeat([]byte("0,"), cols)
	row[len(row)-1] = '\n'
	return &bombReader{head: h.Bytes(), row: row, rows: rows}
}

func (b *bombReader) Read(p []byte) (int, error) {
	if len(b.buf) == 0 {
		switch {
		case b.head != nil:
			b.buf, b.head = b.head, nil
		case b.rows > 0:
			b.buf = b.row
			b.rows--
		default:
			return 0, io.EOF
		}
	}
	n := copy(p, b.buf)
	b.buf = b.buf[n:]
	return n, nil
}

// allocated returns the bytes allocated while running f.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestReadCSVCellCap(t *testing.T) {
	for _, c := range []struct {
		in   string
		opt  CSVOptions
		want string
	}{
		{"a,b,y\n1,2,3\n4,5,6\n7,8,9\n", CSVOptions{MaxCells: 6}, `train.csv line 4: more than 6 cells (rows x columns: 3 columns, so at most 2 data rows; the MaxCells limit, 48 bytes as 64-bit numbers); raise the limit or use a smaller file`},
		{"a,b,y\n1,2,3\n", CSVOptions{MaxCells: 2}, `train.csv line 1: 3 columns, more than the limit of 2 cells (the MaxCells limit)`},
		{"a,b,y\n1,2,3\n4,5,6\n", CSVOptions{MaxCells: 6}, ``},
		{"a,b,y\n1,2,3\n4,5,6\n7,8,9\n", CSVOptions{MaxCells: -1}, ``},
		{"a,y\n1,2\n3\x004\n", CSVOptions{}, `train.csv line 3: binary content (a NUL byte at offset 9 of the decompressed text); expected a CSV text file`},
		{"\x00\x00\x08\x03\x00\x00\x00\x01", CSVOptions{}, `train.csv: the file is an IDX file of images (magic 0x00000803), not CSV text; expected a text file with a header line`},
		{"\x89PNG\r\n\x1a\n", CSVOptions{}, `train.csv: the file is a PNG image, not CSV text; expected a text file with a header line`},
	} {
		if c.want == "" {
			read(t, c.in, c.opt)
			continue
		}
		if got := readErr(t, c.in, c.opt); got != c.want {
			t.Errorf("ReadCSV(%q, %+v):\n got %s\nwant %s", c.in, c.opt, got, c.want)
		}
	}
}

// TestCSVSniffsContent uploads an IDX file under a CSV name, gzipped, as
// the probe of issue 8 did: it is refused from its first bytes, whatever
// its name, before anything is allocated for it.
func TestCSVSniffsContent(t *testing.T) {
	var raw bytes.Buffer
	zw := gzip.NewWriter(&raw)
	hdr := make([]byte, 16)
	binary.BigEndian.PutUint32(hdr, 0x803)
	binary.BigEndian.PutUint32(hdr[4:], 4194304)
	binary.BigEndian.PutUint32(hdr[8:], 32)
	binary.BigEndian.PutUint32(hdr[12:], 32)
	zw.Write(hdr)
	zw.Write(make([]byte, 1<<20))
	zw.Close()
	p := filepath.Join(t.TempDir(), "imgs.csv.gz")
	if err := os.WriteFile(p, raw.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	var err error
	n := allocated(func() { _, err = ReadCSVFile(p, CSVOptions{}) })
	want := "imgs.csv.gz: the file is an IDX file of images (magic 0x00000803), not CSV text; expected a text file with a header line"
	var de *Error
	if err == nil || err.Error() != want || !errors.As(err, &de) {
		t.Errorf("ReadCSVFile = %v, want %s", err, want)
	}
	if n > 1<<20 {
		t.Errorf("refusing the IDX file allocated %d bytes, more than 1 MiB", n)
	}
}

// TestCSVBombMemory checks that the memory ReadCSV allocates is bounded by
// MaxCells, not by the file: a file of 2 bytes a cell is refused at the
// cell cap having allocated about one float64 matrix of the cap, and a file
// just under the cap, read from disk, is filled in place (one copy of the
// matrix, not two).
func TestCSVBombMemory(t *testing.T) {
	const cols, capCells = 1000, 1 << 22 // a 32 MiB matrix
	capRows := capCells / cols
	matrix := float64(8 * capCells)
	text := float64(2 * capCells)
	limit := uint64(1.1*matrix + 1.1*text + 2<<20)

	var err error
	n := allocated(func() { _, err = ReadCSV(newBomb(100*capRows, cols), CSVOptions{Name: "bomb.csv", MaxCells: capCells}) })
	want := "bomb.csv line 4196: more than 4194304 cells (rows x columns: 1000 columns, so at most 4194 data rows; the MaxCells limit, 32 MiB as 64-bit numbers); raise the limit or use a smaller file"
	if err == nil || err.Error() != want {
		t.Errorf("bomb: %v\nwant %s", err, want)
	}
	t.Logf("bomb of %d rows x %d columns refused after allocating %.1f MB (cap %.1f MB as float64)", 100*capRows, cols, float64(n)/1e6, matrix/1e6)
	if n > limit {
		t.Errorf("bomb: allocated %d bytes, more than %d (1.1 matrices of the cap + 1.1 x its text + 2 MiB)", n, limit)
	}

	// Just under the cap, gzipped on disk: the trailer's length sizes X.
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	io.Copy(zw, newBomb(capRows-1, cols))
	zw.Close()
	p := filepath.Join(t.TempDir(), "under.csv.gz")
	if err := os.WriteFile(p, gz.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	var f *Frame
	n = allocated(func() { f, err = ReadCSVFile(p, CSVOptions{MaxCells: capCells}) })
	if err != nil || f.Len() != capRows-1 {
		t.Fatalf("under the cap: %v", err)
	}
	t.Logf("%d rows x %d columns read with %.1f MB allocated (X is %.1f MB)", capRows-1, cols, float64(n)/1e6, matrix/1e6)
	if n > limit {
		t.Errorf("under the cap: allocated %d bytes, more than %d (1.1 matrices + 1.1 x the text + 2 MiB)", n, limit)
	}
}

// TestCSVBombDefaults is issue 8's bomb with the default caps: 536,858 rows
// x 1,000 columns, just under the 1 GiB byte cap, which the old reader
// turned into a 4.3 GB matrix (twice). It is refused at DefaultMaxCells.
func TestCSVBombDefaults(t *testing.T) {
	if testing.Short() {
		t.Skip("parses 67 million cells")
	}
	var err error
	n := allocated(func() { _, err = ReadCSV(newBomb(536858, 1000), CSVOptions{Name: "bomb.csv.gz"}) })
	var de *Error
	if !errors.As(err, &de) || de.Line != 67110 || !strings.Contains(err.Error(), "the MaxCells limit, 512 MiB") {
		t.Errorf("bomb: %v", err)
	}
	t.Logf("refused after allocating %.0f MB", float64(n)/1e6)
	if limit := uint64(700 << 20); n > limit {
		t.Errorf("bomb: allocated %d bytes, more than %d", n, limit)
	}
}
