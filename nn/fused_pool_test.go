package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestReluPool2LdKernel checks the vector 2x2 ReLU-max-pool kernel over
// strided rows (the wide form's) against the portable loop, bit for bit and
// position for position, on odd and even sizes, padded rows, rows of more
// than 16 windows, ties, zeros, negative values, -0 and NaN.
func TestReluPool2LdKernel(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 3))
	for _, sz := range [][4]int{{1, 2, 2, 2}, {3, 5, 7, 9}, {16, 28, 28, 30}, {32, 14, 14, 16}, {4, 9, 40, 41}, {2, 4, 66, 70}, {1, 3, 33, 35}, {2, 7, 3, 3}} {
		O, oh, ow, ld := sz[0], sz[1], sz[2], sz[3]
		src := make([]float32, O*oh*ld)
		for i := range src {
			switch rng.IntN(8) {
			case 0:
				src[i] = 0.5
			case 1:
				src[i] = float32(math.Copysign(0, -1))
			case 2:
				src[i] = 0
			default:
				src[i] = rng.Float32()*2 - 1
			}
		}
		src[len(src)/3] = float32(math.NaN())
		P := (oh / 2) * (ow / 2)
		d1, d2 := make([]float32, O*P), make([]float32, O*P)
		i1, i2 := make([]int32, O*P), make([]int32, O*P)
		reluPool2Ld(d1, i1, src, O, oh, ow, ld)
		reluPool2LdGo(d2, i2, src, O, oh, ow, ld)
		for i := range d2 {
			if math.Float32bits(d1[i]) != math.Float32bits(d2[i]) || i1[i] != i2[i] {
				t.Fatalf("%v: output %d: %v at %d, want %v at %d", sz, i, d1[i], i1[i], d2[i], i2[i])
			}
		}
		reluPool2Ld(d1, nil, src, O, oh, ow, ld)
		for i := range d2 {
			if math.Float32bits(d1[i]) != math.Float32bits(d2[i]) {
				t.Fatalf("%v without positions: output %d: %v, want %v", sz, i, d1[i], d2[i])
			}
		}
	}
}

// TestPoolGradDenseKernel checks the dense writing of the pooled gradient
// against the portable scatter loop, bit for bit, on zeroed planes of odd
// and even sizes, padded rows and rows of more than 16 windows, with
// positive, zero, negative, -0 and NaN outputs and -0 gradients.
func TestPoolGradDenseKernel(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 5))
	for _, sz := range [][4]int{{1, 2, 2, 2}, {3, 5, 7, 9}, {16, 28, 28, 30}, {32, 14, 14, 16}, {4, 9, 40, 41}, {2, 4, 66, 70}, {1, 3, 33, 35}} {
		O, oh, ow, ld := sz[0], sz[1], sz[2], sz[3]
		ph, pw := oh/2, ow/2
		P, L := ph*pw, oh*ld
		y, gy := make([]float32, O*P), make([]float32, O*P)
		idx := make([]int32, O*P)
		for o := range O {
			for wy := range ph {
				for wx := range pw {
					j := o*P + wy*pw + wx
					idx[j] = int32((2*wy+rng.IntN(2))*ld + 2*wx + rng.IntN(2))
					switch rng.IntN(6) {
					case 0:
						y[j] = 0
					case 1:
						y[j] = float32(math.Copysign(0, -1))
					case 2:
						y[j] = -rng.Float32()
					case 3:
						y[j] = float32(math.NaN())
					default:
						y[j] = rng.Float32()
					}
					gy[j] = rng.Float32()*2 - 1
					if rng.IntN(5) == 0 {
						gy[j] = float32(math.Copysign(0, -1))
					}
				}
			}
		}
		d1, d2 := make([]float32, O*L), make([]float32, O*L)
		poolGradDense(d1, y, gy, idx, O, oh, ow, ld)
		poolGradScatterGo(d2, y, gy, idx, O, P, L)
		for i := range d2 {
			if math.Float32bits(d1[i]) != math.Float32bits(d2[i]) {
				t.Fatalf("%v: value %d: %v, want %v", sz, i, d1[i], d2[i])
			}
		}
	}
}
