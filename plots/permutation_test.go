package plots

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// permutationSource is a run result with permutation_importance of n
// features, feature i's mean importance i/100 (one of them negative).
func permutationSource(n int) Source {
	feats, means, stds := make([]string, n), make([]float64, n), make([]float64, n)
	for i := range n {
		feats[i], means[i], stds[i] = fmt.Sprintf("feature number %d", i), float64(i)/100, 0.005
	}
	means[0] = -0.02
	b, _ := json.Marshal(map[string]any{"permutation_importance": map[string]any{"scoring": "accuracy", "n_repeats": 5,
		"features": feats, "importances_mean": means, "importances_std": stds}})
	return Source{Name: "perm", Selection: b}
}

func TestDrawPermutation(t *testing.T) {
	if !slices.Contains(Available(permutationSource(3)), KindPermutation) {
		t.Fatalf("available kinds %v lack %s", Available(permutationSource(3)), KindPermutation)
	}
	texts := svgTexts(drawBoth(t, permutationSource(30), KindPermutation, Options{Width: 600, Height: 500}))
	if n := countMatching(texts, `^\s*feature number \d+$`); n != 20 {
		t.Errorf("%d feature names, want 20", n)
	}
	// The largest are drawn: feature 29 is, feature 0 (negative) is not.
	if countMatching(texts, `^\s*feature number 29$`) != 1 || countMatching(texts, `^\s*feature number 0$`) != 0 {
		t.Errorf("the features drawn: %v", texts)
	}
	if countMatching(texts, `top 20 of 30`) != 1 || countMatching(texts, `^decrease in accuracy \(mean ± std of 5 repeats\)$`) != 1 {
		t.Errorf("title or axis: %v", texts)
	}
	// A negative importance is drawn with its bar to the left of zero.
	drawBoth(t, permutationSource(3), KindPermutation, Options{Width: 400, Height: 300})
	_, err := Draw(confusionSource(3), KindPermutation, Options{})
	if err == nil || !strings.Contains(err.Error(), "no permutation_importance") {
		t.Errorf("a run without permutation_importance: %v", err)
	}
}
