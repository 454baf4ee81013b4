package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/data/source"
	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/internal/suggest"
	"github.com/mlforge/mlforge/internal/text"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/tensor"
)

// A sequence run (spec.Sequence): the table's rows, in file order, are
// windowed into samples of shape (window, features) with the target
// horizon rows after each window. The windows are never materialized: a
// windowDataset slices them from the series when the loader asks, so a
// run holds the series (rows × features float32) and one batch of
// windows, which the plan's activation budget covers.

// sequenceColumns returns the feature columns of a sequence spec: the
// spec's, or every column of the table (the target included).
func sequenceColumns(sq *spec.Sequence, names []string) []string {
	if len(sq.Columns) > 0 {
		return sq.Columns
	}
	return names
}

// tableNames lists the columns of the training table as far as the probe
// knows them: the header, or a built-in frame's features and target.
func tableNames(h *source.Header, f *data.Frame) []string {
	if f != nil {
		return append(slices.Clone(f.Features), f.Target)
	}
	if h != nil {
		return h.Names
	}
	return nil
}

// checkSequence reshapes the probe of a sequence spec's table into the
// windows' shape (window, features), checking the columns against the
// table's and the recurrent layers' batch_first. It reports false when a
// problem was added.
func (p *Plan) checkSequence(c *problems, info *source.Probe, h *source.Header) bool {
	s := p.spec
	sq := s.Data.Sequence
	if info.Kind != data.TableData {
		return false // Validate reports data.sequence
	}
	names := tableNames(h, info.Frame)
	if names == nil {
		c.add("data.train", "cannot read the column names of "+text.Quote(text.Abbrev(s.Data.Train.String())))
		return false
	}
	ok := true
	for i, col := range sq.Columns {
		if !contains(names, col) {
			c.add(fmt.Sprintf("data.sequence.columns[%d]", i), fmt.Sprintf("no column %s in %s%s; columns: %s",
				text.Quote(text.Abbrev(col)), text.Quote(text.Abbrev(s.Data.Train.String())), suggest.Hint(col, names), text.List(names)))
			ok = false
		}
	}
	for i, l := range s.Model.Layers {
		var typ string
		if raw, has := l["type"]; has {
			typ = string(raw)
			if len(typ) >= 2 {
				typ = typ[1 : len(typ)-1]
			}
		}
		if spec.IsRecurrent(typ) && string(l["batch_first"]) != "true" {
			c.add(fmt.Sprintf("model.layers[%d].batch_first", i), fmt.Sprintf("a sequence's windows come batch first, shaped (N, window, features); set \"batch_first\": true on the %s", typ))
			ok = false
		}
	}
	if !ok {
		return false
	}
	cols := sequenceColumns(sq, names)
	if f := info.Frame; f != nil {
		if n := f.Len(); n < sq.Window+sq.Horizon {
			c.add("data.sequence.window", fmt.Sprintf("%s has %d rows, fewer than window + horizon = %d (one sample)", text.Quote(text.Abbrev(s.Data.Train.String())), n, sq.Window+sq.Horizon))
			return false
		}
	}
	info.Shape = []int{sq.Window, len(cols)}
	info.Features = cols
	return true
}

// series is one table's feature columns as float32 rows and its target
// per row (a class index for a classifier, the value otherwise).
type series struct {
	x      []float32 // rows × features
	y      []float32 // one per row
	yValue []float64 // the target per row as the metrics see it
	rows   int
}

