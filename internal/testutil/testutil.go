// Package testutil holds helpers for tests: reading the CSV fixtures
// (optionally gzipped) and the JSON reference values written by the
// scikit-learn and PyTorch generator scripts.
package testutil

import (
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// Root returns the repository root, found from this file's location.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// LoadCSV reads a numeric CSV with a header whose last column is the target.
// Paths are relative to the repository root; ".gz" files are decompressed.
// String targets are mapped to 0, 1, ... in order of first appearance sorted
// alphabetically (the same as sklearn's LabelEncoder).
func LoadCSV(t testing.TB, path string) (*mat.Dense, []float64) {
	t.Helper()
	f, err := os.Open(filepath.Join(Root(), path))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = gz
	}
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rows = rows[1:]
	nc := len(rows[0]) - 1
	X := mat.NewDense(len(rows), nc, nil)
	y := make([]float64, len(rows))
	labels := map[string]bool{}
	for _, row := range rows {
		if _, err := strconv.ParseFloat(row[nc], 64); err != nil {
			labels[row[nc]] = true
		}
	}
	var names []string
	for l := range labels {
		names = append(names, l)
	}
	sortStrings(names)
	for i, row := range rows {
		for j := 0; j < nc; j++ {
			v, err := strconv.ParseFloat(row[j], 64)
			if err != nil {
				t.Fatalf("%s row %d col %d: %v", path, i, j, err)
			}
			X.Set(i, j, v)
		}
		if v, err := strconv.ParseFloat(row[nc], 64); err == nil {
			y[i] = v
		} else {
			for k, n := range names {
				if n == row[nc] {
					y[i] = float64(k)
				}
			}
		}
	}
	return X, y
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// ReadJSON decodes the JSON file at path (relative to the calling test's
// package directory, as go test runs there) into v.
func ReadJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// Dense builds a matrix from rows.
func Dense(rows [][]float64) *mat.Dense {
	if len(rows) == 0 {
		return nil
	}
	m := mat.NewDense(len(rows), len(rows[0]), nil)
	for i, r := range rows {
		m.SetRow(i, r)
	}
	return m
}

// Rows takes the rows idx of X.
func Rows(X *mat.Dense, idx []int) *mat.Dense {
	_, c := X.Dims()
	out := mat.NewDense(len(idx), c, nil)
	for i, k := range idx {
		out.SetRow(i, X.RawRowView(k))
	}
	return out
}

// Take picks y[idx].
func Take(y []float64, idx []int) []float64 {
	out := make([]float64, len(idx))
	for i, k := range idx {
		out[i] = y[k]
	}
	return out
}

// AllClose fails the test if any |got-want| > atol + rtol*|want|, naming the
// first index that differs.
func AllClose(t testing.TB, what string, got, want []float64, rtol, atol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(got[i] - want[i]); d > atol+rtol*math.Abs(want[i]) || math.IsNaN(got[i]) != math.IsNaN(want[i]) {
			t.Fatalf("%s[%d] = %v, want %v (rtol %g, atol %g)", what, i, got[i], want[i], rtol, atol)
		}
	}
}

// Flatten returns the elements of m row by row.
func Flatten(m mat.Matrix) []float64 {
	r, c := m.Dims()
	out := make([]float64, 0, r*c)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			out = append(out, m.At(i, j))
		}
	}
	return out
}
