package plots

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// confusionSource is a 12-class run result: labels and a confusion matrix
// with most counts on the diagonal.
func confusionSource(k int) Source {
	labels := make([]string, k)
	cm := make([][]int, k)
	for i := range cm {
		labels[i] = fmt.Sprintf("class-%d", i)
		cm[i] = make([]int, k)
		for j := range cm[i] {
			cm[i][j] = (i*7 + j*3) % 5
		}
		cm[i][i] = 40 + i
	}
	b, _ := json.Marshal(map[string]any{"labels": labels, "confusion_matrix": cm})
	return Source{Name: "cm", Selection: b}
}

// curvesSource is a run result with test curves for k classes (k == 1: a
// binary problem's positive class) and importances of 30 features.
func curvesSource(k int) Source {
	type cc struct {
		Label            string    `json:"label"`
		FPR              []float64 `json:"fpr"`
		TPR              []float64 `json:"tpr"`
		RocAuc           float64   `json:"roc_auc"`
		Precision        []float64 `json:"precision"`
		Recall           []float64 `json:"recall"`
		AveragePrecision float64   `json:"average_precision"`
	}
	var cls []cc
	for i := range k {
		a := 0.07 * float64(i+1)
		cls = append(cls, cc{Label: fmt.Sprintf("c%d", i), FPR: []float64{0, 0, a, 1}, TPR: []float64{0, 0.5, 0.9, 1}, RocAuc: 0.9 - a/10,
			Precision: []float64{0.5, 0.8, 1, 1}, Recall: []float64{1, 0.7, 0.3, 0}, AveragePrecision: 0.85})
	}
	var feats []string
	var vals []float64
	for i := range 20 {
		feats = append(feats, fmt.Sprintf("feature number %d", i))
		vals = append(vals, 1/float64(i+1))
	}
	b, _ := json.Marshal(map[string]any{
		"test_curves": map[string]any{"score": "predict_proba", "n_test": 100, "classes": cls},
		"importances": map[string]any{"kind": "feature_importances_", "n_features": 30, "features": feats, "values": vals},
	})
	return Source{Name: "clf", Selection: b}
}

var (
	svgText     = regexp.MustCompile(`>([^<>]*)</text>`)
	svgFillPath = regexp.MustCompile(`<path d="[^"]*Z" style="fill:#[0-9A-F]{6}" />`)
)

// svgTexts are the texts an SVG image writes.
func svgTexts(b []byte) []string {
	var out []string
	for _, m := range svgText.FindAllSubmatch(b, -1) {
		out = append(out, string(m[1]))
	}
	return out
}

func countMatching(texts []string, re string) int {
	r := regexp.MustCompile(re)
	n := 0
	for _, t := range texts {
		if r.MatchString(t) {
			n++
		}
	}
	return n
}

