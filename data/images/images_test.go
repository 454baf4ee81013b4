package images

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/internal/testutil"
)

type arrayJSON struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

type expected struct {
	Decode map[string]map[string]arrayJSON `json:"decode"`
	Cases  []struct {
		Name      string          `json:"name"`
		Src       string          `json:"src"`
		Transform json.RawMessage `json:"transform"`
		Image     *arrayJSON      `json:"image"`
		Tensor    *arrayJSON      `json:"tensor"`
	} `json:"cases"`
	Pipeline arrayJSON `json:"pipeline"`
}

func loadExpected(t *testing.T) *expected {
	t.Helper()
	var e expected
	testutil.ReadJSON(t, "testdata/expected.json", &e)
	return &e
}

func decodeTestdata(t *testing.T, name string, mode Mode) *Image {
	t.Helper()
	m, err := DecodeFile(filepath.Join("testdata", name), mode)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// imageDiff returns the largest absolute difference between m and the PIL
// array (H x W or H x W x C) and how many values differ.
func imageDiff(t *testing.T, what string, m *Image, want arrayJSON) (maxDiff float64, ndiff int) {
	maxDiff, ndiff, _ = imageDiffMean(t, what, m, want)
	return maxDiff, ndiff
}

// imageDiffMean is imageDiff that also returns the mean absolute difference.
func imageDiffMean(t *testing.T, what string, m *Image, want arrayJSON) (maxDiff float64, ndiff int, mean float64) {
	t.Helper()
	h, w, c := want.Shape[0], want.Shape[1], 1
	if len(want.Shape) == 3 {
		c = want.Shape[2]
	}
	if m.H != h || m.W != w || m.C != c {
		t.Fatalf("%s: got %dx%dx%d, want %dx%dx%d (HxWxC)", what, m.H, m.W, m.C, h, w, c)
	}
	for i, v := range m.Pix {
		d := math.Abs(float64(v) - want.Data[i])
		if d > 0 {
			ndiff++
		}
		maxDiff = max(maxDiff, d)
		mean += d
	}
	return maxDiff, ndiff, mean / float64(len(m.Pix))
}

func TestDecodeMatchesPIL(t *testing.T) {
	e := loadExpected(t)
	for name, modes := range e.Decode {
		for modeName, want := range modes {
			mode := RGB
			if modeName == "L" {
				mode = L
			}
			m := decodeTestdata(t, name, mode)
			d, n, mean := imageDiffMean(t, name+" "+modeName, m, want)
			// PNG and GIF are lossless: the bytes must be the same. For
			// JPEG, chroma upsampling and color conversion follow libjpeg
			// exactly, but Go's IDCT rounds differently from libjpeg's
			// islow IDCT: measured max 2 levels, mean 0.07; allow 3 and 0.5.
			tol, meanTol := 0.0, 0.0
			if strings.HasSuffix(name, ".jpg") {
				tol, meanTol = 3, 0.5
			}
			if mean > meanTol {
				t.Errorf("%s as %s: mean abs diff %v, want <= %v", name, modeName, mean, meanTol)
			}
			if d > tol {
				t.Errorf("%s as %s: max abs diff %v (%d values differ), want <= %v", name, modeName, d, n, tol)
			}
		}
	}
}

func TestTransformsMatchTorchvision(t *testing.T) {
	e := loadExpected(t)
	srcs := map[string]*Image{}
	for _, name := range []string{"rgb.png", "square.png"} {
		srcs[name] = decodeTestdata(t, name, RGB)
	}
	srcs["gray.png"] = decodeTestdata(t, "gray.png", L)
	for _, c := range e.Cases {
		what := fmt.Sprintf("%s %s %s", c.Name, c.Src, c.Transform)
		in := Value{Image: srcs[c.Src]}
		var out Value
		var err error
		switch c.Name {
		case "rotate":
			var p struct {
				Angle  float64
				Expand bool
				Center []float64
			}
			_ = json.Unmarshal(c.Transform, &p)
			out, err = Rotate(in, p.Angle, p.Expand, p.Center, 0)
		case "hflip", "vflip":
			out, err = Flip(in, c.Name == "hflip")
		case "pad":
			var p struct {
				Padding []int
				Mode    PaddingMode
				Fill    float64
			}
			_ = json.Unmarshal(c.Transform, &p)
			out, err = Pad(in, p.Padding[0], p.Padding[1], p.Padding[2], p.Padding[3], p.Mode, p.Fill)
		default:
			if c.Name == "normalize" || c.Name == "resize_tensor" || c.Name == "grayscale_tensor" {
				in = Value{Tensor: ImageToTensor(srcs[c.Src])}
			}
			var tr Transform
			if tr, err = ParseTransform(c.Transform); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			out, err = tr.Apply(in, rand.New(rand.NewPCG(1, 2)))
		}
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if c.Image != nil {
			if out.Image == nil {
				t.Fatalf("%s: got a tensor, want an image", what)
			}
			// PIL's 8-bit arithmetic is reproduced exactly (same fixed-point
			// coefficients and rounding), so the bytes must be equal.
			if d, n := imageDiff(t, what, out.Image, *c.Image); d != 0 {
				t.Errorf("%s: max abs diff %v in %d values, want 0", what, d, n)
			}
			continue
		}
		if out.Tensor == nil {
			t.Fatalf("%s: got an image, want a tensor", what)
		}
		if fmt.Sprint(out.Tensor.Shape) != fmt.Sprint(c.Tensor.Shape) {
			t.Fatalf("%s: shape %v, want %v", what, out.Tensor.Shape, c.Tensor.Shape)
		}
		// Float32 results computed in a different order (torch sums
		// weights in float32, we in float64): 1e-5 is a few float32 ulps of
		// values up to ~3 after normalization.
		for i, v := range out.Tensor.Data {
			if d := math.Abs(float64(v) - c.Tensor.Data[i]); d > 1e-5 {
				t.Fatalf("%s: value %d is %v, want %v (diff %g > 1e-5)", what, i, v, c.Tensor.Data[i], d)
			}
		}
	}
}

func TestPipelineMatchesTorchvision(t *testing.T) {
	e := loadExpected(t)
	tr, err := ParseTransforms(json.RawMessage(`[{"type": "Resize", "size": 12}, {"type": "CenterCrop", "size": 10},
		{"type": "ToTensor"}, {"type": "Normalize", "mean": [0.5, 0.5, 0.5], "std": [0.2, 0.2, 0.2]}]`))
	if err != nil {
		t.Fatal(err)
	}
	out, err := tr.Apply(ImageValue(decodeTestdata(t, "rgb.png", RGB)), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Same bytes before ToTensor; then float32 division and normalization
	// in the same order as torch: equal up to float32 rounding.
	testutil.AllClose(t, "pipeline", toF64(out.Tensor.Data), e.Pipeline.Data, 0, 1e-6)
}

func toF64(s []float32) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v)
	}
	return out
}

