// Command gemm times tensor.Gemm on square and CNN-shaped products and prints
// one line per shape: "go M N K OP GFLOP/s", the best of -reps repetitions.
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

// Shapes are M,N,K[,OP]: C (M x N) = op(A) (M x K) * op(B) (K x N), where OP
// is two letters, N or T, for op(A) and op(B) (default NN). Beyond the
// squares: a 3x3 convolution's forward GEMM at several layer sizes, its two
// backward GEMMs (weight gradient NT, column gradient TN), and a 784-128
// linear layer on a batch of 64 (forward NT, input gradient NN, weight
// gradient TN).
const defaultShapes = "256,256,256;512,512,512;1024,1024,1024;2048,2048,2048;" +
	"32,676,9;64,121,288;64,676,576;128,784,1152;64,576,676,NT;576,676,64,TN;" +
	"64,128,784,NT;64,784,128;128,784,64,TN"

func main() {
	shapes := flag.String("shapes", defaultShapes, "semicolon-separated M,N,K triples")
	reps := flag.Int("reps", 5, "timed repetitions per shape (the best is kept)")
	minTime := flag.Duration("mintime", 50*time.Millisecond, "minimum duration of one repetition")
	flag.Parse()
	fmt.Fprintf(os.Stderr, "# tensor.Gemm kernel=%s GOMAXPROCS=%d\n", tensor.KernelName(), runtime.GOMAXPROCS(0))
	for _, s := range strings.Split(*shapes, ";") {
		f := strings.Split(s, ",")
		op := "NN"
		if len(f) == 4 {
			op = strings.ToUpper(strings.TrimSpace(f[3]))
			f = f[:3]
		}
		if len(f) != 3 || (op != "NN" && op != "NT" && op != "TN" && op != "TT") {
			fmt.Fprintf(os.Stderr, "gemm: shape %q: want M,N,K[,NN|NT|TN|TT]\n", s)
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
		rate := best(op[0] == 'T', op[1] == 'T', d[0], d[1], d[2], *reps, *minTime)
		fmt.Printf("go %d %d %d %s %.1f\n", d[0], d[1], d[2], op, rate)
	}
}

// best returns the highest GFLOP/s over reps repetitions, each of which runs
// the product enough times to last at least minTime.
func best(transA, transB bool, m, n, k, reps int, minTime time.Duration) float64 {
	r := rand.New(rand.NewPCG(1, 2))
	a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
	for i := range a {
		a[i] = float32(r.NormFloat64())
	}
	for i := range b {
		b[i] = float32(r.NormFloat64())
	}
	lda, ldb := k, n
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	run := func() { tensor.Gemm(transA, transB, m, n, k, 1, a, lda, b, ldb, 0, c, n) }
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
