package spec_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/ml"
	_ "github.com/mlforge/mlforge/ml/all"
	"github.com/mlforge/mlforge/ml/metrics"
	"github.com/mlforge/mlforge/spec"
)

// needs lists, for the fixtures whose expected error depends on them, the
// real classes and metrics that must be registered (ml/all registers every
// family). A missing one fails the fixture with its name, rather than with a
// golden-file difference or, as when the families were written in parallel
// with this package, a skip that let the fixture pass unchecked.
var needs = map[string][]string{
	"09-bad-name":                 {"LinearRegression"},
	"10-missing-train":            {"LinearRegression"},
	"11-unknown-builtin":          {"LinearRegression"},
	"12-missing-csv":              {"LinearRegression"},
	"13-path-escape":              {"LinearRegression"},
	"14-unknown-class":            {"KNeighborsClassifier"},
	"15-unknown-param":            {"LinearRegression"},
	"16-param-wrong-type":         {"KNeighborsClassifier"},
	"17-param-out-of-range":       {"KNeighborsClassifier"},
	"18-preprocess-not-transform": {"LinearRegression", "StandardScaler"},
	"19-unknown-metric":           {"LinearRegression", "metric:r2"},
	"20-metric-wrong-task":        {"LinearRegression", "metric:accuracy", "metric:r2"},
	"21-test-size":                {"LinearRegression"},
	"25-stratify-regressor":       {"LinearRegression"},
	"26-preprocess-missing-type":  {"LinearRegression"},
	"27-preprocess-bad-param":     {"StandardScaler", "LinearRegression"},
	"30-many-errors":              {"KNeighborsClassifier", "StandardScaler", "metric:accuracy"},
	"34-model-is-transformer":     {"StandardScaler"},
	"36-directory-as-data":        {"LinearRegression"},
	"37-missing-csv-and-test":     {"LinearRegression"},
	"38-unknown-target":           {"LinearRegression"},
	"39-test-without-target":      {"LinearRegression"},
	"40-builtin-target":           {"KNeighborsClassifier"},
	"iris-knn":                    {"KNeighborsClassifier", "StandardScaler", "metric:accuracy", "metric:f1_macro"},
	"diabetes-linear":             {"LinearRegression", "metric:r2", "metric:mean_squared_error"},
	"csv-logistic":                {"LogisticRegression", "SimpleImputer", "StandardScaler", "metric:accuracy", "metric:log_loss"},
}

func requireRegistered(t *testing.T, name string) {
	t.Helper()
	for _, n := range needs[name] {
		if m, ok := strings.CutPrefix(n, "metric:"); ok {
			if _, err := metrics.Lookup(m); err != nil {
				t.Fatalf("fixture %s needs the metric %s, which is not registered: %v", name, m, err)
			}
		} else if _, err := ml.Lookup(n); err != nil {
			t.Fatalf("fixture %s needs the class %s, which is not registered: %v", name, n, err)
		}
	}
}

// TestNeedsNameFixtures keeps the needs table honest: every entry names a
// fixture that exists.
func TestNeedsNameFixtures(t *testing.T) {
	for name := range needs {
		bad, _ := filepath.Glob("testdata/bad/" + name + ".json")
		good, _ := filepath.Glob("testdata/good/" + name + ".json")
		if len(bad)+len(good) == 0 {
			t.Errorf("needs lists %s, but there is no testdata/bad/%[1]s.json or testdata/good/%[1]s.json", name)
		}
	}
}

// check runs both phases, as the CLI and the service do.
func check(b []byte, env spec.Env) (*spec.Spec, error) {
	s, err := spec.Parse(b)
	if err != nil {
		return nil, err
	}
	return s, s.Validate(env)
}

