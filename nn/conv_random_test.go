package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mlforge/mlforge/tensor"
)

// TestNewLayersRandomSpecs plans random parameters of the convolution,
// pooling and resampling layers on random small inputs: a spec is refused
// with an error, or it runs forward and backward without panicking and
// with the planned output shape.
func TestNewLayersRandomSpecs(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	pick := func(xs ...any) any { return xs[rng.IntN(len(xs))] }
	geom := func(dims, lo, hi int) any {
		if rng.IntN(2) == 0 {
			return lo + rng.IntN(hi-lo+1)
		}
		l := make([]int, dims)
		for i := range l {
			l[i] = lo + rng.IntN(hi-lo+1)
		}
		return l
	}
	type gen func(dims int) (string, map[string]any)
	conv := func(typ string, transposed bool) gen {
		return func(dims int) (string, map[string]any) {
			a := map[string]any{"out_channels": 1 + rng.IntN(4), "kernel_size": geom(dims, 1, 3), "stride": geom(dims, 1, 2),
				"dilation": geom(dims, 1, 2), "groups": pick(1, 2), "bias": pick(true, false)}
			if transposed {
				a["padding"], a["output_padding"] = geom(dims, 0, 1), geom(dims, 0, 1)
			} else {
				a["padding"] = pick(geom(dims, 0, 2), "same", "valid")
				a["padding_mode"] = pick("zeros", "reflect", "replicate", "circular")
			}
			return typ, a
		}
	}
	pool := func(typ string) gen {
		return func(dims int) (string, map[string]any) {
			a := map[string]any{"kernel_size": geom(dims, 1, 3), "stride": pick(nil, geom(dims, 1, 3)), "padding": geom(dims, 0, 1), "ceil_mode": pick(true, false)}
			switch typ[:3] {
			case "Max":
				a["dilation"], a["return_indices"] = geom(dims, 1, 2), pick(true, false)
			case "Avg":
				a["count_include_pad"] = pick(true, false)
				if dims > 1 {
					a["divisor_override"] = pick(nil, 1+rng.IntN(4))
				}
			case "LPP":
				delete(a, "padding")
				a["norm_type"] = pick(1, 2, 3)
			}
			return typ, a
		}
	}
	cases := []struct {
		dims int
		g    gen
	}{
		{1, conv("Conv1d", false)}, {2, conv("Conv2d", false)}, {3, conv("Conv3d", false)},
		{1, conv("ConvTranspose1d", true)}, {2, conv("ConvTranspose2d", true)}, {3, conv("ConvTranspose3d", true)},
		{1, pool("MaxPool1d")}, {2, pool("MaxPool2d")}, {3, pool("MaxPool3d")},
		{1, pool("AvgPool1d")}, {2, pool("AvgPool2d")}, {3, pool("AvgPool3d")}, {1, pool("LPPool1d")}, {2, pool("LPPool2d")},
		{2, func(dims int) (string, map[string]any) {
			return "Upsample", map[string]any{"scale_factor": pick(0.5, 1.5, 2, 3), "mode": pick("nearest", "bilinear", "bicubic", "nearest-exact", "area"), "align_corners": pick(nil, true)}
		}},
		{3, func(dims int) (string, map[string]any) {
			return "Upsample", map[string]any{"size": geom(dims, 1, 6), "mode": pick("nearest", "trilinear")}
		}},
		{2, func(dims int) (string, map[string]any) {
			return "Unfold", map[string]any{"kernel_size": geom(2, 1, 3), "padding": geom(2, 0, 1), "stride": geom(2, 1, 2), "dilation": geom(2, 1, 2)}
		}},
		{3, func(dims int) (string, map[string]any) {
			return "FractionalMaxPool3d", map[string]any{"kernel_size": geom(dims, 1, 3), "output_ratio": pick(0.3, 0.5, 0.8)}
		}},
		{2, func(dims int) (string, map[string]any) {
			return "AdaptiveMaxPool2d", map[string]any{"output_size": geom(dims, 1, 4), "return_indices": pick(true, false)}
		}},
	}
	ran := 0
	for i := range 300 {
		c := cases[i%len(cases)]
		typ, args := c.g(c.dims)
		in := []int{1 + rng.IntN(2), 2}
		for range c.dims {
			in = append(in, 1+rng.IntN(6))
		}
		specs := []LayerSpec{specFromArgs(typ, args)}
		if typ[:3] == "Max" && args["return_indices"] == true {
			specs = append(specs, specFromArgs(fmt.Sprintf("MaxUnpool%dd", c.dims), map[string]any{"kernel_size": args["kernel_size"], "stride": args["stride"], "padding": args["padding"]}))
		}
		name := fmt.Sprintf("%s%v on %v", typ, args, in)
		pl, err := Plan(specs, in)
		if err != nil {
			continue
		}
		seq := pl.Build(rand.New(rand.NewPCG(1, 1)))
		g := NewGraph()
		x := tensor.New(in...)
		Normal(x, 0, 1, rng)
		out := seq.Forward(g, g.Input(x))
		if g.Err() != nil {
			// A MaxUnpool's indices may fall outside its output (as in
			// PyTorch); anything else planned must run.
			if len(specs) == 1 {
				t.Errorf("%s: planned, but forward failed: %v", name, g.Err())
			}
			continue
		}
		if !sameShape(out.Data.Shape, pl.OutShape) {
			t.Errorf("%s: output %v, planned %v", name, out.Data.Shape, pl.OutShape)
		}
		if err := g.Backward(g.Sum(out)); err != nil {
			t.Errorf("%s: backward: %v", name, err)
		}
		ran++
	}
	if ran < 100 {
		t.Errorf("only %d of 300 random specs ran", ran)
	}
	t.Logf("%d of 300 random specs ran", ran)
}
