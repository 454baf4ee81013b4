package ensemble_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/mltest"
)

// TestBadInput checks the bad inputs for ensembles: each is an
// error marked as bad input, naming the parameter where one is at fault,
// and none panics.
func TestBadInput(t *testing.T) {
	X, y := mltest.Blobs(1, 60, 4, []float64{0, 1, 2})
	yNaN := append([]float64(nil), y...)
	yNaN[7] = math.NaN()
	for _, c := range []struct {
		class, params string
		y             []float64
		want          string // in the error
		param         string // the *ml.ParamError's parameter, if any
	}{
		{"RandomForestClassifier", `{"n_estimators": 0}`, y, "n_estimators", "n_estimators"},
		{"ExtraTreesRegressor", `{"n_estimators": 0}`, y, "n_estimators", "n_estimators"},
		{"RandomForestClassifier", `{"max_features": 9}`, y, "4 features", "max_features"},
		{"GradientBoostingClassifier", `{"max_features": 5}`, y, "4 features", "max_features"},
		{"RandomForestClassifier", `{"class_weight": {"0": 1, "7": 2}}`, y, "7", "class_weight"},
		{"RandomForestClassifier", `{"class_weight": "balanced_subsample", "bootstrap": false, "oob_score": true}`, y, "bootstrap", "oob_score"},
		{"RandomForestRegressor", `{"max_samples": 0.5, "bootstrap": false}`, y, "bootstrap", "max_samples"},
		{"RandomForestRegressor", `{"max_samples": 100}`, y, "60", "max_samples"},
		{"GradientBoostingRegressor", `{}`, yNaN, "y[7]", ""},
		{"GradientBoostingClassifier", `{}`, yNaN, "y[7]", ""},
		{"GradientBoostingClassifier", `{"loss": "exponential"}`, y, "two classes", "loss"},
		{"AdaBoostClassifier", `{"estimator": {"class": "KNeighborsClassifier"}}`, y, "sample weights", "estimator"},
		{"AdaBoostClassifier", `{"estimator": {"class": "DecisionTreeRegressor"}}`, y, "not a classifier", "estimator"},
		{"VotingClassifier", `{}`, y, "no estimators", "estimators"},
		{"VotingClassifier", `{"voting": "soft", "weights": [1], "estimators": [{"name": "a", "class": "GaussianNB"}, {"name": "b", "class": "GaussianNB"}]}`, y, "2 estimators", "weights"},
		{"VotingClassifier", `{"estimators": [{"name": "a", "class": "GaussianNB"}, {"name": "a", "class": "GaussianNB"}]}`, y, "twice", "estimators"},
	} {
		t.Run(c.class+c.params, func(t *testing.T) {
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic: %v", r)
					}
				}()
				var e ml.Estimator
				if e, err = ml.New(c.class, json.RawMessage(c.params)); err == nil {
					err = e.Fit(context.Background(), X, c.y)
				}
			}()
			if err == nil {
				t.Fatal("no error")
			}
			if !ml.IsBadInput(err) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q: want a bad-input error mentioning %q", err, c.want)
			}
			var pe *ml.ParamError
			if c.param != "" && (!errors.As(err, &pe) || pe.Param != c.param) {
				t.Errorf("error %q: want a ParamError naming %s", err, c.param)
			}
		})
	}
}
