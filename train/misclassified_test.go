package train

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlforge/mlforge/data/idx"
)

// TestMisclassifiedIDX: an IDX run's misclassified rows get their pictures
// as PNGs (a large image reduced to 96 pixels on its longest side), and a
// dataset's items their ids.
func TestMisclassifiedIDX(t *testing.T) {
	const n, h, w = 3, 100, 200
	pix := make([]uint8, n*h*w)
	for i := range pix {
		pix[i] = uint8(i)
	}
	d, err := idx.New(&idx.Array{Dims: []int{n, h, w}, Data: pix}, &idx.Array{Dims: []int{n}, Data: []uint8{0, 1, 0}}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	m, err := misclassified(&testImages{idx: d, rows: []int{2, 0, 1}}, dir, []float64{0, 1, 0}, []float64{1, 1, 1}, []float64{0, 1}, []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Total != 2 || len(m.Items) != 2 || *m.Items[0].Row != 2 || *m.Items[1].Row != 1 || m.Items[1].Image != "001.png" || m.Items[1].True != "a" || m.Items[1].Pred != "b" {
		t.Fatalf("misclassified = %+v", m)
	}
	f, err := os.Open(filepath.Join(dir, MisclassifiedDir, "001.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil || cfg.Width != 96 || cfg.Height != 48 {
		t.Fatalf("picture %+v %v: want 96 x 48", cfg, err)
	}

	ds, err := misclassified(&testImages{files: []string{"cat/x1.png", "dog/y2.jpg"}, dataset: "pets"}, dir, []float64{0, 1}, []float64{0, 0}, []float64{0, 1}, []string{"cat", "dog"})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Dataset != "pets" || len(ds.Items) != 1 || ds.Items[0].Item != "y2" || ds.Items[0].File != "dog/y2.jpg" {
		t.Fatalf("dataset misclassified = %+v", ds)
	}
}
