package jobs

import (
	"testing"

	"github.com/mlforge/mlforge/internal/budget"
)

// TestLimitsBudget: the server's limits map onto the budget checks' with
// the same numbers; 0 (no limit here) becomes a negative budget field (no
// limit there), never budget's 0, which means its default.
func TestLimitsBudget(t *testing.T) {
	for _, tc := range []struct {
		in   Limits
		want budget.Limits
	}{
		{Limits{MaxModelBytes: 1 << 20, MaxRunMemory: 8 << 30}, budget.Limits{MaxModelBytes: 1 << 20, MaxRunMemory: 8 << 30}},
		{Limits{}, budget.Limits{MaxModelBytes: -1, MaxRunMemory: -1}},
		{Limits{MaxRunMemory: 5}, budget.Limits{MaxModelBytes: -1, MaxRunMemory: 5}},
	} {
		if got := tc.in.Budget(); got != tc.want {
			t.Errorf("%+v.Budget() = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}
