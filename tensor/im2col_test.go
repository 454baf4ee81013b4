package tensor

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestIm2colCol2im(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	type geom struct{ c, h, w, kh, kw, ph, pw, sh, sw, dh, dw int }
	cases := []geom{
		{1, 5, 5, 3, 3, 0, 0, 1, 1, 1, 1},
		{3, 7, 6, 3, 3, 1, 1, 1, 1, 1, 1},
		{2, 8, 9, 3, 2, 2, 1, 2, 3, 1, 1},
		{2, 9, 9, 3, 3, 2, 2, 1, 1, 2, 2},
		{1, 4, 4, 5, 5, 2, 2, 1, 1, 1, 1},
		{1, 3, 3, 3, 3, 4, 4, 1, 1, 1, 1}, // padding wider than the image
		{4, 28, 28, 5, 5, 0, 0, 1, 1, 1, 1},
		{2, 10, 10, 1, 1, 0, 0, 2, 2, 1, 1},
		{3, 11, 7, 4, 3, 1, 0, 3, 2, 1, 2},
	}
	for _, g := range cases {
		name := fmt.Sprintf("%+v", g)
		oh, ow := ConvOutSize(g.h, g.kh, g.ph, g.sh, g.dh), ConvOutSize(g.w, g.kw, g.pw, g.sw, g.dw)
		img := randSlice(r, g.c*g.h*g.w)
		n := g.c * g.kh * g.kw * oh * ow
		got, want := randSlice(r, n), make([]float32, n)
		Im2col(img, g.c, g.h, g.w, g.kh, g.kw, g.ph, g.pw, g.sh, g.sw, g.dh, g.dw, got)
		im2colRef(img, g.c, g.h, g.w, g.kh, g.kw, g.ph, g.pw, g.sh, g.sw, g.dh, g.dw, want)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("Im2col %s: [%d] = %v, want %v", name, i, got[i], want[i])
			}
		}
		cols := randSlice(r, n)
		gotImg, wantImg := randSlice(r, len(img)), make([]float32, len(img))
		copy(wantImg, gotImg)
		Col2im(cols, g.c, g.h, g.w, g.kh, g.kw, g.ph, g.pw, g.sh, g.sw, g.dh, g.dw, gotImg)
		col2imRef(cols, g.c, g.h, g.w, g.kh, g.kw, g.ph, g.pw, g.sh, g.sw, g.dh, g.dw, wantImg)
		for i := range wantImg {
			// The fast path adds runs with FMA in a different association;
			// each element is a sum of at most kh*kw terms, so 1e-5 relative.
			if d := gotImg[i] - wantImg[i]; d > 1e-5 || d < -1e-5 {
				t.Fatalf("Col2im %s: [%d] = %v, want %v", name, i, gotImg[i], wantImg[i])
			}
		}
	}
}

func BenchmarkIm2col(b *testing.B) {
	// A 3x3 convolution with padding 1 over 32 channels of 28x28.
	c, h, w := 32, 28, 28
	src := make([]float32, c*h*w)
	dst := make([]float32, c*9*h*w)
	b.SetBytes(int64(4 * len(dst)))
	for b.Loop() {
		Im2col(src, c, h, w, 3, 3, 1, 1, 1, 1, 1, 1, dst)
	}
}

func BenchmarkCol2im(b *testing.B) {
	c, h, w := 32, 28, 28
	dst := make([]float32, c*h*w)
	src := make([]float32, c*9*h*w)
	b.SetBytes(int64(4 * len(src)))
	for b.Loop() {
		Col2im(src, c, h, w, 3, 3, 1, 1, 1, 1, 1, 1, dst)
	}
}

// im2colRef is the element-by-element reference for tests.
func im2colRef(src []float32, c, h, w, kh, kw, padH, padW, strideH, strideW, dilH, dilW int, dst []float32) {
	outH := ConvOutSize(h, kh, padH, strideH, dilH)
	outW := ConvOutSize(w, kw, padW, strideW, dilW)
	row := 0
	for ch := 0; ch < c; ch++ {
		for ki := 0; ki < kh; ki++ {
			for kj := 0; kj < kw; kj++ {
				d := dst[row*outH*outW : (row+1)*outH*outW]
				for oy := 0; oy < outH; oy++ {
					iy := oy*strideH - padH + ki*dilH
					for ox := 0; ox < outW; ox++ {
						ix := ox*strideW - padW + kj*dilW
						if iy < 0 || iy >= h || ix < 0 || ix >= w {
							d[oy*outW+ox] = 0
						} else {
							d[oy*outW+ox] = src[(ch*h+iy)*w+ix]
						}
					}
				}
				row++
			}
		}
	}
}

// col2imRef is the element-by-element reference for tests.
func col2imRef(src []float32, c, h, w, kh, kw, padH, padW, strideH, strideW, dilH, dilW int, dst []float32) {
	outH := ConvOutSize(h, kh, padH, strideH, dilH)
	outW := ConvOutSize(w, kw, padW, strideW, dilW)
	row := 0
	for ch := 0; ch < c; ch++ {
		for ki := 0; ki < kh; ki++ {
			for kj := 0; kj < kw; kj++ {
				s := src[row*outH*outW : (row+1)*outH*outW]
				for oy := 0; oy < outH; oy++ {
					iy := oy*strideH - padH + ki*dilH
					if iy < 0 || iy >= h {
						continue
					}
					for ox := 0; ox < outW; ox++ {
						ix := ox*strideW - padW + kj*dilW
						if ix >= 0 && ix < w {
							dst[(ch*h+iy)*w+ix] += s[oy*outW+ox]
						}
					}
				}
				row++
			}
		}
	}
}

