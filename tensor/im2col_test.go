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
