package datasets

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func sampleIDs(s *Sample) map[string][]string {
	out := map[string][]string{}
	for _, l := range s.Labels {
		for _, it := range l.Items {
			out[l.Label] = append(out[l.Label], it.ID)
		}
	}
	return out
}

func TestSample(t *testing.T) {
	for name, open := range services(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			if _, err := s.Create(ctx, "d", "", ""); err != nil {
				t.Fatal(err)
			}
			var files []file
			for i := 0; i < 30; i++ {
				files = append(files, file{name: fmt.Sprintf("a/%d.png", i), data: pngOf(t, 6, 5, i)})
			}
			for i := 0; i < 5; i++ {
				files = append(files, file{name: fmt.Sprintf("b/%d.png", i), data: pngOf(t, 6, 5, 100+i)})
			}
			mustImport(t, s, "d", zipOf(t, files...))

			one, err := s.Sample(ctx, "d", nil, 10, 1)
			if err != nil {
				t.Fatal(err)
			}
			if one.Len() != 15 || len(one.Labels) != 2 || one.Labels[0].Stored != 30 || one.Labels[1].Stored != 5 || one.Manifest == "" || one.Limit != 10 || one.Seed != 1 {
				t.Fatalf("Sample(10, seed 1) = %+v", one)
			}
			ids := sampleIDs(one)
			for l, list := range ids {
				if !slices.IsSorted(list) || len(slices.Compact(slices.Clone(list))) != len(list) {
					t.Fatalf("label %s: the draw %v is not distinct items in the order added", l, list)
				}
			}
			for _, it := range one.Labels[0].Items {
				if it.Label != "a" {
					t.Fatalf("the draw of a holds an item labelled %s", it.Label)
				}
			}
			again, _ := s.Sample(ctx, "d", nil, 10, 1)
			if fmt.Sprint(sampleIDs(again)) != fmt.Sprint(ids) {
				t.Fatalf("seed 1 drew %v, then %v", ids, sampleIDs(again))
			}
			other, _ := s.Sample(ctx, "d", nil, 10, 2)
			if slices.Equal(sampleIDs(other)["a"], ids["a"]) {
				t.Fatalf("seeds 1 and 2 drew the same items of a: %v", ids["a"])
			}
			// A label's draw does not depend on the others drawn with it.
			onlyA, _ := s.Sample(ctx, "d", []string{"a"}, 10, 1)
			if len(onlyA.Labels) != 1 || !slices.Equal(sampleIDs(onlyA)["a"], ids["a"]) {
				t.Fatalf("the draw of a alone %v, with b %v", sampleIDs(onlyA)["a"], ids["a"])
			}
			if def, _ := s.Sample(ctx, "d", []string{"a", "a"}, 0, 1); def.Limit != DefaultSampleLimit || def.Len() != DefaultSampleLimit || len(def.Labels) != 1 {
				t.Fatalf("the default limit with a repeated label: %d items, %d labels", def.Len(), len(def.Labels))
			}
			old := sampleCap
			sampleCap = 12
			_, err = s.Sample(ctx, "d", nil, 10, 1)
			sampleCap = old
			if err == nil || !strings.Contains(err.Error(), "15 images, above the limit of 12") {
				t.Fatalf("a sample above the cap: %v", err)
			}
			for _, c := range []struct {
				name   string
				labels []string
				limit  int
				want   string
			}{
				{"d", nil, 1001, "limit 1001: expected 1 to 1000"},
				{"d", nil, -1, "limit -1"},
				{"d", []string{"c"}, 5, `dataset "d" has no items labelled "c"`},
				{"d", []string{"../x"}, 5, "is not valid"},
				{"nope", nil, 5, `no dataset "nope"`},
			} {
				if _, err := s.Sample(ctx, c.name, c.labels, c.limit, 1); err == nil || !strings.Contains(err.Error(), c.want) {
					t.Errorf("Sample(%s, %v, %d) = %v, want %q", c.name, c.labels, c.limit, err, c.want)
				}
			}
		})
	}
}

func TestChoose(t *testing.T) {
	for seed := uint64(0); seed < 50; seed++ {
		got := choose(100, 7, seed, "x")
		if len(got) != 7 || !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != 7 || got[0] < 0 || got[6] >= 100 {
			t.Fatalf("choose(100, 7, %d) = %v", seed, got)
		}
	}
	if got := choose(3, 7, 1, "x"); fmt.Sprint(got) != "[0 1 2]" {
		t.Fatalf("choose(3, 7) = %v, want every position", got)
	}
}

func TestThumbSize(t *testing.T) {
	for _, c := range []struct{ w, h, size, ww, wh int }{
		{300, 150, 128, 128, 64},
		{100, 400, 64, 16, 64},
		{20, 10, 128, 20, 10},
		{1000, 1, 128, 128, 1},
		{1, 1000, 16, 1, 16},
		{128, 128, 128, 128, 128},
	} {
		if w, h := thumbSize(c.w, c.h, c.size); w != c.ww || h != c.wh {
			t.Errorf("thumbSize(%d, %d, %d) = %d, %d, want %d, %d", c.w, c.h, c.size, w, h, c.ww, c.wh)
		}
	}
}
