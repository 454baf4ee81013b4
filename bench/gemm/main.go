// Command gemm times tensor.Gemm on square and CNN-shaped products and prints
// one line per shape: "go M N K GFLOP/s", the best of -reps repetitions.
// run.sh interleaves it with torch_gemm.py and prints the two side by side.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/mlforge/mlforge/tensor"
)

// Shapes are M,N,K triples: C (M x N) = A (M x K) * B (K x N).
const defaultShapes = "256,256,256;512,512,512;1024,1024,1024;2048,2048,2048;32,676,9;64,121,288;64,128,576;128,784,1152;64,3136,576"

func main() {
	shapes := flag.String("shapes", defaultShapes, "semicolon-separated M,N,K triples")
	reps := flag.Int("reps", 5, "timed repetitions per shape (the best is kept)")
	minTime := flag.Duration("mintime", 50*time.Millisecond, "minimum duration of one repetition")
	flag.Parse()
	fmt.Fprintf(os.Stderr, "# tensor.Gemm kernel=%s GOMAXPROCS=%d\n", tensor.KernelName(), runtime.GOMAXPROCS(0))
	for _, s := range strings.Split(*shapes, ";") {
		f := strings.Split(s, ",")
		if len(f) != 3 {
			fmt.Fprintf(os.Stderr, "gemm: shape %q: want M,N,K\n", s)
			os.Exit(2)
		}
		var d [3]int
		for i, v := range f {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n <= 0 {
				fmt.Fprintf(os.Stderr, "gemm: shape %q: %q is not a positive integer\n", s, v)
				os.Exit(2)
			}
			d[i] = n
		}
		fmt.Printf("go %d %d %d %.1f\n", d[0], d[1], d[2], best(d[0], d[1], d[2], *reps, *minTime))
	}
}

// best returns the highest GFLOP/s over reps repetitions, each of which runs
// the product enough times to last at least minTime.
func best(m, n, k, reps int, minTime time.Duration) float64 {
	r := rand.New(rand.NewPCG(1, 2))
	a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
	for i := range a {
		a[i] = float32(r.NormFloat64())
	}
	for i := range b {
		b[i] = float32(r.NormFloat64())
	}
	run := func() { tensor.Gemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n) }
	run()
	iters := 1
	for {
		t := time.Now()
		for range iters {
			run()
		}
		if time.Since(t) >= minTime/4 {
			break
		}
		iters *= 2
	}
	iters = max(1, iters*4)
	var bestRate float64
	for range reps {
		t := time.Now()
		for range iters {
			run()
		}
		rate := 2 * float64(m) * float64(n) * float64(k) * float64(iters) / time.Since(t).Seconds() / 1e9
		bestRate = max(bestRate, rate)
	}
	return bestRate
}
