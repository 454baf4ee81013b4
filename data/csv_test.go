package data

import (
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite the .err golden files in testdata/bad")

func read(t *testing.T, in string, opt CSVOptions) *Frame {
	t.Helper()
	if opt.Name == "" {
		opt.Name = "train.csv"
	}
	f, err := ReadCSV(strings.NewReader(in), opt)
	if err != nil {
		t.Fatalf("ReadCSV(%q): %v", in, err)
	}
	return f
}

func readErr(t *testing.T, in string, opt CSVOptions) string {
	t.Helper()
	if opt.Name == "" {
		opt.Name = "train.csv"
	}
	_, err := ReadCSV(strings.NewReader(in), opt)
	if err == nil {
		t.Fatalf("ReadCSV(%q): no error", in)
	}
	var de *Error
	if !errors.As(err, &de) || !de.BadInput() {
		t.Fatalf("ReadCSV(%q): error %v is not a *data.Error", in, err)
	}
	return err.Error()
}

func same(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
			return false
		}
	}
	return true
}

func TestReadCSV(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		name     string
		in       string
		opt      CSVOptions
		features []string
		x        []float64
		target   string
		y        []float64
		classes  []string
	}{
		{"numeric target", "a,b,y\n1,2,3\n4,5,6\n", CSVOptions{}, []string{"a", "b"}, []float64{1, 2, 4, 5}, "y", []float64{3, 6}, nil},
		{"string target sorted", "a,y\n1,dog\n2,cat\n3,dog\n4,ant\n", CSVOptions{}, []string{"a"}, []float64{1, 2, 3, 4}, "y", []float64{2, 1, 2, 0}, []string{"ant", "cat", "dog"}},
		{"mixed target is text", "a,y\n1,1\n2,x\n", CSVOptions{}, []string{"a"}, []float64{1, 2}, "y", []float64{0, 1}, []string{"1", "x"}},
		{"BOM and spaces", "\ufeff a , b ,y\n 1 ,\t2 , 3 \n", CSVOptions{}, []string{"a", "b"}, []float64{1, 2}, "y", []float64{3}, nil},
		{"quoted fields", "\"a\",\"b,c\",y\n\"1\",\"2.5\",\"x y\"\n", CSVOptions{}, []string{"a", "b,c"}, []float64{1, 2.5}, "y", []float64{0}, []string{"x y"}},
		{"CRLF", "a,y\r\n1,2\r\n3,4\r\n", CSVOptions{}, []string{"a"}, []float64{1, 3}, "y", []float64{2, 4}, nil},
		{"missing markers", "a,b,y\n,NA,1\nN/A,NaN,2\nnan,null,3\n?,1e3,4\n", CSVOptions{}, []string{"a", "b"}, []float64{nan, nan, nan, nan, nan, nan, nan, 1000}, "y", []float64{1, 2, 3, 4}, nil},
		{"target by name", "y,a,b\n1,2,3\n", CSVOptions{Target: "y"}, []string{"a", "b"}, []float64{2, 3}, "y", []float64{1}, nil},
		{"no target", "a,b\n1,2\n", CSVOptions{NoTarget: true}, []string{"a", "b"}, []float64{1, 2}, "", nil, nil},
		{"no target skips target column", "a,y,b\n1,9,2\n", CSVOptions{NoTarget: true, Target: "y"}, []string{"a", "b"}, []float64{1, 2}, "", nil, nil},
		{"schema reorders", "b,y,a\n2,x,1\n4,z,3\n", CSVOptions{Schema: []string{"a", "b"}}, []string{"a", "b"}, []float64{1, 2, 3, 4}, "y", []float64{0, 1}, []string{"x", "z"}},
		{"schema no target", "b,a\n2,1\n", CSVOptions{Schema: []string{"a", "b"}, NoTarget: true}, []string{"a", "b"}, []float64{1, 2}, "", nil, nil},
		{"schema with named target skipped", "b,t,a\n2,0,1\n", CSVOptions{Schema: []string{"a", "b"}, NoTarget: true, Target: "t"}, []string{"a", "b"}, []float64{1, 2}, "", nil, nil},
		{"model classes", "a,y\n1,b\n2,b\n", CSVOptions{Classes: []string{"a", "b", "c"}}, []string{"a"}, []float64{1, 2}, "y", []float64{1, 1}, []string{"a", "b", "c"}},
		{"model classes numeric labels", "a,y\n1,10\n2,2\n", CSVOptions{Classes: []string{"10", "2"}}, []string{"a"}, []float64{1, 2}, "y", []float64{0, 1}, []string{"10", "2"}},
		{"blank lines skipped", "a,y\n\n1,2\n\n3,4\n", CSVOptions{}, []string{"a"}, []float64{1, 3}, "y", []float64{2, 4}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := read(t, c.in, c.opt)
			if !reflect.DeepEqual(f.Features, c.features) || f.Target != c.target || !reflect.DeepEqual(f.Classes, c.classes) {
				t.Errorf("features %q target %q classes %q, want %q %q %q", f.Features, f.Target, f.Classes, c.features, c.target, c.classes)
			}
			if got := testutil.Flatten(f.X); !same(got, c.x) {
				t.Errorf("X = %v, want %v", got, c.x)
			}
			if !same(f.Y, c.y) || (f.Y == nil) != (c.y == nil) {
				t.Errorf("Y = %v, want %v", f.Y, c.y)
			}
		})
	}
}

