// Package plots draws what a run recorded as PNG or SVG images with
// gonum.org/v1/plot (pure Go): the loss and metric series of a network
// run, the learning or validation curve of a run with one (train/curve.go),
// the heatmap of a grid search over two parameters and the parallel
// coordinates of its trials (train/search.go's cv_results), and a classifier's test confusion matrix, ROC and
// precision-recall curves and a model's feature importances
// (train/plotdata.go) and permutation importances (train/permutation.go),
// and an unsupervised run's 2-D embedding, an
// agglomerative clustering's dendrogram and a classifier's decision
// boundary on two features (train/plotshapes.go). It reads only JSON (the run's recorded result or the model
// file's model_selection) and the metric series, so that the CLI and the
// service draw the same images from the same records.
package plots

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/mlforge/mlforge/api"
)

// The kinds of plot.
const (
	KindLoss   = "loss"   // the metric series (loss, val_loss, val_accuracy, ...) by epoch
	KindCurve  = "curve"  // a learning_curve or validation_curve: mean train and test scores ± std
	KindSearch = "search" // a grid search's mean test score over two parameters (or one)

	KindConfusion   = "confusion"   // the test confusion matrix as a heatmap (confusion.go)
	KindROC         = "roc"         // ROC curves of the test scores with their AUC (roc.go)
	KindPR          = "pr"          // precision-recall curves with their average precision (roc.go)
	KindImportances = "importances" // the final estimator's largest feature importances or |coef_| (importances.go)
	KindPermutation = "permutation" // permutation_importance on the test part: mean ± std per feature (permutation.go)

	KindEmbedding  = "embedding"  // an unsupervised run's 2-D scatter, coloured by label or cluster (embedding.go)
	KindDendrogram = "dendrogram" // an agglomerative clustering's merge tree (dendrogram.go)
	KindBoundary   = "boundary"   // a classifier's decision regions on two features (boundary.go)

	KindParallel = "parallel" // a search's trials as parallel coordinates: the parameters against the mean test score (parallel.go)
)

// Kinds are every kind, in the order they are listed.
var Kinds = []string{KindLoss, KindCurve, KindSearch, KindConfusion, KindROC, KindPR, KindImportances, KindPermutation, KindEmbedding, KindDendrogram, KindBoundary, KindParallel}

// Size bounds, in pixels.
const (
	DefaultWidth  = 640
	DefaultHeight = 480
	MinSize       = 64
	MaxSize       = 4096
)

// maxSeriesPoints bounds the points drawn per series; longer series are
// thinned evenly (the last point is kept).
const maxSeriesPoints = 5000

// maxSearchCells bounds the heatmap's cells (the grid's rows × columns).
const maxSearchCells = 10000

// Source is what a run recorded.
type Source struct {
	// Name titles the plots (the run's name).
	Name string
	// Series are the run's metric series by name (the store's).
	Series map[string][]api.Point
	// Selection is the run's model selection as JSON: either the run
	// result (with "search", "curve" or "cv" fields, and a classifier's
	// "labels", "confusion_matrix" and "test_curves", and "importances")
	// or a model file's model_selection ({"search": ...},
	// {"learning_curve": ...}, ...).
	Selection json.RawMessage
}

// Error is a plot request that cannot be drawn: an unknown kind, a kind
// the run has no data for, a bad format or size. It is the caller's
// mistake (HTTP 4xx, exit code 2).
type Error struct {
	Field string // "kind", "format", "width", "height"
	Msg   string
}

func (e *Error) Error() string { return e.Field + ": " + e.Msg }

// BadInput marks the error as the caller's.
func (e *Error) BadInput() bool { return true }

// Options say how to draw.
type Options struct {
	Format        string // "png" or "svg"
	Width, Height int    // pixels; 0 takes the defaults
	// Normalize divides the confusion matrix's counts: "true" over the
	// true labels (each row sums to 1), "pred" over the predicted ones,
	// "all" over every sample; "" or "false" draws counts. Only the
	// confusion kind takes it.
	Normalize string
}

type curveJSON struct {
	Kind      string `json:"kind"`
	Scoring   string `json:"scoring"`
	ParamName string `json:"param_name"`
	Points    []struct {
		Param          string  `json:"param"`
		NTrain         int     `json:"n_train"`
		MeanTrainScore float64 `json:"mean_train_score"`
		StdTrainScore  float64 `json:"std_train_score"`
		MeanTestScore  float64 `json:"mean_test_score"`
		StdTestScore   float64 `json:"std_test_score"`
	} `json:"points"`
}

