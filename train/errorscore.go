package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/spec"
)

// A search's error_score (spec.Search.ErrorScore), as scikit-learn 1.2's
// GridSearchCV applies it: a candidate whose fit or scoring fails scores
// the error_score on each fold (NaN by default, which ranks last), the
// failure is logged, and the search goes on; error_score="raise" stops
// the search with the error. Every candidate failing fails the run
// (scikit-learn raises only when every fit fails; a run must refit one).
// The one-process search (runSearch, runNetSearch) and the service's
// sweep gathering its child runs (gatherRows) do the same, with the same
// words.

// candidateError is a candidate's own failure (its fit, its scoring, its
// estimator's parameters), which error_score covers; other errors (the
// spec, the budget, a cancel) stop the search.
type candidateError struct{ err error }

func (e *candidateError) Error() string { return e.err.Error() }
func (e *candidateError) Unwrap() error { return e.err }

// stopsSearch returns the error that ends the search when a candidate
// failed with err, or nil when the search goes on (its row scores the
// error_score): a failure not the candidate's own, the run cancelled, or
// error_score="raise" stops it.
func stopsSearch(ctx context.Context, se *spec.Search, err error) error {
	var ce *candidateError
	switch {
	case ctx.Err() != nil:
		if errors.Is(err, ctx.Err()) {
			return err
		}
		return ctx.Err()
	case !errors.As(err, &ce), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case se.ErrorScore != nil && se.ErrorScore.Raise:
		return ce.err
	}
	return nil
}

// failedRow is the row of cv_results_ of candidate c, failed with msg:
// the error_score on each of its k folds (NaN by default, null in JSON),
// its error kept.
func failedRow(se *spec.Search, c map[string]json.RawMessage, k int, msg string) Candidate {
	v := math.NaN()
	if se.ErrorScore != nil {
		v = se.ErrorScore.Value
	}
	row := Candidate{Params: c, SplitTestScore: make([]float64, k), Error: msg}
	for j := range row.SplitTestScore {
		row.SplitTestScore[j] = v
	}
	row.MeanTestScore, row.StdTestScore = meanStd(row.SplitTestScore)
	return row
}

// reportFailed logs candidate i's failure with msg as scikit-learn warns
// of it: what it scored, and why.
func reportFailed(rep ml.Reporter, se *spec.Search, i int, c map[string]json.RawMessage, msg string) {
	score := "NaN"
	if se.ErrorScore != nil {
		score = se.ErrorScore.String()
	}
	what := fmt.Sprintf("search candidate %d %s", i+1, DescribeParams(c))
	msg = strings.TrimPrefix(msg, what+": ")
	rep.Report(ml.Event{Kind: "log", Message: fmt.Sprintf("%s failed (scored %s, as error_score=%s): %s", what, score, se.ErrorScore.String(), msg)})
}

// allFailed is the error of a search whose candidates all failed, first
// with the first's error; nil when one did not.
func allFailed(rows []Candidate, first error) error {
	for _, r := range rows {
		if r.Error == "" {
			return nil
		}
	}
	return fmt.Errorf("every one of the %d candidates failed; the first: %w", len(rows), first)
}
