package plots

import (
	"bytes"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/api"
)

func lossSource() Source {
	var loss, val []api.Point
	for e := 1; e <= 10; e++ {
		loss = append(loss, api.Point{Step: e * 10, Epoch: e, Value: 1 / float64(e)})
		val = append(val, api.Point{Step: e * 10, Epoch: e, Value: 1.2 / float64(e)})
	}
	return Source{Name: "mlp", Series: map[string][]api.Point{"loss": loss, "val_loss": val}}
}

func curveSource() Source {
	return Source{Name: "lc", Selection: json.RawMessage(`{"learning_curve":{"kind":"learning_curve","scoring":"accuracy","points":[
		{"n_train":20,"mean_train_score":1,"std_train_score":0,"mean_test_score":0.8,"std_test_score":0.05},
		{"n_train":60,"mean_train_score":0.98,"std_train_score":0.01,"mean_test_score":0.9,"std_test_score":0.03},
		{"n_train":100,"mean_train_score":0.97,"std_train_score":0.01,"mean_test_score":0.95,"std_test_score":0.02}]}}`)}
}

func searchSource() Source {
	return Source{Name: "grid", Selection: json.RawMessage(`{"search":{"type":"grid_search","scoring":"accuracy","cv_results":[
		{"params":{"C":0.1,"kernel":"linear"},"mean_test_score":0.9},
		{"params":{"C":1,"kernel":"linear"},"mean_test_score":0.95},
		{"params":{"C":0.1,"kernel":"rbf"},"mean_test_score":0.85},
		{"params":{"C":1,"kernel":"rbf"},"mean_test_score":0.97}]}}`)}
}

func TestDraw(t *testing.T) {
	for _, tc := range []struct {
		kind string
		src  Source
	}{{KindLoss, lossSource()}, {KindCurve, curveSource()}, {KindSearch, searchSource()}} {
		t.Run(tc.kind, func(t *testing.T) {
			if a := Available(tc.src); len(a) == 0 || a[0] != tc.kind || (tc.kind != KindSearch && len(a) != 1) {
				t.Fatalf("Available = %v, want [%s]", a, tc.kind)
			}
			b, err := Draw(tc.src, tc.kind, Options{Format: "png", Width: 500, Height: 300})
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if sz := img.Bounds().Size(); sz != (image.Point{500, 300}) {
				t.Fatalf("size %v, want 500x300", sz)
			}
			if n := colours(img); n <= 3 {
				t.Fatalf("%d distinct colours: blank image", n)
			}
			if d := os.Getenv("PLOTS_OUT"); d != "" {
				os.WriteFile(filepath.Join(d, tc.kind+".png"), b, 0o644)
			}
			s, err := Draw(tc.src, tc.kind, Options{Format: "svg", Width: 500, Height: 300})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(s, []byte("<svg")) {
				t.Fatalf("not SVG: %.100s", s)
			}
		})
	}
}

func colours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
		}
	}
	return len(seen)
}

func TestDrawErrors(t *testing.T) {
	for _, tc := range []struct {
		name, kind string
		src        Source
		o          Options
		field      string
		want       []string
	}{
		{"unknown kind", "pie", lossSource(), Options{}, "kind", []string{"pie", "loss, curve, search"}},
		{"no data", KindSearch, lossSource(), Options{}, "kind", []string{"search", "data for loss"}},
		{"empty run", KindLoss, Source{}, Options{}, "kind", []string{"no metric series", "no data to plot"}},
		{"width", KindLoss, lossSource(), Options{Width: 10}, "width", []string{"10 pixels", "between 64 and 4096"}},
		{"height", KindLoss, lossSource(), Options{Height: 5000}, "height", []string{"5000"}},
		{"format", KindLoss, lossSource(), Options{Format: "gif"}, "format", []string{"gif", "png, svg"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Draw(tc.src, tc.kind, tc.o)
			var pe *Error
			if !errors.As(err, &pe) || !pe.BadInput() {
				t.Fatalf("err = %v, want *Error", err)
			}
			if pe.Field != tc.field {
				t.Errorf("field %q, want %q", pe.Field, tc.field)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
		})
	}
}