// drawBoth draws kind as a PNG (checked: size, not blank) and returns
// the SVG.
func drawBoth(t *testing.T, src Source, kind string, o Options) []byte {
	t.Helper()
	o.Format = "png"
	b, err := Draw(src, kind, o)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if sz := img.Bounds().Size(); sz != (image.Point{o.Width, o.Height}) {
		t.Fatalf("size %v, want %dx%d", sz, o.Width, o.Height)
	}
	if n := colours(img); n <= 3 {
		t.Fatalf("%d distinct colours: blank image", n)
	}
	if d := os.Getenv("PLOTS_OUT"); d != "" {
		os.WriteFile(filepath.Join(d, src.Name+"-"+kind+o.Normalize+".png"), b, 0o644)
	}
	o.Format = "svg"
	s, err := Draw(src, kind, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDrawConfusion(t *testing.T) {
	src := confusionSource(12)
	if a := Available(src); !slices.Equal(a, []string{KindConfusion}) {
		t.Fatalf("Available = %v", a)
	}
	for _, norm := range []string{"", NormalizeTrue, NormalizePred, NormalizeAll} {
		t.Run("normalize="+norm, func(t *testing.T) {
			s := drawBoth(t, src, KindConfusion, Options{Width: 700, Height: 600, Normalize: norm})
			// One filled rectangle per cell, and the background.
			if n := len(svgFillPath.FindAll(s, -1)) - 1; n != 144 {
				t.Errorf("%d heatmap cells, want 12 × 12", n)
			}
			texts := svgTexts(s)
			for i := range 12 {
				// Each label on both axes.
				if n := countMatching(texts, fmt.Sprintf(`^\s*class-%d$`, i)); n != 2 {
					t.Errorf("label class-%d written %d times, want 2", i, n)
				}
			}
			cell := `^\d+$`
			if norm != "" {
				cell = `^[01]\.\d\d$`
			}
			if n := countMatching(texts, cell); n != 144 {
				t.Errorf("%d cell values matching %s, want 144", n, cell)
			}
			// Each row's diagonal is 40+i of 62 to 70 samples.
			if n := countMatching(texts, `^0\.[67]\d$`); norm == NormalizeTrue && n != 12 {
				t.Errorf("%d diagonal fractions 0.6x-0.7x, want 12: %v", n, texts)
			}
		})
	}
	// Many classes: cells without numbers, labels thinned.
	s := drawBoth(t, confusionSource(100), KindConfusion, Options{Width: 640, Height: 480})
	if n := len(svgFillPath.FindAll(s, -1)) - 1; n != 10000 {
		t.Errorf("%d heatmap cells, want 100 × 100", n)
	}
	if n := countMatching(svgTexts(s), `^\s*class-`); n == 0 || n >= 200 {
		t.Errorf("%d class labels on a 100-class matrix: want some, thinned", n)
	}
}

func TestDrawCurves(t *testing.T) {
	for _, k := range []int{1, 3, 12} {
		src := curvesSource(k)
		if a := Available(src); !slices.Equal(a, []string{KindROC, KindPR, KindImportances}) {
			t.Fatalf("Available = %v", a)
		}
		for kind, legend := range map[string]string{KindROC: `AUC = 0\.\d{3}\)?$`, KindPR: `AP = 0\.850\)?$`} {
			t.Run(fmt.Sprintf("%s-%d", kind, k), func(t *testing.T) {
				texts := svgTexts(drawBoth(t, src, kind, Options{Width: 600, Height: 450}))
				if n := countMatching(texts, legend); n != k {
					t.Errorf("%d legend entries matching %s, want %d: %v", n, legend, k, texts)
				}
				if k == 1 && countMatching(texts, `positive class c0`) != 1 {
					t.Errorf("the binary plot's title does not name the class: %v", texts)
				}
			})
		}
	}
	// Sampled test data is named in the title.
	sampled := curvesSource(2)
	sampled.Selection = bytes.Replace(sampled.Selection, []byte(`"n_test":100`), []byte(`"n_test":100,"stride":3`), 1)
	if texts := svgTexts(drawBoth(t, sampled, KindROC, Options{Width: 600, Height: 450})); countMatching(texts, `100 test rows, 1 in 3`) != 1 {
		t.Errorf("the title of sampled curves: %v", texts)
	}
	texts := svgTexts(drawBoth(t, curvesSource(1), KindImportances, Options{Width: 600, Height: 500}))
	if n := countMatching(texts, `^\s*feature number \d+$`); n != 20 {
		t.Errorf("%d feature names, want 20", n)
	}
	if countMatching(texts, `top 20 of 30`) != 1 || countMatching(texts, `^feature_importances_$`) != 1 {
		t.Errorf("title or axis: %v", texts)
	}
}

func TestDrawClassifierErrors(t *testing.T) {
	old := Source{Name: "old", Selection: json.RawMessage(`{"metrics": {"test": {"accuracy": 0.9}}, "labels": ["a", "b"]}`)}
	for _, tc := range []struct {
		name, kind string
		src        Source
		o          Options
		field      string
		want       []string
	}{
		{"old run roc", KindROC, old, Options{}, "kind", []string{"no test curves", "no data to plot"}},
		{"old run confusion", KindConfusion, old, Options{}, "kind", []string{"no confusion matrix"}},
		{"no importances", KindImportances, confusionSource(3), Options{}, "kind", []string{"no importances", "data for confusion"}},
		{"normalize value", KindConfusion, confusionSource(3), Options{Normalize: "rows"}, "normalize", []string{`"rows"`, "true", "pred", "all"}},
		{"normalize kind", KindROC, curvesSource(2), Options{Normalize: "true"}, "normalize", []string{"only the confusion"}},
		{"too many classes", KindConfusion, confusionSource(maxConfusionClasses + 1), Options{}, "kind", []string{"201 classes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Draw(tc.src, tc.kind, tc.o)
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if pe.Field != tc.field {
				t.Errorf("field %q, want %q", pe.Field, tc.field)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
		})
	}
}
