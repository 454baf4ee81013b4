package spec_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/spec"
)

// These cases use the test-only classes of fake_test.go, so they run
// whichever estimator families are registered.
func TestValidate(t *testing.T) {
	long := strings.Repeat("a", 65)
	for _, tc := range []struct {
		name, json string
		env        spec.Env
		want       string // the full error, or "" for none
	}{
		{"classifier", `{"name": "c", "data": {"train": "builtin:iris"}, "model": {"class": "FakeClassifier", "params": {"k": 3}}, "metrics": ["fake_accuracy", "fake_log_loss"]}`, spec.Env{}, ""},
		{"regressor", `{"name": "r", "data": {"train": "builtin:diabetes"}, "model": {"class": "FakeRegressor"}, "metrics": ["fake_r2"]}`, spec.Env{}, ""},
		{"enum param", `{"name": "c", "data": {"train": "builtin:iris"}, "model": {"class": "FakeClassifier", "params": {"weights": "uniformm"}}, "metrics": ["fake_accuracy"]}`, spec.Env{},
			`model.params.weights: expected one of "uniform", "distance" (did you mean "uniform"?), got "uniformm"`},
		{"unknown param", `{"name": "c", "data": {"train": "builtin:iris"}, "model": {"class": "FakeClassifier", "params": {"kk": 3}}, "metrics": ["fake_accuracy"]}`, spec.Env{},
			`model.params.kk: unknown parameter of FakeClassifier (did you mean "k"?); known: k, weights, random_state`},
		{"odd param key", `{"name": "c", "data": {"train": "builtin:iris"}, "model": {"class": "FakeClassifier", "params": {"k k": 3}}, "metrics": ["fake_accuracy"]}`, spec.Env{},
			`model.params["k k"]: unknown parameter of FakeClassifier (did you mean "k"?); known: k, weights, random_state`},
		{"step params", `{"name": "c", "data": {"train": "builtin:iris"}, "preprocess": [{"type": "FakeScaler", "with_mean": false}, {"type": "FakeScaler", "strategy": "mode"}], "model": {"class": "FakeClassifier"}, "metrics": ["fake_accuracy"]}`, spec.Env{},
			`preprocess[1].strategy: expected one of "mean", "median", got "mode"`},
		{"step not a transformer", `{"name": "c", "data": {"train": "builtin:iris"}, "preprocess": [{"type": "FakeClassifier"}], "model": {"class": "FakeClassifier"}, "metrics": ["fake_accuracy"]}`, spec.Env{},
			`preprocess[0].type: FakeClassifier is a classifier, not a transformer`},
		{"step unknown", `{"name": "c", "data": {"train": "builtin:iris"}, "preprocess": [{"type": "FakeScalar"}], "model": {"class": "FakeClassifier"}, "metrics": ["fake_accuracy"]}`, spec.Env{},
			`preprocess[0].type: unknown class "FakeScalar" (did you mean "FakeScaler"?)`},
		{"clusterer", `{"name": "c", "data": {"train": "builtin:iris"}, "model": {"class": "FakeClusterer"}}`, spec.Env{}, ""},
		{"clusterer label metric", `{"name": "c", "data": {"train": "builtin:iris"}, "model": {"class": "FakeClusterer"}, "metrics": ["adjusted_rand_score"]}`, spec.Env{},
			`metrics[0]: "adjusted_rand_score" compares the clusters with a labelled column: name it in data.target, or use a metric computed from the data (silhouette_score, calinski_harabasz_score, davies_bouldin_score)`},
		{"transformer model", `{"name": "c", "data": {"train": "builtin:iris"}, "model": {"class": "FakeScaler"}}`, spec.Env{},
			`model.class: FakeScaler is a transformer; expected a classifier or a regressor (transformers go in preprocess)`},
		{"missing class", `{"name": "c", "data": {"train": "builtin:iris"}}`, spec.Env{},
			`model.class: required: an estimator class name such as "KNeighborsClassifier"`},
		{"needs proba", `{"name": "c", "data": {"train": "builtin:iris"}, "model": {"class": "FakeHardClassifier"}, "metrics": ["fake_accuracy", "fake_log_loss"]}`, spec.Env{},
			`metrics[1]: "fake_log_loss" needs predicted probabilities, but FakeHardClassifier has no predict_proba`},
		{"wrong task", `{"name": "c", "data": {"train": "builtin:iris"}, "model": {"class": "FakeClassifier"}, "metrics": ["fake_r2"]}`, spec.Env{},
			`metrics[0]: "fake_r2" is a regression metric but FakeClassifier is a classifier`},
		{"metric twice", `{"name": "c", "data": {"train": "builtin:iris"}, "model": {"class": "FakeClassifier"}, "metrics": ["fake_accuracy", "fake_accuracy"]}`, spec.Env{},
			`metrics[1]: "fake_accuracy" is listed twice (also metrics[0])`},
		{"stratify ignored with test", `{"name": "r", "data": {"train": "builtin:diabetes", "test": "builtin:diabetes", "split": {"stratify": true}}, "model": {"class": "FakeRegressor"}, "metrics": ["fake_r2"]}`, spec.Env{}, ""},
		{"dot name", `{"name": "..", "data": {"train": "builtin:iris"}, "model": {"class": "FakeClassifier"}, "metrics": ["fake_accuracy"]}`, spec.Env{},
			`name: expected 1 to 64 letters, digits, ".", "_" or "-" other than "." and "..", got ".."`},
		{"long name", `{"name": "` + long + `", "data": {"train": "builtin:iris"}, "model": {"class": "FakeClassifier"}, "metrics": ["fake_accuracy"]}`, spec.Env{},
			`name: expected 1 to 64 letters, digits, ".", "_" or "-", got "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..."`},
		{"absolute output allowed", `{"name": "c", "data": {"train": "builtin:iris"}, "model": {"class": "FakeClassifier"}, "metrics": ["fake_accuracy"], "output": "/tmp/models/c"}`, spec.Env{}, ""},
		{"absolute output restricted", `{"name": "c", "data": {"train": "builtin:iris"}, "model": {"class": "FakeClassifier"}, "metrics": ["fake_accuracy"], "output": "/tmp/models/c"}`, spec.Env{Restrict: true},
			`output: "/tmp/models/c" is an absolute path; expected a path relative to the workspace`},
		{"dotdot output restricted", `{"name": "c", "data": {"train": "builtin:iris"}, "model": {"class": "FakeClassifier"}, "metrics": ["fake_accuracy"], "output": "models/../../c"}`, spec.Env{Restrict: true},
			`output: "models/../../c" leaves the workspace; ".." is not allowed here`},
		{"nul path", "{\"name\": \"c\", \"data\": {\"train\": \"a\\u0000.csv\"}, \"model\": {\"class\": \"FakeClassifier\"}, \"metrics\": [\"fake_accuracy\"]}", spec.Env{},
			`data.train: the path contains a NUL byte`},
		{"test_size zero", `{"name": "c", "data": {"train": "builtin:iris", "split": {"test_size": 0}}, "model": {"class": "FakeClassifier"}, "metrics": ["fake_accuracy"]}`, spec.Env{},
			`data.split.test_size: expected a number > 0 and < 1, got 0`},
		{"network only", `{"name": "n", "data": {"train": "builtin:digits"}, "model": {"layers": []}, "batch_size": 32, "transforms": [], "target_transforms": [], "labels": ["a"], "scheduler": null}`, spec.Env{},
			"model.layers: expected at least one layer, such as {\"type\": \"Linear\", \"in_features\": \"auto\", \"out_features\": \"n_labels\"}\n" +
				"transforms: image transforms apply to image data (an image folder or IDX files), not to table data"},
		{"network on digits", `{"name": "n", "data": {"train": "builtin:digits"}, "model": {"layers": [{"type": "Linear", "in_features": "auto", "out_features": 32}, {"type": "ReLU"}, {"type": "Linear", "in_features": 32, "out_features": "n_labels"}]}}`, spec.Env{}, ""},
		{"network BCE", `{"name": "n", "data": {"train": "builtin:iris"}, "model": {"layers": [{"type": "Linear", "out_features": "n_labels"}]}, "criterion": "BCELoss"}`, spec.Env{}, ""},
		{"network KLDiv log_target", `{"name": "n", "data": {"train": "builtin:iris"}, "model": {"layers": [{"type": "Linear", "out_features": "n_labels"}]}, "criterion": {"type": "KLDivLoss", "log_target": true}}`, spec.Env{},
			"criterion.log_target: KLDivLoss with log_target true compares with log-probabilities, which class labels cannot give (log 0); set log_target to false to train against one-hot distributions"},
		{"network class loss on regression", `{"name": "n", "data": {"train": "builtin:diabetes"}, "model": {"layers": [{"type": "Linear", "out_features": 1}]}, "criterion": "MultiMarginLoss"}`, spec.Env{},
			"criterion.type: MultiMarginLoss compares the output with class indices made from class labels, but builtin:diabetes has a regression target; use a loss of values: HuberLoss, L1Loss, MSELoss, PoissonNLLLoss, SmoothL1Loss"},
		{"network reduction none", `{"name": "n", "data": {"train": "builtin:iris"}, "model": {"layers": [{"type": "Linear", "out_features": "n_labels"}]}, "criterion": {"type": "MSELoss", "reduction": "none"}}`, spec.Env{},
			`criterion.reduction: MSELoss with reduction "none" gives a loss per element, but training needs one number; use "mean" or "sum"`},
		{"network CyclicLR Adam", `{"name": "n", "data": {"train": "builtin:iris"}, "model": {"layers": [{"type": "Linear", "out_features": "n_labels"}]}, "optimizer": {"type": "Adam"}, "scheduler": {"type": "CyclicLR", "base_lr": 0.001, "max_lr": 0.01}}`, spec.Env{},
			"scheduler: CyclicLR: cycle_momentum needs an optimizer with a momentum (SGD or RMSprop); set cycle_momentum to false; the optimizer is Adam"},
		{"network OneCycleLR Adagrad", `{"name": "n", "data": {"train": "builtin:iris"}, "model": {"layers": [{"type": "Linear", "out_features": "n_labels"}]}, "optimizer": {"type": "Adagrad"}, "scheduler": {"type": "OneCycleLR", "max_lr": 0.1, "total_steps": 10}}`, spec.Env{},
			"scheduler: OneCycleLR: cycle_momentum needs an optimizer with a momentum or betas; set cycle_momentum to false; the optimizer is Adagrad"},
		{"network CyclicLR Adam no momentum", `{"name": "n", "data": {"train": "builtin:iris"}, "model": {"layers": [{"type": "Linear", "out_features": "n_labels"}]}, "optimizer": {"type": "Adam"}, "scheduler": {"type": "CyclicLR", "base_lr": 0.001, "max_lr": 0.01, "cycle_momentum": false}}`, spec.Env{}, ""},
		{"network LabelMap on a table", `{"name": "n", "data": {"train": "builtin:iris"}, "model": {"layers": [{"type": "Linear", "out_features": "n_labels"}]}, "target_transforms": [{"type": "OneHot"}, {"type": "LabelMap", "mapping": {"0": 1}}]}`, spec.Env{},
			"target_transforms[1]: applies to image data; for table data, recode the target column (a OneHot is the only target transform a table takes: the run makes one-hot targets itself)"},
		{"network OneHot without num_classes", `{"name": "n", "data": {"train": "builtin:iris"}, "model": {"layers": [{"type": "Linear", "out_features": 3}]}, "criterion": "MSELoss", "target_transforms": [{"type": "OneHot"}]}`, spec.Env{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := spec.Parse([]byte(tc.json))
			if err != nil {
				t.Fatal(err)
			}
			err = s.Validate(tc.env)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error:\n%v", err)
			case tc.want != "" && err == nil:
				t.Fatalf("no error, want:\n%s", tc.want)
			case tc.want != "" && err.Error() != tc.want:
				t.Fatalf("error:\n%v\nwant:\n%s", err, tc.want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	s, err := spec.Parse([]byte(`{"name": "c", "seed": 7, "data": {"train": "builtin:iris"}, "model": {"class": "FakeClassifier"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Data.Split.TestSize != spec.DefaultTestSize || s.Data.Split.Seed != 7 {
		t.Errorf("split = %+v, want test_size 0.25 and the top-level seed 7", s.Data.Split)
	}
	if err := s.Validate(spec.Env{}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"accuracy", "f1_macro"}; !reflect.DeepEqual(s.Metrics, want) {
		t.Errorf("metrics = %q, want %q", s.Metrics, want)
	}
	if s.Output != "models/c" {
		t.Errorf("output = %q, want models/c", s.Output)
	}
	if s.Data.Split.Stratify == nil || !*s.Data.Split.Stratify {
		t.Errorf("stratify = %v, want true for a classifier", s.Data.Split.Stratify)
	}
	if s.ModelTask() != ml.Classification {
		t.Errorf("ModelTask = %q", s.ModelTask())
	}

	s, err = spec.Parse([]byte(`{"name": "r", "seed": 7, "data": {"train": "builtin:diabetes", "split": {"seed": 3}}, "model": {"class": "FakeRegressor"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Data.Split.Seed != 3 {
		t.Errorf("split.seed = %d, want the explicit 3", s.Data.Split.Seed)
	}
	if err := s.Validate(spec.Env{}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"r2", "mean_squared_error"}; !reflect.DeepEqual(s.Metrics, want) {
		t.Errorf("metrics = %q, want %q", s.Metrics, want)
	}
	if s.Data.Split.Stratify == nil || *s.Data.Split.Stratify {
		t.Errorf("stratify = %v, want false for a regressor", s.Data.Split.Stratify)
	}
	if s.ModelTask() != ml.Regression {
		t.Errorf("ModelTask = %q", s.ModelTask())
	}
	if (&spec.Spec{}).ModelTask() != "" {
		t.Error("ModelTask of an empty spec is not empty")
	}
}

func TestRestrictSymlinks(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Skipf("cannot set up symbolic links here: %v", err)
		}
	}
	must(os.WriteFile(filepath.Join(outside, "secret.csv"), []byte("a,b\n1,2\n"), 0o644))
	must(os.MkdirAll(filepath.Join(root, "data"), 0o755))
	must(os.WriteFile(filepath.Join(root, "data", "train.csv"), []byte("a,b\n1,2\n"), 0o644))
	must(os.Symlink(outside, filepath.Join(root, "out")))
	must(os.Symlink("data", filepath.Join(root, "in")))
	must(os.Symlink(filepath.Join(outside, "missing"), filepath.Join(root, "dangling")))
	env := spec.Env{Root: root, Restrict: true}
	for _, tc := range []struct{ path, want string }{
		{"data/train.csv", ""},
		{"in/train.csv", ""},
		{"new/dir/model", ""},
		{"out/secret.csv", `"out/secret.csv" leads outside the workspace through a symbolic link`},
		{"out/models/x", `"out/models/x" leads outside the workspace through a symbolic link`},
		{"dangling/x", `"dangling/x" goes through a broken symbolic link`},
		{`data\train.csv`, `"data\\train.csv" contains a backslash; separate directories with "/"`},
	} {
		full, err := env.Resolve(tc.path)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("Resolve(%q): %v", tc.path, err)
		case tc.want == "" && full != filepath.Join(root, tc.path):
			t.Errorf("Resolve(%q) = %q", tc.path, full)
		case tc.want != "" && (err == nil || err.Error() != tc.want):
			t.Errorf("Resolve(%q) error %v, want %s", tc.path, err, tc.want)
		}
	}
	// The same paths are fine without Restrict.
	if full, err := (spec.Env{Root: root}).Resolve("out/secret.csv"); err != nil || full != filepath.Join(root, "out/secret.csv") {
		t.Errorf("unrestricted Resolve = %q, %v", full, err)
	}
	if full, err := (spec.Env{Root: root}).Resolve("/abs/x.csv"); err != nil || full != "/abs/x.csv" {
		t.Errorf("unrestricted Resolve of an absolute path = %q, %v", full, err)
	}

	s, err := spec.Parse([]byte(`{"name": "x", "data": {"train": "out/secret.csv"}, "model": {"class": "FakeRegressor"}, "metrics": ["fake_r2"], "output": "out/m"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := "data.train: \"out/secret.csv\" leads outside the workspace through a symbolic link\n" +
		"output: \"out/m\" leads outside the workspace through a symbolic link"
	if err := s.Validate(env); err == nil || err.Error() != want {
		t.Errorf("Validate error:\n%v\nwant:\n%s", err, want)
	}
	if err := s.Validate(spec.Env{Root: root}); err != nil {
		t.Errorf("unrestricted Validate: %v", err)
	}
}

func TestErrorsType(t *testing.T) {
	_, err := spec.Parse([]byte(`{"name": 1, "output": 2}`))
	var list spec.Errors
	if !errors.As(err, &list) || len(list) != 2 {
		t.Fatalf("error %#v is not an Errors of 2", err)
	}
	if list[0].Path != "name" || list[0].Msg != "expected a string, got 1" {
		t.Errorf("first error = %+v", list[0])
	}
	var fe *spec.FieldError
	if !errors.As(err, &fe) || fe.Path != "name" {
		t.Errorf("errors.As(*FieldError) = %v", fe)
	}
	if !ml.IsBadInput(err) || !ml.IsBadInput(fe) {
		t.Error("not bad input")
	}
	if got := (&spec.FieldError{Msg: "whole"}).Error(); got != "whole" {
		t.Errorf("Error() without a path = %q", got)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	_, err := spec.Load(filepath.Join(dir, "nope.json"))
	if want := `cannot read the spec: file "` + filepath.Join(dir, "nope.json") + `" does not exist`; err == nil || err.Error() != want {
		t.Errorf("Load of a missing file: %v, want %s", err, want)
	}
	if !ml.IsBadInput(err) {
		t.Error("a missing spec file is not bad input")
	}
	big := filepath.Join(dir, "big.json")
	if err := os.WriteFile(big, []byte(`{"name": "x"`+strings.Repeat(" ", spec.MaxSize)+`}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := spec.Load(big); err == nil || !strings.Contains(err.Error(), "larger than 1048576 bytes") {
		t.Errorf("Load of a big file: %v", err)
	}
	if _, err := spec.Load(dir); err == nil {
		t.Error("Load of a directory succeeded")
	}
}

func TestParseDetails(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"\ufeff{\"name\": \"bom\"}", ""},
		{`{"name": "\u0069ris\ud83d\ude00"}`, ""},
		{`{"seed": 1e3}`, ""},
		{`{"seed": -9223372036854775808}`, ""},
		{`{"seed": 1e300}`, "seed: expected an integer, got 1e300"},
		{`{"data": {"split": {"test_size": 1e999}}}`, "data.split.test_size: expected a finite number, got 1e999"},
		{`{"seed": 01}`, `invalid JSON at line 1, column 10: invalid number "01"`},
		{`{"seed": -}`, `invalid JSON at line 1, column 10: invalid number "-"`},
		{`{"seed": 1.}`, `invalid JSON at line 1, column 10: invalid number "1."`},
		{`{"seed": 12abc}`, `invalid JSON at line 1, column 10: invalid number "12abc"`},
		{`{"name": "a\qb"}`, `invalid JSON at line 1, column 12: invalid escape \q in string`},
		{`{"name": "\u12"}`, `invalid JSON at line 1, column 11: invalid \u escape; expected four hexadecimal digits`},
		{"{\"name\": \"\xff\"}", `invalid JSON at line 1, column 11: invalid UTF-8 in string`},
		{`{"name" "x"}`, `invalid JSON at line 1, column 9: unexpected character '"'; expected ":" after the key "name"`},
		{`{"name": "x" "seed": 1}`, `invalid JSON at line 1, column 14: unexpected character '"'; expected "," or "}"`},
		{`{"metrics": ["a",]}`, `invalid JSON at line 1, column 18: unexpected character ']'; expected a value after ","`},
		{`{"metrics": ["a" "b"]}`, `invalid JSON at line 1, column 18: unexpected character '"'; expected "," or "]"`},
		{`{"name": nul}`, `invalid JSON at line 1, column 10: unknown word "nul"; expected a value (strings need double quotes)`},
		{`{"name": 'x'}`, `invalid JSON at line 1, column 10: unexpected character '\''; expected a value`},
		{`{name: "x"}`, `invalid JSON at line 1, column 2: unexpected character 'n'; expected a quoted key or "}"`},
		{`{"name": "é", "xyzzy": 1}`, `xyzzy: unknown key; known keys: batch_size, collect, criterion, cv, data, epochs, freeze, grad_clip, image_ops, labels, learning_curve, metrics, model, name, optimizer, optimizer_d, output, permutation_importance, preprocess, pretrained_weights, scheduler, search, seed, target_transforms, task, transforms, validation_curve`},
		{`{"data": {"my key": 1}}`, `data["my key"]: unknown key in data; known keys: sample_weight, sequence, split, target, test, train`},
		{`{"data": {"train": "builtin:"}}`, `data.train: expected a dataset name after "builtin:", such as "builtin:iris"`},
		{`{"data": {"train": ""}}`, `data.train: expected "builtin:NAME", a CSV path, a folder of images or {"images": IDX, "labels": IDX}, got ""`},
		{`{"data": {"split": {"stratify": "yes"}}}`, `data.split.stratify: expected true or false, got "yes"`},
		{`{"preprocess": [1, {"type": 2}]}`, "preprocess[0]: expected a step such as {\"type\": \"StandardScaler\"}, got 1\npreprocess[1].type: expected a string, got 2"},
		{`{"metrics": ["a", 3]}`, `metrics[1]: expected a string, got 3`},
		{`{"model": {"params": {"a": 1, "a": 2}}}`, `model.params.a: duplicate key at line 1, column 31 (first at line 1, column 23)`},
		{"   \n\t ", `the spec is empty; expected a JSON object`},
		{`"spec"`, `expected the spec to be a JSON object, got "spec"`},
		{`{} {}`, `invalid JSON at line 1, column 4: unexpected data after the top-level value`},
		{`{"name": "x"`, `invalid JSON at line 1, column 13: unexpected end of input; expected "," or "}"`},
	} {
		_, err := spec.Parse([]byte(tc.in))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("Parse(%q):\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	in := `{
	  "name": "all-fields", "seed": 9,
	  "data": {"train": "builtin:iris", "test": "t.csv", "target": "y", "split": {"test_size": 0.3, "seed": 1, "stratify": false}},
	  "preprocess": [{"type": "FakeScaler", "strategy": "median", "with_mean": false}, {"type": "FakeScaler"}],
	  "model": {"class": "FakeClassifier", "params": {"k": 3, "weights": "distance"}, "layers": [{"type": "Linear", "out_features": "n_labels"}, {"type": "ReLU"}]},
	  "metrics": ["fake_accuracy"], "output": "out/<x>&y",
	  "criterion": "x", "optimizer": {"type": "Adam", "lr": 1e-3}, "scheduler": {"type": "StepLR", "step_size": 2}, "batch_size": 32, "epochs": 2,
	  "transforms": null, "target_transforms": [{"type": "OneHot", "num_classes": 3}], "labels": ["a", "b"]
	}`
	s, err := spec.Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(s.Preprocess[0].Params); got != `{"strategy":"median","with_mean":false}` {
		t.Errorf("step params = %s", got)
	}
	roundTrip(t, s, nil)

	// encoding/json reads the same JSON through the types' UnmarshalJSON.
	b, _ := json.Marshal(s)
	var s2 spec.Spec
	if err := json.Unmarshal(b, &s2); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s, &s2) {
		t.Errorf("json.Unmarshal differs from Parse:\n%#v\n%#v", s, &s2)
	}
	var src spec.Source
	if err := json.Unmarshal([]byte(`{"images": "a", "labels": "b"}`), &src); err != nil || src.Images != "a" || src.Labels != "b" || !src.IsIDX() {
		t.Errorf("IDX Source = %+v, %v", src, err)
	}
	if b, _ := json.Marshal(src); string(b) != `{"images":"a","labels":"b"}` {
		t.Errorf("IDX Source marshals to %s", b)
	}
	if err := json.Unmarshal([]byte(`{"images": "a"}`), &src); err == nil {
		t.Error("an IDX Source without labels was accepted")
	}
	if err := json.Unmarshal([]byte(`"builtin:wine"`), &src); err != nil || src.Builtin != "wine" || src.String() != "builtin:wine" {
		t.Errorf("Source = %+v, %v", src, err)
	}
	if _, err := json.Marshal(spec.Step{Type: "X", Params: json.RawMessage(`[1]`)}); err == nil {
		t.Error("Step with array params marshalled")
	}
}

func TestManyErrorsAreCapped(t *testing.T) {
	var sb strings.Builder
	sb.WriteString(`{"metrics": [`)
	for i := range 1000 {
		if i > 0 {
			sb.WriteString(",")
		}
		sb.WriteString("1")
	}
	sb.WriteString("]}")
	_, err := spec.Parse([]byte(sb.String()))
	var list spec.Errors
	if !errors.As(err, &list) || len(list) != 50 {
		t.Fatalf("got %d errors, want 50", len(list))
	}
	if got := list[49].Error(); got != "... and 951 more problems" {
		t.Errorf("last error = %q", got)
	}
}
