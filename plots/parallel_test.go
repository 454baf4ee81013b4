package plots

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

// parallelSource is a search of n trials over C (numbers spanning 1e-3 to
// 1e3, a log axis), kernel (text) and degree (small integers).
func parallelSource(n int) Source {
	kernels := []string{"linear", "rbf", "poly"}
	var res []map[string]any
	for i := range n {
		C := math.Pow(10, float64(i%7)-3)
		k := kernels[i%3]
		deg := 2 + i%4
		score := 0.6 + 0.05*float64(i%7) - 0.02*float64(deg) + 0.01*float64(i%3)
		res = append(res, map[string]any{"params": map[string]any{"C": C, "kernel": k, "degree": deg, "tol": 1e-3}, "mean_test_score": score})
	}
	b, _ := json.Marshal(map[string]any{"search": map[string]any{"type": "randomized_search", "scoring": "accuracy", "cv_results": res}})
	return Source{Name: "par", Selection: b}
}

func TestPlotParallel(t *testing.T) {
	src := parallelSource(40)
	if a := Available(src); !slices.Equal(a, []string{KindSearch, KindParallel}) {
		t.Fatalf("Available = %v", a)
	}
	s := drawBoth(t, src, KindParallel, Options{Width: 800, Height: 450})
	texts := svgTexts(s)
	for _, want := range []string{`^C \(log\)$`, `^kernel$`, `^degree$`, `^mean test accuracy$`, `^ linear$`, `^ rbf$`, `^ 0\.001$`, `^ 1000$`, `40 trials, best 0\.88$`} {
		if countMatching(texts, want) != 1 {
			t.Errorf("no single text matching %s: %q", want, texts)
		}
	}
	if countMatching(texts, `^tol`) != 0 {
		t.Errorf("tol does not vary but has an axis: %q", texts)
	}
	// One line per trial (40), one per axis (4).
	if n := bytes.Count(s, svgPath); n < 40+4 {
		t.Errorf("%d paths for 40 trials and 4 axes", n)
	}
	big := parallelSource(2500)
	big.Name = "parbig"
	if texts := svgTexts(drawBoth(t, big, KindParallel, Options{Width: 400, Height: 300})); countMatching(texts, `2500 trials, best 0\.88 \(2000 drawn\)`) != 1 {
		t.Errorf("thinned title: %q", texts)
	}
	none, _ := json.Marshal(map[string]any{"search": map[string]any{"type": "grid_search", "scoring": "r2", "cv_results": []map[string]any{
		{"params": map[string]any{"alpha": 1}, "mean_test_score": nil}, {"params": map[string]any{"alpha": 2}, "mean_test_score": nil}}}})
	if _, err := Draw(Source{Selection: none}, KindParallel, Options{}); err == nil || !strings.Contains(err.Error(), "no candidate of the search has a test score") {
		t.Errorf("a search without scores: %v", err)
	}
}
