package images

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzDecode checks that no input bytes make the decoder wrapper panic,
// that errors name the file and that decoded images are well formed and
// survive the transforms.
func FuzzDecode(f *testing.F) {
	// Every image of testdata (good, truncated, too large, not an image),
	// and each cut in half and with its middle byte flipped.
	names, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range names {
		if !slices.Contains(Extensions, strings.ToLower(filepath.Ext(name))) {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
		c := slices.Clone(b)
		c[len(c)/2] ^= 0xff
		f.Add(c)
	}
	tr := Compose{NewResize(5), &CenterCrop{Size: Size{4}}, &RandomRotation{Degrees: Degrees{-30, 30}}, ToTensor{}}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, mode := range []Mode{RGB, L} {
			m, err := DecodeBytes(b, "fuzz.img", mode)
			if err != nil {
				if !strings.HasPrefix(err.Error(), "fuzz.img: ") {
					t.Fatalf("error does not name the file: %v", err)
				}
				continue
			}
			if m.W <= 0 || m.H <= 0 || len(m.Pix) != m.W*m.H*m.C || m.W*m.H > MaxPixels {
				t.Fatalf("malformed image %dx%dx%d with %d bytes", m.W, m.H, m.C, len(m.Pix))
			}
			if m.W*m.H > 1<<16 {
				continue // keep the fuzzer fast
			}
			if _, err := tr.Apply(ImageValue(m), rand.New(rand.NewPCG(1, 1))); err != nil {
				t.Fatalf("transforms on a %dx%d image: %v", m.W, m.H, err)
			}
		}
	})
}
