package plots

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// testCurvesJSON is a run's recorded test curves (train.TestCurves).
type testCurvesJSON struct {
	Score   string `json:"score"`
	NTest   int    `json:"n_test"`
	Stride  int    `json:"stride"`
	Classes []struct {
		Label            string    `json:"label"`
		FPR              []float64 `json:"fpr"`
		TPR              []float64 `json:"tpr"`
		RocAuc           float64   `json:"roc_auc"`
		Precision        []float64 `json:"precision"`
		Recall           []float64 `json:"recall"`
		AveragePrecision float64   `json:"average_precision"`
	} `json:"classes"`
}

// maxCurveSeries bounds the curves of one roc or pr plot.
const maxCurveSeries = 50

// classStyle gives the i-th class its colour, dashed from the second
// round of the palette on.
func classStyle(i int) (color.RGBA, []vg.Length) {
	var dashes []vg.Length
	if r := i / len(Palette); r > 0 {
		dashes = []vg.Length{vg.Points(float64(2 + 3*r)), vg.Points(3)}
	}
	return Palette[i%len(Palette)], dashes
}

// drawTestCurves draws the ROC curves (roc) or precision-recall curves
// (pr) of c: one line per class with its AUC or average precision in the
// legend, and the chance diagonal on a ROC plot.
func drawTestCurves(c *testCurvesJSON, roc bool) (*plot.Plot, error) {
	if len(c.Classes) > maxCurveSeries {
		return nil, &Error{Field: "kind", Msg: fmt.Sprintf("the run recorded %d curves, more than the %d a plot draws", len(c.Classes), maxCurveSeries)}
	}
	what := "one-vs-rest"
	if len(c.Classes) == 1 {
		what = "positive class " + c.Classes[0].Label
	}
	data := "test"
	if c.Stride > 1 {
		data = fmt.Sprintf("%d test rows, 1 in %d", c.NTest, c.Stride)
	}
	var p *plot.Plot
	if roc {
		p = newPlot(fmt.Sprintf("ROC curve (%s, %s, %s)", data, what, c.Score), "false positive rate", "true positive rate")
		chance, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
		if err != nil {
			return nil, err
		}
		chance.Color = color.RGBA{150, 150, 150, 255}
		chance.Dashes = []vg.Length{vg.Points(4), vg.Points(4)}
		p.Add(chance)
		p.Legend.Top = false // bottom right, below the curves
	} else {
		p = newPlot(fmt.Sprintf("precision-recall curve (%s, %s, %s)", data, what, c.Score), "recall", "precision")
		p.Legend.Top = false
		p.Legend.Left = true // bottom left, below the curves
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1.02
	if len(c.Classes) > 10 {
		p.Legend.TextStyle.Font.Size = vg.Points(8)
	}
	for i, cl := range c.Classes {
		xs, ys, name := cl.FPR, cl.TPR, fmt.Sprintf("AUC = %.3f", cl.RocAuc)
		if !roc {
			xs, ys, name = cl.Recall, cl.Precision, fmt.Sprintf("AP = %.3f", cl.AveragePrecision)
		}
		if len(c.Classes) > 1 { // the title names a binary problem's class
			name = shorten(cl.Label) + " (" + name + ")"
		}
		n := min(len(xs), len(ys))
		if n == 0 {
			continue
		}
		xy := make(plotter.XYs, n)
		for j := range n {
			xy[j] = plotter.XY{X: xs[j], Y: ys[j]}
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, err
		}
		l.Color, l.Dashes = classStyle(i)
		l.Width = vg.Points(2)
		if !roc {
			l.StepStyle = plotter.PostStep // the step function average precision integrates
		}
		p.Add(l)
		p.Legend.Add(name, l)
	}
	return p, nil
}
