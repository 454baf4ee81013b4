package collect

import (
	"context"
	"strings"
	"testing"
)

// TestFill: a spec's collect step creates the dataset, collects only the
// labels below min_per_label (each up to the limit), and collects nothing
// once every label holds enough.
func TestFill(t *testing.T) {
	for backend, open := range backends(t) {
		t.Run(backend, func(t *testing.T) {
			svc := open(t)
			ctx := context.Background()
			w := newWorld(t)
			ev := &events{}
			// cat first, to 2: then the step with min 2 leaves it as it is.
			if _, err := w.collector(svc, Options{Limit: 2}, ev).Fill(ctx, "pets", labelsOf(t, "cat"), 2); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(ev.all(), `collect step: dataset "pets" created`) {
				t.Fatalf("events:\n%s", ev.all())
			}
			ev = &events{}
			sum, err := w.collector(svc, Options{Limit: 4}, ev).Fill(ctx, "pets", labelsOf(t, "cat", "dog"), 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(sum.Labels) != 1 || sum.Labels[0].Label != "dog" || sum.Labels[0].Stored != 4 {
				t.Fatalf("summary %+v", sum)
			}
			for _, want := range []string{`collect step: 1 of 2 labels of "pets" hold fewer than 2 images (min_per_label): "dog" (0); collecting up to 4 each`,
				`collect step: 4 images stored in 1 labels; training follows`} {
				if !strings.Contains(ev.all(), want) {
					t.Errorf("events lack %q:\n%s", want, ev.all())
				}
			}
			ev = &events{}
			sum, err = w.collector(svc, Options{Limit: 4}, ev).Fill(ctx, "pets", labelsOf(t, "cat", "dog"), 2)
			if err != nil || len(sum.Labels) != 0 || !strings.Contains(ev.all(), "nothing to collect") {
				t.Fatalf("again: %+v, %v\n%s", sum, err, ev.all())
			}
			d, err := svc.Get(ctx, "pets")
			if err != nil || d.Items != 6 {
				t.Fatalf("dataset %+v, %v", d, err)
			}
			for _, minPer := range []int{0, 5} {
				if _, err := w.collector(svc, Options{Limit: 4}, ev).Fill(ctx, "pets", labelsOf(t, "cat"), minPer); err == nil || !strings.Contains(err.Error(), "min_per_label: expected 1 to limit (4)") {
					t.Errorf("min_per_label %d: %v", minPer, err)
				}
			}
		})
	}
}
