package data

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/suggest"
	"github.com/mlforge/mlforge/internal/text"
)

// Limits applied by ReadCSV when CSVOptions leaves them at zero.
const (
	DefaultMaxRows  = 10_000_000
	DefaultMaxBytes = 1 << 30 // 1 GiB of (decompressed) text
	// DefaultMaxCells caps rows x columns: 64 Mi cells, so that the
	// float64 matrix is at most 512 MiB (60,000 x 785 MNIST pixels fit).
	// Text as short as "0," is 2 bytes a cell and 8 as a float64, so the
	// byte cap alone would let 1 GiB of text become a 4 GiB matrix.
	DefaultMaxCells = 1 << 26
	// MaxColumns is the most columns a CSV file may have.
	MaxColumns = 100_000
	// MaxTextValues is the most distinct strings a text feature column
	// may hold.
	MaxTextValues = 65_536
)

// CSVOptions says how ReadCSV reads a file.
type CSVOptions struct {
	// Name is the file name used in error messages; "data" if empty.
	Name string
	// Target is the target column's name; "" means the last column (or,
	// with Schema, the one column that is not a feature).
	Target string
	// NoTarget reads features only, as for predict. A column named Target,
	// if present, is skipped.
	NoTarget bool
	// Schema, when set, lists the feature names a model was trained on.
	// Columns are matched by name in any order and X follows Schema's order;
	// a missing feature or a column that is neither a feature nor the target
	// is an error naming it.
	Schema []string
	// Classes, when set, are the class labels a model was trained on: target
	// values are mapped to indices into it, and a label not in it is an
	// error. The frame's Classes are then a copy of it.
	Classes []string
	// Text, when set, holds the dictionaries of a model's text feature
	// columns by name (Frame.Text): those columns are read as text, each
	// string coded by its index in the dictionary. A string that is not in
	// it gets the next free code, and the frame's dictionary is the
	// model's followed by those strings, in the order they occur.
	Text map[string][]string
	// MaxRows caps the data rows (0: DefaultMaxRows, < 0: no cap).
	MaxRows int
	// MaxBytes caps the bytes read, after decompression (0: DefaultMaxBytes,
	// < 0: no cap).
	MaxBytes int64
	// MaxCells caps data rows x header columns (0: DefaultMaxCells, < 0: no
	// cap). It is checked row by row while streaming, so the memory ReadCSV
	// holds stays proportional to the cap (8 bytes a cell, twice during
	// the final copy into X), not to the file.
	MaxCells int64
}

// missingTokens are the cell values read as missing: the brief's list plus
// the defaults of pandas.read_csv.
var missingTokens = map[string]bool{
	"": true, "NA": true, "N/A": true, "NaN": true, "nan": true, "null": true, "?": true,
	"#N/A": true, "#N/A N/A": true, "#NA": true, "-1.#IND": true, "-1.#QNAN": true,
	"-NaN": true, "-nan": true, "1.#IND": true, "1.#QNAN": true, "<NA>": true,
	"NULL": true, "None": true, "n/a": true,
}

// IsMissing reports whether a CSV cell value (spaces around it ignored) marks
// a missing value: "", "NA", "N/A", "NaN", "nan", "null", "?" and the other
// default missing markers of pandas.read_csv.
func IsMissing(s string) bool {
	return missingTokens[strings.TrimSpace(s)]
}

const (
	roleSkip   = -1
	roleTarget = -2
)

var (
	errTooLarge = errors.New("too large")
	errBinary   = errors.New("binary content")
)

// guardReader sits between the decompressed stream and the CSV parser: it
// enforces the byte cap and refuses binary content (a NUL byte, which no
// CSV text holds), counting lines so that errors can name one.
type guardReader struct {
	r     io.Reader
	n     int64 // bytes left under the cap; < 0 when there is no cap
	read  int64 // bytes passed on
	lines int   // newlines passed on
	nul   int64 // offset of the NUL byte found
	err   error // errTooLarge or errBinary, returned from then on
}

