package cli

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeImages makes an image folder with two classes: bright squares in
// the top-left corner ("tl") and in the bottom-right one ("br").
func writeImages(t *testing.T, root string, n int) {
	t.Helper()
	for _, class := range []string{"br", "tl"} {
		dir := filepath.Join(root, class)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			img := image.NewGray(image.Rect(0, 0, 8, 8))
			off := 0
			if class == "br" {
				off = 4
			}
			for y := 0; y < 4; y++ {
				for x := 0; x < 4; x++ {
					img.SetGray(off+x, off+y, color.Gray{Y: uint8(200 + (i*7+x+y)%55)})
				}
			}
			f, err := os.Create(filepath.Join(dir, strings.Repeat("x", i%3+1)+string(rune('a'+i))+".png"))
			if err != nil {
				t.Fatal(err)
			}
			if err := png.Encode(f, img); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
	}
}

func TestImageNetworkTrainPredictEval(t *testing.T) {
	dir := t.TempDir()
	writeImages(t, filepath.Join(dir, "train"), 20)
	writeImages(t, filepath.Join(dir, "check"), 3)
	writeFile(t, filepath.Join(dir, "spec.json"), `{"name": "corners", "seed": 1,
		"data": {"train": "train", "split": {"test_size": 0.25}},
		"transforms": [{"type": "Grayscale"}, {"type": "ToTensor"}],
		"model": {"layers": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": 8},
			{"type": "ReLU"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
		"optimizer": {"type": "Adam", "lr": 0.05}, "batch_size": 8, "epochs": 15}`)
	code, out, errs := mlforge(t, dir, "train", "spec.json", "--json")
	if code != 0 {
		t.Fatalf("train exited %d: %s", code, errs)
	}
	if !strings.Contains(out, `"accuracy":1`) {
		t.Fatalf("the corners were not learned: %s", out)
	}
	code, out, errs = mlforge(t, dir, "predict", "models/corners", "check/tl", "check/br/xa.png")
	if code != 0 {
		t.Fatalf("predict exited %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != "file,prediction" || len(lines) != 5 || !strings.HasSuffix(lines[1], ",tl") || !strings.HasSuffix(lines[4], "check/br/xa.png,br") {
		t.Fatalf("predictions:\n%s", out)
	}
	code, out, errs = mlforge(t, dir, "eval", "models/corners", "check", "--json")
	if code != 0 || !strings.Contains(out, `"accuracy":1`) || !strings.Contains(out, `"rows":6`) {
		t.Fatalf("eval exited %d: %s %s", code, out, errs)
	}
	// A corrupt image names the file.
	writeFile(t, filepath.Join(dir, "check", "tl", "bad.png"), "not a png")
	code, _, errs = mlforge(t, dir, "predict", "models/corners", "check/tl/bad.png")
	if code != 2 || !strings.Contains(errs, "bad.png") {
		t.Fatalf("corrupt image: exit %d, %s", code, errs)
	}
}