func TestReadCSVErrors(t *testing.T) {
	for _, c := range []struct {
		in   string
		opt  CSVOptions
		want string
	}{
		{"alpha,beta,y\n1,2,3\n", CSVOptions{Target: "label"}, `train.csv: target column "label" not found; the columns are "alpha", "beta", "y"`},
		{"a,b,price\n1,2,3\n", CSVOptions{Target: "prices"}, `train.csv: target column "prices" not found (did you mean "price"?); the columns are "a", "b", "price"`},
		{"a,c,y\n1,2,3\n", CSVOptions{Schema: []string{"a", "b"}, Target: "y"}, `train.csv: column "c": not one of the model's features ("a", "b") nor the target "y"; remove the column`},
		{"a,y\n1,3\n", CSVOptions{Schema: []string{"a", "b"}, Target: "y"}, `train.csv: column "b": missing; the model was trained on the columns "a", "b"`},
		{"a,b\n1,3\n", CSVOptions{Schema: []string{"a", "b"}}, `train.csv: no target column: every column is one of the model's features`},
		{"a,b,c,d\n1,3,4,5\n", CSVOptions{Schema: []string{"a", "b"}}, `train.csv: expected one target column besides the model's features, found 2: "c", "d"`},
		{"a,b\n1,2\n", CSVOptions{Schema: []string{"a", "b"}, Target: "b"}, `train.csv: column "b": is both the target and one of the model's features`},
		{"a,b,y\n1,2,q\n", CSVOptions{Classes: []string{"p", "r"}}, `train.csv line 2: column "y": "q" is not one of the classes the model was trained on ("p", "r")`},
		{"a,y\n1,2\n3,4\n5,6\n", CSVOptions{MaxRows: 2}, `train.csv line 4: more than 2 data rows (the MaxRows limit)`},
		{"a,y\n1,2\n3,4\n5,6\n", CSVOptions{MaxBytes: 8}, `train.csv line 3: larger than 8 bytes (the MaxBytes limit, after decompression); raise the limit or use a smaller file`},
		{"a,y\n1,2\n3,4\n5,6\n", CSVOptions{MaxBytes: 1024}, ``},
		{"a,b,y\n1,1_000,2\n", CSVOptions{}, `train.csv line 2: column "b": "1_000" is not a number (write numbers without "_")`},
	} {
		if c.want == "" {
			read(t, c.in, c.opt)
			continue
		}
		if got := readErr(t, c.in, c.opt); got != c.want {
			t.Errorf("ReadCSV(%q, %+v):\n got %s\nwant %s", c.in, c.opt, got, c.want)
		}
	}
	// A file of exactly MaxBytes reads.
	in := "a,y\n1,2\n"
	read(t, in, CSVOptions{MaxBytes: int64(len(in))})
}

