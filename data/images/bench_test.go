package images

import (
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// benchFolder returns $MLFORGE_BENCH_FOLDER (written by
// testdata/bench.py, so that Go and torchvision read the same files) or a
// folder of 32 generated 320x240 JPEGs.
func benchFolder(b *testing.B) string {
	if d := os.Getenv("MLFORGE_BENCH_FOLDER"); d != "" {
		return d
	}
	root := b.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 32 {
		m := image.NewRGBA(image.Rect(0, 0, 320, 240))
		for y := range 240 {
			for x := range 320 {
				m.Set(x, y, color.RGBA{uint8(x + rng.IntN(30)), uint8(y + rng.IntN(30)), uint8(x ^ y), 255})
			}
		}
		dir := filepath.Join(root, []string{"a", "b"}[i%2])
		os.MkdirAll(dir, 0o755)
		f, err := os.Create(filepath.Join(dir, string(rune('a'+i/2))+".jpg"))
		if err != nil {
			b.Fatal(err)
		}
		jpeg.Encode(f, m, &jpeg.Options{Quality: 90})
		f.Close()
	}
	return root
}

// BenchmarkImageFolder decodes one JPEG and applies Resize(128),
// CenterCrop(112), ToTensor and Normalize, per image (see
// testdata/bench.py for torchvision's time on the same files).
func BenchmarkImageFolder(b *testing.B) {
	root := benchFolder(b)
	tr := Compose{NewResize(128), &CenterCrop{Size: Size{112}}, ToTensor{},
		&Normalize{Mean: []float64{0.485, 0.456, 0.406}, Std: []float64{0.229, 0.224, 0.225}}}
	f, err := ImageFolder(root, FolderOptions{Transform: tr})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, _, err := f.Get(i%f.Len(), rng); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResize shrinks a 320x240 RGB image to 171x128 (bilinear,
// antialiased).
func BenchmarkResize(b *testing.B) {
	m := NewImage(320, 240, 3)
	for i := range m.Pix {
		m.Pix[i] = uint8(i * 7)
	}
	b.ReportAllocs()
	for range b.N {
		ResizeImage(m, 171, 128, Bilinear)
	}
}

// BenchmarkTransforms applies Resize(128), CenterCrop(112), ToTensor and
// Normalize to an already decoded 320x240 RGB image (the first file of the
// benchmark folder), leaving decoding out.
func BenchmarkTransforms(b *testing.B) {
	f, err := ImageFolder(benchFolder(b), FolderOptions{})
	if err != nil {
		b.Fatal(err)
	}
	m, err := f.Image(0)
	if err != nil {
		b.Fatal(err)
	}
	tr := Compose{NewResize(128), &CenterCrop{Size: Size{112}}, ToTensor{},
		&Normalize{Mean: []float64{0.485, 0.456, 0.406}, Std: []float64{0.229, 0.224, 0.225}}}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := tr.Apply(ImageValue(m), nil); err != nil {
			b.Fatal(err)
		}
	}
}