func TestBadFilesNameTheFile(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{"truncated.png", "corrupt PNG"},
		{"notanimage.png", "unsupported image format"},
		{"huge.png", "100000x100000 pixels is larger than the limit"},
		{"missing.png", "cannot open"},
	} {
		_, err := DecodeFile(filepath.Join("testdata", c.file), RGB)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.file) {
			t.Errorf("%s: error %v, want one naming the file and saying %q", c.file, err, c.want)
		}
		var ie *Error
		if !errors.As(err, &ie) {
			t.Errorf("%s: error %T, want *Error", c.file, err)
		}
	}
}

func TestRandomTransformsAreSeeded(t *testing.T) {
	tr, err := ParseTransforms(json.RawMessage(`[{"type": "RandomCrop", "size": 12, "padding": 2},
		{"type": "RandomHorizontalFlip"}, {"type": "RandomVerticalFlip", "p": 0.3},
		{"type": "RandomRotation", "degrees": 20}, {"type": "ToTensor"}]`))
	if err != nil {
		t.Fatal(err)
	}
	src := ImageValue(decodeTestdata(t, "rgb.png", RGB))
	run := func(seed uint64) []float32 {
		out, err := tr.Apply(src, rand.New(rand.NewPCG(seed, 0)))
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(out.Tensor.Shape) != "[3 12 12]" {
			t.Fatalf("shape %v, want [3 12 12]", out.Tensor.Shape)
		}
		return out.Tensor.Data
	}
	a, b := run(7), run(7)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Error("the same seed gave different results")
	}
	differ := false
	for s := uint64(8); s < 12 && !differ; s++ {
		differ = fmt.Sprint(run(s)) != fmt.Sprint(a)
	}
	if !differ {
		t.Error("different seeds always gave the same result")
	}
}

