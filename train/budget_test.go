package train

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/spec"
)

// allocatedBy returns the bytes allocated while f runs.
func allocatedBy(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// The probes of issue 8: a spec that asks for tens of gigabytes must be a
// field error at validation, and never allocate them.
var bombs = []struct{ name, json, field string }{
	{"mlpbig", `{"name":"mlpbig","data":{"train":"builtin:iris"},"model":{"class":"MLPClassifier","params":{"hidden_layer_sizes":[1000000000]}}}`,
		"model.params.hidden_layer_sizes"},
	{"linearbig", `{"name":"linearbig","data":{"train":"builtin:iris"},"model":{"layers":[{"type":"Linear","in_features":"auto","out_features":10000000000}]},"criterion":"MSELoss"}`,
		"model.layers[0].out_features"},
	{"linear1e9", `{"name":"linear1e9","data":{"train":"builtin:iris"},"model":{"layers":[{"type":"Linear","in_features":"auto","out_features":1000000000},{"type":"Linear","in_features":"auto","out_features":1}]},"criterion":"MSELoss"}`,
		"model.layers[0].out_features"},
	{"linearbig-ce", `{"name":"linearbig","data":{"train":"builtin:iris"},"model":{"layers":[{"type":"Linear","in_features":"auto","out_features":10000000000}]}}`,
		"model.layers[0].out_features"},
	{"knnstep", `{"name":"knnstep","data":{"train":"builtin:iris"},"preprocess":[{"type":"StandardScaler"}],"model":{"class":"MLPRegressor","params":{"hidden_layer_sizes":[100000,100000]}}}`,
		"model.params.hidden_layer_sizes"},
}

// TestBombsRejectedWithoutAllocating validates each bomb under a 12 GB
// budget (and under the machine's default) and checks the error's field,
// wording, and that validation allocated under 4 MB.
func TestBombsRejectedWithoutAllocating(t *testing.T) {
	for _, b := range bombs {
		for _, limits := range []budget.Limits{{MaxModelBytes: 12e9, MaxRunMemory: 12e9}, {}} {
			s, err := spec.Parse([]byte(b.json))
			if err != nil {
				t.Fatal(err)
			}
			used := allocatedBy(func() { _, err = Check(s, Options{Limits: limits}) })
			var fe *spec.FieldError
			if !errors.As(err, &fe) || fe.Path != b.field || !strings.Contains(fe.Msg, "needs about") || !strings.Contains(fe.Msg, "over the budget of") {
				t.Errorf("%s: got %v, want a budget error at %s", b.name, err, b.field)
			}
			if used > 4<<20 {
				t.Errorf("%s: validation allocated %d bytes", b.name, used)
			}
		}
	}
	// The same through Run: a bad-input error before anything is loaded.
	s, _ := spec.Parse([]byte(bombs[0].json))
	_, err := Run(context.Background(), s, Options{Root: t.TempDir(), Limits: budget.Limits{MaxRunMemory: 12e9}})
	if err == nil || !strings.Contains(err.Error(), "model.params.hidden_layer_sizes: fitting MLPClassifier needs about") {
		t.Errorf("Run: %v", err)
	}
}

// TestFitBudgetUsesTheData checks that the check before Fit uses the
// loaded data's shape: validation counts one row of a CSV file (it does not
// read the rows), Run counts them all.
func TestFitBudgetUsesTheData(t *testing.T) {
	dir := t.TempDir()
	var csv strings.Builder
	csv.WriteString("a,b,c,y\n")
	for i := range 2000 {
		fmt.Fprintf(&csv, "%d,%d,%d,%d\n", i, i%7, i%13, i%2)
	}
	if err := os.WriteFile(filepath.Join(dir, "d.csv"), []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	s, _ := spec.Parse([]byte(`{"name":"knn","data":{"train":"d.csv"},"model":{"class":"KNeighborsClassifier"}}`))
	l := budget.Limits{MaxRunMemory: 200_000}
	if _, err := Check(s, Options{Root: dir, Limits: l}); err != nil {
		t.Fatalf("validation, which counts one row: %v", err)
	}
	_, err := Run(context.Background(), s, Options{Root: dir, Limits: l})
	var be *budget.Error
	if !errors.As(err, &be) || be.Field != "model.params" || !strings.Contains(err.Error(), "for 1,500 samples of 3 features") {
		t.Fatalf("got %v, want a budget error for the 1,500 training rows", err)
	}
	if _, err := Run(context.Background(), s, Options{Root: dir, Limits: budget.Limits{MaxRunMemory: 1 << 20}}); err != nil {
		t.Errorf("k-NN on 1,500 x 3 under 1 MiB: %v", err)
	}
}

// TestExamplesUnderBudget validates every example spec under the default
// budget and under 1 GB of each, whatever this machine has: ordinary specs
// must never come near a budget.
func TestExamplesUnderBudget(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "examples", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no example specs: %v", err)
	}
	for _, f := range files {
		s, err := spec.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(mustRead(t, f)), "../shared/") {
			if _, err := os.Stat(filepath.Join("..", "..", "shared", "data", "mnist")); err != nil {
				t.Logf("%s: skipped, its data ../shared/data/mnist is not here", f)
				continue
			}
		}
		for _, l := range []budget.Limits{{}, {MaxModelBytes: 1e9, MaxRunMemory: 1e9}} {
			if _, err := Check(s, Options{Root: "..", Limits: l}); err != nil {
				t.Errorf("%s with limits %+v: %v", f, l, err)
			}
		}
	}
}

func mustRead(t *testing.T, f string) []byte {
	t.Helper()
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
