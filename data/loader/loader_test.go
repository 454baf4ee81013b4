package loader

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlforge/mlforge/tensor"
)

// noisy is a dataset whose samples depend on the rng (like a random
// augmentation) and which can fail at one index or be slow.
type noisy struct {
	n      int
	failAt int
	delay  time.Duration
}

func (d *noisy) Len() int { return d.n }

func (d *noisy) Get(i int, rng *rand.Rand) (x, y *tensor.Tensor, err error) {
	if i == d.failAt {
		return nil, nil, fmt.Errorf("img/%d.png: corrupt PNG image", i)
	}
	if d.delay > 0 {
		time.Sleep(d.delay)
	}
	return tensor.FromSlice([]float32{float32(i), float32(rng.IntN(1000))}, 2), &tensor.Tensor{Shape: []int{}, Data: []float32{float32(i % 3)}}, nil
}

func collect(t *testing.T, l *DataLoader, epoch int) [][]float32 {
	t.Helper()
	it, err := l.Iter(context.Background(), epoch)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var out [][]float32
	for it.Next() {
		b := it.Batch()
		row := append([]float32(nil), b.X.Data...)
		row = append(row, b.Y.Data...)
		out = append(out, row)
	}
	if it.Err() != nil {
		t.Fatal(it.Err())
	}
	return out
}

func TestDeterministicAcrossWorkers(t *testing.T) {
	ds := &noisy{n: 103, failAt: -1}
	var ref [][]float32
	for _, w := range []int{1, 2, 3, 8} {
		for _, pf := range []int{1, 4} {
			l := &DataLoader{Dataset: ds, BatchSize: 10, Shuffle: true, Seed: 42, Workers: w, Prefetch: pf}
			got := collect(t, l, 0)
			if ref == nil {
				ref = got
				continue
			}
			if fmt.Sprint(got) != fmt.Sprint(ref) {
				t.Fatalf("workers=%d prefetch=%d gave other batches than workers=1", w, pf)
			}
		}
	}
	if len(ref) != 11 || len(ref[10]) != 3*3 {
		t.Errorf("%d batches, last of %d values; want 11 and 9", len(ref), len(ref[10]))
	}
	l := &DataLoader{Dataset: ds, BatchSize: 10, Shuffle: true, Seed: 42}
	if fmt.Sprint(collect(t, l, 1)) == fmt.Sprint(ref) {
		t.Error("epoch 1 has the same batches as epoch 0")
	}
	l.Seed = 43
	if fmt.Sprint(collect(t, l, 0)) == fmt.Sprint(ref) {
		t.Error("seed 43 has the same batches as seed 42")
	}
}

func TestOrderAndDropLast(t *testing.T) {
	x := tensor.New(10, 3)
	for i := range x.Data {
		x.Data[i] = float32(i / 3)
	}
	y := tensor.FromSlice([]float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 10)
	ds, err := NewTensorDataset(x, y)
	if err != nil {
		t.Fatal(err)
	}
	l := &DataLoader{Dataset: ds, BatchSize: 4}
	var seen []float32
	var shapes []string
	for b, err := range l.Batches(context.Background(), 0) {
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, b.Y.Data...)
		shapes = append(shapes, fmt.Sprint(b.X.Shape, b.Y.Shape, b.Indices))
	}
	if fmt.Sprint(seen) != "[0 1 2 3 4 5 6 7 8 9]" || fmt.Sprint(shapes) != "[[4 3] [4] [0 1 2 3] [4 3] [4] [4 5 6 7] [2 3] [2] [8 9]]" {
		t.Errorf("unshuffled: %v %v", seen, shapes)
	}
	it, _ := l.Iter(context.Background(), 0)
	it.Next()
	if labels, err := it.Batch().Labels(nil); err != nil || fmt.Sprint(labels) != "[0 1 2 3]" {
		t.Errorf("Labels = %v, %v", labels, err)
	}
	it.Close()
	l = &DataLoader{Dataset: ds, BatchSize: 4, DropLast: true, Shuffle: true, Seed: 1}
	if l.Len() != 2 {
		t.Errorf("Len with drop_last = %d, want 2", l.Len())
	}
	seen = seen[:0]
	for b, err := range l.Batches(context.Background(), 0) {
		if err != nil {
			t.Fatal(err)
		}
		for j, v := range b.Y.Data {
			if b.X.Data[3*j] != v {
				t.Fatalf("features %v do not belong to target %v", b.X.Data[3*j:3*j+3], v)
			}
		}
		seen = append(seen, b.Y.Data...)
	}
	slices.Sort(seen)
	if len(seen) != 8 || len(slices.Compact(seen)) != 8 {
		t.Errorf("drop_last shuffled: %v, want 8 distinct samples", seen)
	}
}