type searchJSON struct {
	Type    string `json:"type"`
	Scoring string `json:"scoring"`
	Results []struct {
		Params        map[string]json.RawMessage `json:"params"`
		MeanTestScore *float64                   `json:"mean_test_score"`
	} `json:"cv_results"`
}

type selection struct {
	Search          *searchJSON `json:"search"`
	Curve           *curveJSON  `json:"curve"`
	LearningCurve   *curveJSON  `json:"learning_curve"`
	ValidationCurve *curveJSON  `json:"validation_curve"`

	// What a classifier's run records of its test data, and the final
	// estimator's importances (the service's run result).
	Labels      []string         `json:"labels"`
	Confusion   [][]int          `json:"confusion_matrix"`
	TestCurves  *testCurvesJSON  `json:"test_curves"`
	Importances *importancesJSON `json:"importances"`
	Permutation *permutationJSON `json:"permutation_importance"`

	// What an unsupervised run records of its training rows, and a
	// classifier's decision regions.
	Embedding  *embeddingJSON  `json:"embedding"`
	Dendrogram *dendrogramJSON `json:"dendrogram"`
	Boundary   *boundaryJSON   `json:"boundary"`
}

func (s Source) selection() (selection, error) {
	var sel selection
	if len(s.Selection) == 0 || string(s.Selection) == "null" {
		return sel, nil
	}
	if err := json.Unmarshal(s.Selection, &sel); err != nil {
		return sel, fmt.Errorf("plots: reading the run's model selection: %w", err)
	}
	return sel, nil
}

func (sel selection) curve() *curveJSON {
	for _, c := range []*curveJSON{sel.Curve, sel.LearningCurve, sel.ValidationCurve} {
		if c != nil && len(c.Points) > 0 {
			return c
		}
	}
	return nil
}

// Available lists the kinds s has data for, in Kinds order.
func Available(s Source) []string {
	var out []string
	for _, k := range Kinds {
		if missing(s, k) == "" {
			out = append(out, k)
		}
	}
	return out
}

// missing says what s lacks to draw kind, "" when nothing.
func missing(s Source, kind string) string {
	sel, err := s.selection()
	if err != nil {
		return err.Error()
	}
	switch kind {
	case KindLoss:
		for _, pts := range s.Series {
			if len(pts) > 0 {
				return ""
			}
		}
		return "the run recorded no metric series (loss curves come from network runs' epochs)"
	case KindCurve:
		if sel.curve() == nil {
			return "the run has no learning_curve or validation_curve (the spec's model_selection)"
		}
	case KindSearch, KindParallel:
		if sel.Search == nil || len(sel.Search.Results) == 0 {
			return "the run has no search results (a model_selection search's cv_results)"
		}
		if len(searchParams(sel.Search)) == 0 {
			return "the search varied no parameter"
		}
	case KindConfusion:
		if len(sel.Confusion) == 0 {
			return "the run recorded no confusion matrix (classifier runs record their test data's)"
		}
	case KindROC, KindPR:
		if sel.TestCurves == nil || len(sel.TestCurves.Classes) == 0 {
			return "the run recorded no test curves (classifier runs with predict_proba or decision_function, test data and at most 20 classes record them)"
		}
	case KindImportances:
		if sel.Importances == nil || len(sel.Importances.Values) == 0 {
			return "the run recorded no importances (trees, forests and boosting have feature_importances_, linear models coef_)"
		}
	case KindPermutation:
		if !sel.Permutation.ok() {
			return "the run has no permutation_importance (the spec's permutation_importance step of a classifier or regressor)"
		}
	case KindEmbedding:
		if sel.Embedding == nil || len(sel.Embedding.X) == 0 || len(sel.Embedding.X) != len(sel.Embedding.Y) {
			return "the run recorded no embedding (unsupervised runs of a transformer with two or more components, or of a clusterer on two or more features, record one)"
		}
	case KindDendrogram:
		if sel.Dendrogram == nil {
			return "the run recorded no merge tree (AgglomerativeClustering runs record children_ and distances_)"
		}
		if m := sel.Dendrogram.check(); m != "" {
			return m
		}
	case KindBoundary:
		if sel.Boundary == nil || sel.Boundary.cells() == nil {
			return "the run recorded no decision boundary (classifier runs on two or more numeric features record one)"
		}
	}
	return ""
}

