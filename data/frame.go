package data

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/event"
	"github.com/mlforge/mlforge/ml/modelselection"
)

// MaxListed is how many rows or names an error message lists before it
// says how many more there are.
const MaxListed = 5

// Frame is a table of numeric features and an optional target, as read from
// a CSV file or a built-in data set.
type Frame struct {
	// Features are the feature column names, in the column order of X.
	Features []string
	// X holds one row per sample; NaN marks a missing value.
	X *mat.Dense
	// Target is the name of the target column, "" when there is none.
	Target string
	// Y holds one target per row, or is nil when there is no target. When
	// Classes is non-nil, Y[i] is an index into Classes; otherwise it is the
	// target value itself.
	Y []float64
	// Classes are the labels of a text target, sorted ascending as
	// scikit-learn's LabelEncoder sorts them; nil for a numeric target.
	Classes []string
	// Text holds, by feature name, the dictionary of each text feature
	// column: its distinct strings, sorted (for a column read with a
	// model's dictionary, that dictionary and then the strings it lacks).
	// The column's values in X are indices into it, NaN for missing. Nil
	// when every feature is numeric.
	Text map[string][]string
	// Source names where the data came from (a file or data set name); it
	// starts error messages.
	Source string

	// line0 is the file line of the first row when rows lie on consecutive
	// lines; lines holds each row's line otherwise. Both zero: unknown.
	line0 int
	lines []int
}

// Column describes one feature column.
type Column struct {
	Name string `json:"name"`
	// Type is "number", or "text" for a column of strings coded by their
	// index in Categories.
	Type string `json:"type"`
	// Categories is a text column's dictionary (Frame.Text).
	Categories []string `json:"categories,omitempty"`
}

// Len returns the number of rows.
func (f *Frame) Len() int {
	if f.X == nil {
		return 0
	}
	r, _ := f.X.Dims()
	return r
}

// Schema returns the feature columns, in order.
func (f *Frame) Schema() []Column {
	out := make([]Column, len(f.Features))
	for i, n := range f.Features {
		out[i] = Column{Name: n, Type: "number"}
		if d, ok := f.Text[n]; ok {
			out[i] = Column{Name: n, Type: "text", Categories: d}
		}
	}
	return out
}

// Line returns the 1-based file line of row i, or 0 when it is not known
// (for a frame built in code).
func (f *Frame) Line(i int) int {
	if f.lines != nil {
		return f.lines[i]
	}
	if f.line0 > 0 {
		return f.line0 + i
	}
	return 0
}

// Rows returns a new frame holding rows idx of f, in that order. X and Y are
// copied; Features and Classes are shared copies of f's lists.
func (f *Frame) Rows(idx []int) *Frame {
	_, c := f.X.Dims()
	out := &Frame{
		Features: append([]string(nil), f.Features...),
		Target:   f.Target,
		Source:   f.Source,
		Text:     f.Text,
	}
	if f.Classes != nil {
		out.Classes = append([]string(nil), f.Classes...)
	}
	data := make([]float64, len(idx)*c)
	for i, k := range idx {
		copy(data[i*c:(i+1)*c], f.X.RawRowView(k))
	}
	if len(idx) > 0 {
		out.X = mat.NewDense(len(idx), c, data)
	} else {
		out.X = &mat.Dense{}
	}
	if f.Y != nil {
		out.Y = make([]float64, len(idx))
		for i, k := range idx {
			out.Y[i] = f.Y[k]
		}
	}
	if f.line0 > 0 || f.lines != nil {
		out.lines = make([]int, len(idx))
		for i, k := range idx {
			out.lines[i] = f.Line(k)
		}
	}
	return out
}

// Split splits f into a training and a test frame with
// modelselection.TrainTestSplit, stratified by Y when stratify is true.
func (f *Frame) Split(testSize float64, seed int64, stratify bool) (train, test *Frame, err error) {
	tr, te, err := f.SplitRows(testSize, seed, stratify)
	if err != nil {
		return nil, nil, err
	}
	return f.Rows(tr), f.Rows(te), nil
}

// SplitRows returns the rows of Split's training and test frames.
func (f *Frame) SplitRows(testSize float64, seed int64, stratify bool) (train, test []int, err error) {
	var strat []float64
	if stratify {
		if f.Y == nil {
			return nil, nil, &Error{File: f.Source, Msg: "cannot stratify the split: the data has no target column"}
		}
		strat = f.Y
	}
	tr, te, err := modelselection.TrainTestSplit(f.Len(), modelselection.Split{TestSize: testSize, RandomState: seed, Stratify: strat})
	if err != nil {
		var de *event.DataError
		if errors.As(err, &de) {
			return nil, nil, &Error{File: f.Source, Msg: de.Msg, Err: err}
		}
		return nil, nil, err
	}
	return tr, te, nil
}

// Missing returns nil when X has no missing (NaN) value, and otherwise a
// *Error naming the first column that has some, how many, and on which rows
// (file lines when f was read from a file, 1-based data rows otherwise), with
// the advice to add a SimpleImputer. Text columns are left out (train
// checks them with the step that encodes them), and so are the columns
// named in except (those an encoder takes, which encodes NaN as a
// category of its own).
func (f *Frame) Missing(except ...string) error {
	if f.X == nil {
		return nil
	}
	r, c := f.X.Dims()
	raw := f.X.RawMatrix()
	counts := make([]int, c)
	first := -1
	text := make([]bool, c)
	for j, n := range f.Features {
		_, text[j] = f.Text[n]
		text[j] = text[j] || slices.Contains(except, n)
	}
	for i := 0; i < r; i++ {
		for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+c] {
			if math.IsNaN(v) && !text[j] {
				counts[j]++
				if first < 0 || j < first {
					first = j
				}
			}
		}
	}
	if first < 0 {
		return nil
	}
	var where []string
	for i := 0; i < r && len(where) <= MaxListed; i++ {
		if math.IsNaN(raw.Data[i*raw.Stride+first]) {
			n := i + 1
			if l := f.Line(i); l > 0 {
				n = l
			}
			where = append(where, strconv.Itoa(n))
		}
	}
	if len(where) > MaxListed {
		where = append(where[:MaxListed], "...")
	}
	unit := "rows"
	if f.Line(0) > 0 {
		unit = "lines"
	}
	n := counts[first]
	msg := fmt.Sprintf("%d missing value%s (%s %s)", n, plural(n), unit, strings.Join(where, ", "))
	if n == 1 {
		msg = fmt.Sprintf("1 missing value (%s %s)", strings.TrimSuffix(unit, "s"), where[0])
	}
	var others []string
	for j := first + 1; j < c; j++ {
		if counts[j] > 0 {
			others = append(others, f.Features[j])
		}
	}
	if len(others) > 0 {
		msg += fmt.Sprintf("; column%s %s also ha%s missing values", plural(len(others)), quoteList(others, MaxListed), map[bool]string{true: "s", false: "ve"}[len(others) == 1])
	}
	msg += `; add {"type": "SimpleImputer"} to preprocess`
	name := ""
	if first < len(f.Features) {
		name = f.Features[first]
	}
	return &Error{File: f.Source, Column: name, Msg: msg}
}

// Labels maps predicted class indices back to class labels: y[i] must be an
// integer in [0, len(classes)).
func Labels(classes []string, y []float64) ([]string, error) {
	out := make([]string, len(y))
	for i, v := range y {
		k := int(v)
		if float64(k) != v || k < 0 || k >= len(classes) {
			return nil, fmt.Errorf("data: prediction %d is %v, not a class index in [0, %d)", i, v, len(classes))
		}
		out[i] = classes[k]
	}
	return out, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