func (g *guardReader) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	if g.n == 0 {
		// Probe one byte so that a file of exactly the limit still reads.
		var b [1]byte
		if n, _ := g.r.Read(b[:]); n > 0 {
			g.err = errTooLarge
			return 0, g.err
		}
		return 0, io.EOF
	}
	if g.n > 0 && int64(len(p)) > g.n {
		p = p[:g.n]
	}
	n, err := g.r.Read(p)
	if k := bytes.IndexByte(p[:n], 0); k >= 0 {
		// Pass on the text before the NUL; the error comes next.
		n, err = k, nil
		g.nul = g.read + int64(k)
		g.err = errBinary
	}
	g.lines += bytes.Count(p[:n], []byte{'\n'})
	g.read += int64(n)
	if g.n > 0 {
		g.n -= int64(n)
	}
	return n, err
}

// ReadCSVFile opens path and reads it with ReadCSV. Gzip-compressed files
// are decompressed. opt.Name defaults to the file's base name.
func ReadCSVFile(path string, opt CSVOptions) (*Frame, error) {
	if opt.Name == "" {
		opt.Name = filepath.Base(path)
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &Error{File: path, Msg: "file not found", Err: err}
		}
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, &Error{File: path, Msg: "is a directory, expected a CSV file"}
	}
	return ReadCSV(f, opt)
}