// CheckKind returns an *Error for a kind that is not one of Kinds.
func CheckKind(kind string) error {
	for _, k := range Kinds {
		if k == kind {
			return nil
		}
	}
	return &Error{Field: "kind", Msg: fmt.Sprintf("unknown plot kind %q; the kinds are %s", kind, strings.Join(Kinds, ", "))}
}

// CheckOptions validates o and fills in its defaults.
func CheckOptions(o *Options) error {
	switch o.Format {
	case "":
		o.Format = "png"
	case "png", "svg":
	default:
		return &Error{Field: "format", Msg: fmt.Sprintf("unknown image format %q; the formats are png, svg", o.Format)}
	}
	for _, d := range []struct {
		name string
		v    *int
		def  int
	}{{"width", &o.Width, DefaultWidth}, {"height", &o.Height, DefaultHeight}} {
		if *d.v == 0 {
			*d.v = d.def
		}
		if *d.v < MinSize || *d.v > MaxSize {
			return &Error{Field: d.name, Msg: fmt.Sprintf("%d pixels is out of range: it must be between %d and %d", *d.v, MinSize, MaxSize)}
		}
	}
	return checkNormalize(o)
}

// Draw draws kind from s in o's format.
func Draw(s Source, kind string, o Options) ([]byte, error) {
	if err := CheckKind(kind); err != nil {
		return nil, err
	}
	if err := CheckOptions(&o); err != nil {
		return nil, err
	}
	if o.Normalize != "" && kind != KindConfusion {
		return nil, &Error{Field: "normalize", Msg: fmt.Sprintf("only the %s plot is normalised, not %q", KindConfusion, kind)}
	}
	if m := missing(s, kind); m != "" {
		return nil, &Error{Field: "kind", Msg: fmt.Sprintf("cannot draw %q: %s; this run has %s", kind, m, availableText(s))}
	}
	sel, _ := s.selection()
	var p *plot.Plot
	var err error
	switch kind {
	case KindLoss:
		p, err = drawLoss(s.Series)
	case KindCurve:
		p, err = drawCurve(sel.curve())
	case KindSearch:
		p, err = drawSearch(sel.Search)
	case KindConfusion:
		p, err = drawConfusion(sel.Confusion, sel.Labels, o)
	case KindROC, KindPR:
		p, err = drawTestCurves(sel.TestCurves, kind == KindROC)
	case KindImportances:
		p, err = drawImportances(sel.Importances, o)
	case KindPermutation:
		p, err = drawPermutation(sel.Permutation, o)
	case KindEmbedding:
		p, err = drawEmbedding(sel.Embedding)
	case KindDendrogram:
		p, err = drawDendrogram(sel.Dendrogram)
	case KindBoundary:
		p, err = drawBoundary(sel.Boundary)
	case KindParallel:
		p, err = drawParallel(sel.Search)
	}
	if err != nil {
		return nil, err
	}
	if s.Name != "" {
		p.Title.Text = s.Name + ": " + p.Title.Text
	}
	return render(p, o)
}

func availableText(s Source) string {
	a := Available(s)
	if len(a) == 0 {
		return "no data to plot"
	}
	return "data for " + strings.Join(a, ", ")
}

// render writes p at o's size; a pixel is one point at 72 dpi... gonum's
// PNG canvas draws at 96 dpi, so lengths are converted accordingly.
func render(p *plot.Plot, o Options) ([]byte, error) {
	w := vg.Length(o.Width) * vg.Inch / 96
	h := vg.Length(o.Height) * vg.Inch / 96
	wt, err := p.WriterTo(w, h, o.Format)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Palette are the series colours (distinct, colour-blind safe: Okabe-Ito).
var Palette = []color.RGBA{
	{0, 114, 178, 255},   // blue
	{230, 159, 0, 255},   // orange
	{0, 158, 115, 255},   // green
	{213, 94, 0, 255},    // vermillion
	{204, 121, 167, 255}, // purple
	{86, 180, 233, 255},  // sky blue
	{240, 228, 66, 255},  // yellow
	{0, 0, 0, 255},       // black
}

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	return p
}

func addLine(p *plot.Plot, name string, xy plotter.XYs, c color.RGBA) error {
	l, err := plotter.NewLine(xy)
	if err != nil {
		return err
	}
	l.Color = c
	l.Width = vg.Points(2)
	p.Add(l)
	p.Legend.Add(name, l)
	return nil
}

