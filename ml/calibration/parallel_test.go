package calibration_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"testing"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
)

// TestFoldsInParallelAreSequential checks that fitting the folds n_jobs
// at a time gives bit for bit the probabilities of fitting them one after
// the other (n_jobs 1), with and without ensemble, for both methods and
// for a seeded estimator.
func TestFoldsInParallelAreSequential(t *testing.T) {
	X, y := testutil.LoadCSV(t, "data/datasets/iris.csv")
	for _, est := range []string{
		`{"class":"LinearSVC","params":{"random_state":0}}`,
		`{"class":"SGDClassifier","params":{"random_state":3,"loss":"log_loss"}}`,
	} {
		for _, method := range []string{"sigmoid", "isotonic"} {
			for _, ens := range []bool{true, false} {
				name := fmt.Sprintf("%s/%s/ensemble=%v", est, method, ens)
				proba := func(jobs int) []float64 {
					params := json.RawMessage(fmt.Sprintf(`{"estimator":%s,"method":%q,"ensemble":%v,"n_jobs":%d}`, est, method, ens, jobs))
					e, err := ml.New("CalibratedClassifierCV", params)
					if err != nil {
						t.Fatal(err)
					}
					if err := e.Fit(context.Background(), X, y); err != nil {
						t.Fatalf("%s n_jobs %d: %v", name, jobs, err)
					}
					p, err := e.(ml.ProbaPredictor).PredictProba(X)
					if err != nil {
						t.Fatal(err)
					}
					return p.RawMatrix().Data
				}
				seq := proba(1)
				for _, jobs := range []int{4, -1, 0} {
					got := proba(jobs)
					for i := range seq {
						if math.Float64bits(got[i]) != math.Float64bits(seq[i]) {
							t.Fatalf("%s n_jobs %d: proba[%d] = %.17g, sequential %.17g", name, jobs, i, got[i], seq[i])
						}
					}
				}
			}
		}
	}
}