// ReadCSV reads a CSV file with a header line into a Frame.
//
// The header names the columns; names are trimmed of spaces, and an empty or
// repeated name is an error. Fields may be quoted (RFC 4180); a UTF-8
// byte-order mark is skipped and gzip-compressed input is decompressed.
// Feature cells must be numbers (spaces around them are ignored) or a missing
// marker (see IsMissing), which becomes NaN, except in a text column: a
// feature column with a cell that is neither (without opt.Schema: a
// model's numeric column must stay numeric), or one that opt.Text names.
// A text column's cells (trimmed of spaces) are coded by their index in the
// column's sorted dictionary of distinct strings (Frame.Text; Go's byte
// order, which is Python's str order), a missing marker still NaN; numbers
// read before the first text cell are written back in their shortest form
// ("1.50" becomes "1.5"). A text column holds at most MaxTextValues
// distinct strings. The
// target column may hold numbers (Y holds them, Classes is nil) or text
// labels (Classes holds the sorted labels, Y their indices); a missing target
// is an error. A row with the wrong number of fields is an error naming its
// line.
//
// ReadCSV streams the file: it keeps the parsed numbers in fixed-size chunks
// and copies them once into X, so that peak memory stays near two copies of
// the numeric data plus one record of text.
func ReadCSV(r io.Reader, opt CSVOptions) (*Frame, error) {
	name := opt.Name
	if name == "" {
		name = "data"
	}
	maxBytes := opt.MaxBytes
	if maxBytes == 0 {
		maxBytes = DefaultMaxBytes
	}
	maxRows := opt.MaxRows
	if maxRows == 0 {
		maxRows = DefaultMaxRows
	}
	maxCells := opt.MaxCells
	if maxCells == 0 {
		maxCells = DefaultMaxCells
	}
	bad := func(line int, col, format string, args ...any) error {
		return &Error{File: name, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
	}
	in, err := openCSV(r, name, maxBytes)
	if err != nil {
		return nil, err
	}
	defer in.close()
	cr := in.cr
	header, seen, err := in.header()
	if err != nil {
		return nil, err
	}
	ncol := len(header)
	if maxCells > 0 && int64(ncol) > maxCells {
		return nil, bad(1, "", "%d columns, more than the limit of %d cells (the MaxCells limit)", ncol, maxCells)
	}

	// Decide each column's role: a feature slot, the target, or skipped.
	role := make([]int, ncol)
	target := ""
	var features []string
	if opt.Schema == nil {
		t := -1
		switch {
		case opt.NoTarget:
			if k, ok := seen[opt.Target]; ok && opt.Target != "" {
				t = k
			}
		case opt.Target == "":
			t = ncol - 1
		default:
			k, ok := seen[opt.Target]
			if !ok {
				return nil, bad(0, "", "target column %q not found%s; the columns are %s", opt.Target, suggest.Hint(opt.Target, header), quoteList(header, 20))
			}
			t = k
		}
		for j, h := range header {
			switch {
			case j == t && opt.NoTarget:
				role[j] = roleSkip
			case j == t:
				role[j] = roleTarget
				target = h
			default:
				role[j] = len(features)
				features = append(features, h)
			}
		}
	} else {
		slot := make(map[string]int, len(opt.Schema))
		for i, s := range opt.Schema {
			slot[s] = i
		}
		if len(slot) != len(opt.Schema) {
			return nil, fmt.Errorf("data: CSVOptions.Schema repeats a name: %q", opt.Schema)
		}
		t := opt.Target
		if !opt.NoTarget && t == "" {
			var extra []string
			for _, h := range header {
				if _, ok := slot[h]; !ok {
					extra = append(extra, h)
				}
			}
			switch len(extra) {
			case 0:
				return nil, bad(0, "", "no target column: every column is one of the model's features")
			case 1:
				t = extra[0]
			default:
				return nil, bad(0, "", "expected one target column besides the model's features, found %d: %s", len(extra), quoteList(extra, MaxListed))
			}
		}
		if _, ok := slot[t]; ok && t != "" {
			return nil, bad(0, t, "is both the target and one of the model's features")
		}
		if !opt.NoTarget {
			if _, ok := seen[t]; !ok {
				return nil, bad(0, "", "target column %q not found%s; the columns are %s", t, suggest.Hint(t, header), quoteList(header, 20))
			}
			target = t
		}
		for j, h := range header {
			k, isFeature := slot[h]
			switch {
			case isFeature:
				role[j] = k
			case h == t && t != "" && opt.NoTarget:
				role[j] = roleSkip
			case h == t && t != "":
				role[j] = roleTarget
			default:
				what := "the target"
				if t != "" {
					what = fmt.Sprintf("the target %q", t)
				}
				return nil, bad(0, h, "not one of the model's features (%s) nor %s; remove the column", quoteList(opt.Schema, 10), what)
			}
		}
		for _, s := range opt.Schema {
			if _, ok := seen[s]; !ok {
				return nil, bad(0, s, "missing; the model was trained on the columns %s", quoteList(opt.Schema, 10))
			}
		}
		features = append([]string(nil), opt.Schema...)
	}
	nf := len(features)
	if nf == 0 {
		return nil, bad(0, "", "no feature columns: the only column is the target %q", target)
	}

	// Stream the rows into fixed-size chunks.
	chunkRows := max(1, (64<<10)/nf)
	total := decodedSize(r, in.src.Gzip)
	bodyStart := cr.InputOffset()
	estimated := false
	var chunks [][]float64
	var cur []float64
	rows := 0
	line0 := 0
	var lines []int
	hasTarget := target != ""
	texts := make([]*textColumn, nf)
	for k, n := range features {
		if d, ok := opt.Text[n]; ok {
			texts[k] = newTextColumn(d, true)
		}
	}
	var yIdx []int32
	labelOf := map[string]int32{}
	var labels []string
	var labelLine []int
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, in.readErr(err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != ncol {
			return nil, bad(line, "", "expected %d fields, got %d", ncol, len(rec))
		}
		if maxRows > 0 && rows == maxRows {
			return nil, bad(line, "", "more than %d data rows (the MaxRows limit)", maxRows)
		}
		if maxCells > 0 && int64(rows+1)*int64(ncol) > maxCells {
			return nil, bad(line, "", "more than %d cells (rows x columns: %d columns, so at most %d data rows; the MaxCells limit, %s as 64-bit numbers); raise the limit or use a smaller file", maxCells, ncol, maxCells/int64(ncol), fmtBytes(8*maxCells))
		}
		switch {
		case rows == 0:
			line0 = line
		case lines != nil:
			lines = append(lines, line)
		case line != line0+rows:
			lines = make([]int, rows, rows+1024)
			for i := range lines {
				lines[i] = line0 + i
			}
			lines = append(lines, line)
		}
		if len(cur) == cap(cur) {
			if cur != nil {
				chunks = append(chunks, cur)
			}
			cur = nil
			if !estimated && rows > 0 {
				// Once the first chunk is full, size X from the file's
				// length when it is known, so that X is filled in place
				// rather than copied from the chunks at the end (which
				// doubles the peak). A low guess falls back to chunks.
				estimated = true
				if est := estimateRows(total, bodyStart, cr.InputOffset(), rows+1, maxRows, maxCells, ncol); est > rows+1 {
					cur = make([]float64, 0, est*nf)
					for _, c := range chunks {
						cur = append(cur, c...)
					}
					chunks = nil
				}
			}
			if cur == nil {
				cur = make([]float64, 0, chunkRows*nf)
			}
		}
		row := cur[len(cur) : len(cur)+nf]
		cur = cur[:len(cur)+nf]
		for j, s := range rec {
			k := role[j]
			if k >= 0 {
				if tc := texts[k]; tc != nil {
					v, ok := tc.code(s)
					if !ok {
						return nil, bad(line, header[j], "more than %d distinct strings in a text column (the MaxTextValues limit)", MaxTextValues)
					}
					row[k] = v
					continue
				}
				v, err := parseCell(s)
				if err != "" {
					if !textCell(s) {
						return nil, bad(line, header[j], "%s", err)
					}
					if opt.Schema != nil {
						return nil, bad(line, header[j], "%s, and the model's column holds numbers", err)
					}
					// The column is text: code the rows read so far.
					tc := newTextColumn(nil, false)
					texts[k] = tc
					for _, c := range append(chunks, cur[:len(cur)-nf]) {
						for i := k; i < len(c); i += nf {
							if !math.IsNaN(c[i]) {
								c[i], _ = tc.code(strconv.FormatFloat(c[i], 'f', -1, 64))
							}
						}
					}
					v, _ = tc.code(s)
				}
				row[k] = v
				continue
			}
			if k != roleTarget {
				continue
			}
			s = strings.TrimSpace(s)
			id, ok := labelOf[s]
			if !ok {
				if missingTokens[s] {
					return nil, bad(line, header[j], "the target is missing (%q); every row needs a target value", s)
				}
				id = int32(len(labels))
				labelOf[s] = id
				labels = append(labels, s)
				labelLine = append(labelLine, line)
			}
			yIdx = append(yIdx, id)
		}
		rows++
	}
	if rows == 0 {
		return nil, bad(0, "", "no data rows after the header")
	}

	// Copy the chunks into X: the only full copy.
	var data []float64
	if chunks == nil {
		data = cur
	} else {
		data = make([]float64, 0, rows*nf)
		for _, c := range chunks {
			data = append(data, c...)
		}
		data = append(data, cur...)
		chunks = nil
	}
	f := &Frame{
		Features: features,
		X:        mat.NewDense(rows, nf, data),
		Target:   target,
		Source:   name,
		line0:    line0,
		lines:    lines,
	}
	if lines != nil {
		f.line0 = 0
	}
	for k, tc := range texts {
		if tc == nil {
			continue
		}
		if f.Text == nil {
			f.Text = map[string][]string{}
		}
		f.Text[features[k]] = tc.sorted(data, k, nf)
	}
	if !hasTarget {
		return f, nil
	}

	// Turn the interned target labels into Y (and Classes).
	value := make([]float64, len(labels))
	switch {
	case opt.Classes != nil:
		pos := make(map[string]int, len(opt.Classes))
		for i, c := range opt.Classes {
			pos[c] = i
		}
		for i, l := range labels {
			k, ok := pos[l]
			if !ok {
				return nil, bad(labelLine[i], target, "%q is not one of the classes the model was trained on (%s)", l, quoteList(opt.Classes, 10))
			}
			value[i] = float64(k)
		}
		f.Classes = append([]string(nil), opt.Classes...)
	case allNumbers(labels, value):
		for i, v := range value {
			if math.IsInf(v, 0) {
				return nil, bad(labelLine[i], target, "the target %q is infinite; targets must be finite numbers", labels[i])
			}
		}
	default:
		order := make([]int, len(labels))
		for i := range order {
			order[i] = i
		}
		sort.Slice(order, func(a, b int) bool { return labels[order[a]] < labels[order[b]] })
		classes := make([]string, len(labels))
		for k, i := range order {
			classes[k] = labels[i]
			value[i] = float64(k)
		}
		f.Classes = classes
	}
	f.Y = make([]float64, rows)
	for i, id := range yIdx {
		f.Y[i] = value[id]
	}
	return f, nil
}

// decodedSize returns the decompressed length of r's content when r is a
// regular file (its size, or for gzip the length modulo 2^32 that the
// trailer records), and 0 when it is not known. It is only a hint.
func decodedSize(r io.Reader, gz bool) int64 {
	f, ok := r.(*os.File)
	if !ok {
		return 0
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return 0
	}
	if !gz {
		return st.Size()
	}
	var tail [4]byte
	if st.Size() < 18 {
		return 0
	}
	if _, err := f.ReadAt(tail[:], st.Size()-4); err != nil {
		return 0
	}
	return int64(binary.LittleEndian.Uint32(tail[:]))
}

// estimateRows guesses the number of data rows of a file of total decoded
// bytes from the rows read so far (the body starting at offset start, the
// reader now at offset at, after rows records), with 1% to spare, within
// the row and cell caps.
// It returns 0 when there is nothing to go on.
func estimateRows(total, start, at int64, rows, maxRows int, maxCells int64, ncol int) int {
	if total <= at || at <= start || rows == 0 {
		return 0
	}
	perRow := float64(at-start) / float64(rows)
	est := float64(rows) + float64(total-at)/perRow*1.01 + 16
	if maxRows > 0 {
		est = min(est, float64(maxRows))
	}
	if maxCells > 0 {
		est = min(est, float64(maxCells/int64(ncol)))
	}
	if est > float64(math.MaxInt32) {
		return 0
	}
	return int(est)
}

// ProbeText reads the header and at most rows data rows of a CSV and
// returns, by column name, the first cell of each column that makes it a
// text column as ReadCSV decides (neither a number nor missing), so that a
// spec can be checked before the file is read. A malformed row ends the
// probe quietly: ReadCSV reports it.
func ProbeText(r io.Reader, name string, rows int) (map[string]string, error) {
	in, err := openCSV(r, name, DefaultMaxBytes)
	if err != nil {
		return nil, err
	}
	defer in.close()
	header, _, err := in.header()
	if err != nil {
		return nil, err
	}
	var out map[string]string
	for i := 0; i < rows; i++ {
		rec, err := in.cr.Read()
		if err != nil || len(rec) != len(header) {
			break
		}
		for j, s := range rec {
			if _, msg := parseCell(s); msg != "" && textCell(s) {
				if _, ok := out[header[j]]; !ok {
					if out == nil {
						out = map[string]string{}
					}
					out[header[j]] = strings.TrimSpace(s)
				}
			}
		}
	}
	return out, nil
}

// ReadHeader returns the column names of a CSV file as ReadCSV reads them
// (gzip decompressed, byte-order mark skipped, names trimmed), reading only
// the header line. An empty file, an empty name or a repeated name is a
// *Error, as in ReadCSV.
func ReadHeader(r io.Reader, name string) ([]string, error) {
	if name == "" {
		name = "data"
	}
	in, err := openCSV(r, name, DefaultMaxBytes)
	if err != nil {
		return nil, err
	}
	defer in.close()
	header, _, err := in.header()
	return header, err
}

// csvInput is an open CSV stream: source → (gunzip, by content) → byte cap
// and binary check → buffer → encoding/csv.
type csvInput struct {
	cr       *csv.Reader
	name     string
	maxBytes int64
	src      *Stream
	guard    *guardReader
}

func openCSV(r io.Reader, name string, maxBytes int64) (*csvInput, error) {
	in := &csvInput{name: name, maxBytes: maxBytes}
	src, err := Gunzip(r, name)
	if err != nil {
		return nil, err
	}
	in.src = src
	head, _ := src.Peek(8)
	if bytes.HasPrefix(head, []byte("\xff\xfe")) || bytes.HasPrefix(head, []byte("\xfe\xff")) {
		src.Close()
		return nil, &Error{File: name, Msg: "the file is UTF-16 encoded; save it as UTF-8"}
	}
	if k := binaryKind(head); k != "" {
		src.Close()
		return nil, &Error{File: name, Msg: k + ", not CSV text; expected a text file with a header line"}
	}
	in.guard = &guardReader{r: src, n: -1}
	if maxBytes > 0 {
		in.guard.n = maxBytes
	}
	br := bufio.NewReaderSize(in.guard, 64<<10)
	if b, _ := br.Peek(3); bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	in.cr = csv.NewReader(br)
	in.cr.ReuseRecord = true
	in.cr.FieldsPerRecord = -1
	return in, nil
}

// binaryKind names the binary format that head (a file's first bytes,
// decompressed) starts with, or returns "" when it is not one of those.
// Other binary content is caught by its NUL bytes while reading.
func binaryKind(head []byte) string {
	switch {
	case len(head) >= 4 && head[0] == 0 && head[1] == 0 && head[2] == 0x08 && (head[3] == 1 || head[3] == 3):
		what := map[byte]string{1: "labels", 3: "images"}[head[3]]
		return fmt.Sprintf("the file is an IDX file of %s (magic 0x%08x)", what, binary.BigEndian.Uint32(head))
	case bytes.HasPrefix(head, []byte("\x89PNG")):
		return "the file is a PNG image"
	case bytes.HasPrefix(head, []byte("\xff\xd8\xff")):
		return "the file is a JPEG image"
	case bytes.HasPrefix(head, []byte("GIF8")):
		return "the file is a GIF image"
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return "the file is a zip archive"
	case IsGzip(head):
		return "the file is gzip-compressed twice"
	}
	return ""
}

func (in *csvInput) close() {
	in.src.Close()
}

// header reads and checks the header line; seen maps each name to its
// column.
func (in *csvInput) header() (header []string, seen map[string]int, err error) {
	bad := func(line int, col, format string, args ...any) error {
		return &Error{File: in.name, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
	}
	rec, err := in.cr.Read()
	if err == io.EOF {
		return nil, nil, bad(0, "", "the file is empty; expected a header line with column names")
	}
	if err != nil {
		return nil, nil, in.readErr(err)
	}
	line, _ := in.cr.FieldPos(0)
	if len(rec) > MaxColumns {
		return nil, nil, bad(line, "", "%d columns, more than the limit of %d", len(rec), MaxColumns)
	}
	header = make([]string, len(rec))
	seen = make(map[string]int, len(rec))
	for j, h := range rec {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if h == "" {
			return nil, nil, bad(line, "", "column %d of the header has no name; every column needs a name", j+1)
		}
		if k, dup := seen[h]; dup {
			return nil, nil, bad(line, h, "appears twice in the header (columns %d and %d); column names must be unique", k+1, j+1)
		}
		seen[h] = j
		header[j] = h
	}
	return header, seen, nil
}

// readErr turns an error from the csv reader into a *Error naming the line.
func (in *csvInput) readErr(err error) error {
	bad := func(line int, format string, args ...any) error {
		return &Error{File: in.name, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	var de *Error
	if errors.As(err, &de) {
		return de
	}
	if errors.Is(err, errTooLarge) {
		return bad(in.guard.lines+1, "larger than %s (the MaxBytes limit, after decompression); raise the limit or use a smaller file", fmtBytes(in.maxBytes))
	}
	if errors.Is(err, errBinary) {
		return bad(in.guard.lines+1, "binary content (a NUL byte at offset %d of the decompressed text); expected a CSV text file", in.guard.nul)
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		switch {
		case errors.Is(pe.Err, csv.ErrBareQuote):
			return bad(pe.Line, `a quote (") in an unquoted field (character %d); quote the whole field and double the quotes inside it`, pe.Column)
		case errors.Is(pe.Err, csv.ErrQuote) && pe.StartLine != pe.Line:
			return bad(pe.StartLine, `a quoted field opened on this line is not closed (it runs on to line %d); end it with a quote (")`, pe.Line)
		case errors.Is(pe.Err, csv.ErrQuote):
			return bad(pe.Line, `text after the closing quote of a quoted field (character %d); double the quotes inside a quoted field ("")`, pe.Column)
		}
		return bad(pe.Line, "%v", pe.Err)
	}
	return fmt.Errorf("%s: %w", in.name, err)
}

// parseCell parses a feature cell: a number, or a missing marker (NaN). It
// returns a message saying what is wrong when the cell is neither.
func parseCell(s string) (float64, string) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || strings.IndexByte(s, '_') >= 0 {
		t := strings.TrimSpace(s)
		if missingTokens[t] {
			return math.NaN(), ""
		}
		if t != s {
			return parseCell(t)
		}
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, fmt.Sprintf("%q is too large for a 64-bit number", s)
		}
		if strings.IndexByte(s, '_') >= 0 {
			return 0, fmt.Sprintf("%q is not a number (write numbers without \"_\")", text.Abbrev(s))
		}
		return 0, fmt.Sprintf("%q is not a number", text.Abbrev(s))
	}
	if math.IsInf(v, 0) {
		return 0, fmt.Sprintf("%q is infinite; features must be finite numbers or missing", s)
	}
	return v, ""
}

// textCell reports whether a feature cell that is not a number makes its
// column text: it is not a number out of range nor an infinite one.
func textCell(s string) bool {
	t := strings.TrimSpace(s)
	_, err := strconv.ParseFloat(t, 64)
	if err == nil && strings.IndexByte(t, '_') < 0 {
		return false // infinite
	}
	if _, e := strconv.ParseFloat(strings.ReplaceAll(t, "_", ""), 64); e == nil {
		return false // a number written with "_"
	}
	ne, ok := err.(*strconv.NumError)
	return !ok || ne.Err != strconv.ErrRange
}

// textColumn interns the strings of a text feature column.
type textColumn struct {
	dict  []string
	id    map[string]int
	fixed bool // the dictionary is a model's: codes are final
}

func newTextColumn(dict []string, fixed bool) *textColumn {
	tc := &textColumn{dict: append([]string(nil), dict...), id: make(map[string]int, len(dict)), fixed: fixed}
	for i, s := range dict {
		tc.id[s] = i
	}
	return tc
}

// code returns the code of cell s (NaN for a missing marker); false when
// the column would hold more than MaxTextValues strings.
func (tc *textColumn) code(s string) (float64, bool) {
	t := strings.TrimSpace(s)
	if missingTokens[t] {
		return math.NaN(), true
	}
	i, ok := tc.id[t]
	if !ok {
		if len(tc.dict) >= MaxTextValues && !tc.fixed {
			return 0, false
		}
		i = len(tc.dict)
		tc.id[t] = i
		tc.dict = append(tc.dict, t)
	}
	return float64(i), true
}

// sorted returns the column's dictionary: for a column found in the data,
// sorted, with column k of data (nf columns a row) recoded to match.
func (tc *textColumn) sorted(data []float64, k, nf int) []string {
	if tc.fixed {
		return tc.dict
	}
	order := make([]int, len(tc.dict))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return tc.dict[order[a]] < tc.dict[order[b]] })
	code := make([]float64, len(order))
	out := make([]string, len(order))
	for c, i := range order {
		code[i], out[c] = float64(c), tc.dict[i]
	}
	for i := k; i < len(data); i += nf {
		if v := data[i]; !math.IsNaN(v) {
			data[i] = code[int(v)]
		}
	}
	return out
}

