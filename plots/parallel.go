package plots

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// maxParallelTrials bounds the trials a parallel-coordinates plot draws;
// more are thinned evenly (by score order, so the best is kept).
const maxParallelTrials = 2000

// maxAxisLabels bounds the category names written along an axis,
// maxNumberLabels the numbers (beyond, only its ends are written).
const (
	maxAxisLabels   = 20
	maxNumberLabels = 8
)

// parallelAxis places one parameter's values on [0, 1]: numbers linearly
// (or on a log scale when they are all positive and span a factor of 100
// or more), other values evenly in their sorted order.
type parallelAxis struct {
	name    string
	numeric bool
	log     bool
	lo, hi  float64
	cats    []string // sorted JSON texts, categorical axes
	index   map[string]int
	nums    []float64 // the distinct numbers of a numeric axis, sorted
}

func newParallelAxis(name string, vals []string) parallelAxis {
	a := parallelAxis{name: name, numeric: true, lo: math.Inf(1), hi: math.Inf(-1), index: map[string]int{}}
	for _, v := range vals {
		f, err := parseFloat(v)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			a.numeric = false
			continue
		}
		a.lo, a.hi = math.Min(a.lo, f), math.Max(a.hi, f)
		if !slices.Contains(a.nums, f) && len(a.nums) <= maxNumberLabels {
			a.nums = append(a.nums, f)
		}
	}
	if a.numeric {
		slices.Sort(a.nums)
		a.log = a.lo > 0 && a.hi/a.lo >= 100
		return a
	}
	for _, v := range vals {
		if _, ok := a.index[v]; !ok {
			a.index[v] = len(a.cats)
			a.cats = append(a.cats, v)
		}
	}
	sortValues(a.cats, a.index)
	return a
}

// pos returns where value v (a JSON text) lies on the axis, false when it
// has no place (a missing parameter).
func (a parallelAxis) pos(v string) (float64, bool) {
	if v == "" {
		return 0, false
	}
	if !a.numeric {
		i, ok := a.index[v]
		if !ok {
			return 0, false
		}
		if len(a.cats) == 1 {
			return 0.5, true
		}
		return float64(i) / float64(len(a.cats)-1), true
	}
	f, err := parseFloat(v)
	if err != nil {
		return 0, false
	}
	lo, hi := a.lo, a.hi
	if a.log {
		f, lo, hi = math.Log10(f), math.Log10(lo), math.Log10(hi)
	}
	if hi == lo {
		return 0.5, true
	}
	return (f - lo) / (hi - lo), true
}

// labels are the texts written along the axis: every number when there
// are at most maxNumberLabels, else the ends; the categories (at most
// maxAxisLabels).
func (a parallelAxis) labels() ([]float64, []string) {
	if a.numeric && len(a.nums) <= maxNumberLabels {
		var ys []float64
		var texts []string
		for _, v := range a.nums {
			y, _ := a.pos(strconv.FormatFloat(v, 'g', -1, 64))
			ys, texts = append(ys, y), append(texts, fmt.Sprintf("%.4g", v))
		}
		return ys, texts
	}
	if a.numeric {
		if a.lo == a.hi {
			return []float64{0.5}, []string{fmt.Sprintf("%.4g", a.lo)}
		}
		return []float64{0, 1}, []string{fmt.Sprintf("%.4g", a.lo), fmt.Sprintf("%.4g", a.hi)}
	}
	if len(a.cats) > maxAxisLabels {
		return nil, nil
	}
	var ys []float64
	for _, c := range a.cats {
		y, _ := a.pos(c)
		ys = append(ys, y)
	}
	return ys, unquote(a.cats)
}

