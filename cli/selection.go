package cli

import (
	"cmp"
	"fmt"
	"io"
	"slices"

	"github.com/mlforge/mlforge/train"
)

// printSelection prints a run's cross-validation (each fold's scores and
// times, then mean and std), curve (a row per point) or search
// (cv_results_ and the best candidate), and its permutation importances.
func printSelection(w io.Writer, res *train.Result) {
	defer printPermutation(w, res.Permutation)
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

// printPermutation prints permutation_importance's table: a row per
// feature, the largest mean decrease first.
func printPermutation(w io.Writer, pr *train.PermutationResult) {
	if pr == nil {
		return
	}
	fmt.Fprintln(w)
	weighted := ""
	if pr.Weighted {
		weighted = ", weighted by data.sample_weight"
	}
	fmt.Fprintf(w, "permutation importance on the test part: %d repeats on %d of %d rows, scoring %s%s (baseline %.6f)\n",
		pr.NRepeats, pr.MaxSamples, pr.NRows, pr.Scoring, weighted, pr.BaselineScore)
	order := make([]int, len(pr.Features))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(pr.ImportancesMean[b], pr.ImportancesMean[a]) })
	rows := [][]string{{"feature", "importances_mean", "importances_std"}}
	for _, j := range order {
		rows = append(rows, []string{pr.Features[j], fmt.Sprintf("%.6f", pr.ImportancesMean[j]), fmt.Sprintf("%.6f", pr.ImportancesStd[j])})
	}
	table(w, rows)
}
