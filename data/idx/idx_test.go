package idx

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/data/images"
	"github.com/mlforge/mlforge/data/loader"
	"github.com/mlforge/mlforge/internal/testutil"
)

type expected struct {
	Tiny struct {
		Shape  []int     `json:"shape"`
		Data   []float64 `json:"data"`
		Labels []int     `json:"labels"`
	} `json:"tiny"`
	MNIST *struct {
		Shape       []int     `json:"shape"`
		Labels20    []int     `json:"labels_first20"`
		LabelCounts []int     `json:"label_counts"`
		FirstImage  []float64 `json:"first_image"`
		Mean        float64   `json:"mean"`
		Std         float64   `json:"std"`
	} `json:"mnist_t10k"`
}

func TestTinyMatchesTorchvision(t *testing.T) {
	var e expected
	testutil.ReadJSON(t, "testdata/expected.json", &e)
	for _, images := range []string{"tiny-images-idx3-ubyte", "tiny-images-idx3-ubyte.gz"} {
		d, err := Load(filepath.Join("testdata", images), "testdata/tiny-labels-idx1-ubyte")
		if err != nil {
			t.Fatal(err)
		}
		if d.Len() != 20 || d.H != 7 || d.W != 5 {
			t.Fatalf("%s: %d images of %dx%d, want 20 of 7x5", images, d.Len(), d.H, d.W)
		}
		for i := range d.Len() {
			x, y, err := d.Get(i, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(x.Shape) != 3 || x.Shape[0] != 1 || int(y.Data[0]) != e.Tiny.Labels[i] {
				t.Fatalf("sample %d: shape %v label %v, want [1 7 5] and %d", i, x.Shape, y.Data, e.Tiny.Labels[i])
			}
			// v/255 in float32, as torch's ToTensor: identical values.
			for k, v := range x.Data {
				if float64(v) != float64(float32(e.Tiny.Data[i*35+k])) {
					t.Fatalf("sample %d value %d: %v, want %v", i, k, v, e.Tiny.Data[i*35+k])
				}
			}
		}
	}
}

func TestBadFiles(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{"truncated-images-idx3-ubyte", "truncated: header says [20 7 5] (700 data bytes after the 16-byte header), got 693"},
		{"badmagic-idx3-ubyte", "unsupported IDX file with 4 dimensions"},
		{"huge-images-idx3-ubyte", "header claims 2147483648 items, more than the limit of 100000000"},
		{"trailing-labels-idx1-ubyte", "2 bytes after the 20 data bytes"},
		{"missing", "no such file"},
	} {
		_, err := ReadFile(filepath.Join("testdata", c.file))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.file) {
			t.Errorf("%s: error %v, want one naming the file and containing %q", c.file, err, c.want)
		}
	}
	_, err := Load("testdata/tiny-images-idx3-ubyte", "testdata/short-labels-idx1-ubyte")
	if err == nil || !strings.Contains(err.Error(), "tiny-images-idx3-ubyte has 20 images but short-labels-idx1-ubyte has 19 labels") {
		t.Errorf("count mismatch: %v", err)
	}
	_, err = Load("testdata/tiny-labels-idx1-ubyte", "testdata/tiny-labels-idx1-ubyte")
	if err == nil || !strings.Contains(err.Error(), "want an image file") {
		t.Errorf("labels as images: %v", err)
	}
}

func TestHeaderLimitsBeforeAllocation(t *testing.T) {
	header := func(dims ...uint32) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(0x800+len(dims)))
		for _, d := range dims {
			b = binary.BigEndian.AppendUint32(b, d)
		}
		return b
	}
	for _, c := range []struct {
		b    []byte
		want string
	}{
		{header(10, 100000, 100000), "more than the limit of 10000000"},
		{header(100_000_000, 100, 100), "more than the limit of 1073741824"},
		{header(4194304, 32, 32), "header claims 4294967296 bytes of data ([4194304 32 32]), more than the limit of 1073741824"},
		{header(5, 0, 3), "zero dimension"},
		{header(1, 2), "with 2 dimensions"},
		{[]byte{0, 0}, "too short"},
		{[]byte("PK\x03\x04zip!"), "not an IDX file"},
		{[]byte{0x1f, 0x8b, 0, 0}, "not a valid gzip file"},
		// A header claiming 1 GB followed by 3 bytes: rejected as
		// truncated after reading 3 bytes, without a 1 GB allocation.
		{append(header(1000, 1000, 1000), 1, 2, 3), "got 3"},
	} {
		_, err := Read(bytes.NewReader(c.b), "x.idx")
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "x.idx: ") {
			t.Errorf("%q: error %v, want one starting with the name and containing %q", c.b, err, c.want)
		}
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	Read(bytes.NewReader(append(header(1000, 1000, 1000), 1, 2, 3)), "x")
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 64<<20 {
		t.Errorf("a truncated file claiming 1 GB allocated %d bytes, want < 64 MiB", got)
	}
}

func TestGzipTruncated(t *testing.T) {
	raw, _ := os.ReadFile("testdata/tiny-images-idx3-ubyte")
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(raw)
	zw.Close()
	_, err := Read(bytes.NewReader(buf.Bytes()[:buf.Len()-30]), "t.gz")
	if err == nil || !strings.HasPrefix(err.Error(), "t.gz: ") {
		t.Errorf("truncated gzip: %v", err)
	}
}

