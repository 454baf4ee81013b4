package preprocessing

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "OrdinalEncoder",
		Task:   ml.Transform,
		Family: "preprocessing",
		Doc:    "encode each numeric category of a feature as its index among the sorted categories",
		New:    func() ml.Estimator { return NewOrdinalEncoder() },
	})
}

// OrdinalEncoder replaces each value by the index of its category among the
// sorted distinct values Fit saw in that feature, as scikit-learn 1.2's
// OrdinalEncoder does with categories "auto". The categories are numbers
// (text columns are not supported yet). With handle_unknown
// "use_encoded_value" an unseen value becomes unknown_value, which must not
// be the code of a seen category; with "error" (the default) it is an
// error. NaN seen by Fit is the last category of its feature, as in
// scikit-learn 1.2, and Transform writes encoded_missing_value for it (NaN
// when null, scikit-learn's np.nan); a NaN Fit did not see is unknown.
// unknown_value is an integer (scikit-learn also allows np.nan).
type OrdinalEncoder struct {
	Categories          Categories `json:"categories" help:"auto: the distinct values of each feature seen by Fit (NaN last); or one list per feature of its categories: numbers ascending, or a text column's strings in the order wanted (their codes); null for missing values (last in a list of numbers, anywhere among strings)"`
	HandleUnknown       string     `json:"handle_unknown" enum:"error,use_encoded_value" help:"what Transform does with an unseen category: error, or use_encoded_value (unknown_value)"`
	UnknownValue        *int       `json:"unknown_value" nullable:"true" help:"the code of unseen categories with handle_unknown use_encoded_value (required then, null otherwise); it must not be the code of a seen category"`
	EncodedMissingValue *int       `json:"encoded_missing_value" nullable:"true" help:"the code of missing values (NaN) seen by Fit; null keeps them NaN (scikit-learn's default np.nan); a number must not be the code of a category of a feature with missing values"`

	nIn  int
	cats [][]float64
}

// NewOrdinalEncoder returns an OrdinalEncoder with scikit-learn's defaults:
// categories auto, handle_unknown error, unknown_value null.
func NewOrdinalEncoder() *OrdinalEncoder {
	return &OrdinalEncoder{HandleUnknown: "error"}
}

// Validate checks that unknown_value is given exactly when handle_unknown
// is use_encoded_value, as scikit-learn does.
func (s *OrdinalEncoder) Validate() error {
	switch {
	case s.HandleUnknown == "use_encoded_value" && s.UnknownValue == nil:
		return &ml.ParamError{Param: "unknown_value", Expected: "an integer when handle_unknown is use_encoded_value", Got: "null"}
	case s.HandleUnknown != "use_encoded_value" && s.UnknownValue != nil:
		return &ml.ParamError{Param: "unknown_value", Expected: "null unless handle_unknown is use_encoded_value", Got: fmt.Sprint(*s.UnknownValue)}
	}
	return nil
}

// Fit finds the categories of every feature. y is ignored.
func (s *OrdinalEncoder) Fit(ctx context.Context, X *mat.Dense, _ []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(s); err != nil {
		return err
	}
	if _, err := checkX("OrdinalEncoder", X, 0, true); err != nil {
		return err
	}
	_, c := X.Dims()
	cats, _, err := fitCategories(ctx, X, s.Categories.Lists, "OrdinalEncoder", s.HandleUnknown != "error")
	if err != nil {
		return err
	}
	if err := s.checkUnknownValue(cats); err != nil {
		return err
	}
	if err := s.checkMissingValue(cats); err != nil {
		return err
	}
	s.nIn, s.cats = c, cats
	return nil
}

// checkUnknownValue refuses an unknown_value in [0, most categories), the
// codes of seen categories.
func (s *OrdinalEncoder) checkUnknownValue(cats [][]float64) error {
	if s.UnknownValue == nil {
		return nil
	}
	most := 0
	for _, c := range cats {
		most = max(most, len(c))
	}
	if u := *s.UnknownValue; u >= 0 && u < most {
		return &ml.ParamError{Param: "unknown_value", Expected: fmt.Sprintf("a value other than the codes of seen categories, 0 to %d (e.g. -1)", most-1), Got: fmt.Sprint(u)}
	}
	return nil
}

// checkMissingValue refuses an integer encoded_missing_value that is the
// code of a category (the missing one included, as scikit-learn counts
// it) of a feature with missing values.
func (s *OrdinalEncoder) checkMissingValue(cats [][]float64) error {
	if s.EncodedMissingValue == nil {
		return nil
	}
	u := *s.EncodedMissingValue
	var bad []int
	for j, c := range cats {
		if hasMissing(c) && u >= 0 && u < len(c) {
			bad = append(bad, j)
		}
	}
	if bad != nil {
		return &ml.ParamError{Param: "encoded_missing_value", Msg: fmt.Sprintf("encoded_missing_value (%d) is already used to encode a known category in features %v", u, bad)}
	}
	return nil
}

