package images

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/internal/testutil"
)

// quantFormula is gen_quantize.py's "formula" image: 300 x 300 RGB of more
// than 65,536 colours.
func quantFormula() *Image {
	const W, H = 300, 300
	m := NewImage(W, H, 3)
	for y := range H {
		for x := range W {
			m.Pix[3*(y*W+x)] = uint8(x % 256)
			m.Pix[3*(y*W+x)+1] = uint8(y % 256)
			m.Pix[3*(y*W+x)+2] = uint8(((x/256)*97 + (y/256)*57 + x*y) % 256)
		}
	}
	return m
}

func unzip64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	r, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestQuantizeMatchesPillow: convert(mode="P", palette=ADAPTIVE, colors=N)
// of RGB and L images, and of one of more than 65,536 colours, gives
// Pillow 9.4's palette indices and palette (testdata/
// expected_quantize.json, gen_quantize.py), and converted back to RGB
// Pillow's pixels within one level (the tolerance; the indices
// and the palette are checked to be the same).
func TestQuantizeMatchesPillow(t *testing.T) {
	var e struct {
		Cases []struct {
			Src     string `json:"src"`
			Colors  int    `json:"colors"`
			Index   string `json:"index"`
			Palette []int  `json:"palette"`
			RGB     string `json:"rgb"`
		} `json:"cases"`
	}
	testutil.ReadJSON(t, "testdata/expected_quantize.json", &e)
	srcs := moreSources(t)
	srcs["formula"] = quantFormula()
	if len(e.Cases) != 32 {
		t.Fatalf("%d cases, want 32", len(e.Cases))
	}
	worst := 0
	for _, c := range e.Cases {
		name := fmt.Sprintf("%s colors=%d", c.Src, c.Colors)
		js := fmt.Sprintf(`[{"convert": {"mode": "P", "palette": "Image.Palette.ADAPTIVE", "colors": %d}}]`, c.Colors)
		ops, err := ParseImageOps(json.RawMessage(js))
		if err != nil {
			t.Fatal(err)
		}
		im, err := ops.apply(srcs[c.Src], nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := unzip64(t, c.Index)
		if im.mode != "P" || !bytes.Equal(im.m.Pix, want) {
			diff := 0
			for i := range want {
				if i < len(im.m.Pix) && im.m.Pix[i] != want[i] {
					diff++
				}
			}
			t.Errorf("%s: mode %s, %d of %d indices differ from Pillow's", name, im.mode, diff, len(want))
		}
		for i := range 256 {
			if p := im.pal[i]; int(p[0]) != c.Palette[3*i] || int(p[1]) != c.Palette[3*i+1] || int(p[2]) != c.Palette[3*i+2] {
				t.Errorf("%s: palette entry %d is %v, Pillow's %v", name, i, p, c.Palette[3*i:3*i+3])
				break
			}
		}
		back, err := ParseImageOps(json.RawMessage(strings.TrimSuffix(js, "]") + `, {"convert": "RGB"}]`))
		if err != nil {
			t.Fatal(err)
		}
		rgb, err := back.Apply(srcs[c.Src], nil)
		if err != nil {
			t.Fatalf("%s: back to RGB: %v", name, err)
		}
		wantRGB := unzip64(t, c.RGB)
		if len(rgb.Pix) != len(wantRGB) {
			t.Fatalf("%s: %d values back in RGB, Pillow %d", name, len(rgb.Pix), len(wantRGB))
		}
		for i, v := range wantRGB {
			d := int(rgb.Pix[i]) - int(v)
			worst = max(worst, d, -d)
		}
	}
	if worst > 1 {
		t.Errorf("converted back to RGB: a value %d levels from Pillow's (tolerance 1)", worst)
	}
	t.Logf("largest difference back in RGB: %d levels", worst)
}

// TestQuantizeRefused: an adaptive palette for an image of a mode other
// than L, RGB or P is refused as Pillow refuses it (image has wrong
// mode), before any pixel is read, and colors out of [1, 256] too.
func TestQuantizeRefused(t *testing.T) {
	for _, c := range []struct{ ops, err string }{
		{`[{"convert": "CMYK"}, {"convert": {"mode": "P", "palette": "ADAPTIVE"}}]`, "palette ADAPTIVE quantises an L or RGB image, got mode CMYK"},
		{`[{"convert": "1"}, {"convert": {"mode": "P", "palette": 1, "colors": 4}}]`, "got mode 1"},
		{`[{"convert": "RGBA"}, {"convert": {"mode": "P", "palette": "Image.ADAPTIVE"}}]`, "quantises an RGBA image"},
	} {
		ops, err := ParseImageOps(json.RawMessage(c.ops))
		if err != nil {
			t.Fatalf("%s: %v", c.ops, err)
		}
		if _, err := ops.Mode("RGB"); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: Mode: %v, want %q", c.ops, err, c.err)
		}
	}
	if _, err := ParseImageOps(json.RawMessage(`[{"convert": {"mode": "P", "palette": "ADAPTIVE", "colors": 257}}]`)); err == nil || !strings.Contains(err.Error(), "[1, 256]") {
		t.Errorf("colors 257: %v", err)
	}
	// P to P is a copy, as Pillow's convert to the image's own mode.
	ops, _ := ParseImageOps(json.RawMessage(`[{"convert": "P"}, {"convert": {"mode": "P", "palette": "ADAPTIVE", "colors": 2}}]`))
	if m, err := ops.Mode("RGB"); err != nil || m != "P" {
		t.Errorf("P to P adaptive: %s %v", m, err)
	}
}
