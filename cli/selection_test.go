package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestTrainPrintsModelSelection checks what `mlforge train` prints for a
// cross-validation, a search and a curve.
func TestTrainPrintsModelSelection(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		extra string
		want  []string
	}{
		{`"cv": {"type": "StratifiedKFold", "n_splits": 3, "shuffle": true, "random_state": 0}`, []string{
			"cross-validation on the training part: StratifiedKFold(n_splits=3, shuffle=true, random_state=0)",
			"fold  n_train  n_test  accuracy  f1_macro  fit_time  score_time", "\n3  ", "\nmean  ", "\nstd  "}},
		{`"search": {"type": "GridSearchCV", "param_grid": {"n_neighbors": [1, 5], "weights": ["uniform", "distance"]}, "cv": 3}`, []string{
			"GridSearchCV on the training part: 4 candidates, StratifiedKFold(n_splits=3, shuffle=false, random_state=null), scoring accuracy",
			"#  params", "mean_test_score", `{"n_neighbors": 5, "weights": "distance"}`, "best params", "refit on the training part"}},
		{`"validation_curve": {"param_name": "n_neighbors", "param_range": [1, 5, 9], "cv": 3}`, []string{
			"validation_curve on the training part", "n_neighbors  mean_train_score  std_train_score  mean_test_score  std_test_score", "\n9  "}},
	} {
		writeFile(t, filepath.Join(dir, "spec.json"), `{"name": "ms", "data": {"train": "builtin:iris"}, "model": {"class": "KNeighborsClassifier"}, `+c.extra+`}`)
		code, out, errs := mlforge(t, dir, "train", "spec.json")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", c.extra, code, errs)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: the output does not contain %q:\n%s", c.extra, w, out)
			}
		}
	}
}
