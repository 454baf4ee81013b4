package server

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// cornerPNG is an 8x8 gray image with a bright square in the top-left
// ("tl") or bottom-right ("br") corner.
func cornerPNG(t *testing.T, class string, i int) []byte {
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	off := 0
	if class == "br" {
		off = 4
	}
	for y := 0; y < 4; y++ {
		for x := 0; x < 4; x++ {
			img.SetGray(off+x, off+y, color.Gray{Y: uint8(200 + (i+x*y)%55)})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestImageNetworkPredict(t *testing.T) {
	s, ts := newTestServer(t, "sqlite", "")
	for _, class := range []string{"br", "tl"} {
		dir := filepath.Join(s.filesDir, "corners", class)
		os.MkdirAll(dir, 0o755)
		for i := 0; i < 16; i++ {
			os.WriteFile(filepath.Join(dir, string(rune('a'+i))+".png"), cornerPNG(t, class, i), 0o644)
		}
	}
	spec := `{"name": "corners", "seed": 1, "data": {"train": "corners"}, "transforms": [{"type": "Grayscale"}, {"type": "ToTensor"}],
		"model": {"layers": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
		"optimizer": {"type": "Adam", "lr": 0.05}, "batch_size": 8, "epochs": 20}`
	out := scenario{name: "create", method: "POST", path: "/api/runs", body: spec, status: 202}.run(t, ts.URL)
	var created struct{ ID string }
	json.Unmarshal([]byte(out), &created)
	waitStatus(t, ts.URL, created.ID, "succeeded")
	body, _ := json.Marshal(map[string]any{"images": []string{
		base64.StdEncoding.EncodeToString(cornerPNG(t, "tl", 99)),
		base64.StdEncoding.EncodeToString(cornerPNG(t, "br", 98)),
	}, "proba": true})
	for _, sc := range []scenario{
		{name: "predict images", method: "POST", path: "/api/models/corners/predict", body: string(body), status: 200, contain: []string{`"predictions":["tl","br"]`, `"classes":["br","tl"]`}},
		{name: "rows to an image model", method: "POST", path: "/api/models/corners/predict", body: `{"instances": [[1]]}`, status: 400, contain: []string{"trained on images"}},
		{name: "not base64", method: "POST", path: "/api/models/corners/predict", body: `{"images": ["%%%"]}`, status: 400, contain: []string{"images[0] is not base64"}},
		{name: "not an image", method: "POST", path: "/api/models/corners/predict", body: `{"images": ["aGVsbG8="]}`, status: 400, contain: []string{"images[0]"}},
	} {
		sc.run(t, ts.URL)
	}
}
