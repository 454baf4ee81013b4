package train_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/train"
)

func runSpec(t *testing.T, src string, opt train.Options) (*train.Result, error) {
	t.Helper()
	s, err := spec.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return train.Run(context.Background(), s, opt)
}

func TestCrossValidateRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m")
	var folds []ml.Event
	rep := ml.ReporterFunc(func(e ml.Event) {
		if e.Kind == "fold" {
			folds = append(folds, e)
		}
	})
	res, err := runSpec(t, `{"name": "cv", "data": {"train": "builtin:iris"}, "preprocess": [{"type": "StandardScaler"}],
		"model": {"class": "KNeighborsClassifier"}, "cv": {"type": "StratifiedKFold", "n_splits": 5, "shuffle": true, "random_state": 0},
		"output": "`+out+`"}`, train.Options{Reporter: rep})
	if err != nil {
		t.Fatal(err)
	}
	cv := res.CV
	if cv == nil || len(cv.Folds) != 5 || len(folds) != 5 {
		t.Fatalf("cv %+v, %d fold events", cv, len(folds))
	}
	if cv.Splitter != "StratifiedKFold(n_splits=5, shuffle=true, random_state=0)" {
		t.Errorf("splitter %q", cv.Splitter)
	}
	nTest, sum := 0, 0.0
	for i, f := range cv.Folds {
		nTest += f.NTest
		sum += f.Test["accuracy"]
		if f.NTrain+f.NTest != res.NTrain {
			t.Errorf("fold %d: %d + %d rows, the training part has %d", i, f.NTrain, f.NTest, res.NTrain)
		}
		if folds[i].Step != i+1 || folds[i].Total != 5 || folds[i].Metrics["cv_accuracy"] != f.Test["accuracy"] {
			t.Errorf("fold event %d: %+v", i, folds[i])
		}
	}
	if nTest != res.NTrain {
		t.Errorf("the test folds hold %d rows, the training part %d", nTest, res.NTrain)
	}
	if m := res.Metrics["cv"]; math.Abs(m["accuracy"]-sum/5) > 1e-15 || m["accuracy_std"] <= 0 || m["f1_macro"] == 0 {
		t.Errorf("metrics cv = %v, mean accuracy %v", m, sum/5)
	}
	mod, err := model.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	var sel struct {
		CV *train.CVResult `json:"cross_validate"`
	}
	if err := json.Unmarshal(mod.Manifest.Selection, &sel); err != nil || sel.CV == nil || len(sel.CV.Folds) != 5 {
		t.Errorf("the model's model_selection: %s (%v)", mod.Manifest.Selection, err)
	}
	if mod.Manifest.Metrics["cv"]["accuracy"] != res.Metrics["cv"]["accuracy"] {
		t.Errorf("the model's metrics %v", mod.Manifest.Metrics)
	}
}

func TestCrossValidateRegressorDefault(t *testing.T) {
	res, err := runSpec(t, `{"name": "cvr", "data": {"train": "builtin:diabetes"}, "model": {"class": "Ridge"}, "cv": 4,
		"output": "`+filepath.Join(t.TempDir(), "m")+`"}`, train.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.CV.Splitter != "KFold(n_splits=4, shuffle=false, random_state=null)" || len(res.CV.Folds) != 4 {
		t.Errorf("cv %s with %d folds", res.CV.Splitter, len(res.CV.Folds))
	}
	// KFold without shuffle: the first n % 4 folds are one row larger.
	n := res.NTrain
	for i, f := range res.CV.Folds {
		want := n / 4
		if i < n%4 {
			want++
		}
		if f.NTest != want {
			t.Errorf("fold %d has %d test rows, want %d", i, f.NTest, want)
		}
	}
	if _, ok := res.Metrics["cv"]["r2"]; !ok {
		t.Errorf("metrics cv = %v", res.Metrics["cv"])
	}
}

func TestCrossValidateSmallestClass(t *testing.T) {
	// A built-in dataset is at hand in Check: the error comes before any work.
	s, err := spec.Parse([]byte(`{"name": "cv", "data": {"train": "builtin:iris"}, "model": {"class": "KNeighborsClassifier"},
		"cv": {"type": "StratifiedKFold", "n_splits": 40}}`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = train.Check(s, train.Options{})
	if err == nil || !strings.Contains(err.Error(), "cv.n_splits: n_splits=40 is larger than the smallest class of the training part") {
		t.Errorf("Check: %v", err)
	}
	s, _ = spec.Parse([]byte(`{"name": "cv", "data": {"train": "builtin:iris"}, "model": {"class": "KNeighborsClassifier"},
		"search": {"type": "GridSearchCV", "param_grid": {"n_neighbors": [1, 2]}, "cv": 45}}`))
	if _, err = train.Check(s, train.Options{}); err == nil || !strings.Contains(err.Error(), "search.cv: n_splits=45") {
		t.Errorf("Check: %v", err)
	}
	// A CSV file is read by the run: the same error, before any fold is fitted.
	dir := t.TempDir()
	csv := "x,y\n1,a\n2,a\n3,a\n4,b\n5,b\n6,a\n7,a\n8,b\n9,a\n10,a\n11,c\n12,c\n13,a\n14,c\n"
	if err := os.WriteFile(filepath.Join(dir, "d.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = runSpec(t, `{"name": "cv", "data": {"train": "d.csv", "test": "d.csv"}, "model": {"class": "KNeighborsClassifier", "params": {"n_neighbors": 1}},
		"cv": 4}`, train.Options{Root: dir})
	if err == nil || !strings.Contains(err.Error(), "cv: n_splits=4 is larger than the smallest class of the training part (class") {
		t.Errorf("Run: %v", err)
	}
}

func TestGroupKFoldRun(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("x,patient,y\n")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "%d,%d,%s\n", i, i%7, []string{"a", "b"}[i%2])
	}
	if err := os.WriteFile(filepath.Join(dir, "d.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := runSpec(t, `{"name": "g", "data": {"train": "d.csv"}, "model": {"class": "KNeighborsClassifier", "params": {"n_neighbors": 3}},
		"cv": {"type": "GroupKFold", "n_splits": 3, "groups": "patient"}, "output": "m"}`, train.Options{Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Features, ",") != "x" {
		t.Errorf("features %v: the groups column must be left out", res.Features)
	}
	if len(res.CV.Folds) != 3 || res.CV.Splitter != "GroupKFold(n_splits=3)" {
		t.Errorf("cv %+v", res.CV)
	}
	m, err := model.Load(filepath.Join(dir, "m"))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Manifest.Features) != 1 {
		t.Errorf("the model's features %v", m.Manifest.Features)
	}
	s, _ := spec.Parse([]byte(`{"name": "g", "data": {"train": "d.csv"}, "model": {"class": "KNeighborsClassifier"},
		"cv": {"type": "GroupKFold", "groups": "patiant"}}`))
	if _, err := train.Check(s, train.Options{Root: dir}); err == nil || !strings.Contains(err.Error(), `cv.groups: no column "patiant" in d.csv (did you mean "patient"?)`) {
		t.Errorf("Check: %v", err)
	}
}
