package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mlforge/mlforge/tensor"
)

// TestDropoutModes checks the identity in eval mode and, in training mode,
// that about p of the elements are zeroed (10,000 draws: 4 standard
// deviations is 0.02) and the rest scaled by 1/(1-p); the same seed gives
// the same mask.
func TestDropoutModes(t *testing.T) {
	x := tensor.New(100, 100)
	for i := range x.Data {
		x.Data[i] = 1
	}
	run := func(train bool, seed uint64) []float32 {
		d, err := NewDropout(0.3, rand.New(rand.NewPCG(seed, 0)))
		if err != nil {
			t.Fatal(err)
		}
		d.Train(train)
		g := NewGraph()
		return append([]float32(nil), d.Forward(g, g.Const(x)).Data.Data...)
	}
	for _, v := range run(false, 1) {
		if v != 1 {
			t.Fatalf("eval mode changed a value to %v", v)
		}
	}
	a, b := run(true, 1), run(true, 1)
	zeros := 0
	for i, v := range a {
		if v != b[i] {
			t.Fatal("same seed, different masks")
		}
		switch {
		case v == 0:
			zeros++
		case math.Abs(float64(v)-1/0.7) > 1e-6:
			t.Fatalf("kept value %v, want %v", v, 1/0.7)
		}
	}
	if f := float64(zeros) / float64(len(a)); math.Abs(f-0.3) > 0.02 {
		t.Errorf("dropped fraction %v, want about 0.3", f)
	}
}