func TestBadSpecs(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("found %d bad specs, want at least 20", len(files))
	}
	env := spec.Env{Root: "testdata/bad", Restrict: true}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			requireRegistered(t, name)
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			errFile := strings.TrimSuffix(f, ".json") + ".err"
			want, rerr := os.ReadFile(errFile)
			if rerr != nil {
				t.Fatal(rerr)
			}
			// Validate reads no data: the problems that need it (the target
			// column, the layers planned on the data's shape, the budgets)
			// are train.Check's, whose test (train/check_test.go) compares
			// the whole .err file. Here every problem Validate reports must
			// be in the file, in the same order.
			_, err = check(b, env)
			if err == nil {
				if _, ok := needsData[name]; !ok {
					t.Fatalf("no error; want:\n%s(if only train.Check can find it, list the fixture in needsData)", want)
				}
				return
			}
			if !ml.IsBadInput(err) {
				t.Errorf("ml.IsBadInput(%v) = false", err)
			}
			var fe *spec.FieldError
			if !errors.As(err, &fe) {
				t.Errorf("errors.As(*FieldError) fails on %T", err)
			}
			if !subsequence(strings.Split(err.Error(), "\n"), strings.Split(strings.TrimSuffix(string(want), "\n"), "\n")) {
				t.Errorf("error:\n%s\nis not part of (in order):\n%s", err, want)
			}
		})
	}
}

// needsData lists the bad fixtures whose only problems need the data, so
// that Validate accepts them and train.Check reports them, with why.
var needsData = map[string]string{
	"53-autoencoder-shape":          "the decoder's output is compared with the data's sample shape",
	"55-autoencoder-layer":          "layers are planned by train.Check",
	"22-network-bad-shapes":         "the layers are planned on the data's shape",
	"38-unknown-target":             "the target column is in the CSV header",
	"39-test-without-target":        "the test file's header",
	"40-builtin-target":             "a built-in dataset's target column",
	"41-unknown-layer":              "layers are planned by train.Check",
	"42-unknown-layer-param":        "layers are planned by train.Check",
	"47-wrong-output-size":          "the number of classes is in the data",
	"60-max-features-too-many":      "the number of feature columns is in the data",
	"61-class-weight-unknown-class": "the classes are in the data",
	"62-precomputed-not-square":     "the matrix's shape is the data's",
	"77-sparse-adam-dense":          "which layers have parameters is planned by train.Check",
	"78-ctc-loss":                   "losses of more inputs than a network output and a target are refused by train.Check",
	"63-precomputed-preprocess":     "a precomputed matrix's rules are train's (precomputed.go)",
	"65-maxunpool-without-indices":  "layers are planned by train.Check",
	"66-bilinear-in-list":           "layers are planned by train.Check",
	"67-num-heads-embed-dim":        "embed_dim is inferred from the data's shape",
	"70-class-weight-unknown-label": "the classes and their labels are in the data",
	"71-class-weight-grid-label":    "the classes and their labels are in the data",
	"72-precomputed-grid-mixed":     "a precomputed matrix's rules are train's (precomputed.go)",
	"73-precomputed-grid-square":    "the matrix's shape is the data's",
	"74-class-weight-numeric":       "the classes are in the data",
}

// subsequence reports whether every line of got is in want, in order.
func subsequence(got, want []string) bool {
	i := 0
	for _, g := range got {
		for i < len(want) && want[i] != g {
			i++
		}
		if i == len(want) {
			return false
		}
		i++
	}
	return true
}

func TestGoodSpecs(t *testing.T) {
	files, err := filepath.Glob("testdata/good/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no good specs")
	}
	env := spec.Env{Root: "testdata/good", Restrict: true}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			requireRegistered(t, name)
			s, err := spec.Load(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Validate(env); err != nil {
				t.Fatal(err)
			}
			if s.Output == "" || len(s.Metrics) == 0 || s.Data.Split.Stratify == nil {
				t.Errorf("defaults not filled in: output %q, metrics %q, stratify %v", s.Output, s.Metrics, s.Data.Split.Stratify)
			}
			roundTrip(t, s, &env)
		})
	}
}

// roundTrip checks that a spec marshals to JSON that parses back to an equal
// spec that, when env is given, still validates.
func roundTrip(t *testing.T, s *spec.Spec, env *spec.Env) {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := spec.Parse(b)
	if err != nil {
		t.Fatalf("re-parsing %s: %v", b, err)
	}
	b2, err := json.Marshal(s2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, b2) {
		t.Errorf("round trip changed the spec:\n%s\n%s", b, b2)
	}
	if env == nil {
		// An unvalidated spec: compare as parsed.
	} else if err := s2.Validate(*env); err != nil {
		t.Fatalf("the re-parsed spec does not validate: %v", err)
	}
	if !reflect.DeepEqual(s, s2) {
		t.Errorf("round trip changed the spec:\n%#v\n%#v", s, s2)
	}
}
