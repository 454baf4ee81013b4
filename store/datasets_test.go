package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestDatasets(t *testing.T) {
	onBackends(t, func(t *testing.T, ctx context.Context, s *Store) {
		d := &Dataset{ID: NewID(), Name: "dogs", Kind: "images", Description: "three breeds"}
		if err := s.CreateDataset(ctx, d); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateDataset(ctx, &Dataset{ID: NewID(), Name: "dogs", Kind: "images"}); !errors.Is(err, ErrExists) {
			t.Fatalf("second CreateDataset(dogs) = %v, want ErrExists", err)
		}
		var items []*Item
		for i, l := range []string{"b", "a", "b"} {
			items = append(items, &Item{ID: fmt.Sprintf("%021d", i+1), Label: l, SHA256: fmt.Sprintf("%064x", i), Width: 2, Height: 3, Format: "PNG", Bytes: 10, Source: "import", DHash: 1<<63 | uint64(i)})
		}
		// The third repeats the first's hash: not inserted.
		items = append(items, &Item{ID: fmt.Sprintf("%021d", 9), Label: "c", SHA256: items[0].SHA256, Format: "PNG", Source: "import"})
		added := try(s.AddItems(ctx, d.ID, items)).must(t, "AddItems")
		if len(added) != 3 {
			t.Fatalf("AddItems added %d items, want 3 (one duplicate)", len(added))
		}
		got := try(s.GetDataset(ctx, "dogs")).must(t, "GetDataset")
		if got.Items != 3 || got.Description != "three breeds" {
			t.Fatalf("GetDataset = %+v", got)
		}
		counts := try(s.LabelCounts(ctx, d.ID)).must(t, "LabelCounts")
		if fmt.Sprint(counts) != "[{a 1} {b 2}]" {
			t.Fatalf("LabelCounts = %v", counts)
		}
		page := try(s.ListItems(ctx, d.ID, ItemOptions{Limit: 1})).must(t, "ListItems")
		if len(page) != 1 || page[0].ID != items[0].ID || page[0].DHash != 1<<63 {
			t.Fatalf("ListItems page 1 = %+v", page)
		}
		page = try(s.ListItems(ctx, d.ID, ItemOptions{After: page[0].ID, Labels: []string{"b"}})).must(t, "ListItems(b, after)")
		if len(page) != 1 || page[0].ID != items[2].ID {
			t.Fatalf("ListItems(b, after 1) = %+v", page)
		}
		if err := s.RelabelItem(ctx, d.ID, items[1].ID, "b"); err != nil {
			t.Fatal(err)
		}
		if err := s.RelabelItem(ctx, d.ID, "nope", "b"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("RelabelItem(nope) = %v", err)
		}
		if _, err := s.DeleteItem(ctx, d.ID, items[2].ID); err != nil {
			t.Fatal(err)
		}
		counts = try(s.LabelCounts(ctx, d.ID)).must(t, "LabelCounts")
		if fmt.Sprint(counts) != "[{b 2}]" {
			t.Fatalf("LabelCounts after relabel and delete = %v", counts)
		}
		if ok := try(s.SHAReferenced(ctx, items[0].SHA256)).must(t, "SHAReferenced"); !ok {
			t.Fatal("SHAReferenced(first) = false")
		}
		if ok := try(s.SHAReferenced(ctx, items[2].SHA256)).must(t, "SHAReferenced"); ok {
			t.Fatal("SHAReferenced(deleted) = true")
		}
		// A failing batch inserts nothing.
		bad := []*Item{{ID: NewID(), Label: "x", SHA256: fmt.Sprintf("%064x", 7), Format: "PNG", Source: "import"}, {ID: items[0].ID, Label: "x", SHA256: fmt.Sprintf("%064x", 8), Format: "PNG", Source: "import"}}
		if _, err := s.AddItems(ctx, d.ID, bad); err == nil {
			t.Fatal("AddItems with a repeated ID succeeded")
		}
		if got := try(s.GetDataset(ctx, "dogs")).must(t, "GetDataset").Items; got != 2 {
			t.Fatalf("after a failed AddItems the dataset has %d items, want 2", got)
		}
		n := 0
		if err := s.AllItemHashes(ctx, func(_, _, _ string, _ int64) error { n++; return nil }); err != nil || n != 2 {
			t.Fatalf("AllItemHashes saw %d items (%v), want 2", n, err)
		}
		list := try(s.ListDatasets(ctx)).must(t, "ListDatasets")
		if len(list) != 1 || list[0].Items != 2 {
			t.Fatalf("ListDatasets = %+v", list)
		}
		shas := try(s.DeleteDataset(ctx, "dogs")).must(t, "DeleteDataset")
		if len(shas) != 2 {
			t.Fatalf("DeleteDataset returned %d hashes, want 2", len(shas))
		}
		if _, err := s.GetDataset(ctx, "dogs"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("GetDataset after delete = %v", err)
		}
		if _, err := s.DeleteDataset(ctx, "dogs"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("second DeleteDataset = %v", err)
		}
		if _, err := s.AddItems(ctx, d.ID, items[:1]); !errors.Is(err, ErrNotFound) {
			t.Fatalf("AddItems to a deleted dataset = %v", err)
		}
	})
}