func TestTransformsOnIDX(t *testing.T) {
	d, err := Load("testdata/tiny-images-idx3-ubyte", "testdata/tiny-labels-idx1-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	d.Transform = images.Compose{images.NewResize(4, 4), images.ToTensor{}, &images.Normalize{Mean: []float64{0.5}, Std: []float64{0.5}}}
	d.TargetTransform = &images.OneHot{NumClasses: 4}
	x, y, err := d.Get(3, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Data) != 16 || len(y.Data) != 4 || y.Data[3] != 1 {
		t.Errorf("transformed sample: x %v y %v", x.Shape, y.Data)
	}
	for _, v := range x.Data {
		if v < -1 || v > 1 {
			t.Errorf("normalized value %v outside [-1, 1]", v)
		}
	}
}

// mnistDir is ../shared/data/mnist beside the repository (shared/ sits next
// to the clone), where the MNIST test set lives; tests skip without it.
func mnistDir(t testing.TB) string {
	dir := filepath.Join(testutil.Root(), "..", "shared", "data", "mnist")
	if _, err := os.Stat(filepath.Join(dir, "t10k-images-idx3-ubyte.gz")); err != nil {
		t.Skipf("MNIST test set not found in %s", dir)
	}
	return dir
}

func TestMNISTMatchesTorchvision(t *testing.T) {
	dir := mnistDir(t)
	var e expected
	testutil.ReadJSON(t, "testdata/expected.json", &e)
	if e.MNIST == nil {
		t.Skip("expected.json was made without the MNIST files")
	}
	d, err := Load(filepath.Join(dir, "t10k-images-idx3-ubyte.gz"), filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if d.N != e.MNIST.Shape[0] || d.H != e.MNIST.Shape[1] || d.W != e.MNIST.Shape[2] {
		t.Fatalf("%d x %d x %d, want %v", d.N, d.H, d.W, e.MNIST.Shape)
	}
	counts := make([]int, 10)
	for _, l := range d.Labels {
		counts[l]++
	}
	for i, c := range e.MNIST.LabelCounts {
		if counts[i] != c {
			t.Errorf("label %d: %d images, want %d", i, counts[i], c)
		}
	}
	for i, l := range e.MNIST.Labels20 {
		if d.Labels[i] != l {
			t.Errorf("label of image %d: %d, want %d", i, d.Labels[i], l)
		}
	}
	x, _, _ := d.Get(0, nil)
	for k, v := range x.Data {
		if float64(v) != float64(float32(e.MNIST.FirstImage[k])) {
			t.Fatalf("image 0 value %d: %v, want %v", k, v, e.MNIST.FirstImage[k])
		}
	}
	var s, s2 float64
	for _, b := range d.Images {
		v := float64(float32(b) / 255) // as torch: float32 division, float64 sums
		s += v
		s2 += v * v
	}
	n := float64(len(d.Images))
	mean := s / n
	std := math.Sqrt((s2 - n*mean*mean) / (n - 1))
	// Sums of 7.8 million values in float64 in another order: 1e-9.
	if math.Abs(mean-e.MNIST.Mean) > 1e-9 || math.Abs(std-e.MNIST.Std) > 1e-9 {
		t.Errorf("mean, std = %v, %v; want %v, %v", mean, std, e.MNIST.Mean, e.MNIST.Std)
	}
}

// FuzzRead reads mutated IDX files, from memory and from a file (where
// the file's size and a gzip trailer are consulted), with the default
// limits and with small ones. Seeds: every IDX file of testdata (good and
// bad) as it is and gzipped.
func FuzzRead(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range paths {
		if ext := filepath.Ext(p); ext == ".py" || ext == ".json" {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		if filepath.Ext(p) != ".gz" {
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			zw.Write(b)
			zw.Close()
			f.Add(gz.Bytes())
		}
	}
	check := func(t *testing.T, a *Array, err error, name string) {
		if err != nil {
			if !strings.HasPrefix(err.Error(), name+": ") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		n := 1
		for _, d := range a.Dims {
			n *= d
		}
		if n != len(a.Data) {
			t.Fatalf("dims %v but %d values", a.Dims, len(a.Data))
		}
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Read(bytes.NewReader(b), "fuzz")
		check(t, a, err, "fuzz")
		small := Limits{MaxItems: 1000, MaxItemSize: 1024, MaxBytes: 1 << 16}
		a, err = small.Read(bytes.NewReader(b), "fuzz")
		check(t, a, err, "fuzz")
		if err == nil && len(a.Data) > 1<<16 {
			t.Fatalf("%d bytes read under a limit of %d", len(a.Data), 1<<16)
		}
		p := filepath.Join(dir, "fuzz-idx3-ubyte")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		a, err = ReadFile(p)
		check(t, a, err, p)
	})
}

func TestFiles(t *testing.T) {
	d, err := Files{Images: "tiny-images-idx3-ubyte.gz", Labels: "tiny-labels-idx1-ubyte"}.Load("testdata")
	if err != nil || d.Len() != 20 {
		t.Fatalf("Files.Load: %v", err)
	}
	if _, err := (Files{Images: "x"}).Load(""); err == nil || !strings.Contains(err.Error(), `want both "images" and "labels"`) {
		t.Errorf("missing labels: %v", err)
	}
}

// BenchmarkLoaderMNIST runs the MNIST test set (10,000 images) through the
// DataLoader in batches of 64, shuffled: ns per batch.
func BenchmarkLoaderMNIST(b *testing.B) {
	dir := mnistDir(b)
	d, err := Load(filepath.Join(dir, "t10k-images-idx3-ubyte.gz"), filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"))
	if err != nil {
		b.Fatal(err)
	}
	l := &loader.DataLoader{Dataset: d, BatchSize: 64, Shuffle: true, Seed: 1}
	b.ReportAllocs()
	b.ResetTimer()
	done := 0
	for epoch := 0; done < b.N; epoch++ {
		it, _ := l.Iter(context.Background(), epoch)
		for done < b.N && it.Next() {
			done++
		}
		it.Close()
	}
}
