package mltest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/param"
)

// Options adjusts the suite for one class.
type Options struct {
	// AllowNaN says the class may accept NaN in X, as scikit-learn's
	// allow_nan tag does for scalers and imputers: NaN input must then not
	// panic but need not be an error. Infinity must still be rejected.
	AllowNaN bool
	// NeedsY says a transformer's Fit needs y (a supervised transformer); it
	// is then fitted with the classification targets. Other transformers and
	// clusterers are fitted with y nil.
	NeedsY bool
	// PoorScore exempts the class from the learns check, like
	// scikit-learn's poor_score tag: the check skips. OptionsFor sets it
	// for the classes the exemptions table lists for learns.
	PoorScore bool
	// Params are the JSON hyperparameters to build the class with. Nil means
	// the defaults, with random_state set to 0 when the class has that
	// parameter.
	Params json.RawMessage
}

// allowNaN lists the classes whose scikit-learn counterparts carry the
// allow_nan tag (scikit-learn 1.2.1, read from each estimator's _get_tags()).
var allowNaN = map[string]bool{
	"HistGradientBoostingClassifier": true,
	"HistGradientBoostingRegressor":  true,
	"KNNImputer":                     true,
	"MaxAbsScaler":                   true,
	"MinMaxScaler":                   true,
	"MissingIndicator":               true,
	// The encoders' allow_nan tag is False in scikit-learn 1.2.1, yet
	// their fit takes NaN (force_all_finite="allow-nan") as a category of
	// its own, which is what mlforge does.
	"OneHotEncoder":       true,
	"OrdinalEncoder":      true,
	"PowerTransformer":    true,
	"QuantileTransformer": true,
	"RobustScaler":        true,
	"SimpleImputer":       true,
	"StandardScaler":      true,
	"VarianceThreshold":   true,
}

// categorical lists the classes whose scikit-learn counterparts take
// categorical X (the X_types tag "categorical" of scikit-learn 1.2.1): the
// suite fits them on its data with every value replaced by one of three
// categories (see categorize), so that the test rows hold only categories
// seen in training.
var categorical = map[string]bool{
	"OneHotEncoder":  true,
	"OrdinalEncoder": true,
}

// inverseNaN lists the classes whose InverseTransform may return NaN on
// finite input by design, each with its reason; the outputs check then
// still refuses infinities.
var inverseNaN = map[string]string{
	"OneHotEncoder": "an infrequent group (min_frequency, max_categories) or an ignored unknown category stands for no single category: scikit-learn returns \"infrequent_sklearn\" or None there, mlforge NaN",
}

// requiredParams are the parameters the suite builds meta-estimators with
// whose members must be named, and the radius estimators with a radius that
// suits its data (scikit-learn's required estimators
// parameter), as scikit-learn's _construct_instance does for its checks;
// the caller's Params are merged over them.
var requiredParams = map[string]string{
	"VotingClassifier":   `{"estimators": [{"name": "tree", "class": "DecisionTreeClassifier", "params": {"max_depth": 3, "random_state": 0}}, {"name": "nb", "class": "GaussianNB"}]}`,
	"VotingRegressor":    `{"estimators": [{"name": "tree", "class": "DecisionTreeRegressor", "params": {"max_depth": 3, "random_state": 0}}, {"name": "ridge", "class": "Ridge"}]}`,
	"StackingClassifier": `{"estimators": [{"name": "lr", "class": "LogisticRegression"}, {"name": "gb", "class": "GradientBoostingClassifier", "params": {"n_estimators": 10, "random_state": 0}}], "cv": 3}`, // members with every stack_method
	"StackingRegressor":  `{"estimators": [{"name": "tree", "class": "DecisionTreeRegressor", "params": {"max_depth": 3, "random_state": 0}}, {"name": "ridge", "class": "Ridge"}], "cv": 3}`,
	// The radius estimators' default radius 1 leaves most of the suite's
	// unscaled rows (blobs of spread 0.8 in 4 or 5 features, uniform
	// [0, 10) features) without a neighbour: an error for the classifier
	// without an outlier_label, NaN for the regressor, as in scikit-learn.
	"RadiusNeighborsClassifier": `{"radius": 5, "outlier_label": "most_frequent"}`,
	"RadiusNeighborsRegressor":  `{"radius": 7}`,
}