func drawLoss(series map[string][]api.Point) (*plot.Plot, error) {
	names := make([]string, 0, len(series))
	byEpoch := true
	for n, pts := range series {
		if len(pts) == 0 {
			continue
		}
		names = append(names, n)
		for _, pt := range pts {
			if pt.Epoch <= 0 {
				byEpoch = false
			}
		}
	}
	sort.Strings(names)
	xl := "step"
	if byEpoch {
		xl = "epoch"
	}
	p := newPlot("metrics", xl, "value")
	for i, n := range names {
		pts := series[n]
		stride := (len(pts) + maxSeriesPoints - 1) / maxSeriesPoints
		var xy plotter.XYs
		for j := 0; j < len(pts); j += stride {
			xy = appendFinite(xy, pts[j], byEpoch)
		}
		if (len(pts)-1)%stride != 0 {
			xy = appendFinite(xy, pts[len(pts)-1], byEpoch)
		}
		if len(xy) == 0 {
			continue
		}
		if err := addLine(p, n, xy, Palette[i%len(Palette)]); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func appendFinite(xy plotter.XYs, pt api.Point, byEpoch bool) plotter.XYs {
	if math.IsNaN(pt.Value) || math.IsInf(pt.Value, 0) {
		return xy
	}
	x := float64(pt.Step)
	if byEpoch {
		x = float64(pt.Epoch)
	}
	return append(xy, plotter.XY{X: x, Y: pt.Value})
}

func drawCurve(c *curveJSON) (*plot.Plot, error) {
	xl := "training examples"
	numeric := true
	if c.Kind == "validation_curve" {
		xl = c.ParamName
		for _, pt := range c.Points {
			if _, err := parseFloat(pt.Param); err != nil {
				numeric = false
			}
		}
	}
	p := newPlot(c.Kind, xl, c.Scoring)
	var names []string
	train := make(plotter.XYs, 0, len(c.Points))
	test := make(plotter.XYs, 0, len(c.Points))
	var trainBand, testBand []plotter.XY
	for i, pt := range c.Points {
		x := float64(i)
		switch {
		case c.Kind != "validation_curve":
			x = float64(pt.NTrain)
		case numeric:
			x, _ = parseFloat(pt.Param)
		}
		names = append(names, pt.Param)
		train = append(train, plotter.XY{X: x, Y: pt.MeanTrainScore})
		test = append(test, plotter.XY{X: x, Y: pt.MeanTestScore})
		trainBand = append(trainBand, plotter.XY{X: x, Y: pt.MeanTrainScore + pt.StdTrainScore})
		testBand = append(testBand, plotter.XY{X: x, Y: pt.MeanTestScore + pt.StdTestScore})
	}
	for i := len(c.Points) - 1; i >= 0; i-- {
		pt := c.Points[i]
		trainBand = append(trainBand, plotter.XY{X: train[i].X, Y: pt.MeanTrainScore - pt.StdTrainScore})
		testBand = append(testBand, plotter.XY{X: test[i].X, Y: pt.MeanTestScore - pt.StdTestScore})
	}
	for i, band := range [][]plotter.XY{trainBand, testBand} {
		poly, err := plotter.NewPolygon(plotter.XYs(band))
		if err != nil {
			return nil, err
		}
		c := Palette[i]
		// color.RGBA is alpha-premultiplied: a translucent band needs NRGBA.
		poly.Color = color.NRGBA{c.R, c.G, c.B, 60}
		poly.LineStyle.Width = 0
		poly.LineStyle.Color = color.Transparent
		p.Add(poly)
	}
	if err := addLine(p, "train", train, Palette[0]); err != nil {
		return nil, err
	}
	if err := addLine(p, "cross-validation", test, Palette[1]); err != nil {
		return nil, err
	}
	if c.Kind == "validation_curve" && !numeric {
		p.NominalX(names...)
	}
	return p, nil
}

func parseFloat(s string) (float64, error) {
	var f float64
	if err := json.Unmarshal([]byte(s), &f); err != nil {
		return 0, err
	}
	return f, nil
}

// searchParams are the parameters whose value differs between candidates,
// sorted.
func searchParams(s *searchJSON) []string {
	seen := map[string]map[string]bool{}
	for _, c := range s.Results {
		for k, v := range c.Params {
			if seen[k] == nil {
				seen[k] = map[string]bool{}
			}
			seen[k][string(v)] = true
		}
	}
	var out []string
	for k, vals := range seen {
		if len(vals) > 1 {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// grid is the heatmap's cells: Z[row][col], NaN where no candidate.
type grid struct {
	cols, rows []string
	z          [][]float64
}

func (g grid) Dims() (c, r int)   { return len(g.cols), len(g.rows) }
func (g grid) Z(c, r int) float64 { return g.z[r][c] }
func (g grid) X(c int) float64    { return float64(c) }
func (g grid) Y(r int) float64    { return float64(r) }

// drawSearch draws the mean test score over the search's first two varied
// parameters (alphabetically); with more, each cell is the best score over
// the others, as a heatmap with the score written in each cell.
func drawSearch(s *searchJSON) (*plot.Plot, error) {
	params := searchParams(s)
	px := params[0]
	py := ""
	if len(params) > 1 {
		py = params[1]
	}
	colIdx, rowIdx := map[string]int{}, map[string]int{}
	var cols, rows []string
	for _, c := range s.Results {
		if v := string(c.Params[px]); v != "" {
			if _, ok := colIdx[v]; !ok {
				colIdx[v] = len(cols)
				cols = append(cols, v)
			}
		}
		v := ""
		if py != "" {
			v = string(c.Params[py])
		}
		if _, ok := rowIdx[v]; !ok {
			rowIdx[v] = len(rows)
			rows = append(rows, v)
		}
	}
	if len(cols)*len(rows) > maxSearchCells {
		return nil, &Error{Field: "kind", Msg: fmt.Sprintf("the search's grid has %d × %d cells, more than the %d a heatmap draws", len(cols), len(rows), maxSearchCells)}
	}
	sortValues(cols, colIdx)
	sortValues(rows, rowIdx)
	g := grid{cols: cols, rows: rows, z: make([][]float64, len(rows))}
	for r := range g.z {
		g.z[r] = make([]float64, len(cols))
		for c := range g.z[r] {
			g.z[r][c] = math.NaN()
		}
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range s.Results {
		ci, ok := colIdx[string(c.Params[px])]
		if !ok || c.MeanTestScore == nil || math.IsNaN(*c.MeanTestScore) {
			continue
		}
		ri := rowIdx[""]
		if py != "" {
			ri = rowIdx[string(c.Params[py])]
		}
		v := *c.MeanTestScore
		if cur := g.z[ri][ci]; math.IsNaN(cur) || v > cur {
			g.z[ri][ci] = v
		}
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if math.IsInf(lo, 0) {
		return nil, &Error{Field: "kind", Msg: "cannot draw \"search\": no candidate of the search has a test score"}
	}
	title := s.Type
	if title == "" {
		title = "search"
	}
	p := newPlot(title+" (mean test "+s.Scoring+")", px, py)
	p.Legend.Top = false
	pal := moreland.SmoothBlueRed()
	if hi == lo {
		hi = lo + 1
	}
	pal.SetMin(lo)
	pal.SetMax(hi)
	hm := plotter.NewHeatMap(g, pal.Palette(255))
	hm.Min, hm.Max = lo, hi
	hm.NaN = color.RGBA{220, 220, 220, 255}
	p.Add(hm)
	var labels plotter.XYLabels
	for r := range rows {
		for c := range cols {
			if z := g.z[r][c]; !math.IsNaN(z) {
				labels.XYs = append(labels.XYs, plotter.XY{X: float64(c), Y: float64(r)})
				labels.Labels = append(labels.Labels, fmt.Sprintf("%.3g", z))
			}
		}
	}
	if len(labels.XYs) > 0 && len(labels.XYs) <= 400 {
		l, err := plotter.NewLabels(labels)
		if err != nil {
			return nil, err
		}
		for i := range l.TextStyle {
			l.TextStyle[i].XAlign = draw.XCenter
			l.TextStyle[i].YAlign = draw.YCenter
		}
		p.Add(l)
	}
	p.NominalX(unquote(cols)...)
	if py == "" {
		p.HideY()
	} else {
		p.NominalY(unquote(rows)...)
	}
	return p, nil
}

// sortValues sorts parameter values (JSON texts) numerically when they are
// all numbers, as text otherwise, and renumbers idx.
func sortValues(vals []string, idx map[string]int) {
	numeric := true
	for _, v := range vals {
		if _, err := parseFloat(v); err != nil {
			numeric = false
		}
	}
	sort.SliceStable(vals, func(i, j int) bool {
		if numeric {
			a, _ := parseFloat(vals[i])
			b, _ := parseFloat(vals[j])
			return a < b
		}
		return vals[i] < vals[j]
	})
	for i, v := range vals {
		idx[v] = i
	}
}

// unquote turns JSON string values ("rbf") into their text for tick labels.
func unquote(vals []string) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = v
		var s string
		if json.Unmarshal([]byte(v), &s) == nil {
			out[i] = s
		}
	}
	return out
}