func TestSubset(t *testing.T) {
	x := tensor.FromSlice([]float32{0, 1, 2, 3, 4}, 5, 1)
	ds, _ := NewTensorDataset(x, nil)
	s, err := Subset(ds, []int{4, 0, 2})
	if err != nil {
		t.Fatal(err)
	}
	it, _ := (&DataLoader{Dataset: s, BatchSize: 3}).Iter(context.Background(), 0)
	defer it.Close()
	if !it.Next() || fmt.Sprint(it.Batch().X.Data) != "[4 0 2]" || it.Batch().Y != nil {
		t.Errorf("subset batch: %v", it.Batch())
	}
	if _, err := Subset(ds, []int{5}); err == nil || !strings.Contains(err.Error(), "index 5") {
		t.Errorf("out of range subset: %v", err)
	}
	if _, err := NewTensorDataset(x, tensor.New(4)); err == nil || !strings.Contains(err.Error(), "want 5 rows") {
		t.Errorf("mismatched targets: %v", err)
	}
}

func TestErrorStopsEpoch(t *testing.T) {
	before := runtime.NumGoroutine()
	l := &DataLoader{Dataset: &noisy{n: 100, failAt: 57}, BatchSize: 8, Workers: 3}
	it, _ := l.Iter(context.Background(), 0)
	n := 0
	for it.Next() {
		n++
	}
	err := it.Err()
	if err == nil || !strings.Contains(err.Error(), "img/57.png: corrupt PNG image") || !strings.Contains(err.Error(), "batch 7") {
		t.Errorf("error %v, want batch 7 naming img/57.png", err)
	}
	if n != 7 {
		t.Errorf("%d batches before the error, want 7", n)
	}
	checkGoroutines(t, before)
}

func TestCancelAndEarlyClose(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	l := &DataLoader{Dataset: &noisy{n: 1000, failAt: -1, delay: time.Millisecond}, BatchSize: 4, Workers: 4, Prefetch: 3}
	it, _ := l.Iter(ctx, 0)
	it.Next()
	cancel()
	for it.Next() {
	}
	if !errors.Is(it.Err(), context.Canceled) {
		t.Errorf("after cancel: %v, want context.Canceled", it.Err())
	}
	checkGoroutines(t, before)
	// Leaving a loop early (break) closes the iterator.
	for b, err := range l.Batches(context.Background(), 1) {
		_, _ = b, err
		break
	}
	it, _ = l.Iter(context.Background(), 2)
	it.Next()
	it.Close()
	it.Close()
	if it.Next() {
		t.Error("Next after Close returned true")
	}
	checkGoroutines(t, before)
}

func checkGoroutines(t *testing.T, before int) {
	t.Helper()
	for range 100 {
		if runtime.NumGoroutine() <= before {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Errorf("%d goroutines, want at most %d as before (leak)", runtime.NumGoroutine(), before)
}

func TestBadConfig(t *testing.T) {
	ds, _ := NewTensorDataset(tensor.New(3, 1), nil)
	for _, l := range []*DataLoader{{}, {Dataset: ds, BatchSize: -1}, {Dataset: ds, Workers: -1}, {Dataset: ds, Prefetch: -2}} {
		if _, err := l.Iter(context.Background(), 0); err == nil {
			t.Errorf("%+v: no error", l)
		}
	}
}

func TestShapeMismatch(t *testing.T) {
	l := &DataLoader{Dataset: ragged{}, BatchSize: 4, Workers: 1}
	it, _ := l.Iter(context.Background(), 0)
	defer it.Close()
	if it.Next() || it.Err() == nil || !strings.Contains(it.Err().Error(), "sample 1 has features of shape [2]") {
		t.Errorf("ragged samples: %v", it.Err())
	}
}

type ragged struct{}

func (ragged) Len() int { return 4 }
func (ragged) Get(i int, _ *rand.Rand) (x, y *tensor.Tensor, err error) {
	return tensor.New(i + 1), nil, nil
}

// BenchmarkLoaderMNIST measures one batch of 64 MNIST-shaped samples
// (1x28x28 in memory, shuffled) through the loader.
func BenchmarkLoaderMNIST(b *testing.B) {
	x := tensor.New(60000, 1, 28, 28)
	y := tensor.New(60000)
	for i := range x.Data {
		x.Data[i] = float32(i%255) / 255
	}
	ds, _ := NewTensorDataset(x, y)
	l := &DataLoader{Dataset: ds, BatchSize: 64, Shuffle: true, Seed: 1}
	b.ReportAllocs()
	b.ResetTimer()
	done := 0
	for epoch := 0; done < b.N; epoch++ {
		it, _ := l.Iter(context.Background(), epoch)
		for done < b.N && it.Next() {
			done++
		}
		it.Close()
	}
}
