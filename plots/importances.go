package plots

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// importancesJSON is a run's recorded importances (train.Importances):
// the largest first.
type importancesJSON struct {
	Kind      string    `json:"kind"`
	NFeatures int       `json:"n_features"`
	Features  []string  `json:"features"`
	Values    []float64 `json:"values"`
}

// maxImportanceBars is the number of features drawn.
const maxImportanceBars = 20

// drawImportances draws the largest importances as horizontal bars, the
// largest at the top, with the feature names on the vertical axis.
func drawImportances(im *importancesJSON, o Options) (*plot.Plot, error) {
	n := min(len(im.Features), len(im.Values), maxImportanceBars)
	title := "feature importances"
	if n < im.NFeatures {
		title = fmt.Sprintf("feature importances (top %d of %d)", n, im.NFeatures)
	}
	p := newPlot(title, im.Kind, "")
	p.Legend.Top = false
	vals := make(plotter.Values, n)
	names := make([]string, n)
	for i := range n {
		v := im.Values[i]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			v = 0
		}
		vals[n-1-i] = v // the largest at the top
		names[n-1-i] = padLeft(shorten(im.Features[i]))
	}
	// Bars fill 70% of their slot of the plot's height (in points).
	slot := (float64(o.Height)*72/96 - 60) / float64(max(n, 1))
	bars, err := plotter.NewBarChart(vals, vg.Points(math.Max(1, math.Min(24, 0.7*slot))))
	if err != nil {
		return nil, err
	}
	bars.Horizontal = true
	bars.Color = Palette[0]
	bars.LineStyle.Width = 0
	p.Add(bars)
	p.NominalY(names...)
	p.X.Min = 0
	if n > 0 && vals[n-1] > 0 {
		p.X.Max = 1.05 * vals[n-1] // room after the longest bar
	}
	p.Y.Tick.Label.Font.Size = vg.Points(math.Max(6, math.Min(10, 0.7*slot)))
	return p, nil
}