// missingCode is what Transform writes for a missing value.
func (s *OrdinalEncoder) missingCode() float64 {
	if s.EncodedMissingValue == nil {
		return math.NaN()
	}
	return float64(*s.EncodedMissingValue)
}

// Transform returns the code of each value's category.
func (s *OrdinalEncoder) Transform(X *mat.Dense) (*mat.Dense, error) {
	if s.nIn == 0 {
		return nil, ml.NotFittedError("OrdinalEncoder")
	}
	if _, err := checkX("OrdinalEncoder", X, s.nIn, true); err != nil {
		return nil, err
	}
	data, r, c := rows(X)
	out := make([]float64, r*c)
	miss := missingIndices(s.cats)
	for i := 0; i < r; i++ {
		for j, v := range data[i*c : (i+1)*c] {
			x := code(s.cats[j], miss[j], v)
			if x >= 0 && math.IsNaN(v) {
				out[i*c+j] = s.missingCode()
				continue
			}
			if x < 0 {
				if s.UnknownValue == nil {
					return nil, unknownError("OrdinalEncoder", i, j, v, s.cats[j], `set handle_unknown to "use_encoded_value" and unknown_value (e.g. -1) to encode it`)
				}
				out[i*c+j] = float64(*s.UnknownValue)
				continue
			}
			out[i*c+j] = float64(x)
		}
	}
	return mat.NewDense(r, c, out), nil
}

// InverseTransform returns the category of each code (truncated to an
// integer, as scikit-learn's astype does), NaN for unknown_value (where
// scikit-learn returns None) and for encoded_missing_value in a feature
// with missing values. A code outside the feature's categories is an
// error.
func (s *OrdinalEncoder) InverseTransform(X *mat.Dense) (*mat.Dense, error) {
	if s.nIn == 0 {
		return nil, ml.NotFittedError("OrdinalEncoder")
	}
	if _, err := checkX("OrdinalEncoder", X, s.nIn, true); err != nil {
		return nil, err
	}
	data, r, c := rows(X)
	out := make([]float64, r*c)
	miss := missingIndices(s.cats)
	for i := 0; i < r; i++ {
		for j, v := range data[i*c : (i+1)*c] {
			if m := s.missingCode(); miss[j] >= 0 && (v == m || math.IsNaN(v) && math.IsNaN(m)) {
				out[i*c+j] = math.NaN()
				continue
			}
			if s.UnknownValue != nil && v == float64(*s.UnknownValue) {
				out[i*c+j] = math.NaN()
				continue
			}
			n := len(s.cats[j])
			if !(v > -1 && v < float64(n)) {
				return nil, ml.DataErrorf("X[%d, %d] is %v: feature %d has %d categories, expected a code in [0, %d)", i, j, v, j, n, n)
			}
			out[i*c+j] = s.cats[j][int(v)]
		}
	}
	return mat.NewDense(r, c, out), nil
}

// CategoriesFitted returns categories_, the sorted categories of each
// feature, or nil before Fit.
func (s *OrdinalEncoder) CategoriesFitted() [][]float64 { return cloneCats(s.cats) }

// NFeaturesIn returns n_features_in_, or 0 before Fit.
func (s *OrdinalEncoder) NFeaturesIn() int { return s.nIn }

// MarshalState returns n_features_in_, categories_ (concatenated) and
// n_categories_.
func (s *OrdinalEncoder) MarshalState() (*ml.State, error) {
	if s.nIn == 0 {
		return nil, ml.NotFittedError("OrdinalEncoder")
	}
	st := ml.NewState()
	st.SetAttr("n_features_in_", s.nIn)
	marshalCategories(st, s.cats)
	return st, nil
}

// UnmarshalState restores state written by MarshalState; set
// unknown_value first (it is checked against the categories).
func (s *OrdinalEncoder) UnmarshalState(st *ml.State) error {
	n, err := nFeatures(st)
	if err != nil {
		return err
	}
	cats, err := unmarshalCategories(st, n)
	if err != nil {
		return err
	}
	if err := s.checkUnknownValue(cats); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	if err := s.checkMissingValue(cats); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	s.nIn, s.cats = n, cats
	return nil
}

// EstimateMemory bounds Fit's memory (a sorted copy of each column, the
// categories, assumed at most 100 per feature) and the copy Transform
// makes.
func (s *OrdinalEncoder) EstimateMemory(n, p, k int) int64 {
	return estimateEncoder(n, p, 1)
}
