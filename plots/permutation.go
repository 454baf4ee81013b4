package plots

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// permutationJSON is a run's permutation_importance
// (train.PermutationResult): per feature, in the data's order.
type permutationJSON struct {
	Scoring         string    `json:"scoring"`
	NRepeats        int       `json:"n_repeats"`
	Features        []string  `json:"features"`
	ImportancesMean []float64 `json:"importances_mean"`
	ImportancesStd  []float64 `json:"importances_std"`
}

func (pj *permutationJSON) ok() bool {
	return pj != nil && len(pj.Features) > 0 && len(pj.ImportancesMean) == len(pj.Features) && len(pj.ImportancesStd) == len(pj.Features)
}

// meanStdBars are the error bars of the bars: ± one standard deviation
// around each mean, at the bar's row.
type meanStdBars struct{ mean, std []float64 }

func (b meanStdBars) Len() int                        { return len(b.mean) }
func (b meanStdBars) XY(i int) (float64, float64)     { return b.mean[i], float64(i) }
func (b meanStdBars) XError(i int) (float64, float64) { return b.std[i], b.std[i] }

// drawPermutation draws the largest mean permutation importances as
// horizontal bars with ± one standard deviation over the repeats, the
// largest at the top.
func drawPermutation(pj *permutationJSON, o Options) (*plot.Plot, error) {
	order := make([]int, len(pj.Features))
	for i := range order {
		order[i] = i
	}
	finite := func(v float64) float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0
		}
		return v
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(finite(pj.ImportancesMean[b]), finite(pj.ImportancesMean[a]))
	})
	n := min(len(order), maxImportanceBars)
	title := "permutation importances"
	if n < len(order) {
		title = fmt.Sprintf("permutation importances (top %d of %d)", n, len(order))
	}
	xl := "decrease in " + pj.Scoring
	if pj.NRepeats > 0 {
		xl += fmt.Sprintf(" (mean ± std of %d repeats)", pj.NRepeats)
	}
	p := newPlot(title, xl, "")
	p.Legend.Top = false
	vals := make(plotter.Values, n)
	eb := meanStdBars{mean: make([]float64, n), std: make([]float64, n)}
	names := make([]string, n)
	lo, hi := 0.0, 0.0
	for i := range n {
		j := order[i]
		m, s := finite(pj.ImportancesMean[j]), math.Abs(finite(pj.ImportancesStd[j]))
		vals[n-1-i], eb.mean[n-1-i], eb.std[n-1-i] = m, m, s
		names[n-1-i] = padLeft(shorten(pj.Features[j]))
		lo, hi = math.Min(lo, m-s), math.Max(hi, m+s)
	}
	slot := (float64(o.Height)*72/96 - 60) / float64(max(n, 1))
	bars, err := plotter.NewBarChart(vals, vg.Points(math.Max(1, math.Min(24, 0.7*slot))))
	if err != nil {
		return nil, err
	}
	bars.Horizontal = true
	bars.Color = Palette[0]
	bars.LineStyle.Width = 0
	p.Add(bars)
	errs, err := plotter.NewXErrorBars(eb)
	if err != nil {
		return nil, err
	}
	errs.LineStyle.Width = vg.Points(1)
	errs.CapWidth = vg.Points(math.Max(2, math.Min(10, 0.35*slot)))
	p.Add(errs)
	p.NominalY(names...)
	if span := hi - lo; span > 0 {
		p.X.Min, p.X.Max = lo-0.05*span, hi+0.05*span
	}
	p.Y.Tick.Label.Font.Size = vg.Points(math.Max(6, math.Min(10, 0.7*slot)))
	return p, nil
}