// TestIm2colPlanes checks the stride-1 "same width" fast paths of
// Im2colTaps and Col2imTapsScratch (one run per tap plane) value for value
// against the element-by-element references, for whole kernels and tap
// windows, with the columns of an image inside a wider matrix.
func TestIm2colPlanes(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	type geom struct{ c, h, w, kh, kw, ph, pw, dh, dw int }
	cases := []geom{
		{3, 8, 8, 3, 3, 1, 1, 1, 1},
		{2, 4, 4, 3, 3, 1, 1, 1, 1},
		{2, 2, 2, 3, 3, 1, 1, 1, 1},
		{2, 1, 1, 3, 3, 1, 1, 1, 1},
		{2, 5, 7, 3, 3, 1, 1, 1, 1},
		{1, 7, 5, 3, 3, 0, 1, 1, 1}, // outH < h
		{2, 6, 9, 5, 5, 2, 2, 1, 1},
		{2, 9, 6, 3, 3, 2, 2, 2, 2},
		{3, 5, 5, 1, 1, 0, 0, 1, 1},
		{2, 1, 3, 3, 3, 1, 1, 1, 1},
		{2, 3, 11, 3, 5, 1, 2, 1, 1},
		{1, 2, 2, 3, 3, 2, 1, 1, 1}, // rows only in the padding for some taps
		{2, 17, 17, 3, 3, 1, 1, 1, 1},
		{1, 3, 2, 5, 5, 3, 2, 1, 1},
	}
	for _, g := range cases {
		oh, ow := ConvOutSize(g.h, g.kh, g.ph, 1, g.dh), ConvOutSize(g.w, g.kw, g.pw, 1, g.dw)
		if ow != g.w || oh <= 0 {
			t.Fatalf("%+v: not a same-width geometry", g)
		}
		L := oh * ow
		img := randSlice(r, g.c*g.h*g.w)
		full := make([]float32, g.c*g.kh*g.kw*L)
		im2colRef(img, g.c, g.h, g.w, g.kh, g.kw, g.ph, g.pw, 1, 1, g.dh, g.dw, full)
		taps := []Taps{{0, g.kh, 0, g.kw}}
		if g.kh > 1 && g.kw > 1 {
			taps = append(taps, Taps{1, g.kh, 0, g.kw - 1}, Taps{g.kh / 2, g.kh/2 + 1, g.kw / 2, g.kw/2 + 1})
		}
		for _, tp := range taps {
			name := fmt.Sprintf("%+v taps %v", g, tp)
			ni, nj := tp.KI1-tp.KI0, tp.KJ1-tp.KJ0
			rows := g.c * ni * nj
			ldd := L + 5
			got := randSlice(r, rows*ldd)
			Im2colTaps(img, g.c, g.h, g.w, g.kh, g.kw, g.ph, g.pw, 1, 1, g.dh, g.dw, tp, got, ldd)
			// The reference's rows of the window, and columns with the
			// entries outside the window's rows zeroed for the adjoint.
			cols := randSlice(r, rows*ldd)
			want := make([]float32, g.c*g.kh*g.kw*L)
			row := 0
			for ch := 0; ch < g.c; ch++ {
				for ki := tp.KI0; ki < tp.KI1; ki++ {
					for kj := tp.KJ0; kj < tp.KJ1; kj++ {
						fr := (ch*g.kh+ki)*g.kw + kj
						for p := 0; p < L; p++ {
							if got[row*ldd+p] != full[fr*L+p] {
								t.Fatalf("Im2colTaps %s: row %d [%d] = %v, want %v", name, row, p, got[row*ldd+p], full[fr*L+p])
							}
						}
						copy(want[fr*L:(fr+1)*L], cols[row*ldd:row*ldd+L])
						row++
					}
				}
			}
			gotImg := randSlice(r, len(img))
			wantImg := append([]float32(nil), gotImg...)
			Col2imTapsScratch(cols, ldd, g.c, g.h, g.w, g.kh, g.kw, g.ph, g.pw, 1, 1, g.dh, g.dw, tp, gotImg)
			col2imRef(want, g.c, g.h, g.w, g.kh, g.kw, g.ph, g.pw, 1, 1, g.dh, g.dw, wantImg)
			for i := range wantImg {
				if gotImg[i] != wantImg[i] {
					t.Fatalf("Col2imTapsScratch %s: [%d] = %v, want %v", name, i, gotImg[i], wantImg[i])
				}
			}
		}
	}
}

// BenchmarkIm2colSmall unfolds ResNet18's small maps for a 3x3 kernel with
// padding 1 (64 images' worth of channels at once: 8x8, 4x4 and 2x2).
func BenchmarkIm2colSmall(b *testing.B) {
	for _, s := range []struct{ c, h int }{{64 * 64, 8}, {64 * 128, 4}, {64 * 256, 2}} {
		b.Run(fmt.Sprintf("%dx%d", s.h, s.h), func(b *testing.B) {
			c, h, w := 64, s.h, s.h
			n := s.c / c
			src := make([]float32, c*h*w)
			dst := make([]float32, c*9*h*w)
			for b.Loop() {
				for i := 0; i < n; i++ {
					Im2col(src, c, h, w, 3, 3, 1, 1, 1, 1, 1, 1, dst)
				}
			}
		})
	}
}
