package train

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/mlforge/mlforge/data/idx"
	"github.com/mlforge/mlforge/data/images"
)

// MaxMisclassified is how many misclassified test images a run records at
// most (the first ones in test order); Misclassified.Total counts them all.
const MaxMisclassified = 100

// MisclassifiedDir is the folder of an IDX run's misclassified test
// images in its model directory: MisclassifiedFile(k) for the k-th item
// of Misclassified.Items, rendered from the IDX array as PNG.
const MisclassifiedDir = "misclassified"

// MisclassifiedFile names the PNG of the k-th misclassified item.
func MisclassifiedFile(k int) string { return fmt.Sprintf("%03d.png", k) }

// misclassifiedThumb is the longest side, in pixels, of the PNG of an IDX
// image: larger images are reduced (bilinear, as a thumbnail).
const misclassifiedThumb = 96

// Misclassified are the test images of an image classifier run (an image
// folder, a stored dataset or IDX images) whose predicted class is not
// their own.
type Misclassified struct {
	// Total is how many test images were misclassified; Items holds the
	// first MaxMisclassified of them.
	Total int `json:"total"`
	NTest int `json:"n_test"`
	// Dataset is the stored dataset the items are of (their Item is
	// theirs in it), "" for other data.
	Dataset string             `json:"dataset,omitempty"`
	Items   []MisclassifiedRow `json:"items"`
}

// MisclassifiedRow is one misclassified test image: its place in the test
// data, where it comes from (a file under the run's data folder, an item
// of a stored dataset, or a row of an IDX file with its picture in the
// run's MisclassifiedDir), its true and predicted class labels.
type MisclassifiedRow struct {
	Index int    `json:"index"`
	File  string `json:"file,omitempty"`  // image folders: the path under the files folder; datasets: LABEL/ID.EXT
	Item  string `json:"item,omitempty"`  // datasets: the item's id
	Row   *int   `json:"row,omitempty"`   // IDX: the image's row in the test (or training) images file
	Image string `json:"image,omitempty"` // IDX: the PNG's name in the run's MisclassifiedDir
	True  string `json:"true"`
	Pred  string `json:"pred"`
}

// testImages says where each test image of a network run comes from, for
// the gallery of misclassified ones: one of files (an image folder, or a
// stored dataset's items when dataset is set) or idx with rows.
type testImages struct {
	files   []string // image folder: paths under the root; dataset: LABEL/ID.EXT
	dataset string
	idx     *idx.Dataset // IDX: the images file the test items are rows of
	rows    []int
}

func (t *testImages) len() int {
	if t.idx != nil {
		return len(t.rows)
	}
	return len(t.files)
}

// misclassified lists the test items whose pred differs from y (class
// values; labels names them in classes' order). For IDX images it writes
// each listed item's picture into dir's MisclassifiedDir.
func misclassified(t *testImages, dir string, y, pred, classes []float64, labels []string) (*Misclassified, error) {
	name := func(v float64) string {
		for i, c := range classes {
			if c == v && i < len(labels) {
				return labels[i]
			}
		}
		return "?"
	}
	m := &Misclassified{NTest: len(y), Dataset: t.dataset, Items: []MisclassifiedRow{}}
	if t.idx != nil {
		if err := os.MkdirAll(filepath.Join(dir, MisclassifiedDir), 0o755); err != nil {
			return nil, err
		}
	}
	for i := range y {
		if i >= len(pred) || i >= t.len() || pred[i] == y[i] {
			continue
		}
		m.Total++
		if len(m.Items) >= MaxMisclassified {
			continue
		}
		r := MisclassifiedRow{Index: i, True: name(y[i]), Pred: name(pred[i])}
		switch {
		case t.idx != nil:
			row := t.rows[i]
			r.Row, r.Image = &row, MisclassifiedFile(len(m.Items))
			if err := writeIDXImage(t.idx, row, filepath.Join(dir, MisclassifiedDir, r.Image)); err != nil {
				return nil, fmt.Errorf("writing the misclassified image of row %d: %w", row, err)
			}
		case t.dataset != "":
			r.File = t.files[i]
			r.Item = strings.TrimSuffix(path.Base(r.File), path.Ext(r.File))
		default:
			r.File = t.files[i]
		}
		m.Items = append(m.Items, r)
	}
	return m, nil
}

// writeIDXImage writes row of d as a grayscale PNG, reduced to at most
// misclassifiedThumb pixels on its longest side.
func writeIDXImage(d *idx.Dataset, row int, name string) error {
	if row < 0 || row >= d.N {
		return fmt.Errorf("row %d out of range [0, %d)", row, d.N)
	}
	n := d.H * d.W
	m := &images.Image{W: d.W, H: d.H, C: 1, Pix: d.Images[row*n : (row+1)*n]}
	if w, h := thumbSide(d.W, d.H, misclassifiedThumb); w != d.W || h != d.H {
		var err error
		if m, err = images.ResizeImage(m, w, h, images.Bilinear); err != nil {
			return err
		}
	}
	img := &image.Gray{Pix: m.Pix, Stride: m.W, Rect: image.Rect(0, 0, m.W, m.H)}
	tmp := name + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(f, img); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

// thumbSide returns w x h scaled so that the longest side is at most size
// (never enlarged), each side at least one pixel.
func thumbSide(w, h, size int) (int, int) {
	if w <= size && h <= size {
		return w, h
	}
	if w >= h {
		return size, max(1, (h*size+w/2)/w)
	}
	return max(1, (w*size+h/2)/h), size
}
