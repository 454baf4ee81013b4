package spec_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/spec"
)

// TestStepColumns: "columns" is read apart from the step's parameters and
// written back after "type"; a list that is empty, holds a non-string or
// names a column twice is refused at its path.
func TestStepColumns(t *testing.T) {
	s, err := spec.Parse([]byte(`{"name": "c", "data": {"train": "builtin:iris"},
		"preprocess": [{"type": "StandardScaler", "columns": ["petal_width", "sepal_length"], "with_mean": false}],
		"model": {"class": "LogisticRegression"}}`))
	if err != nil {
		t.Fatal(err)
	}
	st := s.Preprocess[0]
	if !reflect.DeepEqual(st.Columns, []string{"petal_width", "sepal_length"}) || string(st.Params) != `{"with_mean":false}` {
		t.Fatalf("step %+v, params %s", st, st.Params)
	}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"type":"StandardScaler","columns":["petal_width","sepal_length"],"with_mean":false}`; string(b) != want {
		t.Fatalf("marshalled %s, want %s", b, want)
	}
	var back spec.Step
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, st) {
		t.Fatalf("round trip %+v (%v), want %+v", back, err, st)
	}

	for _, c := range []struct{ cols, path, want string }{
		{`[]`, "preprocess[0].columns", `expected a list of feature column names such as ["city"], got an empty list`},
		{`"city"`, "preprocess[0].columns", `expected a list of feature column names`},
		{`["a", 3]`, "preprocess[0].columns[1]", "expected a column name"},
		{`["a", "b", "a"]`, "preprocess[0].columns[2]", `"a" is already listed at preprocess[0].columns[0]`},
	} {
		_, err := spec.Parse([]byte(`{"name": "c", "data": {"train": "builtin:iris"},
			"preprocess": [{"type": "StandardScaler", "columns": ` + c.cols + `}], "model": {"class": "LogisticRegression"}}`))
		var list spec.Errors
		if !errors.As(err, &list) || !list.Has(c.path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("columns %s: got %v, want %s: %s", c.cols, err, c.path, c.want)
		}
	}
}