// seriesOf reads the sequence's columns and target out of f, with the
// class positions of a classifier (nil for a regressor).
func seriesOf(f *data.Frame, cols []string, pos map[float64]int, limits budget.Limits) (*series, error) {
	n, F := f.Len(), len(cols)
	need := budget.Mul(int64(n), int64(F+1), 4)
	if err := limits.CheckRun("data.sequence", "the series of "+f.Source, need, fmt.Sprintf("%d rows × %d columns", n, F)); err != nil {
		return nil, err
	}
	get := make([]func(i int) float64, F)
	for j, col := range cols {
		switch k := slices.Index(f.Features, col); {
		case col == f.Target:
			if f.Classes != nil {
				return nil, &data.Error{File: f.Source, Column: col, Msg: "the target holds text; as an input column of a sequence it must hold numbers (leave it out of data.sequence.columns)"}
			}
			get[j] = func(i int) float64 { return f.Y[i] }
		case k < 0:
			return nil, &data.Error{File: f.Source, Column: col, Msg: "no such column (data.sequence.columns names it)"}
		default:
			if _, text := f.Text[col]; text {
				return nil, &data.Error{File: f.Source, Column: col, Msg: "holds text; a sequence network takes numeric columns only"}
			}
			get[j] = func(i int) float64 { return f.X.At(i, k) }
		}
	}
	s := &series{x: make([]float32, n*F), y: make([]float32, n), yValue: slices.Clone(f.Y), rows: n}
	for i := range n {
		for j := range F {
			v := get[j](i)
			if math.IsNaN(v) {
				return nil, &data.Error{File: f.Source, Line: f.Line(i), Column: cols[j], Msg: "missing value; a sequence needs every row of its columns"}
			}
			s.x[i*F+j] = float32(v)
		}
		v := f.Y[i]
		if math.IsNaN(v) {
			return nil, &data.Error{File: f.Source, Line: f.Line(i), Column: f.Target, Msg: "missing target value"}
		}
		if pos != nil {
			s.y[i] = float32(pos[v])
		} else {
			s.y[i] = float32(v)
		}
	}
	return s, nil
}

// part returns rows [lo, hi) of s.
func (s *series) part(lo, hi int) *series {
	F := len(s.x) / max(s.rows, 1)
	return &series{x: s.x[lo*F : hi*F], y: s.y[lo:hi], yValue: s.yValue[lo:hi], rows: hi - lo}
}

// windowDataset is the windows of a series: sample i is the rows
// [i·stride, i·stride+window) and the target of row i·stride+window-1+horizon.
type windowDataset struct {
	s                       *series
	window, horizon, stride int
	features                int
	classes                 bool // targets are class indices (shape ()), else one value (1)
}

// Windows is the number of windows of rows rows.
func windows(rows, window, horizon, stride int) int {
	if rows < window+horizon {
		return 0
	}
	return (rows-window-horizon)/stride + 1
}

func (d *windowDataset) Len() int { return windows(d.s.rows, d.window, d.horizon, d.stride) }

func (d *windowDataset) targetRow(i int) int { return i*d.stride + d.window - 1 + d.horizon }

func (d *windowDataset) Get(i int, _ *rand.Rand) (x, y *tensor.Tensor, err error) {
	if i < 0 || i >= d.Len() {
		return nil, nil, fmt.Errorf("train: window %d out of range [0, %d)", i, d.Len())
	}
	lo := i * d.stride * d.features
	x = &tensor.Tensor{Shape: []int{d.window, d.features}, Data: d.s.x[lo : lo+d.window*d.features : lo+d.window*d.features]}
	t := d.targetRow(i)
	if d.classes {
		y = &tensor.Tensor{Shape: []int{}, Data: d.s.y[t : t+1 : t+1]}
	} else {
		y = &tensor.Tensor{Shape: []int{1}, Data: d.s.y[t : t+1 : t+1]}
	}
	return x, y, nil
}

// GetInto copies window i and its target into x and y.
func (d *windowDataset) GetInto(i int, _ *rand.Rand, x, y []float32) error {
	if i < 0 || i >= d.Len() {
		return fmt.Errorf("train: window %d out of range [0, %d)", i, d.Len())
	}
	if len(x) != d.window*d.features || len(y) != 1 {
		return fmt.Errorf("train: window %d has %d values and 1 target, the batch wants %d and %d", i, d.window*d.features, len(x), len(y))
	}
	copy(x, d.s.x[i*d.stride*d.features:])
	y[0] = d.s.y[d.targetRow(i)]
	return nil
}

// values returns the targets of every window as the metrics see them.
func (d *windowDataset) values() []float64 {
	out := make([]float64, d.Len())
	for i := range out {
		out[i] = d.s.yValue[d.targetRow(i)]
	}
	return out
}