// paramCases lists parameter values (as they appear in the compact JSON
// of the suite's parameters) that change what the suite can ask of a
// class, each with its reason: BinaryOnly, the class then fits two-class
// problems only, as in scikit-learn, and the suite uses its binary problem
// as the main data; PoorScore, the class is not meant to reach the learns
// check's score, which skips; With, parameters (a JSON object) the suite
// adds where the caller's do not set them.
var paramCases = []struct {
	Class, Param, Reason  string
	BinaryOnly, PoorScore bool
	With                  string
}{
	{"GradientBoostingClassifier", `"loss":"exponential"`, "AdaBoost's exponential loss: scikit-learn refuses more than two classes", true, false, ""},
	{"GradientBoostingRegressor", `"loss":"quantile"`, "fits the alpha (0.9) quantile, not the mean: its R² is low by design", false, true, ""},
	{"SGDClassifier", `"loss":"squared_error"`, "a regression loss on the ±1 targets with the optimal schedule and the suite's unscaled features: scikit-learn 1.2.1's own SGDClassifier(loss=\"squared_error\", random_state=0) reaches the same training accuracies, 0.333 and 0.500 (mlforge's fit is scikit-learn's update for update, TestSGDParity)", false, true, ""},
	{"SGDClassifier", `"loss":"huber"`, "a regression loss on the ±1 targets with the optimal schedule and the suite's unscaled features: scikit-learn 1.2.1's own SGDClassifier(loss=\"huber\", random_state=0) reaches the same training accuracies, 0.333 and 0.500 (mlforge's fit is scikit-learn's update for update, TestSGDParity)", false, true, ""},
	{"SGDClassifier", `"loss":"epsilon_insensitive"`, "a regression loss on the ±1 targets with the optimal schedule and the suite's unscaled features: scikit-learn 1.2.1's own SGDClassifier(loss=\"epsilon_insensitive\", random_state=0) reaches the same training accuracies, 0.333 and 0.500 (mlforge's fit is scikit-learn's update for update, TestSGDParity)", false, true, ""},
	{"SGDClassifier", `"loss":"squared_epsilon_insensitive"`, "a regression loss on the ±1 targets with the optimal schedule and the suite's unscaled features: scikit-learn 1.2.1's own SGDClassifier(loss=\"squared_epsilon_insensitive\", random_state=0) reaches the same training accuracies, 0.333 and 0.500 (mlforge's fit is scikit-learn's update for update, TestSGDParity)", false, true, ""},
	{"SGDRegressor", `"loss":"huber"`, "with epsilon 0.1 the gradient is capped at 0.1 while the suite's targets lie near 30, so invscaling's steps do not get there in time: scikit-learn 1.2.1's own SGDRegressor(loss=\"huber\", random_state=0) scores the same training R², -0.543, on the suite's data (mlforge's fit is scikit-learn's update for update, TestSGDParity)", false, true, ""},
	{"SGDRegressor", `"loss":"epsilon_insensitive"`, "the gradient is ±1 while the suite's targets lie near 30, so invscaling's steps do not get there in time: scikit-learn 1.2.1's own SGDRegressor(loss=\"epsilon_insensitive\", random_state=0) scores the same training R², -0.189, on the suite's data (mlforge's fit is scikit-learn's update for update, TestSGDParity)", false, true, ""},
	{"SGDRegressor", `"learning_rate":"optimal"`, "the optimal schedule starts at a step of 10 (typw = alpha^-1/4 for alpha 1e-4), which diverges on the suite's unscaled features: scikit-learn 1.2.1's own SGDRegressor(learning_rate=\"optimal\", random_state=0) scores the same training R², -5.27e25, on the suite's data (mlforge's fit is scikit-learn's update for update, TestSGDParity)", false, true, ""},
	{"SVC", `"kernel":"sigmoid"`, "tanh of the raw dot products with gamma scale saturates on the suite's unscaled data: scikit-learn 1.2.1's SVC(kernel='sigmoid') scores 0.625 on the binary blobs too", false, true, ""},
	{"SVR", `"kernel":"sigmoid"`, "tanh of the raw dot products with gamma scale saturates on the suite's unscaled data: scikit-learn 1.2.1's SVR(kernel='sigmoid') reaches R² 0.281 on it too", false, true, ""},
	{"NuSVR", `"kernel":"sigmoid"`, "tanh of the raw dot products with gamma scale saturates on the suite's unscaled data: scikit-learn 1.2.1's NuSVR(kernel='sigmoid') reaches R² 0.227 on it too", false, true, ""},
	{"NuSVC", `"kernel":"sigmoid"`, "with gamma scale, ν-SVC's r comes out 0 on the refit check's binary blobs 45x5: scikit-learn 1.2.1's NuSVC(kernel='sigmoid') raises \"The dual coefficients or intercepts are not finite\" there too; the suite sets gamma 0.01, with which scikit-learn fits all three sets (training accuracy 0.98 to 1)", false, false, `{"gamma": 0.01}`},
	{"NuSVR", `"kernel":"linear"`, "on the suite's unscaled data tiled to 1500 rows (memory_estimate) SMO needs more than 10⁸ iterations: scikit-learn 1.2.1's NuSVR(kernel='linear') ran 2·10⁶ in 4.8 s without converging and did not finish in 250 s; the suite stops it at max_iter 10⁵ (libsvm's warning, as a log event)", false, false, `{"max_iter": 100000}`},
}

