package preprocessing

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
)

// encoders_missing.json is written by testdata/gen_encoders_missing.py
// with scikit-learn 1.2.1; null stands for NaN.
type missingFile struct {
	X, T, TU [][]*float64
	Cases    []struct {
		Class      string          `json:"class"`
		Params     json.RawMessage `json:"params"`
		Input      string          `json:"input"`
		Error      string          `json:"error"`
		Categories [][]*float64    `json:"categories"`
		Out        []*float64      `json:"out"`
		OutShape   []int           `json:"out_shape"`
		Inverse    []*float64      `json:"inverse"`
	} `json:"cases"`
	Labels []struct {
		Labels  []string `json:"labels"`
		Classes []string `json:"classes"`
		Encoded []int    `json:"encoded"`
	} `json:"labels"`
}

func nullable(v []*float64) []float64 {
	out := make([]float64, len(v))
	for i, p := range v {
		out[i] = math.NaN()
		if p != nil {
			out[i] = *p
		}
	}
	return out
}

func nullableDense(rows [][]*float64) *mat.Dense {
	m := mat.NewDense(len(rows), len(rows[0]), nil)
	for i, r := range rows {
		m.SetRow(i, nullable(r))
	}
	return m
}

func sameNaN(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return x == y || math.IsNaN(x) && math.IsNaN(y) })
}

// TestEncodersMissingParity: NaN as a category of its own (sorted last),
// explicit categories, unknown_value and encoded_missing_value agree
// exactly with scikit-learn 1.2.1: categories_, the transform of new rows
// (unknown and unseen-missing values included) and its inverse; and fit
// fails where scikit-learn's does, naming the same parameter.
func TestEncodersMissingParity(t *testing.T) {
	var f missingFile
	testutil.ReadJSON(t, "testdata/encoders_missing.json", &f)
	X := nullableDense(f.X)
	for _, c := range f.Cases {
		t.Run(fmt.Sprintf("%s%s/%s", c.Class, c.Params, c.Input), func(t *testing.T) {
			e, err := ml.New(c.Class, c.Params)
			if err != nil {
				t.Fatal(err)
			}
			err = e.Fit(context.Background(), X, nil)
			if c.Error != "" {
				want := "categories"
				switch {
				case strings.HasPrefix(c.Error, "encoded_missing_value"):
					want = "encoded_missing_value"
				case strings.Contains(c.Error, "unknown_value"):
					want = "unknown_value"
				}
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("Fit: %v; scikit-learn refuses: %s", err, c.Error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var cats [][]float64
			switch e := e.(type) {
			case *OneHotEncoder:
				cats = e.CategoriesFitted()
			case *OrdinalEncoder:
				cats = e.CategoriesFitted()
			}
			for j, want := range c.Categories {
				if !sameNaN(cats[j], nullable(want)) {
					t.Errorf("categories_[%d] = %v, scikit-learn %v", j, cats[j], nullable(want))
				}
			}
			in := map[string][][]*float64{"T": f.T, "TU": f.TU}[c.Input]
			Z, err := e.(ml.Transformer).Transform(nullableDense(in))
			if err != nil {
				t.Fatal(err)
			}
			if r, k := Z.Dims(); r != c.OutShape[0] || k != c.OutShape[1] {
				t.Fatalf("transform is %d×%d, scikit-learn %v", r, k, c.OutShape)
			}
			if got := Z.RawMatrix().Data; !sameNaN(got, nullable(c.Out)) {
				t.Errorf("transform\n got %v\nwant %v", got, nullable(c.Out))
			}
			inv, err := e.(ml.InverseTransformer).InverseTransform(Z)
			if err != nil {
				t.Fatal(err)
			}
			if got := inv.RawMatrix().Data; !sameNaN(got, nullable(c.Inverse)) {
				t.Errorf("inverse_transform\n got %v\nwant %v", got, nullable(c.Inverse))
			}
		})
	}
}

// TestLabelEncoderOrder: a text target's classes are its distinct labels
// in Go's byte order, which is scikit-learn's LabelEncoder order (Python
// compares str by code point, UTF-8 bytes keep that order), and the
// codes are the indices in it: what data.ReadCSV does with a text target
// (data's own tests check the reader; this pins the order).
func TestLabelEncoderOrder(t *testing.T) {
	var f missingFile
	testutil.ReadJSON(t, "testdata/encoders_missing.json", &f)
	for _, c := range f.Labels {
		classes := slices.Clone(c.Labels)
		sort.Strings(classes)
		classes = slices.Compact(classes)
		if !slices.Equal(classes, c.Classes) {
			t.Errorf("classes %q, LabelEncoder %q", classes, c.Classes)
		}
		for i, l := range c.Labels {
			if k, _ := slices.BinarySearch(classes, l); k != c.Encoded[i] {
				t.Errorf("%q coded %d, LabelEncoder %d", l, k, c.Encoded[i])
			}
		}
	}
}