// allNumbers parses every label as a finite-or-infinite number into out,
// reporting whether all of them are numbers.
func allNumbers(labels []string, out []float64) bool {
	for i, l := range labels {
		v, err := strconv.ParseFloat(l, 64)
		if err != nil || math.IsNaN(v) || strings.IndexByte(l, '_') >= 0 {
			return false
		}
		out[i] = v
	}
	return true
}

func fmtBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ColumnPreview is one column of a CSV's preview: its name and its kind
// as ReadCSV would read the rows scanned ("number", "text", or "empty"
// when every cell scanned is missing), with how many cells were missing.
type ColumnPreview struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	Missing int    `json:"missing"`
	// Distinct counts the different values scanned, up to 1000 (then 1001).
	Distinct int `json:"distinct"`
}

// CSVPreview is the head of a CSV file: its columns with their kinds
// judged from the first Scanned rows, and the first rows' cells as text.
type CSVPreview struct {
	Columns []ColumnPreview `json:"columns"`
	Rows    [][]string      `json:"rows"`
	Scanned int             `json:"scanned"`
	// More says the file has rows past those scanned.
	More bool `json:"more"`
}

// PreviewCSV reads the header and at most scan data rows of a CSV (as
// ReadCSV opens it: gzip, byte-order mark, binary content refused) and
// returns the column kinds of those rows and the first show rows. A
// malformed row ends the preview quietly (ReadCSV reports it).
func PreviewCSV(r io.Reader, name string, show, scan int) (*CSVPreview, error) {
	in, err := openCSV(r, name, DefaultMaxBytes)
	if err != nil {
		return nil, err
	}
	defer in.close()
	header, _, err := in.header()
	if err != nil {
		return nil, err
	}
	p := &CSVPreview{Columns: make([]ColumnPreview, len(header)), Rows: [][]string{}}
	text := make([]bool, len(header))
	nums := make([]int, len(header))
	seen := make([]map[string]bool, len(header))
	for j, h := range header {
		p.Columns[j].Name = h
		seen[j] = map[string]bool{}
	}
	for p.Scanned < scan {
		rec, err := in.cr.Read()
		if err != nil || len(rec) != len(header) {
			break
		}
		p.Scanned++
		if len(p.Rows) < show {
			p.Rows = append(p.Rows, append([]string(nil), rec...))
		}
		for j, s := range rec {
			v, msg := parseCell(s)
			switch {
			case msg == "" && math.IsNaN(v):
				p.Columns[j].Missing++
			case msg == "":
				nums[j]++
			case textCell(s):
				text[j] = true
			}
			if len(seen[j]) <= 1000 {
				seen[j][strings.TrimSpace(s)] = true
			}
		}
	}
	if p.Scanned == scan {
		_, err := in.cr.Read()
		p.More = err == nil
	}
	for j := range p.Columns {
		switch {
		case text[j]:
			p.Columns[j].Type = "text"
		case nums[j] > 0:
			p.Columns[j].Type = "number"
		default:
			p.Columns[j].Type = "empty"
		}
		p.Columns[j].Distinct = len(seen[j])
	}
	return p, nil
}