// OptionsFor returns the options Check uses for class: AllowNaN for the
// classes scikit-learn lets take NaN (HistGradientBoosting*, KNNImputer,
// MaxAbsScaler, MinMaxScaler, MissingIndicator, OneHotEncoder,
// OrdinalEncoder, PowerTransformer,
// QuantileTransformer, RobustScaler, SimpleImputer, StandardScaler,
// VarianceThreshold), defaults otherwise.
func OptionsFor(class string) Options {
	_, poor := exemption(class, "learns")
	return Options{AllowNaN: allowNaN[class], PoorScore: poor}
}

// Result is the outcome of one check: Err is nil when it passed or did not
// apply, and Skipped then says why it did not apply.
type Result struct {
	Check   string
	Err     error
	Skipped string
}

type checkFunc func(s *suite) error

type namedCheck struct {
	name string
	fn   checkFunc
}

var checks = []namedCheck{
	{"stateful", checkStateful},
	{"not_fitted", checkNotFitted},
	{"deterministic", checkDeterministic},
	{"params_unchanged", checkParamsUnchanged},
	{"inputs_not_mutated", checkInputsNotMutated},
	{"no_aliasing", checkNoAliasing},
	{"bad_input", checkBadInput},
	{"outputs", checkOutputs},
	{"learns", checkLearns},
	{"concurrent_predict", checkConcurrentPredict},
	{"state_round_trip", checkStateRoundTrip},
	{"state_tampered", checkStateTampered},
	{"cancelled_context", checkCancelledContext},
	{"cancel_during_fit", checkCancelDuringFit},
	{"progress", checkProgress},
	{"refit", checkRefit},
	{"fit_validates_params", checkFitValidatesParams},
	{"memory_estimate", checkMemoryEstimate},
}

// CheckNames returns the names of the checks, in the order they run.
func CheckNames() []string {
	names := make([]string, len(checks))
	for i, c := range checks {
		names[i] = c.name
	}
	return names
}

// Run runs every check on class with opts and returns one Result per check,
// in the order of CheckNames. The error is for a class that is not
// registered or cannot be built from opts.Params.
func Run(class string, opts Options) ([]Result, error) {
	s, err := newSuite(class, opts)
	if err != nil {
		return nil, err
	}
	out := make([]Result, len(checks))
	for i, c := range checks {
		out[i] = Result{Check: c.name, Err: s.run(c.fn)}
		var sk *SkipError
		if errors.As(out[i].Err, &sk) {
			out[i].Err, out[i].Skipped = nil, sk.Reason
		}
	}
	return out, nil
}

// RunCheck runs the check called name (one of CheckNames) on class. A
// check that does not apply returns a *SkipError.
func RunCheck(class string, opts Options, name string) error {
	s, err := newSuite(class, opts)
	if err != nil {
		return err
	}
	for _, c := range checks {
		if c.name == name {
			return s.run(c.fn)
		}
	}
	return fmt.Errorf("mltest: unknown check %q, known: %v", name, CheckNames())
}