// TestBadFiles reads every file in testdata/bad and checks the error against
// the file's .err golden text (ReadCSV's error, or Missing's when the file
// reads). Run with -update to rewrite the golden files.
func TestBadFiles(t *testing.T) {
	paths, err := filepath.Glob("testdata/bad/*.csv*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range paths {
		if strings.HasSuffix(p, ".err") {
			continue
		}
		n++
		f, err := ReadCSVFile(p, CSVOptions{})
		if err == nil {
			err = f.Missing()
		}
		if err == nil {
			t.Errorf("%s: no error", p)
			continue
		}
		var de *Error
		if !errors.As(err, &de) {
			t.Errorf("%s: %v is not a *data.Error", p, err)
		}
		golden := p + ".err"
		if *update {
			if err := os.WriteFile(golden, []byte(err.Error()+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, rerr := os.ReadFile(golden)
		if rerr != nil {
			t.Errorf("%s: %v (run go test -update to write it)", p, rerr)
			continue
		}
		if got := err.Error(); got != strings.TrimSpace(string(want)) {
			t.Errorf("%s:\n got %s\nwant %s", p, got, strings.TrimSpace(string(want)))
		}
	}
	if n < 10 {
		t.Errorf("only %d bad files, want at least 10", n)
	}
}

func TestReadCSVFile(t *testing.T) {
	_, err := ReadCSVFile("testdata/no-such.csv", CSVOptions{})
	if !errors.Is(err, fs.ErrNotExist) || err.Error() != "testdata/no-such.csv: file not found" {
		t.Errorf("missing file: %v", err)
	}
	if _, err := ReadCSVFile("testdata", CSVOptions{}); err == nil || err.Error() != "testdata: is a directory, expected a CSV file" {
		t.Errorf("directory: %v", err)
	}
	f, err := ReadCSVFile(filepath.Join(testutil.Root(), "testdata/synthetic/classification_10k.csv.gz"), CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	X, y := testutil.LoadCSV(t, "testdata/synthetic/classification_10k.csv.gz")
	if !same(testutil.Flatten(f.X), testutil.Flatten(X)) || !same(f.Y, y) || f.Classes != nil || len(f.Features) != 20 || f.Source != "classification_10k.csv.gz" {
		t.Errorf("gzip file read differently from testutil.LoadCSV")
	}
}

func TestLinesAndMissing(t *testing.T) {
	f := read(t, "a,b,y\n1,2,0\n3,,1\n\"4\n\",NA,0\n5,NA,1\n", CSVOptions{})
	if got := []int{f.Line(0), f.Line(1), f.Line(2), f.Line(3)}; !reflect.DeepEqual(got, []int{2, 3, 4, 6}) {
		t.Errorf("lines = %v, want [2 3 4 6]", got)
	}
	want := `train.csv: column "b": 3 missing values (lines 3, 4, 6); add {"type": "SimpleImputer"} to preprocess`
	if err := f.Missing(); err == nil || err.Error() != want {
		t.Errorf("Missing() = %v, want %s", err, want)
	}
	sub := f.Rows([]int{3, 0})
	want = `train.csv: column "b": 1 missing value (line 6); add {"type": "SimpleImputer"} to preprocess`
	if err := sub.Missing(); err == nil || err.Error() != want {
		t.Errorf("Rows().Missing() = %v, want %s", err, want)
	}
	if err := f.Rows([]int{0}).Missing(); err != nil {
		t.Errorf("no missing: %v", err)
	}
	// A frame built in code reports data rows, and caps the list.
	g := &Frame{Features: []string{"p", "q", "r"}, X: testutil.Dense([][]float64{{1, 2, 3}, {4, math.NaN(), math.NaN()}, {5, math.NaN(), 1}, {1, math.NaN(), 1}, {1, math.NaN(), 1}, {1, math.NaN(), 1}, {1, math.NaN(), 1}}), Source: "mem"}
	want = `mem: column "q": 6 missing values (rows 2, 3, 4, 5, 6, ...); column "r" also has missing values; add {"type": "SimpleImputer"} to preprocess`
	if err := g.Missing(); err == nil || err.Error() != want {
		t.Errorf("Missing() = %v\nwant %s", err, want)
	}
	if s := g.Schema(); !reflect.DeepEqual(s, []Column{{"p", "number", nil}, {"q", "number", nil}, {"r", "number", nil}}) {
		t.Errorf("Schema() = %v", s)
	}
}

func TestRowsCopies(t *testing.T) {
	f := read(t, "a,y\n1,x\n2,y\n3,x\n", CSVOptions{})
	g := f.Rows([]int{2, 1})
	g.X.Set(0, 0, 100)
	g.Y[0] = 7
	g.Classes[0] = "changed"
	if f.X.At(2, 0) != 3 || f.Y[2] != 0 || f.Classes[0] != "x" {
		t.Error("Rows shares memory with the original frame")
	}
	if e := f.Rows(nil); e.Len() != 0 {
		t.Errorf("empty Rows has %d rows", e.Len())
	}
}

func TestLabels(t *testing.T) {
	got, err := Labels([]string{"a", "b"}, []float64{1, 0, 1})
	if err != nil || !reflect.DeepEqual(got, []string{"b", "a", "b"}) {
		t.Errorf("Labels = %v, %v", got, err)
	}
	if _, err := Labels([]string{"a"}, []float64{1.5}); err == nil {
		t.Error("Labels accepted 1.5")
	}
}

// synthCSV writes rows x cols random-looking numbers with a target column.
func synthCSV(rows, cols int) []byte {
	var b bytes.Buffer
	for j := 0; j < cols; j++ {
		fmt.Fprintf(&b, "x%d,", j)
	}
	b.WriteString("target\n")
	v := 0.123456
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			v = math.Mod(v*7.77+0.3131, 10) - 5
			fmt.Fprintf(&b, "%.6g,", v)
		}
		fmt.Fprintf(&b, "%d\n", i%3)
	}
	return b.Bytes()
}

// TestReadCSVMemory checks that ReadCSV allocates in total at most about
// three copies of the numeric data plus one copy of the text: the parsed
// chunks and X (two copies), the per-record strings encoding/csv makes (the
// text, garbage as soon as a record is parsed), and small bookkeeping.
func TestReadCSVMemory(t *testing.T) {
	const rows, cols = 20000, 20
	in := synthCSV(rows, cols)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f, err := ReadCSV(bytes.NewReader(in), CSVOptions{})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	numeric := float64(rows * cols * 8)
	total := float64(after.TotalAlloc - before.TotalAlloc)
	limit := 2.2*numeric + 1.1*float64(len(in)) + 512<<10
	t.Logf("allocated %.1f MB: %.2f× the numeric data (%.1f MB), text %.1f MB; %.0f bytes per row", total/1e6, total/numeric, numeric/1e6, float64(len(in))/1e6, total/rows)
	if total > limit {
		t.Errorf("ReadCSV allocated %.0f bytes, more than %.0f (2.2 numeric copies + 1.1 text copies + 512 KiB)", total, limit)
	}
	if f.Len() != rows {
		t.Errorf("read %d rows", f.Len())
	}
}

func TestGzipInput(t *testing.T) {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte("a,y\n1,2\n"))
	w.Close()
	f, err := ReadCSV(&b, CSVOptions{})
	if err != nil || f.X.At(0, 0) != 1 || f.Y[0] != 2 {
		t.Errorf("gzip input: %v", err)
	}
}

func BenchmarkReadCSV(b *testing.B) {
	path := filepath.Join(testutil.Root(), "testdata/synthetic/classification_10k.csv.gz")
	raw, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	zr, _ := gzip.NewReader(bytes.NewReader(raw))
	var text bytes.Buffer
	text.ReadFrom(zr)
	in := text.Bytes()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	t0 := cpuTime()
	for b.Loop() {
		if _, err := ReadCSV(bytes.NewReader(in), CSVOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-t0)/float64(b.N), "cpu-ns/op")
}

func TestReadHeader(t *testing.T) {
	h, err := ReadHeader(strings.NewReader("\ufeff a ,\"b,c\", y \n1,2,3\n"), "x.csv")
	if err != nil || !reflect.DeepEqual(h, []string{"a", "b,c", "y"}) {
		t.Errorf("ReadHeader = %q, %v", h, err)
	}
	if _, err := ReadHeader(strings.NewReader("a,a\n"), "x.csv"); err == nil || err.Error() != `x.csv line 1: column "a": appears twice in the header (columns 1 and 2); column names must be unique` {
		t.Errorf("duplicate: %v", err)
	}
	if _, err := ReadHeader(strings.NewReader("\x1f\x8bnot gzip"), "x.csv.gz"); err == nil || !strings.HasPrefix(err.Error(), "x.csv.gz: not a valid gzip file") {
		t.Errorf("bad gzip: %v", err)
	}
}
