package images

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/internal/testutil"
)

// TestOpsOnModesMatchPillow runs every case of testdata/
// expected_ops_modes.json (gen_ops_modes.py): each operation on each mode
// convert reaches gives Pillow 9.4's image (8-bit bands within one level,
// the tolerance; palette indices, I and F values exactly), or,
// where Pillow refuses, an error quoting Pillow's reason. I and F values
// are exact, BILINEAR and BICUBIC rotations included (measured: an F
// rotation computed in float64 instead of libImaging's float32 pixel
// differences misses 11 cases, an I one floored instead of truncated 2).
// A case Pillow runs that is refused here with "... here" is counted as
// not supported; there must be none.
func TestOpsOnModesMatchPillow(t *testing.T) {
	var e struct {
		Cases []struct {
			Src   string          `json:"src"`
			Ops   json.RawMessage `json:"ops"`
			Error string          `json:"error"`
			Mode  string          `json:"mode"`
			Shape []int           `json:"shape"`
			Data  []float64       `json:"data"`
		} `json:"cases"`
	}
	testutil.ReadJSON(t, "testdata/expected_ops_modes.json", &e)
	srcs := moreSources(t)
	counts := map[string]int{}
	worst := 0.0
	for _, c := range e.Cases {
		what := fmt.Sprintf("%s %s", c.Src, c.Ops)
		ops, err := ParseImageOps(c.Ops)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		_, merr := ops.Mode("RGB")
		im, err := ops.apply(srcs[c.Src], rand.New(rand.NewPCG(1, 2)))
		if (merr == nil) != (err == nil) {
			t.Errorf("%s: Mode says %v, Apply %v", what, merr, err)
		}
		if c.Error != "" {
			if err == nil || !strings.Contains(err.Error(), c.Error) {
				t.Errorf("%s: Pillow refuses (%s), got %v", what, c.Error, err)
			}
			counts["refused as Pillow"]++
			continue
		}
		if err != nil {
			if strings.Contains(err.Error(), " here") {
				counts["not supported here"]++
				continue
			}
			t.Errorf("%s: %v", what, err)
			continue
		}
		if im.mode != c.Mode {
			t.Errorf("%s: mode %s, Pillow's %s", what, im.mode, c.Mode)
			continue
		}
		C := 1
		if len(c.Shape) == 3 {
			C = c.Shape[2]
		}
		if im.m.H != c.Shape[0] || im.m.W != c.Shape[1] || (im.f == nil && im.m.C != C) {
			t.Errorf("%s: %dx%dx%d, Pillow's %v", what, im.m.H, im.m.W, im.m.C, c.Shape)
			continue
		}
		tol := 1.0
		switch {
		case im.mode == "P" || im.f != nil:
			tol = 0
		case im.mode == "YCbCr":
			// convert to YCbCr is within a level of Pillow's
			// (TestImageModesToTensor); sharpening and the overshooting
			// kernels (BICUBIC, LANCZOS) take that to 2 on these cases.
			tol = 2
		}
		bad := 0
		for i, want := range c.Data {
			var got float64
			if im.f != nil {
				got = float64(im.f[i])
			} else {
				got = float64(im.m.Pix[i])
			}
			d := math.Abs(got - want)
			if d > tol {
				bad++
			}
			if im.mode != "P" && im.f == nil {
				worst = math.Max(worst, d)
			}
		}
		if bad > 0 {
			t.Errorf("%s: %d of %d values differ from Pillow's by more than %v", what, bad, len(c.Data), tol)
		}
		counts["matched"]++
	}
	t.Logf("%v; largest 8-bit difference %v", counts, worst)
	if n := counts["not supported here"]; n > 0 {
		t.Errorf("%d cases Pillow runs are not supported here", n)
	}
	if counts["matched"] < 300 {
		t.Errorf("only %d cases matched", counts["matched"])
	}
}

// TestSpreadOnModes: effect_spread moves whole pixels on every mode: a P
// image keeps its palette, and no value appears that the image lacked.
func TestSpreadOnModes(t *testing.T) {
	m := decodeTestdata(t, "noise.png", RGB)
	for _, mode := range []string{"P", "F", "RGBA"} {
		ops, err := ParseImageOps(json.RawMessage(`[{"convert": "` + mode + `"}]`))
		if err != nil {
			t.Fatal(err)
		}
		before, err := ops.apply(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		ops, _ = ParseImageOps(json.RawMessage(`[{"convert": "` + mode + `"}, {"effect_spread": 3}]`))
		after, err := ops.apply(m, rand.New(rand.NewPCG(3, 4)))
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		if after.mode != mode || (mode == "P") != (after.pal != nil) {
			t.Fatalf("%s: spread gave mode %s, palette %v", mode, after.mode, after.pal != nil)
		}
		count := func(im opImage) map[float64]int {
			c := map[float64]int{}
			if im.f != nil {
				for _, v := range im.f {
					c[float64(v)]++
				}
			} else {
				for _, v := range im.m.Pix {
					c[float64(v)]++
				}
			}
			return c
		}
		b, a := count(before), count(after)
		moved := false
		for i := range after.m.W * after.m.H {
			if after.f != nil && after.f[i] != before.f[i] || after.f == nil && after.m.Pix[i] != before.m.Pix[i] {
				moved = true
			}
		}
		if !moved {
			t.Errorf("%s: nothing moved", mode)
		}
		for v := range a { // values move (a swap may copy one twice), never appear from nowhere

			if b[v] == 0 {
				t.Errorf("%s: value %v was not in the image", mode, v)
			}
		}
	}
}