// Check runs every check on the registered class with OptionsFor(class),
// each as a subtest named after the check.
func Check(t *testing.T, class string) {
	t.Helper()
	CheckWith(t, class, OptionsFor(class))
}

// CheckWith is Check with explicit options.
func CheckWith(t *testing.T, class string, opts Options) {
	t.Helper()
	s, err := newSuite(class, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			err := s.run(c.fn)
			var sk *SkipError
			if errors.As(err, &sk) {
				t.Skip(sk.Reason)
			}
			if err != nil {
				t.Error(err)
			}
		})
	}
}

// taskKind is how the suite treats a class.
type taskKind int

const (
	kindClassifier taskKind = iota
	kindRegressor
	kindTransformer
	kindClusterer
)

// suite holds what every check of one class needs.
type suite struct {
	info   *ml.ClassInfo
	opts   Options
	params json.RawMessage
	kind   taskKind
	data   dataset
}

func newSuite(class string, opts Options) (*suite, error) {
	info, err := ml.Lookup(class)
	if err != nil {
		return nil, err
	}
	s := &suite{info: info, opts: opts, params: opts.Params}
	if base, ok := requiredParams[class]; ok {
		merged := map[string]json.RawMessage{}
		if err := json.Unmarshal([]byte(base), &merged); err != nil {
			return nil, err
		}
		if len(opts.Params) > 0 {
			var over map[string]json.RawMessage
			if err := json.Unmarshal(opts.Params, &over); err != nil {
				return nil, err
			}
			for k, v := range over {
				merged[k] = v
			}
		}
		if s.params, err = json.Marshal(merged); err != nil {
			return nil, err
		}
		// The class has no defaults to fit with.
		s.opts.Params = s.params
	}
	if s.params == nil && slices.ContainsFunc(info.Params, func(p param.Info) bool { return p.Name == "random_state" }) {
		s.params = json.RawMessage(`{"random_state": 0}`)
	}
	switch info.Task {
	case ml.Classification:
		s.kind = kindClassifier
	case ml.Regression:
		s.kind = kindRegressor
	case ml.Clustering:
		s.kind = kindClusterer
	default:
		s.kind = kindTransformer
	}
	s.data = s.dataFor(mainData)
	for _, pc := range paramCases {
		if pc.Class == class && bytes.Contains(s.params, []byte(pc.Param)) && pc.With != "" {
			merged := map[string]json.RawMessage{}
			if err := json.Unmarshal([]byte(pc.With), &merged); err != nil {
				return nil, err
			}
			var own map[string]json.RawMessage
			if err := json.Unmarshal(s.params, &own); err != nil {
				return nil, err
			}
			for k, v := range own {
				merged[k] = v
			}
			if s.params, err = json.Marshal(merged); err != nil {
				return nil, err
			}
			s.opts.Params = s.params
		}
	}
	for _, pc := range paramCases {
		if pc.Class == class && bytes.Contains(s.params, []byte(pc.Param)) {
			if pc.BinaryOnly && s.kind == kindClassifier {
				s.data = binaryData()
			}
			s.opts.PoorScore = s.opts.PoorScore || pc.PoorScore
		}
	}
	if _, err := s.new(); err != nil {
		return nil, fmt.Errorf("mltest: building %s with %s: %w", class, s.params, err)
	}
	return s, nil
}

// dataFor returns the dataset gen makes for the class's kind, with y
// dropped for unsupervised classes.
func (s *suite) dataFor(gen func(taskKind) dataset) dataset {
	k := s.kind
	if k == kindTransformer && s.opts.NeedsY {
		k = kindClassifier
	}
	d := gen(k)
	if !s.supervised() {
		d.y = nil
	}
	if categorical[s.info.Name] {
		d = categorize(d)
	}
	return d
}

// supervised reports whether Fit takes y.
func (s *suite) supervised() bool {
	return s.kind == kindClassifier || s.kind == kindRegressor || s.opts.NeedsY
}

// run runs a check, turning a panic into an error with its stack.
func (s *suite) run(fn checkFunc) error {
	return safe(s.info.Name+" check", func() error { return fn(s) })
}

// new builds an unfitted estimator.
func (s *suite) new() (ml.Estimator, error) {
	return ml.New(s.info.Name, s.params)
}
