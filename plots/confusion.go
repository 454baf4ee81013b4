package plots

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// maxConfusionClasses bounds the classes of a confusion-matrix heatmap
// (its cells are their square).
const maxConfusionClasses = 200

// The normalisations of the confusion plot, scikit-learn's
// confusion_matrix(normalize=...): over the true labels (rows), the
// predicted labels (columns) or all the samples.
const (
	NormalizeTrue = "true"
	NormalizePred = "pred"
	NormalizeAll  = "all"
)

// checkNormalize validates o.Normalize ("" or "false": counts).
func checkNormalize(o *Options) error {
	switch o.Normalize {
	case "", "false", "none":
		o.Normalize = ""
	case NormalizeTrue, NormalizePred, NormalizeAll:
	default:
		return &Error{Field: "normalize", Msg: fmt.Sprintf("unknown normalisation %q; it is one of true (over the true labels: each row sums to 1), pred (each column), all, or false (counts)", o.Normalize)}
	}
	return nil
}

// cmGrid is the confusion heatmap's cells in display order: true class 0
// in the top row (the grid's last).
type cmGrid struct{ z [][]float64 }

func (g cmGrid) Dims() (c, r int)   { return len(g.z), len(g.z) }
func (g cmGrid) Z(c, r int) float64 { return g.z[len(g.z)-1-r][c] }
func (g cmGrid) X(c int) float64    { return float64(c) }
func (g cmGrid) Y(r int) float64    { return float64(r) }

// blues is a sequential white-to-blue palette (the end colours of
// ColorBrewer's Blues, linearly interpolated).
type blues int

func (b blues) Colors() []color.Color {
	lo, hi := [3]float64{247, 251, 255}, [3]float64{8, 48, 107}
	out := make([]color.Color, int(b))
	for i := range out {
		t := float64(i) / float64(int(b)-1)
		var c [3]uint8
		for k := range c {
			c[k] = uint8(math.Round(lo[k] + t*(hi[k]-lo[k])))
		}
		out[i] = color.RGBA{c[0], c[1], c[2], 255}
	}
	return out
}

// normalizeCM divides the counts as how says; a row (column) with no
// sample is all zeros, as scikit-learn's nan_to_num makes it.
func normalizeCM(cm [][]int, how string) [][]float64 {
	k := len(cm)
	z := make([][]float64, k)
	rows, cols := make([]float64, k), make([]float64, k)
	all := 0.0
	for i := range cm {
		z[i] = make([]float64, k)
		for j, v := range cm[i] {
			z[i][j] = float64(v)
			rows[i] += float64(v)
			cols[j] += float64(v)
			all += float64(v)
		}
	}
	if how == "" {
		return z
	}
	for i := range z {
		for j := range z[i] {
			d := all
			switch how {
			case NormalizeTrue:
				d = rows[i]
			case NormalizePred:
				d = cols[j]
			}
			if d == 0 {
				z[i][j] = 0
			} else {
				z[i][j] /= d
			}
		}
	}
	return z
}

// drawConfusion draws the test confusion matrix (rows true labels,
// columns predicted) as a heatmap with the count or fraction written in
// each cell when the cells are large enough for it, and the class labels
// on the axes (rotated, and every n-th only, when there are many).
func drawConfusion(cm [][]int, labels []string, o Options) (*plot.Plot, error) {
	k := len(cm)
	if k > maxConfusionClasses {
		return nil, &Error{Field: "kind", Msg: fmt.Sprintf("the confusion matrix has %d classes, more than the %d a heatmap draws", k, maxConfusionClasses)}
	}
	for i, r := range cm {
		if len(r) != k {
			return nil, fmt.Errorf("plots: the recorded confusion matrix is not square (row %d has %d cells for %d rows)", i, len(r), k)
		}
	}
	names := make([]string, k)
	for i := range names {
		names[i] = fmt.Sprint(i)
		if i < len(labels) {
			names[i] = shorten(labels[i])
		}
	}
	z := normalizeCM(cm, o.Normalize)
	hi := 0.0
	for _, r := range z {
		for _, v := range r {
			hi = math.Max(hi, v)
		}
	}
	title := "confusion matrix (test data)"
	switch o.Normalize {
	case NormalizeTrue:
		title = "confusion matrix (test, normalised over true labels)"
	case NormalizePred:
		title = "confusion matrix (test, normalised over predicted labels)"
	case NormalizeAll:
		title = "confusion matrix (test, normalised over all)"
	}
	p := newPlot(title, "predicted label", "true label")
	p.Legend.Top = false
	g := cmGrid{z: z}
	hm := plotter.NewHeatMap(g, blues(256))
	hm.Min, hm.Max = 0, math.Max(hi, 1e-12)
	p.Add(hm)

	// The cell side in points, roughly: the plot's smaller side less the
	// axes and title, over k.
	side := math.Min(float64(o.Width), float64(o.Height)) * 72 / 96
	cell := (side - 90) / float64(k)
	format := func(v float64) string {
		if o.Normalize == "" {
			return fmt.Sprintf("%.0f", v)
		}
		return fmt.Sprintf("%.2f", v)
	}
	chars := 1
	for _, r := range z {
		for _, v := range r {
			chars = max(chars, len(format(v)))
		}
	}
	// A digit is about 0.6 of the font size wide.
	if size := math.Min(12, 0.85*cell/(0.6*float64(chars))); size >= 5 {
		var ls plotter.XYLabels
		var dark []bool
		for i := range z {
			for j, v := range z[i] {
				ls.XYs = append(ls.XYs, plotter.XY{X: float64(j), Y: float64(k - 1 - i)})
				ls.Labels = append(ls.Labels, format(v))
				dark = append(dark, v > hi/2)
			}
		}
		l, err := plotter.NewLabels(ls)
		if err != nil {
			return nil, err
		}
		for i := range l.TextStyle {
			l.TextStyle[i].XAlign = draw.XCenter
			l.TextStyle[i].YAlign = draw.YCenter
			l.TextStyle[i].Font.Size = vg.Points(size)
			if dark[i] {
				l.TextStyle[i].Color = color.White
			}
		}
		p.Add(l)
	}

	// At most about one label per 9 points: every step-th class.
	step := max(1, int(math.Ceil(9/cell)))
	xs, ys := make([]string, k), make([]string, k)
	long := 0
	for i, n := range names {
		if i%step == 0 {
			xs[i] = n
			ys[k-1-i] = padLeft(n)
		}
		long = max(long, len(n))
	}
	p.NominalX(xs...)
	p.NominalY(ys...)
	tick := vg.Points(math.Max(6, math.Min(10, cell*0.8)))
	p.X.Tick.Label.Font.Size = tick
	p.Y.Tick.Label.Font.Size = tick
	// Labels wider than their cell are turned to read upwards.
	if float64(long)*0.6*float64(tick.Points()) > cell*float64(step) {
		p.X.Tick.Label.Rotation = math.Pi / 2
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
	}
	return p, nil
}

// shorten cuts a label to 24 characters.
func shorten(s string) string {
	if r := []rune(s); len(r) > 24 {
		return string(r[:21]) + "..."
	}
	return s
}

// padLeft puts spaces before a vertical axis's tick label: gonum measures
// a label a few percent narrower than the PNG canvas draws it, which cuts
// the start of long labels at the image's left edge.
func padLeft(s string) string { return "   " + s }
