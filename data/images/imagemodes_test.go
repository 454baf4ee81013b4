package images

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/internal/testutil"
)

// TestImageModesToTensor: what ToTensor makes of an image image_ops leave
// in each mode is torchvision's to_tensor of Pillow's image
// (testdata/expected_ops.json, gen_ops.py): its channels (P, I, F one,
// RGBA and CMYK four) and values (the bands divided by 255; I and F as
// they are).
func TestImageModesToTensor(t *testing.T) {
	var e struct {
		Cases []struct {
			Src      string          `json:"src"`
			Ops      json.RawMessage `json:"ops"`
			Mode     string          `json:"mode"`
			Image    arrayJSON       `json:"image"`
			ToTensor *struct {
				Shape []int   `json:"shape"`
				Div   float64 `json:"div"`
			} `json:"to_tensor"`
		} `json:"cases"`
	}
	testutil.ReadJSON(t, "testdata/expected_ops.json", &e)
	srcs := moreSources(t)
	n := 0
	for _, c := range e.Cases {
		if c.ToTensor == nil || strings.Contains(string(c.Ops), "YCbCr") {
			continue // YCbCr: within a level of Pillow's (TestImageOpsMatchPillow)
		}
		ops, err := ParseImageOps(c.Ops)
		if err != nil {
			t.Fatal(err)
		}
		tr := Compose{ops.Transform(), ToTensor{}}
		v, err := tr.Apply(Value{Image: srcs[c.Src]}, nil)
		if err != nil {
			t.Fatalf("%s %s: %v", c.Src, c.Ops, err)
		}
		if !slices.Equal(v.Tensor.Shape, c.ToTensor.Shape) {
			t.Fatalf("%s %s: ToTensor shape %v, torchvision's %v", c.Src, c.Ops, v.Tensor.Shape, c.ToTensor.Shape)
		}
		div := math.Round(c.ToTensor.Div)
		C, H, W := c.ToTensor.Shape[0], c.ToTensor.Shape[1], c.ToTensor.Shape[2]
		for ch := range C {
			for i := range H * W {
				want := c.Image.Data[i*C+ch] / div
				if got := float64(v.Tensor.Data[ch*H*W+i]); math.Abs(got-want) > 1e-6*max(1, math.Abs(want)) {
					t.Fatalf("%s %s: value %d of channel %d is %v, torchvision's %v", c.Src, c.Ops, i, ch, got, want)
				}
			}
		}
		// PILToTensor keeps the bands (an 8-bit image here) or the values.
		p, err := Compose{ops.Transform(), PILToTensor{}}.Apply(Value{Image: srcs[c.Src]}, nil)
		if err != nil {
			t.Fatalf("%s %s: PILToTensor: %v", c.Src, c.Ops, err)
		}
		if (p.Image == nil) != (c.Mode == "I" || c.Mode == "F") {
			t.Fatalf("%s %s: PILToTensor gave %+v", c.Src, c.Ops, p)
		}
		n++
	}
	if n < 30 {
		t.Fatalf("only %d cases", n)
	}
}

// The modes convert reaches are refused where Pillow quantises, by the
// operations Pillow does not run on them (with Pillow's reason), and by
// the transforms that do not take them, with errors that say what to do.
func TestImageModesRefused(t *testing.T) {
	rgb := decodeTestdata(t, "rgb.png", RGB)
	for _, c := range []struct{ ops, err string }{
		{`[{"convert": "RGBA"}, {"convert": "P"}]`, "quantises an RGBA image"},
		{`[{"convert": "P"}, {"reduce": 2}]`, "reduce: Pillow refuses mode P images (image has wrong mode)"},
		{`[{"convert": "F"}, {"getchannel": 0}]`, "getchannel: Pillow refuses mode F images"},
		{`[{"convert": "F"}, {"filter": "SHARPEN"}]`, "filter: Pillow refuses mode F images (image has wrong mode)"},
	} {
		ops, err := ParseImageOps(json.RawMessage(c.ops))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ops.Mode("RGB"); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: Mode: %v, want %q", c.ops, err, c.err)
		}
		if _, err := ops.Apply(rgb, rand.New(rand.NewPCG(1, 1))); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: Apply: %v, want %q", c.ops, err, c.err)
		}
	}
	for _, c := range []struct{ ops, err string }{
		{`[{"convert": {"mode": "P", "palette": "Image.Palette.OTHER"}}]`, `palette`},
		{`[{"convert": {"mode": "P", "colors": 300}}]`, `"colors": must be in [1, 256]`},
		{`[{"convert": "LA"}]`, "mode LA is a Pillow mode"},
	} {
		if _, err := ParseImageOps(json.RawMessage(c.ops)); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: %v, want %q", c.ops, err, c.err)
		}
	}
	// A 4-band image reaches ToTensor, not the other transforms.
	ops, _ := ParseImageOps(json.RawMessage(`[{"convert": "RGBA"}]`))
	if _, err := (Compose{ops.Transform(), &CenterCrop{Size: Size{4}}}).Apply(Value{Image: rgb}, nil); err == nil || !strings.Contains(err.Error(), "only ToTensor, PILToTensor and ConvertImageDtype take it") {
		t.Errorf("CenterCrop of RGBA: %v", err)
	}
	// An I image's values reach the transforms as a tensor; ToTensor
	// keeps them.
	ops, _ = ParseImageOps(json.RawMessage(`[{"convert": "I"}]`))
	v, err := (Compose{ops.Transform(), &CenterCrop{Size: Size{4}}, ToTensor{}}).Apply(Value{Image: rgb}, nil)
	if err == nil || !strings.Contains(err.Error(), "ToTensor") {
		t.Errorf("CenterCrop then ToTensor of an I image: %v %v", v, err)
	}
}
