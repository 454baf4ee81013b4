package server

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/train"
)

// TestPredictTextColumns: the JSON rows of a model with text feature
// columns give each column a string, coded through the saved dictionary
// (a string it lacks gets the next free code, which the encoder treats as
// unknown); a number there is a 400 naming the column.
func TestPredictTextColumns(t *testing.T) {
	s, err := spec.Parse([]byte(`{"name": "cities", "data": {"train": "../train/testdata/cities.csv"},
		"preprocess": [{"type": "OneHotEncoder", "columns": ["city", "color"], "handle_unknown": "ignore"}],
		"model": {"class": "KNeighborsClassifier"}, "output": "` + filepath.Join(t.TempDir(), "m") + `"}`))
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
	in, err := decodePredict(strings.NewReader(`{"rows": [{"size": 1.5, "city": "Paris", "color": "green"},
		{"color": "red", "city": "Rome", "size": 2}, {"size": 3, "city": "Oslo", "color": "Rome"}]}`), m, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Features size, city, color; city's dictionary has 7 strings (Paris
	// is 3), color's 3 (green 1, red 2): Rome, then Oslo, are new.
	if want := []float64{1.5, 3, 1, 2, 7, 2, 3, 8, 3}; !reflect.DeepEqual(in.data, want) {
		t.Fatalf("rows coded as %v, want %v", in.data, want)
	}
	_, err = decodePredict(strings.NewReader(`{"rows": [{"size": 1.5, "city": 3, "color": "green"}]}`), m, 0)
	if err == nil || !strings.Contains(err.Error(), `rows[0].city: the column "city" holds text: expected a string, got the number 3`) {
		t.Fatalf("a number in a text column: %v", err)
	}
}

// TestPredictTextRefusesUnknown: with handle_unknown "error" (the
// default), a string the training data lacked is a 400 naming it.
func TestPredictTextRefusesUnknown(t *testing.T) {
	s, err := spec.Parse([]byte(`{"name": "cities", "data": {"train": "../train/testdata/cities.csv"},
		"preprocess": [{"type": "OrdinalEncoder", "columns": ["city", "color"]}],
		"model": {"class": "KNeighborsClassifier"}, "output": "` + filepath.Join(t.TempDir(), "m") + `"}`))
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
	_, err = decodePredict(strings.NewReader(`{"rows": [{"size": 1.5, "city": "Rome", "color": "green"}]}`), m, 0)
	if err == nil || !strings.Contains(err.Error(), `rows[0].city: "Rome" is not one of the strings the model was trained on for "city"`) {
		t.Fatalf("an unknown string: %v", err)
	}
}
