// Command classic times mlforge's fit+predict for the estimators listed in
// estimators.json on the data files written by make_data.py, printing one
// JSON object per line like sklearn_bench.py. Run both through run.sh, which
// prints the ratios side by side.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/ml"
	_ "github.com/mlforge/mlforge/ml/all"
	"github.com/mlforge/mlforge/ml/metrics"
)

type estimator struct {
	// Name labels the row (default Class), for a class timed twice.
	Name   string          `json:"name"`
	Class  string          `json:"class"`
	Kind   string          `json:"kind"`
	Data   string          `json:"data"`
	Params json.RawMessage `json:"params"`
	// A "search" entry (Class GridSearchCV) searches Estimator's
	// ParamGrid with CV folds (search.go).
	Estimator string          `json:"estimator"`
	ParamGrid json.RawMessage `json:"param_grid"`
	CV        int             `json:"cv"`
}

type split struct {
	Xtr, Xte *mat.Dense
	ytr, yte []float64
}

func main() {
	dir := flag.String("dir", "", "folder with classification.csv and regression.csv")
	list := flag.String("estimators", "bench/classic/estimators.json", "estimators to time")
	repeat := flag.Int("repeat", 3, "take the best of this many runs")
	flag.Parse()
	if err := run(*dir, *list, *repeat); err != nil {
		fmt.Fprintln(os.Stderr, "classic:", err)
		os.Exit(1)
	}
}

func run(dir, list string, repeat int) error {
	b, err := os.ReadFile(list)
	if err != nil {
		return err
	}
	var ests []estimator
	if err := json.Unmarshal(b, &ests); err != nil {
		return err
	}
	sets := map[string]split{}
	all := map[string]*data.Frame{}
	names := map[string]bool{}
	for _, e := range ests {
		names[e.Data] = true
	}
	for task := range names {
		f, err := data.ReadCSVFile(filepath.Join(dir, task+".csv"), data.CSVOptions{})
		if err != nil {
			return err
		}
		n := f.Len()
		nTrain := n * 3 / 4
		idx := func(a, b int) []int {
			out := make([]int, b-a)
			for i := range out {
				out[i] = a + i
			}
			return out
		}
		tr, te := f.Rows(idx(0, nTrain)), f.Rows(idx(nTrain, n))
		sets[task] = split{tr.X, te.X, tr.Y, te.Y}
		all[task] = f
	}
	ctx := context.Background()
	for _, e := range ests {
		if e.Kind == "cluster" {
			// A clusterer fits all the rows (fit_predict); its score is
			// the adjusted Rand index against the generating labels.
			f := all[e.Data]
			best := math.Inf(1)
			var labels []int
			for r := 0; r < repeat; r++ {
				est, err := ml.New(e.Class, e.Params)
				if err != nil {
					return err
				}
				t0 := time.Now()
				if err := est.Fit(ctx, f.X, nil); err != nil {
					return fmt.Errorf("%s: %w", e.Class, err)
				}
				labels = est.(interface{ Labels() []int }).Labels()
				best = min(best, time.Since(t0).Seconds())
			}
			pred := make([]float64, len(labels))
			for i, v := range labels {
				pred[i] = float64(v)
			}
			ari, err := metrics.AdjustedRandScore(f.Y, pred)
			if err != nil {
				return err
			}
			out, _ := json.Marshal(map[string]any{"class": e.Class, "fit_s": best, "predict_s": 0.0, "score": ari})
			fmt.Println(string(out))
			continue
		}
		if e.Kind == "embed" {
			if err := runEmbed(ctx, all[e.Data].X, e, repeat); err != nil {
				return err
			}
			continue
		}
		s := sets[e.Data]
		if e.Kind == "search" {
			if err := runSearch(ctx, dir, e, s, repeat); err != nil {
				return err
			}
			continue
		}
		label := e.Class
		if e.Name != "" {
			label = e.Name
		}
		bestFit, bestPred, bestCPU := math.Inf(1), math.Inf(1), math.Inf(1)
		var pred []float64
		for r := 0; r < repeat; r++ {
			est, err := ml.New(e.Class, e.Params)
			if err != nil {
				return err
			}
			c0 := cpuSeconds()
			t0 := time.Now()
			ytr := s.ytr
			if e.Kind == "outlier" {
				// An outlier detector fits without the target.
				ytr = nil
			}
			if err := est.Fit(ctx, s.Xtr, ytr); err != nil {
				return fmt.Errorf("%s: %w", e.Class, err)
			}
			t1 := time.Now()
			if e.Kind == "transform" {
				_, err = est.(ml.Transformer).Transform(s.Xte)
			} else {
				pred, err = est.(ml.Predictor).Predict(s.Xte)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", e.Class, err)
			}
			t2 := time.Now()
			bestCPU = min(bestCPU, cpuSeconds()-c0)
			bestFit = min(bestFit, t1.Sub(t0).Seconds())
			bestPred = min(bestPred, t2.Sub(t1).Seconds())
		}
		var score *float64
		if e.Kind == "outlier" {
			// An outlier detector's score is the fraction of the test rows
			// it calls inliers (+1): its labels cannot be checked against
			// scikit-learn's from another process, but the fraction can.
			in := 0
			for _, v := range pred {
				if v == 1 {
					in++
				}
			}
			v := float64(in) / float64(len(pred))
			score = &v
		} else if name := map[string]string{"classifier": "accuracy", "regressor": "r2"}[e.Kind]; name != "" {
			m, err := metrics.Lookup(name)
			if err != nil {
				return err
			}
			v, err := m.Score(metrics.Input{YTrue: s.yte, YPred: pred})
			if err != nil {
				return err
			}
			score = &v
		}
		out, _ := json.Marshal(map[string]any{"class": label, "fit_s": bestFit, "predict_s": bestPred, "score": score, "maxrss_mb": maxRSSMB(), "cpu_s": bestCPU})
		fmt.Println(string(out))
	}
	return nil
}

// runEmbed times an "embed" entry (TSNE): fit_transform of all the rows,
// the score its kl_divergence_.
func runEmbed(ctx context.Context, X *mat.Dense, e estimator, repeat int) error {
	best, bestCPU, kl := math.Inf(1), math.Inf(1), 0.0
	for r := 0; r < repeat; r++ {
		est, err := ml.New(e.Class, e.Params)
		if err != nil {
			return err
		}
		c0 := cpuSeconds()
		t0 := time.Now()
		if err := est.Fit(ctx, X, nil); err != nil {
			return fmt.Errorf("%s: %w", e.Class, err)
		}
		best = min(best, time.Since(t0).Seconds())
		bestCPU = min(bestCPU, cpuSeconds()-c0)
		if k, ok := est.(interface{ KLDivergence() float64 }); ok {
			kl = k.KLDivergence()
		}
	}
	out, _ := json.Marshal(map[string]any{"class": e.Class, "fit_s": best, "predict_s": 0.0, "score": kl, "maxrss_mb": maxRSSMB(), "cpu_s": bestCPU})
	fmt.Println(string(out))
	return nil
}
