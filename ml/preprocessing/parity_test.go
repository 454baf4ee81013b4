package preprocessing

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
)

// nums is a float list in which JSON null stands for NaN and the strings
// "inf" and "-inf" for the infinities.
type nums []float64

func (n *nums) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*n = make([]float64, len(raw))
	for i, p := range raw {
		switch string(p) {
		case "null":
			(*n)[i] = math.NaN()
		case `"inf"`:
			(*n)[i] = math.Inf(1)
		case `"-inf"`:
			(*n)[i] = math.Inf(-1)
		default:
			if err := json.Unmarshal(p, &(*n)[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

type parityCase struct {
	Class     string          `json:"class"`
	Params    json.RawMessage `json:"params"`
	X         string          `json:"x"`
	Transform string          `json:"transform"`
	Attrs     map[string]nums `json:"attrs"`
	Out       nums            `json:"out"`
	OutShape  [2]int          `json:"out_shape"`
	Inverse   nums            `json:"inverse"`
}

// inputX rebuilds gen.py's make_x: "<dataset>[+nan][+empty]".
func inputX(t testing.TB, spec string) *mat.Dense {
	parts := strings.Split(spec, "+")
	X, _ := testutil.LoadCSV(t, "data/datasets/"+parts[0]+".csv")
	r, c := X.Dims()
	for _, p := range parts[1:] {
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				switch {
				case p == "nan" && (7*i+13*j)%11 == 0:
					X.Set(i, j, math.NaN())
				case p == "empty" && j == 0:
					X.Set(i, j, 5)
				case p == "empty" && j == 3:
					X.Set(i, j, math.NaN())
				}
			}
		}
	}
	return X
}

// transformInput rebuilds gen.py's transform_input.
func transformInput(X *mat.Dense, how string) *mat.Dense {
	_, c := X.Dims()
	H := mat.DenseCopyOf(X.Slice(0, 60, 0, c))
	if how == "shifted" {
		H.Apply(func(_, _ int, v float64) float64 { return 2*v + 1 }, H)
	}
	return H
}

// TestParity compares every fitted attribute and output with scikit-learn
// 1.2.1 (testdata/gen.py), bit for bit (see tolR).
func TestParity(t *testing.T) {
	var cases []parityCase
	testutil.ReadJSON(t, "testdata/parity.json", &cases)
	if len(cases) < 25 {
		t.Fatalf("only %d parity cases", len(cases))
	}
	runParity(t, cases, tolR, tolA)
}

// runParity fits each case and compares its fitted attributes, transform
// and inverse with scikit-learn's within rtol and atol.
func runParity(t *testing.T, cases []parityCase, rtol, atol float64) {
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s%s/%s/%s", c.Class, c.Params, c.X, c.Transform), func(t *testing.T) {
			e, err := ml.New(c.Class, c.Params)
			if err != nil {
				t.Fatal(err)
			}
			X := inputX(t, c.X)
			before := mat.DenseCopyOf(X)
			if err := e.Fit(context.Background(), X, nil); err != nil {
				t.Fatal(err)
			}
			if !equalNaN(X, before) {
				t.Fatal("Fit changed X")
			}
			for name, want := range c.Attrs {
				got := attr(e, name)
				if want == nil {
					if got != nil {
						t.Errorf("%s = %v, sklearn None", name, got)
					}
					continue
				}
				testutil.AllClose(t, name, got, want, rtol, atol)
			}
			tr := e.(ml.Transformer)
			T := transformInput(X, c.Transform)
			Z, err := tr.Transform(T)
			if err != nil {
				t.Fatal(err)
			}
			if r, k := Z.Dims(); r != c.OutShape[0] || k != c.OutShape[1] {
				t.Fatalf("Transform shape %dx%d, sklearn %v", r, k, c.OutShape)
			}
			testutil.AllClose(t, "transform", Z.RawMatrix().Data, c.Out, rtol, atol)
			if c.Inverse != nil {
				inv, err := e.(ml.InverseTransformer).InverseTransform(Z)
				if err != nil {
					t.Fatal(err)
				}
				testutil.AllClose(t, "inverse_transform", inv.RawMatrix().Data, c.Inverse, rtol, atol)
			}
		})
	}
}

