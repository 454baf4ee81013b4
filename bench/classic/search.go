package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/train"
)

// runSearch times a GridSearchCV through a training spec, as `mlforge
// train` runs it: the training part and the test part are written to CSV
// files, the run searches the grid on the training part with e.CV folds,
// refits the best candidate and scores the test part. fit_s is the run's
// time less loading and scoring (the search and the refit, what
// GridSearchCV.fit does), predict_s its scoring (which also predicts the
// training part, so it is an upper bound).
func runSearch(ctx context.Context, dir string, e estimator, s split, repeat int) error {
	trainCSV, testCSV := filepath.Join(dir, "search_train.csv"), filepath.Join(dir, "search_test.csv")
	if err := writeCSV(trainCSV, s.Xtr, s.ytr); err != nil {
		return err
	}
	if err := writeCSV(testCSV, s.Xte, s.yte); err != nil {
		return err
	}
	params := e.Params
	if len(params) == 0 {
		params = json.RawMessage("{}")
	}
	src := fmt.Sprintf(`{"name": "bench-search", "data": {"train": %q, "test": %q}, "model": {"class": %q, "params": %s},
		"metrics": ["accuracy"], "search": {"type": "GridSearchCV", "param_grid": %s, "cv": %d}, "output": %q}`,
		trainCSV, testCSV, e.Estimator, params, e.ParamGrid, e.CV, filepath.Join(dir, "search_model"))
	bestFit, bestPred := math.Inf(1), math.Inf(1)
	var res *train.Result
	for r := 0; r < repeat; r++ {
		sp, err := spec.Parse([]byte(src))
		if err != nil {
			return err
		}
		t0 := time.Now()
		res, err = train.Run(ctx, sp, train.Options{})
		if err != nil {
			return fmt.Errorf("GridSearchCV: %w", err)
		}
		wall := time.Since(t0).Seconds()
		bestFit = min(bestFit, wall-res.Timings.LoadS-res.Timings.PredictS)
		bestPred = min(bestPred, res.Timings.PredictS)
	}
	score := res.Metrics["test"]["accuracy"]
	out, _ := json.Marshal(map[string]any{"class": e.Class, "fit_s": bestFit, "predict_s": bestPred, "score": score,
		"best_params": res.Search.BestParams, "best_score": res.Search.BestScore})
	fmt.Println(string(out))
	return nil
}

func writeCSV(path string, X *mat.Dense, y []float64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	r, c := X.Dims()
	for j := 0; j < c; j++ {
		fmt.Fprintf(w, "x%d,", j)
	}
	fmt.Fprintln(w, "target")
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			w.WriteString(strconv.FormatFloat(X.At(i, j), 'g', -1, 64))
			w.WriteByte(',')
		}
		w.WriteString(strconv.FormatFloat(y[i], 'g', -1, 64))
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
