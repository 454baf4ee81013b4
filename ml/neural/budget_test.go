package neural

import (
	"encoding/json"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml"
)

// TestPoisonMLPOverBudget checks that hidden_layer_sizes [1e9] on iris's
// shape is over a 12 GB budget, with an error naming the parameter, and
// that building and estimating it allocates almost nothing.
func TestPoisonMLPOverBudget(t *testing.T) {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	e, err := ml.New("MLPClassifier", json.RawMessage(`{"hidden_layer_sizes": [1000000000]}`))
	if err != nil {
		t.Fatal(err)
	}
	err = ml.CheckMemory(budget.Limits{MaxRunMemory: 12e9}, "model.params", e, 112, 4, 3)
	runtime.ReadMemStats(&b)
	var be *budget.Error
	if !errors.As(err, &be) || be.Field != "model.params.hidden_layer_sizes" || be.Need < 56e9 {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(err.Error(), "fitting MLPClassifier needs about") || !strings.Contains(err.Error(), "over the budget of 12 GB (--max-run-memory)") {
		t.Errorf("message: %v", err)
	}
	if d := b.TotalAlloc - a.TotalAlloc; d > 4<<20 {
		t.Errorf("estimating allocated %d bytes", d)
	}
	// The default network on iris is far under it.
	if got := NewMLPClassifier().EstimateMemory(150, 4, 3); got > 10<<20 {
		t.Errorf("default MLPClassifier on iris: %d bytes", got)
	}
}
