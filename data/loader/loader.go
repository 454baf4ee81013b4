package loader

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"sync"

	"github.com/mlforge/mlforge/tensor"
)

// DataLoader collates the samples of a dataset into batches, like PyTorch's
// DataLoader. The zero values of its options are PyTorch's defaults, except
// Workers (2 goroutines rather than loading on the caller's goroutine).
//
// A DataLoader may be iterated many times (once per epoch) but not by two
// iterators at the same time.
type DataLoader struct {
	Dataset   Dataset
	BatchSize int    // samples per batch; 0 means 1
	Shuffle   bool   // reshuffle every epoch, from Seed and the epoch number
	Seed      uint64 // seed for shuffling and for the samples' random transforms
	DropLast  bool   // drop the last batch when it has fewer than BatchSize samples
	Workers   int    // goroutines that build batches; 0 means 2
	Prefetch  int    // batches each worker prepares ahead; 0 means 2 (PyTorch's prefetch_factor)

	order []int
	pool  []*Batch // batch buffers kept between epochs
}

// Batch is a batch of samples: X is B x (sample shape), Y is B x (target
// shape) (B for class labels) or nil when the dataset has no targets, and
// Indices are the dataset indices of the B samples.
//
// A batch returned by Iterator.Batch is valid until the next call to Next or
// Close: its memory is then reused for a later batch. Clone it to keep it.
type Batch struct {
	X, Y    *tensor.Tensor
	Indices []int

	k      int   // batch number in the epoch
	worker int   // worker whose pool owns the batch
	err    error // first sample error
	xbuf   []float32
	ybuf   []float32
	noY    bool
	shaped bool
}

// Clone returns a deep copy of b that stays valid after Next.
func (b *Batch) Clone() *Batch {
	c := &Batch{X: b.X.Clone(), Indices: append([]int(nil), b.Indices...)}
	if b.Y != nil {
		c.Y = b.Y.Clone()
	}
	return c
}

// Labels returns the targets of a batch of class labels (Y of shape [B]
// holding class indices) as ints, appended to dst[:0] so that a buffer can be
// reused.
func (b *Batch) Labels(dst []int) ([]int, error) {
	if b.Y == nil || len(b.Y.Shape) != 1 {
		var s any = "none"
		if b.Y != nil {
			s = b.Y.Shape
		}
		return nil, fmt.Errorf("loader: batch targets of shape %v are not class labels (want one index per sample)", s)
	}
	dst = dst[:0]
	for j, v := range b.Y.Data {
		if v < 0 || v != float32(int(v)) {
			return nil, fmt.Errorf("loader: target %v of sample %d is not a class index", v, b.Indices[j])
		}
		dst = append(dst, int(v))
	}
	return dst, nil
}

// Len returns the number of batches in an epoch.
func (l *DataLoader) Len() int {
	n, bs := l.Dataset.Len(), l.batchSize()
	if l.DropLast {
		return n / bs
	}
	return (n + bs - 1) / bs
}

func (l *DataLoader) batchSize() int {
	if l.BatchSize <= 0 {
		return 1
	}
	return l.BatchSize
}

func (l *DataLoader) check() error {
	switch {
	case l.Dataset == nil:
		return errors.New("loader: DataLoader has no Dataset")
	case l.BatchSize < 0:
		return fmt.Errorf("loader: batch_size must be at least 1, got %d", l.BatchSize)
	case l.Workers < 0:
		return fmt.Errorf("loader: workers must be at least 0 (0 means 2), got %d", l.Workers)
	case l.Prefetch < 0:
		return fmt.Errorf("loader: prefetch must be at least 0 (0 means 2), got %d", l.Prefetch)
	}
	return nil
}

// mix is SplitMix64's finaliser, used to derive independent seeds.
func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Iterator walks the batches of one epoch. Call Next until it returns false,
// then Err; Close releases the workers early (it is safe to call twice and
// after the end).
type Iterator struct {
	l      *DataLoader
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	out    []chan *Batch
	free   []chan *Batch
	nb, k  int
	cur    *Batch
	err    error
	closed bool
}