func TestRandomCropPositionsAndFlipRate(t *testing.T) {
	// A 1-row image 0..9: a crop of width 3 starts at each of 0..7 about
	// equally often, and p=0.3 flips about 30% of the time.
	m := &Image{W: 10, H: 1, C: 1, Pix: []uint8{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}
	rng := rand.New(rand.NewPCG(1, 1))
	counts := make([]int, 8)
	rc := &RandomCrop{Size: Size{1, 3}}
	for range 8000 {
		v, err := rc.Apply(ImageValue(m), rng)
		if err != nil {
			t.Fatal(err)
		}
		counts[v.Image.Pix[0]]++
	}
	for i, c := range counts {
		if c < 850 || c > 1150 { // 1000 expected, ±4.8 sd
			t.Errorf("crop start %d drawn %d times of 8000, want about 1000", i, c)
		}
	}
	flips := 0
	f := &RandomHorizontalFlip{P: 0.3}
	for range 10000 {
		v, _ := f.Apply(ImageValue(m), rng)
		if v.Image.Pix[0] == 9 {
			flips++
		}
	}
	if flips < 2800 || flips > 3200 { // 3000 expected, ±4.4 sd
		t.Errorf("flipped %d of 10000 with p=0.3", flips)
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"type": "Resise", "size": 3}`, `unknown transform "Resise" (did you mean "Resize"?)`},
		{`{"type": "Resize", "szie": 3}`, `Resize: unknown param "szie" (did you mean "size"?)`},
		{`{"type": "Resize"}`, `Resize: param "size" is required`},
		{`{"type": "Resize", "size": "big"}`, `Resize: param "size": want an integer or a list of integers, got "big"`},
		{`{"type": "Resize", "size": [1, 2, 3]}`, `param "size"`},
		{`{"type": "Resize", "size": 0}`, `param "size": sizes must be between 1`},
		{`{"type": "Resize", "size": 4, "interpolation": "lanczso"}`, `param "interpolation": unknown value "lanczso"`},
		{`{"type": "Normalize", "mean": [0.5], "std": [0]}`, `Normalize: param "std": values must be positive`},
		{`{"type": "Normalize", "mean": "x", "std": [1]}`, `Normalize: param "mean": want a list of numbers, got "x"`},
		{`{"type": "RandomHorizontalFlip", "p": 2}`, `param "p": must be in [0, 1]`},
		{`{"type": "Grayscale", "num_output_channels": 2}`, `param "num_output_channels": must be 1 or 3`},
		{`{"type": "RandomRotation", "degrees": -3}`, `param "degrees": a single number must not be negative`},
		{`{"type": "RandomCrop", "size": 3, "padding": [1, 2, 3]}`, `param "padding": want 1, 2 or 4 numbers`},
		{`{"type": "OneHot", "num_classes": 3}`, `"OneHot" is a target transform, not a transform`},
		{`{"size": 3}`, `missing "type"`},
		{`[{"type": "ToTensor"}, {"type": "Normalise", "mean": [0], "std": [1]}]`, `transforms[1]: unknown transform "Normalise" (did you mean "Normalize"?)`},
	} {
		_, err := ParseTransform(json.RawMessage(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.in, err, c.want)
		}
	}
	if _, err := ParseTargetTransforms(json.RawMessage(`[{"type": "OneHot", "num_clases": 3}]`)); err == nil ||
		!strings.Contains(err.Error(), `target_transforms[0]: OneHot: unknown param "num_clases" (did you mean "num_classes"?)`) {
		t.Errorf("target transform typo: %v", err)
	}
}

func TestTransformsOnWrongInput(t *testing.T) {
	img := ImageValue(decodeTestdata(t, "rgb.png", RGB))
	if _, err := (&Normalize{Mean: []float64{0}, Std: []float64{1}}).Apply(img, nil); err == nil || !strings.Contains(err.Error(), "put ToTensor before Normalize") {
		t.Errorf("Normalize on an image: %v", err)
	}
	tt, _ := ToTensor{}.Apply(img, nil)
	if _, err := (ToTensor{}).Apply(tt, nil); err == nil {
		t.Error("ToTensor on a tensor: no error")
	}
	if _, err := (&Normalize{Mean: []float64{0, 0}, Std: []float64{1}}).Apply(tt, nil); err == nil || !strings.Contains(err.Error(), "2 means") {
		t.Errorf("Normalize with 2 means on 3 channels: %v", err)
	}
	if _, err := NewRandomCrop(40).Apply(img, rand.New(rand.NewPCG(1, 1))); err == nil || !strings.Contains(err.Error(), "larger than the 23x17 image") {
		t.Errorf("RandomCrop too big: %v", err)
	}
	if _, err := (&RandomRotation{Degrees: Degrees{-5, 5}}).Apply(img, nil); err == nil || !strings.Contains(err.Error(), "rng is nil") {
		t.Errorf("random transform without rng: %v", err)
	}
	v, err := (&RandomCrop{Size: Size{40}, PadIfNeeded: true}).Apply(img, rand.New(rand.NewPCG(1, 1)))
	if err != nil || v.Image.W != 40 || v.Image.H != 40 {
		t.Errorf("RandomCrop pad_if_needed: %v", err)
	}
}

func TestTargetTransforms(t *testing.T) {
	tt, err := ParseTargetTransforms(json.RawMessage(`[{"type": "LabelMap", "mapping": {"0": 1, "1": 0, "2": 2}}, {"type": "OneHot", "num_classes": 3}]`))
	if err != nil {
		t.Fatal(err)
	}
	y, err := tt.ApplyTarget(scalar(0))
	if err != nil || fmt.Sprint(y.Data) != "[0 1 0]" {
		t.Errorf("LabelMap+OneHot(0) = %v, %v; want [0 1 0]", y, err)
	}
	if _, err := tt.ApplyTarget(scalar(5)); err == nil || !strings.Contains(err.Error(), "class 5 is not in the mapping") {
		t.Errorf("unmapped class: %v", err)
	}
}

func TestCatalogue(t *testing.T) {
	names := map[string]Info{}
	for _, info := range Catalogue() {
		names[info.Name] = info
	}
	for _, n := range []string{"Compose", "ToTensor", "Normalize", "Resize", "CenterCrop", "RandomCrop", "RandomHorizontalFlip",
		"RandomVerticalFlip", "RandomRotation", "Grayscale", "ConvertRGB", "OneHot", "LabelMap"} {
		if _, ok := names[n]; !ok {
			t.Errorf("catalogue lacks %s", n)
		}
	}
	p := names["RandomHorizontalFlip"].Params
	if len(p) != 1 || p[0].Name != "p" || p[0].Default != 0.5 || p[0].Type != "float" {
		t.Errorf("RandomHorizontalFlip params = %+v", p)
	}
	if b, err := json.Marshal(Catalogue()); err != nil || !strings.Contains(string(b), `"name":"size","type":"size","default":null`) {
		t.Errorf("catalogue JSON: %v %.300s", err, b)
	}
}

func TestImageFolder(t *testing.T) {
	root := t.TempDir()
	png, _ := os.ReadFile("testdata/rgb.png")
	gif, _ := os.ReadFile("testdata/anim.gif")
	jpg, _ := os.ReadFile("testdata/q444.jpg")
	write := func(rel string, b []byte) {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("dog/a.PNG", png)
	write("dog/sub/b.jpeg", jpg)
	write("dog/z.gif", gif)
	write("dog/.hidden.png", []byte("junk"))
	write("dog/notes.txt", []byte("ignored"))
	write("cat/x.gif", gif)
	write("cat/y.jpg", jpg)
	write(".git/z.png", png)
	tr, _ := ParseTransforms(json.RawMessage(`[{"type": "Resize", "size": [8, 8]}, {"type": "ToTensor"}]`))
	f, err := ImageFolder(root, FolderOptions{Transform: tr, Cache: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(f.Classes(), f.Len(), f.Targets()); got != "[cat dog] 5 [0 0 1 1 1]" {
		t.Errorf("classes, len, targets = %s", got)
	}
	// torchvision's order: a directory's own files before its subfolders'.
	if f.File(2) != "dog/a.PNG" || f.File(3) != "dog/z.gif" || f.File(4) != "dog/sub/b.jpeg" {
		t.Errorf("files %s %s %s", f.File(2), f.File(3), f.File(4))
	}
	for i := range f.Len() {
		x, y, err := f.Get(i, nil)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(x.Shape) != "[3 8 8]" || int(y.Data[0]) != f.Targets()[i] || len(y.Shape) != 0 {
			t.Errorf("sample %d: x %v y %v", i, x.Shape, y)
		}
	}
	// A corrupt file is reported with its path relative to the root.
	write("dog/sub/b.jpeg", jpg[:len(jpg)/3])
	f2, _ := ImageFolder(root, FolderOptions{})
	if _, _, err := f2.Get(4, nil); err == nil || !strings.HasPrefix(err.Error(), "dog/sub/b.jpeg: corrupt JPEG image") {
		t.Errorf("corrupt file: %v", err)
	}
	// Errors for empty folders.
	empty := t.TempDir()
	if _, err := ImageFolder(empty, FolderOptions{}); err == nil || !strings.Contains(err.Error(), "no class subfolders") {
		t.Errorf("empty root: %v", err)
	}
	os.Mkdir(filepath.Join(empty, "bird"), 0o755)
	if _, err := ImageFolder(empty, FolderOptions{}); err == nil || !strings.Contains(err.Error(), `class folder "bird" has no images`) {
		t.Errorf("empty class: %v", err)
	}
}

func TestParseMode(t *testing.T) {
	if m, err := ParseMode("L"); err != nil || m != L {
		t.Errorf("ParseMode(L) = %v, %v", m, err)
	}
	if _, err := ParseMode("CMYK"); err == nil || !strings.Contains(err.Error(), `"CMYK"`) {
		t.Errorf("ParseMode(CMYK): %v", err)
	}
}