// attr returns the fitted attribute name of e as floats, nil when absent.
func attr(e ml.Estimator, name string) []float64 {
	ints := func(v []int) []float64 {
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = float64(x)
		}
		return out
	}
	switch e := e.(type) {
	case *StandardScaler:
		switch name {
		case "mean_":
			return e.Mean()
		case "var_":
			return e.Var()
		case "scale_":
			return e.Scale()
		case "n_samples_seen_":
			return ints(e.NSamplesSeen())
		}
	case *MinMaxScaler:
		n := e.NFeaturesIn()
		switch name {
		case "data_min_":
			return e.DataMin()
		case "data_max_":
			return e.DataMax()
		case "data_range_":
			return e.DataRange()
		case "scale_":
			return e.Scale()
		case "min_":
			return e.Min()
		case "n_samples_seen_":
			v := make([]float64, n)
			for i := range v {
				v[i] = float64(e.NSamplesSeen())
			}
			return v
		}
	case *SimpleImputer:
		if name == "statistics_" {
			return e.Statistics()
		}
	case *KBinsDiscretizer:
		switch name {
		case "bin_edges_":
			var all []float64
			for _, e := range e.BinEdges() {
				all = append(all, e...)
			}
			return all
		case "n_bins_":
			return ints(e.NBinsFitted())
		}
	case *PowerTransformer:
		switch name {
		case "lambdas_":
			return e.Lambdas()
		case "mean_":
			if e.Scaler() == nil {
				return nil
			}
			return e.Scaler().Mean()
		case "scale_":
			if e.Scaler() == nil {
				return nil
			}
			return e.Scaler().Scale()
		}
	case *QuantileTransformer:
		switch name {
		case "quantiles_":
			return e.Quantiles().RawMatrix().Data
		case "references_":
			return e.References()
		}
	case *OneHotEncoder:
		switch name {
		case "categories_":
			return flatCats(e.CategoriesFitted())
		case "n_categories":
			return nCats(e.CategoriesFitted())
		case "n_features_outs":
			return ints(e.NFeaturesOut())
		case "drop_idx_":
			d := e.DropIdx()
			if d == nil {
				return nil
			}
			out := ints(d)
			for j, v := range d {
				if v < 0 {
					out[j] = math.NaN()
				}
			}
			return out
		case "infrequent_categories_":
			all := []float64{}
			return append(all, flatCats(e.InfrequentCategories())...)
		}
	case *OrdinalEncoder:
		switch name {
		case "categories_":
			return flatCats(e.CategoriesFitted())
		case "n_categories":
			return nCats(e.CategoriesFitted())
		}
	case *MaxAbsScaler:
		switch name {
		case "max_abs_":
			return e.MaxAbs()
		case "scale_":
			return e.Scale()
		}
	}
	panic("no attribute " + name)
}

func flatCats(c [][]float64) []float64 {
	var all []float64
	for _, v := range c {
		all = append(all, v...)
	}
	return all
}

func nCats(c [][]float64) []float64 {
	out := make([]float64, len(c))
	for j, v := range c {
		out[j] = float64(len(v))
	}
	return out
}

func equalNaN(a, b *mat.Dense) bool {
	x, y := a.RawMatrix().Data, b.RawMatrix().Data
	for i := range x {
		if x[i] != y[i] && !(math.IsNaN(x[i]) && math.IsNaN(y[i])) {
			return false
		}
	}
	return true
}

// tolR and tolA are the parity tolerances: zero. The arithmetic is
// scikit-learn's, operation for operation and in the same order (NumPy
// reduces axis 0 row by row, as the Go loops do; every multiply is rounded
// before the add, see scaler.go), and IEEE 754 makes each step exact.
var tolR, tolA = 0.0, 0.0
