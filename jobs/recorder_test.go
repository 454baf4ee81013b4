package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/mlforge/mlforge/event"
	"github.com/mlforge/mlforge/store"
)

// TestRecorderResume: the recorder of a resumed attempt records each step
// of a series once, and fills in from the checkpoint's history (kind
// "history") the epochs that the dead attempt trained but did not store.
func TestRecorderResume(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := &store.Run{ID: store.NewID(), Name: "r", Class: "Sequential", Spec: json.RawMessage(`{}`)}
	st.CreateRun(ctx, r)
	epoch := func(e int) event.Event {
		loss := float64(e)
		return event.Event{Kind: "epoch", Epoch: e, Epochs: 6, Step: 10 * e, Loss: &loss, Metrics: map[string]float64{"val_loss": loss / 2}}
	}
	// The first attempt stored epochs 1 and 2 and step 25 of epoch 3,
	// then died after its checkpoint of epoch 4.
	first, err := newRecorder(ctx, st, NewBroker(), r.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	first.Report(epoch(1))
	first.Report(epoch(2))
	l := 2.5
	first.Report(event.Event{Kind: "step", Step: 25, Epoch: 3, Loss: &l})
	first.close()

	second, err := newRecorder(ctx, st, NewBroker(), r.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	for e := 1; e <= 4; e++ {
		h := epoch(e)
		h.Kind = "history"
		second.Report(h)
	}
	second.Report(event.Event{Kind: "step", Step: 25, Epoch: 3, Loss: &l}) // not trained again, but say so
	second.Report(epoch(5))
	second.Report(epoch(6))
	second.close()
	pts, err := st.Points(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, p := range pts {
		count[fmt.Sprintf("%s@%d", p.Series, p.Epoch)]++
	}
	for e := 1; e <= 6; e++ {
		for _, s := range []string{"epoch_loss", "val_loss"} {
			if n := count[fmt.Sprintf("%s@%d", s, e)]; n != 1 {
				t.Errorf("%s of epoch %d recorded %d times", s, e, n)
			}
		}
	}
	if n := count["loss@3"]; n != 1 {
		t.Errorf("step 25 recorded %d times", n)
	}
}