// Iter starts the workers for epoch number epoch and returns an iterator
// over its batches. The sample order (when shuffling) and every sample's
// random number generator depend only on Seed, epoch and the sample's
// position, never on the number of workers. Cancelling ctx stops the epoch:
// Next returns false and Err returns ctx's error.
func (l *DataLoader) Iter(ctx context.Context, epoch int) (*Iterator, error) {
	if err := l.check(); err != nil {
		return nil, err
	}
	n, bs := l.Dataset.Len(), l.batchSize()
	if cap(l.order) >= n {
		l.order = l.order[:n]
	} else {
		l.order = make([]int, n)
	}
	for i := range l.order {
		l.order[i] = i
	}
	epochSeed := mix(l.Seed ^ mix(uint64(epoch)+0x5eed))
	if l.Shuffle {
		rng := rand.New(rand.NewPCG(epochSeed, 0x5301_f1e5))
		rng.Shuffle(n, func(i, j int) { l.order[i], l.order[j] = l.order[j], l.order[i] })
	}
	it := &Iterator{l: l, nb: l.Len()}
	it.ctx, it.cancel = context.WithCancel(ctx)
	workers := l.Workers
	if workers == 0 {
		workers = 2
	}
	workers = max(1, min(workers, it.nb))
	prefetch := l.Prefetch
	if prefetch == 0 {
		prefetch = 2
	}
	it.out = make([]chan *Batch, workers)
	it.free = make([]chan *Batch, workers)
	for w := range workers {
		it.out[w] = make(chan *Batch, prefetch)
		// prefetch batches waiting, one with the consumer, one being filled.
		it.free[w] = make(chan *Batch, prefetch+2)
		for range prefetch + 2 {
			b := &Batch{}
			if n := len(l.pool); n > 0 {
				b, l.pool = l.pool[n-1], l.pool[:n-1]
			}
			// The shapes are probed again each epoch; only memory is reused.
			b.worker, b.shaped = w, false
			it.free[w] <- b
		}
		it.wg.Add(1)
		go it.work(w, workers, bs, n, epochSeed)
	}
	return it, nil
}

// work builds batches w, w+workers, ... in order.
func (it *Iterator) work(w, workers, bs, n int, epochSeed uint64) {
	defer it.wg.Done()
	src := rand.NewPCG(0, 0)
	rng := rand.New(src)
	done := it.ctx.Done()
	for k := w; k < it.nb; k += workers {
		var b *Batch
		select {
		case b = <-it.free[w]:
		case <-done:
			return
		}
		lo := k * bs
		hi := min(lo+bs, n)
		b.k = k
		b.err = nil
		b.Indices = append(b.Indices[:0], it.l.order[lo:hi]...)
		it.fill(b, src, rng, lo, epochSeed)
		select {
		case it.out[w] <- b:
		case <-done:
			return
		}
		if b.err != nil {
			return
		}
	}
}

