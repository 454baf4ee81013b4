package train_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/train"
)

// textFixture is testdata/text_columns.json, written by scikit-learn 1.2.1
// (testdata/gen_text_columns.py); null is NaN (or the missing category).
type textFixture struct {
	Cases []struct {
		Type       string       `json:"type"`
		Columns    []string     `json:"columns"`
		Categories [][]*string  `json:"categories"`
		Train      [][]*float64 `json:"train"`
		New        [][]*float64 `json:"new"`
	} `json:"cases"`
}

// TestTextColumnsMatchScikitLearn trains an encoder of the two text
// columns of testdata/cities.csv, loads the saved model and compares its
// preprocessing of the training rows and of new rows (with strings the
// training data lacks) with scikit-learn's ColumnTransformer exactly; the
// saved dictionaries are scikit-learn's categories (without the missing
// one, which is NaN).
func TestTextColumnsMatchScikitLearn(t *testing.T) {
	b, err := os.ReadFile("testdata/text_columns.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx textFixture
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	params := map[string]string{
		"OneHotEncoder":  `"handle_unknown": "ignore"`,
		"OrdinalEncoder": `"handle_unknown": "use_encoded_value", "unknown_value": -1`,
	}
	for _, c := range fx.Cases {
		t.Run(c.Type, func(t *testing.T) {
			cols, _ := json.Marshal(c.Columns)
			src := fmt.Sprintf(`{"name": "text", "data": {"train": "testdata/cities.csv", "test": "testdata/cities.csv"},
				"preprocess": [{"type": %q, "columns": %s, %s}], "model": {"class": "KNeighborsClassifier"}, "output": %q}`,
				c.Type, cols, params[c.Type], filepath.Join(t.TempDir(), "m"))
			s, err := spec.Parse([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			res, err := train.Run(context.Background(), s, train.Options{})
			if err != nil {
				t.Fatal(err)
			}
			m, err := model.Load(res.ModelPath)
			if err != nil {
				t.Fatal(err)
			}
			dicts := m.TextColumns()
			for k, name := range c.Columns {
				var want []string
				for _, s := range c.Categories[k] {
					if s != nil {
						want = append(want, *s)
					}
				}
				if !reflect.DeepEqual(dicts[name], want) {
					t.Errorf("dictionary of %s: %q, scikit-learn's categories %q", name, dicts[name], want)
				}
			}
			for _, part := range []struct {
				file string
				want [][]*float64
			}{{"testdata/cities.csv", c.Train}, {"testdata/cities_new.csv", c.New}} {
				f, err := data.ReadCSVFile(part.file, data.CSVOptions{Schema: m.FeatureNames(), Text: dicts, Target: m.Manifest.Target, NoTarget: true})
				if err != nil {
					t.Fatal(err)
				}
				Z, err := m.Pipeline.TransformSteps(f.X)
				if err != nil {
					t.Fatalf("%s: %v", part.file, err)
				}
				if r, k := Z.Dims(); r != len(part.want) || k != len(part.want[0]) {
					t.Fatalf("%s: transformed %dx%d, scikit-learn %dx%d", part.file, r, k, len(part.want), len(part.want[0]))
				}
				for i, row := range part.want {
					for j, w := range row {
						got := Z.At(i, j)
						if (w == nil) != math.IsNaN(got) || (w != nil && got != *w) {
							t.Fatalf("%s row %d column %d: %v, scikit-learn %v", part.file, i, j, got, fmtPtr(w))
						}
					}
				}
			}
		})
	}
}

func fmtPtr(p *float64) any {
	if p == nil {
		return "NaN"
	}
	return *p
}

// TestTextColumnNeedsEncoder: a text column that no step encodes is
// refused with the step to add (by Check, from the first rows), as is one
// that a scaler sees first.
func TestTextColumnNeedsEncoder(t *testing.T) {
	dir := t.TempDir()
	gaps := filepath.Join(dir, "gaps.csv")
	if err := os.WriteFile(gaps, []byte("city,n,y\nParis,1,a\n,2,b\nRome,3,a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ file, pre, path, want string }{
		{gaps, `[{"type": "StandardScaler", "columns": ["n"]}]`, "preprocess", `the feature column "city" of "` + gaps + `" holds text`},
		{"testdata/cities.csv", `[]`, "preprocess", `the feature columns "city", "color" of "testdata/cities.csv" hold text; add {"type": "OneHotEncoder", "columns": ["city", "color"]}`},
		{"testdata/cities.csv", `[{"type": "StandardScaler"}]`, "preprocess[0]", `the feature column "city" holds text (e.g. "New York"), which StandardScaler cannot take; add {"type": "OneHotEncoder", "columns": ["city"]} before this step`},
		{"testdata/cities.csv", `[{"type": "OrdinalEncoder", "columns": ["color"]}]`, "preprocess", `the feature column "city" of "testdata/cities.csv" holds text`},
	} {
		s, err := spec.Parse([]byte(`{"name": "t", "data": {"train": "` + c.file + `"}, "preprocess": ` + c.pre + `,
			"model": {"class": "KNeighborsClassifier"}, "output": "` + filepath.Join(t.TempDir(), "m") + `"}`))
		if err != nil {
			t.Fatal(err)
		}
		_, err = train.Run(context.Background(), s, train.Options{})
		var list spec.Errors
		if !errors.As(err, &list) || !list.Has(c.path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v\nwant %s: ...%s", c.pre, err, c.path, c.want)
		}
	}
}

// TestMissingReachesEncoder: empty cells of a text column (city) and of a
// numeric one (rooms) that an encoder names reach it as NaN, a category
// of its own, in training and in prediction, and the saved model's
// preprocessing of the training rows and of new rows equals
// scikit-learn's ColumnTransformer exactly (testdata/text_missing.json,
// gen_text_missing.py).
func TestMissingReachesEncoder(t *testing.T) {
	var fx struct {
		Cases []struct {
			Type    string          `json:"type"`
			Params  json.RawMessage `json:"params"`
			Columns []string        `json:"columns"`
			Train   [][]*float64    `json:"train"`
			New     [][]*float64    `json:"new"`
		} `json:"cases"`
	}
	b, err := os.ReadFile("testdata/text_missing.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	for _, c := range fx.Cases {
		t.Run(c.Type, func(t *testing.T) {
			step := map[string]any{}
			if err := json.Unmarshal(c.Params, &step); err != nil {
				t.Fatal(err)
			}
			step["type"], step["columns"] = c.Type, c.Columns
			sb, _ := json.Marshal(step)
			src := fmt.Sprintf(`{"name": "gaps", "data": {"train": "testdata/cities_gaps.csv", "test": "testdata/cities_gaps.csv", "target": "bought"},
				"preprocess": [%s], "model": {"class": "KNeighborsClassifier"}, "output": %q}`, sb, filepath.Join(t.TempDir(), "m"))
			s, err := spec.Parse([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			res, err := train.Run(context.Background(), s, train.Options{})
			if err != nil {
				t.Fatal(err)
			}
			m, err := model.Load(res.ModelPath)
			if err != nil {
				t.Fatal(err)
			}
			for _, part := range []struct {
				file string
				want [][]*float64
			}{{"testdata/cities_gaps.csv", c.Train}, {"testdata/cities_gaps_new.csv", c.New}} {
				f, err := data.ReadCSVFile(part.file, data.CSVOptions{Schema: m.FeatureNames(), Text: m.TextColumns(), Target: m.Manifest.Target, NoTarget: true})
				if err != nil {
					t.Fatal(err)
				}
				Z, err := m.Pipeline.TransformSteps(f.X)
				if err != nil {
					t.Fatalf("%s: %v", part.file, err)
				}
				if r, k := Z.Dims(); r != len(part.want) || k != len(part.want[0]) {
					t.Fatalf("%s: transformed %dx%d, scikit-learn %dx%d", part.file, r, k, len(part.want), len(part.want[0]))
				}
				for i, row := range part.want {
					for j, w := range row {
						got := Z.At(i, j)
						if (w == nil) != math.IsNaN(got) || (w != nil && got != *w) {
							t.Fatalf("%s row %d column %d: %v, scikit-learn %v", part.file, i, j, got, fmtPtr(w))
						}
					}
				}
			}
		})
	}
}

// TestTextCategoriesMatchScikitLearn: an encoder given a text column's
// categories as strings (in an order of their own, with a string the data
// lacks, with and without null) keeps that order, and the saved model's
// preprocessing of the training rows and of new rows (a string no list
// names, a missing city) equals scikit-learn's ColumnTransformer exactly
// (testdata/text_categories.json, gen_text_categories.py); the saved
// dictionary starts with the list's strings.
func TestTextCategoriesMatchScikitLearn(t *testing.T) {
	var fx struct {
		Cases []struct {
			Type    string          `json:"type"`
			Params  json.RawMessage `json:"params"`
			Columns []string        `json:"columns"`
			Train   [][]*float64    `json:"train"`
			New     [][]*float64    `json:"new"`
		} `json:"cases"`
	}
	b, err := os.ReadFile("testdata/text_categories.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	if len(fx.Cases) != 9 {
		t.Fatalf("%d cases", len(fx.Cases))
	}
	for ci, c := range fx.Cases {
		t.Run(fmt.Sprint(c.Type, ci), func(t *testing.T) {
			step := map[string]any{}
			if err := json.Unmarshal(c.Params, &step); err != nil {
				t.Fatal(err)
			}
			step["type"], step["columns"] = c.Type, c.Columns
			sb, _ := json.Marshal(step)
			src := fmt.Sprintf(`{"name": "cats", "data": {"train": "testdata/cities_gaps.csv", "test": "testdata/cities_gaps.csv", "target": "bought"},
				"preprocess": [%s], "model": {"class": "KNeighborsClassifier"}, "output": %q}`, sb, filepath.Join(t.TempDir(), "m"))
			s, err := spec.Parse([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			res, err := train.Run(context.Background(), s, train.Options{})
			if err != nil {
				t.Fatal(err)
			}
			m, err := model.Load(res.ModelPath)
			if err != nil {
				t.Fatal(err)
			}
			var p struct {
				Categories [][]any `json:"categories"`
			}
			_ = json.Unmarshal(c.Params, &p)
			var want []string
			for _, v := range p.Categories[0] {
				if s, ok := v.(string); ok {
					want = append(want, s)
				}
			}
			if d := m.TextColumns()["city"]; len(d) < len(want) || !reflect.DeepEqual(d[:len(want)], want) {
				t.Errorf("dictionary of city %q, want it to start with %q", d, want)
			}
			for _, part := range []struct {
				file string
				want [][]*float64
			}{{"testdata/cities_gaps.csv", c.Train}, {"testdata/cities_gaps_new.csv", c.New}} {
				f, err := data.ReadCSVFile(part.file, data.CSVOptions{Schema: m.FeatureNames(), Text: m.TextColumns(), Target: m.Manifest.Target, NoTarget: true})
				if err != nil {
					t.Fatal(err)
				}
				Z, err := m.Pipeline.TransformSteps(f.X)
				if err != nil {
					t.Fatalf("%s: %v", part.file, err)
				}
				if r, k := Z.Dims(); r != len(part.want) || k != len(part.want[0]) {
					t.Fatalf("%s: transformed %dx%d, scikit-learn %dx%d", part.file, r, k, len(part.want), len(part.want[0]))
				}
				for i, row := range part.want {
					for j, w := range row {
						got := Z.At(i, j)
						if (w == nil) != math.IsNaN(got) || (w != nil && got != *w) {
							t.Fatalf("%s row %d column %d: %v, scikit-learn %v", part.file, i, j, got, fmtPtr(w))
						}
					}
				}
			}
		})
	}
}

// TestTextCategoriesRefused: with handle_unknown "error" a string of the
// data that the list lacks, or a missing value without null in the list,
// is refused naming the column and the value (scikit-learn's "Found
// unknown categories ['amsterdam'] in column 0 during fit"), as are a
// text list for a numeric column, a numeric list for a text one and a
// list per column missing.
func TestTextCategoriesRefused(t *testing.T) {
	for _, c := range []struct{ step, path, want string }{
		{`{"type": "OneHotEncoder", "columns": ["city"], "categories": [["Paris", "Berlin", "Zürich", null]]}`, "preprocess[0].categories[0]",
			`the column "city" of "testdata/cities_gaps.csv" holds "amsterdam", which the list does not name; add it to the list, or set "handle_unknown": "ignore"`},
		{`{"type": "OrdinalEncoder", "columns": ["city"], "categories": [["Paris", "Berlin", "Zürich", "amsterdam"]]}`, "preprocess[0].categories[0]",
			`the column "city" of "testdata/cities_gaps.csv" has missing values (line 10), which the list does not name; add null to the list, or set "handle_unknown": "use_encoded_value"`},
		{`{"type": "OneHotEncoder", "columns": ["city", "rooms"], "categories": [["Paris"], ["1", "2"]], "handle_unknown": "ignore"}`, "preprocess[0].categories[1]",
			`lists strings (e.g. "1"), but the column "rooms" holds numbers`},
		{`{"type": "OneHotEncoder", "columns": ["city"], "categories": [[1, 2]], "handle_unknown": "ignore"}`, "preprocess[0].categories[0]",
			`lists numbers, but the column "city" holds text (e.g. "Berlin"): list its strings`},
		{`{"type": "OneHotEncoder", "columns": ["city", "rooms"], "categories": [["Paris"]], "handle_unknown": "ignore"}`, "preprocess[0].categories",
			`has 1 lists for the 2 columns "city", "rooms"`},
	} {
		s, err := spec.Parse([]byte(`{"name": "t", "data": {"train": "testdata/cities_gaps.csv", "target": "bought"}, "preprocess": [` + c.step + `],
			"model": {"class": "KNeighborsClassifier"}, "output": "` + filepath.Join(t.TempDir(), "m") + `"}`))
		if err != nil {
			t.Fatal(err)
		}
		_, err = train.Run(context.Background(), s, train.Options{})
		var list spec.Errors
		if !errors.As(err, &list) || !list.Has(c.path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v\nwant %s: ...%s", c.step, err, c.path, c.want)
		}
	}
}
