package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mlforge runs the CLI in dir and returns exit code, stdout and stderr.
func mlforge(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestTrainPredictEval(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "spec.json"), `{"name": "wine", "data": {"train": "builtin:wine", "split": {"test_size": 0.3, "seed": 1}},
		"preprocess": [{"type": "StandardScaler"}], "model": {"class": "LogisticRegression"}, "metrics": ["accuracy", "log_loss"]}`)
	code, out, errs := mlforge(t, dir, "train", "spec.json", "--json")
	if code != 0 {
		t.Fatalf("train exited %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var res struct {
		Name      string                        `json:"name"`
		ModelPath string                        `json:"model_path"`
		Metrics   map[string]map[string]float64 `json:"metrics"`
		Timings   map[string]float64            `json:"timings"`
	}
	dec := json.NewDecoder(strings.NewReader(lines[len(lines)-1]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("last stdout line is not the result object: %v\n%s", err, out)
	}
	if res.Name != "wine" || res.Metrics["test"]["accuracy"] < 0.9 || len(res.Timings) != 3 {
		t.Fatalf("result = %+v", res)
	}
	if _, err := os.Stat(filepath.Join(dir, res.ModelPath)); err != nil {
		t.Fatal(err)
	}

	data, _ := os.ReadFile(filepath.Join("..", "data", "datasets", "wine.csv"))
	rows := strings.Split(string(data), "\n")
	writeFile(t, filepath.Join(dir, "few.csv"), strings.Join(rows[:4], "\n")+"\n")
	code, out, errs = mlforge(t, dir, "predict", "models/wine", "few.csv", "--proba", "-o", "pred.csv")
	if code != 0 || out != "" {
		t.Fatalf("predict exited %d: %s %s", code, out, errs)
	}
	pred, _ := os.ReadFile(filepath.Join(dir, "pred.csv"))
	if !strings.HasPrefix(string(pred), "prediction,proba_class_0,proba_class_1,proba_class_2\nclass_0,") {
		t.Fatalf("predictions:\n%s", pred)
	}
	code, out, errs = mlforge(t, dir, "eval", "models/wine", "few.csv", "--json")
	if code != 0 || !strings.Contains(out, `"accuracy":1`) {
		t.Fatalf("eval exited %d: %s %s", code, out, errs)
	}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "bad.json"), `{"name": "x", "data": {"train": "builtin:iris"}, "model": {"class": "KNeighborsClassifier", "params": {"n_neighbors": "five"}}}`)
	writeFile(t, filepath.Join(dir, "ragged.csv"), "a,b,target\n1,2,x\n3\n")
	writeFile(t, filepath.Join(dir, "ragged.json"), `{"name": "r", "data": {"train": "ragged.csv"}, "model": {"class": "GaussianNB"}}`)
	for _, c := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"version"}, 0, ""},
		{[]string{"train", "bad.json"}, 2, `model.params.n_neighbors: expected an integer ≥ 1, got "five"`},
		{[]string{"train", "missing.json"}, 2, "does not exist"},
		{[]string{"train", "ragged.json"}, 2, "line 3"},
		{[]string{"train"}, 2, "usage: mlforge train"},
		{[]string{"train", "a", "b"}, 2, "expected 1 argument"},
		{[]string{"trian"}, 2, `did you mean "train"`},
		{[]string{"predict", "nomodel", "x.csv"}, 2, "model file"},
		{[]string{"predict", "bad.json", "x.csv"}, 2, "not a readable model file"},
		{[]string{"train", "--bogus", "bad.json"}, 2, "flag provided but not defined"},
		{[]string{"serve", "--max-attempts", "0"}, 2, "--max-attempts must be from 1 to 100"},
		{[]string{"worker", "--db", "postgres://127.0.0.1:1/x", "--max-attempts", "101"}, 2, "--max-attempts must be from 1 to 100"},
	} {
		code, _, errs := mlforge(t, dir, c.args...)
		if code != c.code || !strings.Contains(errs, c.err) {
			t.Errorf("mlforge %v: exit %d, stderr %q; want exit %d and %q", c.args, code, errs, c.code, c.err)
		}
	}
}
