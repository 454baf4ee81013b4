package plots

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"math"
	"slices"
	"strings"
	"testing"
)

// embeddingSource is a clusterer's scatter: n points in k clusters (one
// of them noise when noise is set), with centres.
func embeddingSource(n, k int, noise bool) Source {
	var x, y []float64
	var g []int
	for i := range n {
		c := i % k
		a := 2 * math.Pi * float64(c) / float64(k)
		x = append(x, 5*math.Cos(a)+math.Sin(float64(i)))
		y = append(y, 5*math.Sin(a)+math.Cos(float64(i*7)))
		g = append(g, c)
	}
	var groups []string
	var centers [][2]float64
	for c := range k {
		groups = append(groups, fmt.Sprintf("cluster %d", c))
		a := 2 * math.Pi * float64(c) / float64(k)
		centers = append(centers, [2]float64{5 * math.Cos(a), 5 * math.Sin(a)})
	}
	if noise {
		groups[0] = "noise"
		centers = nil
	}
	b, _ := json.Marshal(map[string]any{"embedding": map[string]any{"kind": "pca", "x_label": "principal component 1", "y_label": "principal component 2",
		"colour_by": "cluster", "n_rows": n, "x": x, "y": y, "group": g, "groups": groups, "centers": centers}})
	return Source{Name: "emb", Selection: b}
}

// chainTree is a dendrogram of n leaves: leaf i+1 joins the cluster of
// the first i+1 at distance i.
func chainTree(n int, truncated bool) Source {
	ch := [][2]int{{0, 1}}
	dist := []float64{1}
	counts := []int{}
	for i := 2; i < n; i++ {
		ch = append(ch, [2]int{n + i - 2, i})
		dist = append(dist, float64(i))
	}
	for i := range n {
		counts = append(counts, 1+i%3)
	}
	b, _ := json.Marshal(map[string]any{"dendrogram": map[string]any{"linkage": "ward", "n_samples": 5000, "truncated": truncated,
		"leaf_counts": counts, "children": ch, "distances": dist}})
	return Source{Name: "tree", Selection: b}
}

// boundarySource is three classes split at x = 0 and y = 0 on a grid of
// nx × ny cells, with points.
func boundarySource(nx, ny int) Source {
	var cells []int
	for r := range ny {
		cls := []int{0, 1}
		if r >= ny/2 {
			cls = []int{2, 2}
		}
		cells = append(cells, cls[0], nx/2, cls[1], nx-nx/2)
	}
	b, _ := json.Marshal(map[string]any{"boundary": map[string]any{"features": []string{"petal_length", "petal_width"}, "chosen": "importances",
		"labels": []string{"setosa", "versicolor", "virginica"}, "x_range": []float64{-1, 1}, "y_range": []float64{-1, 1}, "nx": nx, "ny": ny,
		"cells": cells, "n_rows": 4, "x": []float64{-0.5, 0.5, 0, 0.3}, "y": []float64{-0.5, -0.5, 0.5, 0.7}, "class": []int{0, 1, 2, 2}}})
	return Source{Name: "bnd", Selection: b}
}

var svgPath = []byte("<path ")

func TestPlotEmbedding(t *testing.T) {
	src := embeddingSource(300, 4, false)
	if a := Available(src); !slices.Equal(a, []string{KindEmbedding}) {
		t.Fatalf("Available = %v", a)
	}
	s := drawBoth(t, src, KindEmbedding, Options{Width: 600, Height: 450})
	texts := svgTexts(s)
	if n := countMatching(texts, `^cluster \d$`); n != 4 {
		t.Errorf("%d cluster legend entries, want 4: %v", n, texts)
	}
	if countMatching(texts, `^centres$`) != 1 || countMatching(texts, `first two principal components`) != 1 {
		t.Errorf("centres legend or title: %v", texts)
	}
	// Each point is a circle path, each centre a cross of two: 300 points,
	// 4 centres, the legend's 5 glyphs and the grid, axes and background.
	if n := bytes.Count(s, svgPath); n < 300+8 {
		t.Errorf("%d paths for 300 points and 4 centres", n)
	}
	noise := embeddingSource(100, 3, true)
	if texts := svgTexts(drawBoth(t, noise, KindEmbedding, Options{Width: 500, Height: 400})); countMatching(texts, `^noise$`) != 1 || countMatching(texts, `^centres$`) != 0 {
		t.Errorf("noise legend: %v", texts)
	}
}

