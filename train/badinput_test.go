package train_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/train"
)

// TestBadInputAudit runs issue 12's bad inputs that only the data shows
// (those Check finds are spec error fixtures 58-64): each is an error
// naming the parameter or the column, a bad-input error, before any fit
// work; a constant column is no error (scikit-learn fits it too), and an
// SMO stopped by max_iter leaves a convergence warning in the events.
func TestBadInputAudit(t *testing.T) {
	dir := t.TempDir()
	iris, err := os.ReadFile("../data/datasets/iris.csv")
	if err != nil {
		t.Fatal(err)
	}
	diabetes, err := os.ReadFile("../data/datasets/diabetes.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(iris)), "\n")
	var one, konst strings.Builder
	one.WriteString(lines[0] + "\n")
	for _, l := range lines[1:101] { // setosa and versicolor
		one.WriteString(l + "\n")
	}
	one.WriteString(lines[130] + "\n") // one virginica
	for i, l := range lines {
		f := strings.Split(l, ",")
		c := "7"
		if i == 0 {
			c = "constant"
		}
		konst.WriteString(strings.Join(append(f[:4:4], c, f[4]), ",") + "\n")
	}
	dl := strings.Split(strings.TrimSpace(string(diabetes)), "\n")
	f := strings.Split(dl[6], ",")
	f[len(f)-1] = ""
	dl[6] = strings.Join(f, ",")
	for name, body := range map[string]string{"one.csv": one.String(), "const.csv": konst.String(), "nan.csv": strings.Join(dl, "\n") + "\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(data, model string, rep ml.Reporter) (*train.Result, error) {
		return runSpec(t, fmt.Sprintf(`{"name": "bad", "data": {%s, "target": "target"}, "model": %s, "output": %q}`, data, model, filepath.Join(t.TempDir(), "m")), train.Options{Root: dir, Reporter: rep})
	}
	for _, c := range []struct{ data, model, want string }{
		{`"train": "one.csv", "test": "one.csv"`, `{"class": "SVC", "params": {"probability": true}}`, "probability: probability=true fits Platt scaling by 5-fold cross-validation, which cannot both hold out and train on class 2: it has 1 sample"},
		{`"train": "nan.csv"`, `{"class": "GradientBoostingRegressor"}`, `nan.csv line 7: column "target": the target is missing`},
		{`"train": "nan.csv"`, `{"class": "HistGradientBoostingRegressor"}`, `nan.csv line 7: column "target": the target is missing`},
		{`"train": "const.csv"`, `{"class": "RandomForestClassifier", "params": {"class_weight": {"7": 2}}}`, "model.params.class_weight: names class 7, which const.csv does not have; its classes are 0 (setosa), 1 (versicolor), 2 (virginica)"},
		{`"train": "const.csv"`, `{"class": "SVC", "params": {"class_weight": {"7": 2}}}`, "model.params.class_weight: names class 7, which const.csv does not have"},
	} {
		_, err := run(c.data, c.model, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) || !ml.IsBadInput(err) {
			t.Errorf("%s on %s: %v (bad input %v), want %q", c.model, c.data, err, ml.IsBadInput(err), c.want)
		}
	}
	if _, err := run(`"train": "const.csv"`, `{"class": "SVC"}`, nil); err != nil {
		t.Errorf("SVC with a constant column: %v", err)
	}
	var warned []string
	rep := ml.ReporterFunc(func(e ml.Event) {
		if e.Kind == "log" && strings.Contains(e.Message, "max_iter=50") {
			warned = append(warned, e.Message)
		}
	})
	if _, err := run(`"train": "const.csv"`, `{"class": "SVC", "params": {"kernel": "poly", "degree": 10, "gamma": 10, "max_iter": 50}}`, rep); err != nil || len(warned) == 0 {
		t.Errorf("SVC stopped at max_iter: %v, warnings %q", err, warned)
	}
}
