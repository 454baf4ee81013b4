package metrics

import (
	"fmt"
	"strings"

	"github.com/mlforge/mlforge/ml"
)

// Score computes the metric called name on in.
func Score(name string, in Input) (float64, error) {
	m, err := Lookup(name)
	if err != nil {
		return 0, err
	}
	if m.Score == nil {
		return 0, fmt.Errorf("metric %q has no Score function", name)
	}
	if in.SampleWeight != nil {
		f, ok := weightedScore(name)
		if !ok {
			return 0, ml.DataErrorf("metric %s does not take sample weights; the weighted metrics are %s", name, strings.Join(WeightedNames(), ", "))
		}
		return f(in)
	}
	return m.Score(in)
}

func init() {
	cls := func(name, doc string, f func(in Input) (float64, error)) {
		Register(&Metric{Name: name, Task: ml.Classification, GreaterIsBetter: true, Doc: doc, Score: f})
	}
	reg := func(name string, greater bool, doc string, f func(yTrue, yPred []float64) (float64, error)) {
		Register(&Metric{Name: name, Task: ml.Regression, GreaterIsBetter: greater, Doc: doc,
			Score: func(in Input) (float64, error) { return f(in.YTrue, in.YPred) }})
	}

	cls("accuracy", "fraction of correct predictions", func(in Input) (float64, error) {
		return AccuracyScore(in.YTrue, in.YPred)
	})
	cls("balanced_accuracy", "mean recall over the classes present in y_true", func(in Input) (float64, error) {
		return BalancedAccuracyScore(in.YTrue, in.YPred)
	})
	for _, k := range []struct {
		name string
		pick func(p, r, f float64) float64
	}{
		{"precision", func(p, _, _ float64) float64 { return p }},
		{"recall", func(_, r, _ float64) float64 { return r }},
		{"f1", func(_, _, f float64) float64 { return f }},
	} {
		cls(k.name, k.name+" of the positive class (the second class) of a binary problem", func(in Input) (float64, error) {
			classes := in.Classes
			if len(classes) > 2 {
				return 0, ml.DataErrorf("%s is for binary targets but there are %d classes: use %s_macro or %s_weighted", k.name, len(classes), k.name, k.name)
			}
			p, r, f, err := PrecisionRecallF1(in.YTrue, in.YPred, classes, Binary)
			if err != nil {
				return 0, fmt.Errorf("%s: %w", k.name, err)
			}
			return k.pick(p, r, f), nil
		})
		for _, avg := range []string{Macro, Weighted} {
			doc := k.name + " per class, averaged"
			if avg == Weighted {
				doc += " weighted by the number of true samples of each class"
			}
			cls(k.name+"_"+avg, doc, func(in Input) (float64, error) {
				// Labels are those present in y_true or y_pred, as in
				// scikit-learn's scorers.
				p, r, f, err := PrecisionRecallF1(in.YTrue, in.YPred, nil, avg)
				return k.pick(p, r, f), err
			})
		}
	}

	Register(&Metric{Name: "log_loss", Task: ml.Classification, NeedsProba: true, GreaterIsBetter: false,
		Doc: "mean negative log-likelihood of the true classes under predict_proba",
		Score: func(in Input) (float64, error) {
			if err := needProba("log_loss", in); err != nil {
				return 0, err
			}
			return LogLoss(in.YTrue, in.Proba, in.Classes)
		}})
	Register(&Metric{Name: "roc_auc", Task: ml.Classification, NeedsProba: true, GreaterIsBetter: true,
		Doc: "area under the ROC curve of the probability of the second class (binary problems)",
		Score: func(in Input) (float64, error) {
			if err := needProba("roc_auc", in); err != nil {
				return 0, err
			}
			if len(in.Classes) > 2 {
				return 0, ml.DataErrorf("roc_auc is for binary targets but there are %d classes: use roc_auc_ovr or roc_auc_ovr_weighted", len(in.Classes))
			}
			return RocAucScore(in.YTrue, in.Proba, in.Classes, Macro)
		}})
	for _, avg := range []string{Macro, Weighted} {
		name, doc := "roc_auc_ovr", "one-vs-rest ROC AUC averaged over the classes"
		if avg == Weighted {
			name, doc = "roc_auc_ovr_weighted", doc+", weighted by the number of true samples of each class"
		}
		Register(&Metric{Name: name, Task: ml.Classification, NeedsProba: true, GreaterIsBetter: true, Doc: doc,
			Score: func(in Input) (float64, error) {
				if err := needProba(name, in); err != nil {
					return 0, err
				}
				return RocAucScore(in.YTrue, in.Proba, in.Classes, avg)
			}})
	}

	for _, n := range []string{"mean_squared_error", "mse"} {
		reg(n, false, "mean squared error", MeanSquaredError)
	}
	for _, n := range []string{"root_mean_squared_error", "rmse"} {
		reg(n, false, "root mean squared error", RootMeanSquaredError)
	}
	for _, n := range []string{"mean_absolute_error", "mae"} {
		reg(n, false, "mean absolute error", MeanAbsoluteError)
	}
	reg("r2", true, "coefficient of determination R²", R2Score)
}

func needProba(name string, in Input) error {
	if in.Proba == nil {
		return ml.DataErrorf("%s needs predicted probabilities: use an estimator with predict_proba", name)
	}
	return nil
}