// fill loads the samples of b; position lo is the epoch position of its
// first sample.
func (it *Iterator) fill(b *Batch, src *rand.PCG, rng *rand.Rand, lo int, epochSeed uint64) {
	ds := it.l.Dataset
	bs := it.l.batchSize()
	m := len(b.Indices)
	for j, idx := range b.Indices {
		if j&7 == 0 && it.ctx.Err() != nil {
			b.err = it.ctx.Err()
			return
		}
		src.Seed(epochSeed, mix(uint64(lo+j))) // mixed so that neighbouring samples get unrelated streams
		if !b.shaped {
			// The first sample fixes the shapes of this buffer.
			x, y, err := ds.Get(idx, rng)
			if err != nil {
				b.err = err
				return
			}
			if x == nil {
				b.err = fmt.Errorf("loader: sample %d has no features", idx)
				return
			}
			xs := len(x.Data)
			b.xbuf = grow(b.xbuf, bs*xs)
			b.X = &tensor.Tensor{Shape: append([]int{m}, x.Shape...)}
			b.noY = y == nil
			b.Y = nil
			if y != nil {
				b.ybuf = grow(b.ybuf, bs*len(y.Data))
				b.Y = &tensor.Tensor{Shape: append([]int{m}, y.Shape...)}
			}
			b.shaped = true
			b.X.Data = b.xbuf[:m*xs]
			copy(b.X.Data, x.Data)
			if y != nil {
				b.Y.Data = b.ybuf[:m*len(y.Data)]
				copy(b.Y.Data, y.Data)
			}
			continue
		}
		xs := len(b.xbuf) / bs
		b.X.Shape[0] = m
		b.X.Data = b.xbuf[:m*xs]
		var ydst []float32
		if !b.noY {
			ys := len(b.ybuf) / bs
			b.Y.Shape[0] = m
			b.Y.Data = b.ybuf[:m*ys]
			ydst = b.Y.Data[j*ys : (j+1)*ys]
		}
		if err := getInto(ds, idx, rng, b.X.Data[j*xs:(j+1)*xs], ydst); err != nil {
			b.err = err
			return
		}
	}
}

// grow returns buf resized to n, reusing its memory when it is large enough.
func grow(buf []float32, n int) []float32 {
	if cap(buf) >= n {
		return buf[:n]
	}
	return make([]float32, n)
}

// Next advances to the next batch and reports whether there is one. It
// blocks until the workers have built it.
func (it *Iterator) Next() bool {
	if it.closed {
		return false
	}
	if it.cur != nil {
		it.free[it.cur.worker] <- it.cur // never blocks: the pool has room for all its batches
		it.cur = nil
	}
	if it.k >= it.nb {
		it.Close()
		return false
	}
	w := it.k % len(it.out)
	select {
	case b := <-it.out[w]:
		if b.err != nil {
			if errors.Is(b.err, context.Canceled) || errors.Is(b.err, context.DeadlineExceeded) {
				it.err = b.err
			} else {
				it.err = fmt.Errorf("loader: batch %d: %w", b.k, b.err)
			}
			it.Close()
			return false
		}
		it.cur = b
		it.k++
		return true
	case <-it.ctx.Done():
		it.err = it.ctx.Err()
		it.Close()
		return false
	}
}

// Batch returns the current batch, valid until the next Next or Close.
func (it *Iterator) Batch() *Batch { return it.cur }

// Err returns the error that ended the epoch early, or nil.
func (it *Iterator) Err() error { return it.err }

// Close stops the workers and waits for them to exit.
func (it *Iterator) Close() {
	if it.closed {
		return
	}
	it.closed = true
	it.cancel()
	it.wg.Wait()
	// Keep the batch buffers for the next epoch.
	if it.cur != nil {
		it.l.pool = append(it.l.pool, it.cur)
		it.cur = nil
	}
	for w := range it.out {
		for _, ch := range []chan *Batch{it.out[w], it.free[w]} {
			for len(ch) > 0 {
				it.l.pool = append(it.l.pool, <-ch)
			}
		}
	}
}

// Batches returns the batches of epoch number epoch as a range-over-func
// sequence; an error ends it (yielded with a nil batch). Each batch is valid
// until the loop body returns.
func (l *DataLoader) Batches(ctx context.Context, epoch int) iter.Seq2[*Batch, error] {
	return func(yield func(*Batch, error) bool) {
		it, err := l.Iter(ctx, epoch)
		if err != nil {
			yield(nil, err)
			return
		}
		defer it.Close()
		for it.Next() {
			if !yield(it.Batch(), nil) {
				return
			}
		}
		if it.Err() != nil {
			yield(nil, it.Err())
		}
	}
}
