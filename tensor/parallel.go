package tensor

// ParallelFor calls fn(i) for i in [0, n) on the calling goroutine and up
// to GOMAXPROCS-1 of Gemm's helper goroutines, each taking the next index
// until none are left, and returns when all calls have. The calls for
// different i may run at the same time; fn must not depend on their order.
// With one CPU, or n <= 1, the calls run in order on the caller.
func ParallelFor(n int, fn func(i int)) { parallelFor(n, fn) }
