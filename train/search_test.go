package train_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/train"
)

// searchFixture is testdata/search.json, written by scikit-learn 1.2.1
// (testdata/gen_search.py).
type searchFixture struct {
	Grid []struct {
		Dataset        string           `json:"dataset"`
		Preprocess     json.RawMessage  `json:"preprocess"`
		Model          json.RawMessage  `json:"model"`
		Search         json.RawMessage  `json:"search"`
		Params         []map[string]any `json:"params"`
		Iter           []int            `json:"iter"`
		NResources     []int            `json:"n_resources"`
		MeanTestScore  []float64        `json:"mean_test_score"`
		StdTestScore   []float64        `json:"std_test_score"`
		SplitTestScore [][]float64      `json:"split_test_score"`
		RankTestScore  []int            `json:"rank_test_score"`
		BestIndex      int              `json:"best_index"`
		BestParams     map[string]any   `json:"best_params"`
		BestScore      float64          `json:"best_score"`
	} `json:"grid"`
	Sampler []struct {
		ParamDistributions json.RawMessage  `json:"param_distributions"`
		NIter              int              `json:"n_iter"`
		RandomState        uint32           `json:"random_state"`
		Candidates         []map[string]any `json:"candidates"`
	} `json:"sampler"`
}

func loadSearchFixture(t *testing.T) searchFixture {
	t.Helper()
	b, err := os.ReadFile("testdata/search.json")
	if err != nil {
		t.Fatal(err)
	}
	var f searchFixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func decodeParams(t *testing.T, c map[string]json.RawMessage) map[string]any {
	out := map[string]any{}
	for k, v := range c {
		var x any
		if err := json.Unmarshal(v, &x); err != nil {
			t.Fatal(err)
		}
		out[k] = x
	}
	return out
}

// TestGridSearchMatchesScikitLearn runs each fixture's search (GridSearchCV
// or HalvingGridSearchCV, whose rows also carry iter and n_resources) over a whole
// dataset (data.test is the training data, so the search sees every row,
// as GridSearchCV.fit(X, y) did) and compares cv_results_: the candidates
// in order, each fold's score, mean and std within 1e-6 (relative for
// the mean squared error, whose scale is 3000), ranks and the best
// candidate exactly.
func TestGridSearchMatchesScikitLearn(t *testing.T) {
	for _, c := range loadSearchFixture(t).Grid {
		var typ struct{ Type string }
		json.Unmarshal(c.Search, &typ)
		t.Run(c.Dataset+"-"+typ.Type, func(t *testing.T) {
			src := fmt.Sprintf(`{"name": "gs-%s", "data": {"train": "builtin:%s", "test": "builtin:%s"}, "preprocess": %s, "model": %s, "search": %s, "output": %q}`,
				c.Dataset, c.Dataset, c.Dataset, c.Preprocess, c.Model, c.Search, filepath.Join(t.TempDir(), "m"))
			s, err := spec.Parse([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			res, err := train.Run(context.Background(), s, train.Options{})
			if err != nil {
				t.Fatal(err)
			}
			sr := res.Search
			if len(sr.Results) != len(c.Params) {
				t.Fatalf("%d candidates, scikit-learn %d", len(sr.Results), len(c.Params))
			}
			scale := 1.0
			if strings.Contains(string(c.Search), "mean_squared_error") {
				scale = math.Abs(c.BestScore)
			}
			for i, r := range sr.Results {
				if got := decodeParams(t, r.Params); !reflect.DeepEqual(got, c.Params[i]) {
					t.Errorf("candidate %d: params %v, scikit-learn %v", i, got, c.Params[i])
				}
				for k, v := range r.SplitTestScore {
					if math.Abs(v-c.SplitTestScore[i][k]) > 1e-6*scale {
						t.Errorf("candidate %d fold %d: score %.10g, scikit-learn %.10g", i, k, v, c.SplitTestScore[i][k])
					}
				}
				if math.Abs(r.MeanTestScore-c.MeanTestScore[i]) > 1e-6*scale || math.Abs(r.StdTestScore-c.StdTestScore[i]) > 1e-6*scale {
					t.Errorf("candidate %d: mean %.10g std %.10g, scikit-learn %.10g %.10g", i, r.MeanTestScore, r.StdTestScore, c.MeanTestScore[i], c.StdTestScore[i])
				}
				if c.Iter != nil && (r.Iter != c.Iter[i] || r.NResources != c.NResources[i]) {
					t.Errorf("candidate %d: iter %d with %d rows, scikit-learn %d with %d", i, r.Iter, r.NResources, c.Iter[i], c.NResources[i])
				}
				if r.RankTestScore != c.RankTestScore[i] {
					t.Errorf("candidate %d: rank %d, scikit-learn %d", i, r.RankTestScore, c.RankTestScore[i])
				}
			}
			if sr.BestIndex != c.BestIndex || !reflect.DeepEqual(decodeParams(t, sr.BestParams), c.BestParams) {
				t.Errorf("best %d %v, scikit-learn %d %v", sr.BestIndex, sr.BestParams, c.BestIndex, c.BestParams)
			}
			if math.Abs(sr.BestScore-c.BestScore) > 1e-6*scale {
				t.Errorf("best score %.10g, scikit-learn %.10g", sr.BestScore, c.BestScore)
			}
			if res.Metrics["cv"]["best_score"] != sr.BestScore {
				t.Errorf("metrics cv.best_score = %v, want %v", res.Metrics["cv"]["best_score"], sr.BestScore)
			}
		})
	}
}

// TestSampleMatchesScikitLearn compares RandomizedSearchCV's candidates
// with ParameterSampler's for the same random_state (floats within 1e-12
// relative: the logarithms are Go's).
func TestSampleMatchesScikitLearn(t *testing.T) {
	for _, c := range loadSearchFixture(t).Sampler {
		s, err := spec.Parse([]byte(fmt.Sprintf(`{"search": {"type": "RandomizedSearchCV", "param_distributions": %s}}`, c.ParamDistributions)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := train.Sample(s.Search.ParamDistributions, c.NIter, c.RandomState)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(c.Candidates) {
			t.Fatalf("%s: %d candidates, scikit-learn %d", c.ParamDistributions, len(got), len(c.Candidates))
		}
		for i, g := range got {
			gp := decodeParams(t, g)
			for k, want := range c.Candidates[i] {
				w, wok := want.(float64)
				v, vok := gp[k].(float64)
				if wok && vok && math.Abs(v-w) <= 1e-12*math.Abs(w) {
					continue
				}
				if !reflect.DeepEqual(gp[k], want) {
					t.Errorf("%s candidate %d: %s = %v, scikit-learn %v", c.ParamDistributions, i, k, gp[k], want)
				}
			}
		}
	}
}

// TestSearchErrorScoreMatchesScikitLearn runs testdata/search_errors.json's
// searches (written by scikit-learn 1.2.1, gen_search_errors.py), where one
// candidate's scoring fails (n_neighbors above a fold's training rows), in
// one process: the failed candidate scores error_score on every fold (NaN
// by default, ranking last; a number ranking where it falls), its error is
// kept and logged, and the search goes on. Scores within 1e-9, ranks and
// the best exactly. With error_score "raise" the search stops at that
// candidate; with every candidate failing the run fails naming the first.
func TestSearchErrorScoreMatchesScikitLearn(t *testing.T) {
	b, err := os.ReadFile("testdata/search_errors.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Cases []struct {
			Dataset        string          `json:"dataset"`
			Model          json.RawMessage `json:"model"`
			Search         json.RawMessage `json:"search"`
			Failed         []int           `json:"failed"`
			MeanTestScore  []*float64      `json:"mean_test_score"`
			StdTestScore   []*float64      `json:"std_test_score"`
			SplitTestScore [][]*float64    `json:"split_test_score"`
			RankTestScore  []int           `json:"rank_test_score"`
			BestIndex      int             `json:"best_index"`
			BestScore      float64         `json:"best_score"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &fx); err != nil || len(fx.Cases) == 0 {
		t.Fatal(len(fx.Cases), err)
	}
	run := func(t *testing.T, dataset string, model, search json.RawMessage, rep func(ml.Event)) (*train.Result, error) {
		src := fmt.Sprintf(`{"name": "gs-err", "data": {"train": "builtin:%s", "test": "builtin:%s"}, "model": %s, "search": %s, "output": %q}`,
			dataset, dataset, model, search, filepath.Join(t.TempDir(), "m"))
		s, err := spec.Parse([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		opt := train.Options{}
		if rep != nil {
			opt.Reporter = ml.ReporterFunc(rep)
		}
		return train.Run(context.Background(), s, opt)
	}
	near := func(got float64, want *float64) bool {
		if want == nil {
			return math.IsNaN(got)
		}
		return math.Abs(got-*want) <= 1e-9
	}
	for i, c := range fx.Cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			var logs []string
			res, err := run(t, c.Dataset, c.Model, c.Search, func(e ml.Event) {
				if e.Kind == "log" && strings.Contains(e.Message, " failed (scored ") {
					logs = append(logs, e.Message)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			sr := res.Search
			if len(sr.Results) != len(c.MeanTestScore) {
				t.Fatalf("%d candidates, scikit-learn %d", len(sr.Results), len(c.MeanTestScore))
			}
			for j, r := range sr.Results {
				failed := slices.Contains(c.Failed, j)
				if failed != (r.Error != "") || failed && !strings.Contains(r.Error, "n_neighbors") {
					t.Errorf("candidate %d: error %q, scikit-learn failed %v", j, r.Error, failed)
				}
				for k, v := range r.SplitTestScore {
					if !near(v, c.SplitTestScore[j][k]) {
						t.Errorf("candidate %d fold %d: %v, scikit-learn %v", j, k, v, c.SplitTestScore[j][k])
					}
				}
				if !near(r.MeanTestScore, c.MeanTestScore[j]) || !near(r.StdTestScore, c.StdTestScore[j]) || r.RankTestScore != c.RankTestScore[j] {
					t.Errorf("candidate %d: mean %v std %v rank %d, scikit-learn %v %v %d", j, r.MeanTestScore, r.StdTestScore, r.RankTestScore,
						c.MeanTestScore[j], c.StdTestScore[j], c.RankTestScore[j])
				}
			}
			if sr.BestIndex != c.BestIndex || math.Abs(sr.BestScore-c.BestScore) > 1e-9 {
				t.Errorf("best %d %v, scikit-learn %d %v", sr.BestIndex, sr.BestScore, c.BestIndex, c.BestScore)
			}
			if len(logs) != len(c.Failed) || !strings.HasPrefix(logs[0], `search candidate 2 {"n_neighbors": 500} failed (scored `) {
				t.Errorf("logged failures: %q", logs)
			}
		})
	}
	c := fx.Cases[0]
	var raise map[string]any
	json.Unmarshal(c.Search, &raise)
	raise["error_score"] = "raise"
	rs, _ := json.Marshal(raise)
	if _, err := run(t, c.Dataset, c.Model, rs, nil); err == nil || !strings.HasPrefix(err.Error(), `search candidate 2 {"n_neighbors": 500}: `) {
		t.Errorf("error_score raise: %v", err)
	}
	raise["param_grid"] = map[string]any{"n_neighbors": []int{400, 500}}
	delete(raise, "error_score")
	rs, _ = json.Marshal(raise)
	if _, err := run(t, c.Dataset, c.Model, rs, nil); err == nil || !strings.HasPrefix(err.Error(), `every one of the 2 candidates failed; the first: search candidate 1 {"n_neighbors": 400}: `) {
		t.Errorf("every candidate failed: %v", err)
	}
	for _, bad := range []string{`"often"`, `true`, `[0]`} {
		_, err := spec.Parse([]byte(`{"search": {"type": "GridSearchCV", "param_grid": {"C": [1]}, "error_score": ` + bad + `}}`))
		if err == nil || !strings.Contains(err.Error(), `search.error_score: expected "raise", "nan" or a number`) {
			t.Errorf("error_score %s: %v", bad, err)
		}
	}
	for good, back := range map[string]string{`"raise"`: `"error_score":"raise"`, `-1.5`: `"error_score":-1.5`, `"nan"`: "", `null`: ""} {
		s, err := spec.Parse([]byte(`{"search": {"type": "GridSearchCV", "param_grid": {"C": [1]}, "error_score": ` + good + `}}`))
		if err != nil {
			t.Fatalf("error_score %s: %v", good, err)
		}
		b, _ := json.Marshal(s.Search)
		if back == "" && strings.Contains(string(b), "error_score") || back != "" && !strings.Contains(string(b), back) {
			t.Errorf("error_score %s written back as %s", good, b)
		}
	}
}
