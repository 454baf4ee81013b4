package train_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/train"
)

// TestCurvesMatchScikitLearn compares validation_curve and learning_curve
// runs with testdata/curves.json (scikit-learn 1.2.1, gen_curves.py): each
// fold's training and test score within 1e-6 (relative for the mean squared
// error), and the learning curve's training sizes exactly.
func TestCurvesMatchScikitLearn(t *testing.T) {
	b, err := os.ReadFile("testdata/curves.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Cases []struct {
			Dataset       string          `json:"dataset"`
			Preprocess    json.RawMessage `json:"preprocess"`
			Model         json.RawMessage `json:"model"`
			Key           string          `json:"key"`
			Curve         json.RawMessage `json:"curve"`
			TrainSizesAbs []int           `json:"train_sizes_abs"`
			TrainScores   [][]float64     `json:"train_scores"`
			TestScores    [][]float64     `json:"test_scores"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	for _, c := range fx.Cases {
		t.Run(c.Dataset+"-"+c.Key, func(t *testing.T) {
			var series []float64
			rep := ml.ReporterFunc(func(e ml.Event) {
				if v, ok := e.Metrics[c.Key+"_test_score"]; ok && e.Kind == "trial" {
					series = append(series, v)
				}
			})
			res, err := runSpec(t, fmt.Sprintf(`{"name": "c", "data": {"train": "builtin:%s", "test": "builtin:%s"}, "preprocess": %s, "model": %s, %q: %s, "output": %q}`,
				c.Dataset, c.Dataset, c.Preprocess, c.Model, c.Key, c.Curve, filepath.Join(t.TempDir(), "m")), train.Options{Reporter: rep})
			if err != nil {
				t.Fatal(err)
			}
			cr := res.Curve
			if cr == nil || len(cr.Points) != len(c.TestScores) || len(series) != len(c.TestScores) {
				t.Fatalf("curve %+v, %d points reported, want %d", cr, len(series), len(c.TestScores))
			}
			scale := 1.0
			if cr.Scoring == "neg_mean_squared_error" {
				scale = 3000
			}
			for i, pt := range cr.Points {
				if c.TrainSizesAbs != nil && pt.NTrain != c.TrainSizesAbs[i] {
					t.Errorf("point %d: %d training rows, scikit-learn %d", i, pt.NTrain, c.TrainSizesAbs[i])
				}
				for k := range pt.TestScores {
					if math.Abs(pt.TrainScores[k]-c.TrainScores[i][k]) > 1e-6*scale || math.Abs(pt.TestScores[k]-c.TestScores[i][k]) > 1e-6*scale {
						t.Errorf("point %d fold %d: train %.10g test %.10g, scikit-learn %.10g %.10g", i, k, pt.TrainScores[k], pt.TestScores[k], c.TrainScores[i][k], c.TestScores[i][k])
					}
				}
				if series[i] != pt.MeanTestScore {
					t.Errorf("point %d: reported %v, mean %v", i, series[i], pt.MeanTestScore)
				}
			}
			if !slices.Contains([]string{"validation_curve", "learning_curve"}, cr.Kind) {
				t.Errorf("kind %q", cr.Kind)
			}
		})
	}
}
