package cli

import (
	"fmt"
	"io"

	"github.com/mlforge/mlforge/train"
)

// printSelection prints a run's cross-validation (each fold's scores and
// times, then mean and std), curve (a row per point) or search
// (cv_results_ and the best candidate).
func printSelection(w io.Writer, res *train.Result) {
	if cv := res.CV; cv != nil {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "cross-validation on the training part: %s\n", cv.Splitter)
		head := append([]string{"fold", "n_train", "n_test"}, cv.Metrics...)
		rows := [][]string{append(head, "fit_time", "score_time")}
		for i, f := range cv.Folds {
			row := []string{fmt.Sprint(i + 1), fmt.Sprint(f.NTrain), fmt.Sprint(f.NTest)}
			for _, m := range cv.Metrics {
				v, ok := f.Test[m]
				row = append(row, fmtMetric(v, ok))
			}
			rows = append(rows, append(row, fmt.Sprintf("%.4fs", f.FitTime), fmt.Sprintf("%.4fs", f.ScoreTime)))
		}
		for _, agg := range []struct {
			name string
			v    map[string]float64
		}{{"mean", cv.Mean}, {"std", cv.Std}} {
			row := []string{agg.name, "", ""}
			for _, m := range cv.Metrics {
				v, ok := agg.v[m]
				row = append(row, fmtMetric(v, ok))
			}
			rows = append(rows, append(row, fmt.Sprintf("%.4fs", agg.v["fit_time"]), fmt.Sprintf("%.4fs", agg.v["score_time"])))
		}
		table(w, rows)
	}
	if c := res.Curve; c != nil {
		fmt.Fprintln(w)
		x := "n_train"
		if c.Kind == "validation_curve" {
			x = c.ParamName
		}
		fmt.Fprintf(w, "%s on the training part: %s, scoring %s\n", c.Kind, c.Splitter, c.Scoring)
		rows := [][]string{{x, "mean_train_score", "std_train_score", "mean_test_score", "std_test_score"}}
		for _, p := range c.Points {
			v := p.Param
			if c.Kind == "learning_curve" {
				v = fmt.Sprint(p.NTrain)
			}
			rows = append(rows, []string{v, fmt.Sprintf("%.6f", p.MeanTrainScore), fmt.Sprintf("%.6f", p.StdTrainScore),
				fmt.Sprintf("%.6f", p.MeanTestScore), fmt.Sprintf("%.6f", p.StdTestScore)})
		}
		table(w, rows)
	}
	if s := res.Search; s != nil {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "%s on the training part: %d candidates, %s, scoring %s\n", s.Type, len(s.Results), s.Splitter, s.Scoring)
		table(w, s.CVTable())
		fmt.Fprintln(w)
		best := s.Results[s.BestIndex]
		table(w, [][]string{
			{"best params", train.DescribeParams(s.BestParams)},
			{"best score", fmt.Sprintf("%.6f ± %.6f (candidate %d, refit on the training part)", s.BestScore, best.StdTestScore, s.BestIndex)},
		})
	}
}