// drawParallel draws a search's trials as parallel coordinates: one axis
// per varied parameter (alphabetically) and a last one for the mean test
// score, one line per trial coloured by its score (blue low, red high),
// the best drawn last and thicker.
func drawParallel(s *searchJSON) (*plot.Plot, error) {
	params := searchParams(s)
	type trial struct {
		vals  []string
		score float64
	}
	var trials []trial
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range s.Results {
		if c.MeanTestScore == nil || math.IsNaN(*c.MeanTestScore) || math.IsInf(*c.MeanTestScore, 0) {
			continue
		}
		t := trial{score: *c.MeanTestScore}
		for _, p := range params {
			t.vals = append(t.vals, string(c.Params[p]))
		}
		trials = append(trials, t)
		lo, hi = math.Min(lo, t.score), math.Max(hi, t.score)
	}
	if len(trials) == 0 {
		return nil, &Error{Field: "kind", Msg: "cannot draw \"parallel\": no candidate of the search has a test score"}
	}
	// Worst first, so that the best lines lie on top; thinned evenly.
	sort.SliceStable(trials, func(i, j int) bool { return trials[i].score < trials[j].score })
	total := len(trials)
	if total > maxParallelTrials {
		kept := make([]trial, 0, maxParallelTrials)
		for i := range maxParallelTrials {
			kept = append(kept, trials[i*(total-1)/(maxParallelTrials-1)])
		}
		trials = kept
	}
	axes := make([]parallelAxis, len(params))
	for k, p := range params {
		vals := make([]string, 0, len(trials))
		for _, t := range trials {
			if t.vals[k] != "" {
				vals = append(vals, t.vals[k])
			}
		}
		axes[k] = newParallelAxis(p, vals)
	}
	scoring := s.Scoring
	if scoring == "" {
		scoring = "score"
	}
	title := s.Type
	if title == "" {
		title = "search"
	}
	title += fmt.Sprintf(": %d trials, best %.4g", total, hi)
	if total > len(trials) {
		title += fmt.Sprintf(" (%d drawn)", len(trials))
	}
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = ""
	// The axes: vertical lines with their values written beside them.
	axisStyle := draw.LineStyle{Color: color.RGBA{120, 120, 120, 255}, Width: vg.Points(1)}
	var names []string
	var marks plotter.XYLabels
	for k, a := range axes {
		name := a.name
		if a.log {
			name += " (log)"
		}
		names = append(names, name)
		ys, texts := a.labels()
		for i, y := range ys {
			marks.XYs = append(marks.XYs, plotter.XY{X: float64(k), Y: y})
			marks.Labels = append(marks.Labels, " "+texts[i])
		}
	}
	names = append(names, "mean test "+scoring)
	score := len(axes)
	if lo == hi {
		marks.XYs = append(marks.XYs, plotter.XY{X: float64(score), Y: 0.5})
		marks.Labels = append(marks.Labels, fmt.Sprintf(" %.4g", lo))
	} else {
		marks.XYs = append(marks.XYs, plotter.XY{X: float64(score), Y: 0}, plotter.XY{X: float64(score), Y: 1})
		marks.Labels = append(marks.Labels, fmt.Sprintf(" %.4g", lo), fmt.Sprintf(" %.4g", hi))
	}
	for k := range names {
		l, err := plotter.NewLine(plotter.XYs{{X: float64(k), Y: -0.02}, {X: float64(k), Y: 1.02}})
		if err != nil {
			return nil, err
		}
		l.LineStyle = axisStyle
		p.Add(l)
	}
	pal := moreland.SmoothBlueRed()
	pal.SetMin(lo)
	pal.SetMax(math.Max(hi, lo+1e-12))
	for i, t := range trials {
		var xy plotter.XYs
		for k, a := range axes {
			if y, ok := a.pos(t.vals[k]); ok {
				xy = append(xy, plotter.XY{X: float64(k), Y: y})
			}
		}
		y := 0.5
		if hi > lo {
			y = (t.score - lo) / (hi - lo)
		}
		xy = append(xy, plotter.XY{X: float64(score), Y: y})
		if len(xy) < 2 {
			continue
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, err
		}
		c, err := pal.At(t.score)
		if err != nil {
			c = Palette[0]
		}
		l.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(1.2)}
		if i == len(trials)-1 {
			l.LineStyle.Width = vg.Points(3)
		}
		p.Add(l)
	}
	lab, err := plotter.NewLabels(marks)
	if err != nil {
		return nil, err
	}
	for i := range lab.TextStyle {
		lab.TextStyle[i].XAlign = draw.XLeft
		lab.TextStyle[i].YAlign = draw.YCenter
	}
	p.Add(lab)
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.3, float64(len(names)-1)+0.6
	p.Y.Min, p.Y.Max = -0.06, 1.06
	p.HideY()
	return p, nil
}