func TestPlotDendrogram(t *testing.T) {
	for _, tc := range []struct {
		n         int
		truncated bool
		label     string // a leaf's label
		count     int    // the labels matching it
	}{
		{20, false, `^\d+$`, 20},
		{30, true, `^\(\d\)$`, 30},
		{500, false, `unlabelled`, 1},
	} {
		t.Run(fmt.Sprint(tc.n, tc.truncated), func(t *testing.T) {
			src := chainTree(tc.n, tc.truncated)
			if a := Available(src); !slices.Equal(a, []string{KindDendrogram}) {
				t.Fatalf("Available = %v", a)
			}
			s := drawBoth(t, src, KindDendrogram, Options{Width: 700, Height: 450})
			texts := svgTexts(s)
			if n := countMatching(texts, tc.label); n < tc.count {
				t.Errorf("%d leaf labels matching %s, want %d: %v", n, tc.label, tc.count, texts)
			}
			// One ⊓ path per merge.
			if n := bytes.Count(s, []byte("stroke:#0072B2")); n < tc.n-1 {
				t.Errorf("%d merge lines, want %d", n, tc.n-1)
			}
			if tc.truncated && countMatching(texts, `last 30 clusters`) != 1 {
				t.Errorf("title: %v", texts)
			}
		})
	}
}

func TestPlotBoundary(t *testing.T) {
	src := boundarySource(200, 200)
	if a := Available(src); !slices.Equal(a, []string{KindBoundary}) {
		t.Fatalf("Available = %v", a)
	}
	s := drawBoth(t, src, KindBoundary, Options{Width: 600, Height: 500})
	texts := svgTexts(s)
	for _, w := range []string{`^setosa$`, `^versicolor$`, `^virginica$`, `^petal_length$`, `^petal_width$`, `two most important features$`, `the other features held at their training means`} {
		if countMatching(texts, w) != 1 {
			t.Errorf("no text %s: %v", w, texts)
		}
	}
	// The PNG's regions: the three light class colours fill the quadrants.
	b, err := Draw(src, KindBoundary, Options{Format: "png", Width: 600, Height: 500})
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	found := map[int]int{}
	bd := img.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		for x := bd.Min.X; x < bd.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			for c := range 3 {
				l := lighten(Palette[c])
				if uint8(r>>8) == l.R && uint8(g>>8) == l.G && uint8(bl>>8) == l.B {
					found[c]++
				}
			}
		}
	}
	// virginica fills the top half, setosa and versicolor a quarter each.
	if found[0] < 10000 || found[1] < 10000 || found[2] < 2*found[0]*9/10 {
		t.Errorf("region pixels %v", found)
	}
}

func TestPlotShapesErrors(t *testing.T) {
	bad := boundarySource(10, 10)
	bad.Selection = bytes.Replace(bad.Selection, []byte(`"nx":10`), []byte(`"nx":11`), 1)
	cyclic := Source{Selection: json.RawMessage(`{"dendrogram": {"leaf_counts": [1, 1, 1], "children": [[0, 3], [1, 2]], "distances": [1, 2]}}`)}
	for _, tc := range []struct {
		name, kind string
		src        Source
		want       []string
	}{
		{"no embedding", KindEmbedding, confusionSource(3), []string{"no embedding", "data for confusion"}},
		{"no tree", KindDendrogram, embeddingSource(10, 2, false), []string{"no merge tree", "data for embedding"}},
		{"bad tree", KindDendrogram, cyclic, []string{"merge 0 joins node 3"}},
		{"bad grid", KindBoundary, bad, []string{"no decision boundary"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Draw(tc.src, tc.kind, Options{})
			var pe *Error
			if !errors.As(err, &pe) || pe.Field != "kind" {
				t.Fatalf("err = %v, want *Error on kind", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
		})
	}
}
