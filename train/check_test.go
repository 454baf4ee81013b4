package train

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/spec"
)

var updateSpecErrs = flag.Bool("update-spec-errors", false, "rewrite ../spec/testdata/bad/*.err with the errors train.Check produces now")

// TestSpecFixtures runs every spec fixture of package spec through Check,
// the validation the CLI and the service use (spec.Validate, then what
// needs the data), and compares the whole error with its .err file.
func TestSpecFixtures(t *testing.T) {
	bad, err := filepath.Glob("../spec/testdata/bad/*.json")
	if err != nil || len(bad) < 20 {
		t.Fatalf("found %d bad specs (%v), want at least 20", len(bad), err)
	}
	for _, f := range bad {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			s, err := spec.Parse(b)
			if err == nil {
				_, err = Check(s, Options{Root: "../spec/testdata/bad", Restrict: true})
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !ml.IsBadInput(err) {
				t.Errorf("ml.IsBadInput(%v) = false", err)
			}
			var fe *spec.FieldError
			if !errors.As(err, &fe) {
				t.Errorf("errors.As(*FieldError) fails on %T", err)
			}
			errFile := strings.TrimSuffix(f, ".json") + ".err"
			if *updateSpecErrs {
				if err := os.WriteFile(errFile, []byte(err.Error()+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err2 := os.ReadFile(errFile)
			if err2 != nil {
				t.Fatal(err2)
			}
			if got := err.Error(); got != strings.TrimSuffix(string(want), "\n") {
				t.Errorf("error:\n%s\nwant:\n%s", got, want)
			}
		})
	}
	good, err := filepath.Glob("../spec/testdata/good/*.json")
	if err != nil || len(good) == 0 {
		t.Fatalf("no good specs: %v", err)
	}
	for _, f := range good {
		t.Run(filepath.Base(f), func(t *testing.T) {
			s, err := spec.Load(f)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Check(s, Options{Root: "../spec/testdata/good", Restrict: true}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// checkErr parses js and checks it, returning the error's text ("" for
// none).
func checkErr(t *testing.T, js string, opt Options) string {
	t.Helper()
	s, err := spec.Parse([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Check(s, opt); err != nil {
		return err.Error()
	}
	return ""
}

// TestCheckNetwork: the problems of a network that need its data (the
// sample shape, the classes), with the messages spec.Validate gave when it
// planned the layers itself.
func TestCheckNetwork(t *testing.T) {
	for _, tc := range []struct{ name, json, want string }{
		{"network too few labels", `{"name": "n", "data": {"train": "builtin:iris"}, "model": {"layers": [{"type": "Linear", "out_features": "n_labels"}]}, "labels": ["a", "b"]}`,
			"labels: names 2 classes but the data has 3"},
		{"network n_labels in regression", `{"name": "n", "data": {"train": "builtin:diabetes"}, "model": {"layers": [{"type": "Linear", "out_features": "n_labels"}]}, "criterion": "MSELoss"}`,
			`model.layers[0]: out_features: "n_labels" is the number of classes, which only a classification network has (a class loss such as CrossEntropyLoss, or a loss of values on class labels)`},
		{"network shapes", `{"name": "n", "data": {"train": "builtin:iris"}, "model": {"layers": [{"type": "Linear", "in_features": 5, "out_features": 8}, {"type": "ReLU"}, {"type": "Linear", "out_features": "n_labels"}]}}`,
			`model.layers[0]: Linear expects input of shape (*, 5), got [1 4] (the data's samples have shape [4])`},
		{"network on digits", `{"name": "n", "data": {"train": "builtin:digits"}, "model": {"layers": [{"type": "Linear", "in_features": "auto", "out_features": 32}, {"type": "ReLU"}, {"type": "Linear", "in_features": 32, "out_features": "n_labels"}]}}`, ""},
		// Validate's problems and Check's read in field order together.
		{"merged in field order", `{"name": "n", "data": {"train": "builtin:iris"}, "model": {"layers": [{"type": "Linear", "in_features": 5, "out_features": 3}]}, "epochs": -1, "metrics": ["r2"]}`,
			"model.layers[0]: Linear expects input of shape (*, 5), got [1 4] (the data's samples have shape [4])\n" +
				"epochs: expected an integer from 1 to 100000, got -1\n" +
				`metrics[0]: "r2" is a regression metric but the network is a classifier`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkErr(t, tc.json, Options{}); got != tc.want {
				t.Errorf("error:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
	s, _ := spec.Parse([]byte(`{"name": "n", "data": {"train": "builtin:digits"}, "model": {"layers": [{"type": "Linear", "in_features": "auto", "out_features": 32}, {"type": "ReLU"}, {"type": "Linear", "in_features": 32, "out_features": "n_labels"}]}}`))
	p, err := Check(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Net == nil || p.Net.NLabels != 10 || len(p.Net.Layers) != 3 || p.Net.InShape[0] != 64 || p.Net.Layers[2].OutShape[1] != 10 {
		t.Errorf("plan = %+v", p.Net)
	}
}

// TestPipelineSeed: the pipeline gets the spec's seed as random_state
// where the class has one and the spec leaves it out.
func TestPipelineSeed(t *testing.T) {
	s, err := spec.Parse([]byte(`{"name": "p", "seed": 11, "data": {"train": "builtin:iris"},
	  "preprocess": [{"type": "StandardScaler", "with_mean": false}],
	  "model": {"class": "DecisionTreeClassifier", "params": {"max_depth": 3}}}`))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Check(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Pipeline.Steps) != 1 || ml.ClassName(p.Pipeline.Steps[0]) != "StandardScaler" || ml.ClassName(p.Pipeline.Final) != "DecisionTreeClassifier" {
		t.Fatalf("pipeline = %#v", p.Pipeline)
	}
	params, _ := ml.Params(p.Pipeline.Final)
	if !strings.Contains(string(params), `"random_state":11`) || !strings.Contains(string(params), `"max_depth":3`) {
		t.Errorf("model params = %s, want random_state 11 (the spec's seed) and max_depth 3", params)
	}
	// An explicit random_state wins over the seed.
	if got := string(EffectiveParams(s, "DecisionTreeClassifier", json.RawMessage(`{"random_state": 2}`))); got != `{"random_state": 2}` {
		t.Errorf("EffectiveParams = %s", got)
	}
	if got := string(EffectiveParams(s, "DecisionTreeClassifier", nil)); got != `{"random_state":11}` {
		t.Errorf("EffectiveParams(nil) = %s", got)
	}
	if got := string(EffectiveParams(s, "StandardScaler", nil)); got != "" {
		t.Errorf("EffectiveParams of a class without random_state = %s", got)
	}
	// A seed the class cannot take is reported at seed.
	s.Seed = -1
	if _, err := Check(s, Options{}); err == nil || !strings.HasPrefix(err.Error(), "seed: -1 cannot be the random_state of DecisionTreeClassifier, which expects") {
		t.Errorf("Check error: %v", err)
	}
}

func TestTargetColumns(t *testing.T) {
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("\ufeff rooms ,\"sold price\"\n1,2\n"))
	zw.Close()
	if err := os.WriteFile(filepath.Join(dir, "train.csv.gz"), gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "empty.csv"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "iris.csv"), []byte("a,b\n1,2\n3,4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ data, want string }{
		{`{"train": "train.csv.gz", "target": "sold price"}`, ""},
		{`{"train": "train.csv.gz", "target": "rooms"}`, ""},
		{`{"train": "train.csv.gz", "target": "sold_price"}`, `data.target: no column "sold_price" in "train.csv.gz" (did you mean "sold price"?); columns: rooms, sold price`},
		{`{"train": "train.csv.gz", "test": "builtin:diabetes"}`, `data.test: "builtin:diabetes" has its target in the column "target", but the training data's target is "sold price"`},
		{`{"train": "builtin:diabetes", "target": "target"}`, ""},
		// An unreadable header is left to the data reader, which names the line.
		{`{"train": "empty.csv", "target": "x"}`, ""},
		// A file named as a folder is refused when validating, as the run
		// would refuse it (issue 8).
		{`{"train": "iris.csv/"}`, `data.train: "iris.csv/": not a directory`},
	} {
		got := checkErr(t, `{"name": "t", "data": `+tc.data+`, "model": {"class": "LinearRegression"}, "metrics": ["r2"]}`, Options{Root: dir, Restrict: true})
		if got != tc.want {
			t.Errorf("data %s:\n got %s\nwant %s", tc.data, got, tc.want)
		}
	}
}