// loadSequenceData loads a sequence spec's table(s) and windows them; the
// split, without data.test, is chronological: the last
// ceil(test_size·rows) rows test, each part windowed on its own.
func (p *Plan) loadSequenceData() (*netData, error) {
	s, info := p.spec, p.Net
	sq := s.Data.Sequence
	var trainF, testF *data.Frame
	var err error
	if p.probe != nil && p.probe.Frame != nil {
		trainF = p.probe.Frame
	} else if trainF, err = source.LoadTable(p.root, src(s.Data.Train), s.Data.Target, nil); err != nil {
		return nil, err
	}
	if trainF.Y == nil {
		return nil, &data.Error{File: trainF.Source, Msg: "the data has no target column"}
	}
	if info.Task == ml.Regression && trainF.Classes != nil {
		return nil, &data.Error{File: trainF.Source, Column: trainF.Target, Msg: fmt.Sprintf("the target holds text (e.g. %q) but the criterion %s regresses numbers; use a loss of classes such as CrossEntropyLoss", trainF.Classes[0], s.Criterion.Type)}
	}
	if !s.Data.Test.IsZero() {
		if testF, err = source.LoadTable(p.root, src(s.Data.Test), trainF.Target, trainF); err != nil {
			return nil, err
		}
	}
	d := &netData{target: trainF.Target, features: info.Features}
	var pos map[float64]int
	if info.Task == ml.Classification {
		all := trainF.Y
		if testF != nil {
			all = slices.Concat(trainF.Y, testF.Y)
		}
		if d.classes, _, err = ml.EncodeClasses(all); err != nil {
			return nil, err
		}
		pos = make(map[float64]int, len(d.classes))
		for i, c := range d.classes {
			pos[c] = i
		}
		if trainF.Classes != nil {
			d.labels = labelsFor(d.classes, trainF.Classes)
		}
		if len(s.Labels) > 0 {
			d.labels = s.Labels[:min(len(s.Labels), len(d.classes))]
		}
		if len(d.classes) != info.NLabels {
			return nil, &data.Error{File: trainF.Source, Column: trainF.Target, Msg: fmt.Sprintf("the target has %d classes in the training and test data, but the network was built for %d", len(d.classes), info.NLabels)}
		}
	}
	trS, err := seriesOf(trainF, info.Features, pos, p.opt.Limits)
	if err != nil {
		return nil, err
	}
	var teS *series
	if testF != nil {
		if teS, err = seriesOf(testF, info.Features, pos, p.opt.Limits); err != nil {
			return nil, err
		}
	} else {
		nTest := int(math.Ceil(s.Data.Split.TestSize * float64(trS.rows)))
		cut := trS.rows - nTest
		trS, teS = trS.part(0, cut), trS.part(cut, trS.rows)
	}
	mk := func(sr *series) *windowDataset {
		return &windowDataset{s: sr, window: sq.Window, horizon: sq.Horizon, stride: sq.Stride, features: len(info.Features), classes: pos != nil}
	}
	tr, te := mk(trS), mk(teS)
	need := sq.Window + sq.Horizon
	if tr.Len() == 0 {
		return nil, &data.Error{File: trainF.Source, Msg: fmt.Sprintf("the training part has %d rows, fewer than window + horizon = %d: no window to train on", trS.rows, need)}
	}
	if te.Len() == 0 {
		where := "the test part (the last rows, per data.split.test_size)"
		if testF != nil {
			where = testF.Source
		}
		return nil, &data.Error{File: trainF.Source, Msg: fmt.Sprintf("%s has %d rows, fewer than window + horizon = %d: no window to test on", where, teS.rows, need)}
	}
	d.train, d.trainEval, d.test = tr, tr, te
	d.yTrain, d.yTest = tr.values(), te.values()
	return d, nil
}

// sequenceManifest is the model file's record of a sequence spec.
func sequenceManifest(sq *spec.Sequence, cols []string) *model.Sequence {
	if sq == nil {
		return nil
	}
	return &model.Sequence{Window: sq.Window, Horizon: sq.Horizon, Stride: sq.Stride, Columns: slices.Clone(cols)}
}
