package train_test

import (
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/train"
)

// writePNG writes a w x h RGB image of one colour.
func writePNG(t *testing.T, path string, w, h int, r, g, b uint8) {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = r, g, b, 255
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// TestImageOpsEndToEnd trains a network on RGB images of mixed sizes that
// image_ops turn into 8x8 grey images, saves it and predicts an image of
// yet another size.
func TestImageOpsEndToEnd(t *testing.T) {
	root := t.TempDir()
	for c, name := range []string{"dark", "light"} {
		d := filepath.Join(root, "imgs", name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for k := range 8 {
			v := uint8(30 + 170*c + 4*k)
			writePNG(t, filepath.Join(d, itoa(k)+".png"), 10+k, 14-k, v, v/2, 255-v)
		}
	}
	js := `{"name": "ops", "seed": 1, "data": {"train": "imgs", "split": {"test_size": 0.25}},
	  "image_ops": [{"convert": "L"}, {"resize": {"size": [8, 8], "resample": "Image.Resampling.BILINEAR"}}, {"effect_spread": 1}],
	  "transforms": [{"type": "ToTensor"}],
	  "model": {"layers": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
	  "optimizer": {"type": "Adam", "lr": 0.05}, "batch_size": 4, "epochs": 10, "output": "out"}`
	s, err := spec.Parse([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	opt := train.Options{Root: root, Restrict: true}
	p, err := train.Check(s, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Net.InShape, []int{1, 8, 8}) {
		t.Errorf("input shape %v, want [1 8 8] (convert L, resize 8x8)", p.Net.InShape)
	}
	s, _ = spec.Parse([]byte(js))
	res, err := train.Run(context.Background(), s, opt)
	if err != nil {
		t.Fatal(err)
	}
	if acc := res.Metrics["test"]["accuracy"]; acc != 1 {
		t.Errorf("accuracy %v, want 1", acc)
	}
	m, err := model.Load(filepath.Join(root, "out"))
	if err != nil {
		t.Fatal(err)
	}
	ops := string(m.Manifest.Network.ImageOps)
	if !strings.Contains(ops, "convert") || !strings.Contains(ops, "resize") || strings.Contains(ops, "effect_spread") {
		t.Errorf("saved image_ops %s, want convert and resize without effect_spread", ops)
	}
	img := filepath.Join(root, "new.png")
	writePNG(t, img, 23, 5, 220, 110, 35)
	_, pred, err := m.PredictImages([]string{img}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(pred.Labels) != 1 || pred.Labels[0] != "light" {
		t.Errorf("predicted %q, want [light]", pred.Labels)
	}
}

func TestImageOpsValidation(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "imgs", "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	base := `"name": "ops", "model": {"layers": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]}`
	for _, tc := range []struct{ data, ops, want string }{
		{`"imgs"`, `[{"convert": "L"}, {"resize": {"size": [8, 8], "resample": "SMOOTH"}}]`, `image_ops[1]: resize: param "resample"`},
		{`"imgs"`, `[{"resise": [8, 8]}]`, `image_ops[0]: unknown image operation "resise" (did you mean "resize"?`},
		{`"builtin:iris"`, `[{"convert": "L"}]`, `image_ops: Pillow image operations apply to image data`},
		{`"imgs"`, `{"convert": "L"}`, `image_ops: expected a list`},
	} {
		s, err := spec.Parse([]byte(`{` + base + `, "data": {"train": ` + tc.data + `}, "image_ops": ` + tc.ops + `}`))
		if err == nil {
			err = s.Validate(spec.Env{Root: root})
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("image_ops %s: %v, want %q", tc.ops, err, tc.want)
		}
	}
}

// TestDialectTrains trains a service dictionary (spec/dialect.go) with
// image_ops and a transform object on an image folder.
func TestDialectTrains(t *testing.T) {
	root := t.TempDir()
	for c, name := range []string{"cat", "dog"} {
		d := filepath.Join(root, "pets", name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for k := range 8 {
			v := uint8(30 + 170*c + 4*k)
			writePNG(t, filepath.Join(d, itoa(k)+".png"), 9+k, 9, v, v, v)
		}
	}
	js := `{"model_name": "pets", "n_epoch": 10, "batch_size": 4, "n_labels": 2, "label_names": ["cat", "dog"],
	  "data": {"train": "pets"}, "seed": 1,
	  "criterion": {"name": "CrossEntropyLoss"}, "optimizer": {"name": "Adam", "lr": 0.05},
	  "image_ops": [{"convert": "'L'"}, {"resize": [[6, 6], "Image.ANTIALIAS"]}],
	  "transform": {"ToTensor": true, "Normalize": {"mean": [0.5], "std": [0.5]}},
	  "model": {"layers": [{"name": "Flatten"}, {"name": "Linear", "in_features": "auto", "out_features": "n_labels"}]}}`
	s, err := spec.Parse([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	res, err := train.Run(context.Background(), s, train.Options{Root: root, Restrict: true})
	if err != nil {
		t.Fatal(err)
	}
	if acc := res.Metrics["test"]["accuracy"]; acc != 1 || strings.Join(res.Labels, ",") != "cat,dog" || s.Epochs != 10 || s.Name != "pets" {
		t.Errorf("accuracy %v, labels %q, epochs %d, name %q", acc, res.Labels, s.Epochs, s.Name)
	}
}

// TestImageModesTrain trains a network on images image_ops leave in each
// of Pillow's other modes: its input has the channels torchvision's
// ToTensor gives the mode (P, I, F one; RGBA, CMYK four), and the saved
// model predicts through the same operations.
func TestImageModesTrain(t *testing.T) {
	root := t.TempDir()
	writeConfImages(t, root)
	for _, c := range []struct {
		mode     string
		channels int
	}{{"P", 1}, {"RGBA", 4}, {"CMYK", 4}, {"I", 1}, {"F", 1}, {"1", 1}, {"HSV", 3}} {
		js := `{"name": "modes", "seed": 1, "data": {"train": "imgs", "split": {"test_size": 0.25}},
		  "image_ops": [{"resize": [[8, 8]]}, {"convert": "` + c.mode + `"}],
		  "transforms": [{"type": "ToTensor"}],
		  "model": {"layers": [{"type": "Conv2d", "in_channels": "auto", "out_channels": 2, "kernel_size": 3}, {"type": "Flatten"},
		    {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
		  "optimizer": {"type": "SGD", "lr": 0.001}, "batch_size": 5, "epochs": 1, "output": "out-` + c.mode + `"}`
		s, err := spec.Parse([]byte(js))
		if err != nil {
			t.Fatal(err)
		}
		p, err := train.Check(s, train.Options{Root: root})
		if err != nil {
			t.Fatalf("%s: %v", c.mode, err)
		}
		if want := []int{c.channels, 8, 8}; !slices.Equal(p.Net.InShape, want) {
			t.Fatalf("%s: samples of shape %v, want %v", c.mode, p.Net.InShape, want)
		}
		res, err := p.Run(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", c.mode, err)
		}
		m, err := model.Load(res.ModelPath)
		if err != nil {
			t.Fatal(err)
		}
		if _, pred, err := m.PredictImages([]string{filepath.Join(root, "imgs")}, false); err != nil || len(pred.Values) != 18 {
			t.Fatalf("%s: predict: %v", c.mode, err)
		}
	}
	// An operation Pillow refuses on a mode is refused by Check, with
	// Pillow's reason.
	s, _ := spec.Parse([]byte(`{"name": "modes", "data": {"train": "imgs"}, "image_ops": [{"convert": "P"}, {"filter": "BLUR"}],
	  "model": {"layers": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]}}`))
	if _, err := train.Check(s, train.Options{Root: root}); err == nil || !strings.Contains(err.Error(), "image_ops[1]: filter: Pillow cannot filter palette images") {
		t.Fatalf("filter after P: %v", err)
	}
}
