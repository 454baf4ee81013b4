package server

import (
	"bufio"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mlforge/mlforge/store"
)

// GET /metrics: the service's figures in Prometheus' text exposition
// format (version 0.0.4), written by hand (no client library). Counters and
// histograms are this process's since it started; the run figures are read
// from the store at each scrape, so they cover every process sharing the
// database.

// histogram is a Prometheus histogram: cumulative bucket counts, sum and
// count.
type histogram struct {
	bounds []float64 // upper bounds, increasing; +Inf is implied
	counts []uint64  // per bucket (not cumulative), len(bounds)+1
	sum    float64
	n      uint64
}

func newHistogram(bounds []float64) *histogram {
	return &histogram{bounds: bounds, counts: make([]uint64, len(bounds)+1)}
}

func (h *histogram) observe(v float64) {
	i := sort.SearchFloat64s(h.bounds, v) // first bound >= v
	h.counts[i]++
	h.sum += v
	h.n++
}

// latencyBuckets are the bounds, in seconds, of the latency histograms.
var latencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type httpKey struct {
	method, route string
	code          int
}

// metrics holds the counters of one server.
type svcMetrics struct {
	mu       sync.Mutex
	requests map[httpKey]uint64
	httpDur  map[string]*histogram // by route
	predict  *histogram
}

func newMetrics() *svcMetrics {
	return &svcMetrics{requests: map[httpKey]uint64{}, httpDur: map[string]*histogram{}, predict: newHistogram(latencyBuckets)}
}

func (m *svcMetrics) observeHTTP(method, route string, code int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[httpKey{method, route, code}]++
	h := m.httpDur[route]
	if h == nil {
		h = newHistogram(latencyBuckets)
		m.httpDur[route] = h
	}
	h.observe(d.Seconds())
}

func (m *svcMetrics) observePredict(d time.Duration) {
	m.mu.Lock()
	m.predict.observe(d.Seconds())
	m.mu.Unlock()
}

// statusWriter records the status code a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush and Unwrap keep server-sent events and http.ResponseController
// working through the wrapper.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// instrument counts every request by method, route pattern (never the raw
// path, so that the series stay few) and status code.
func (s *Server) instrument(mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		_, route := mux.Handler(r)
		if route == "" {
			route = "unmatched"
		} else if _, p, ok := strings.Cut(route, " "); ok {
			route = p // "GET /api/runs/{id}" → "/api/runs/{id}"; the method is its own label
		}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.code == 0 {
			sw.code = http.StatusOK
		}
		s.metrics.observeHTTP(r.Method, route, sw.code, time.Since(start))
	})
}

// serveMetrics is GET /metrics.
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	counts := map[store.Status]int{}
	for _, st := range []store.Status{store.Queued, store.Running, store.Succeeded, store.Failed, store.Cancelled} {
		n, err := s.store.CountRuns(ctx, st)
		if err != nil {
			return err
		}
		counts[st] = n
	}
	// Queue wait (created → started) and duration (started → finished) of
	// the newest runs, and the step rate of the running ones.
	recent, err := s.store.ListRuns(ctx, store.ListOptions{Limit: 500})
	if err != nil {
		return err
	}
	var waits, durs []float64
	type rate struct {
		id   string
		rate float64
	}
	var rates []rate
	now := time.Now()
	for _, run := range recent {
		if run.StartedAt != nil {
			waits = append(waits, run.StartedAt.Sub(run.CreatedAt).Seconds())
			if run.FinishedAt != nil {
				durs = append(durs, run.FinishedAt.Sub(*run.StartedAt).Seconds())
			}
		}
		if run.Status == store.Running && run.StartedAt != nil {
			step, err := s.store.MaxStep(ctx, run.ID)
			if err != nil {
				return err
			}
			if el := now.Sub(*run.StartedAt).Seconds(); el > 0 {
				rates = append(rates, rate{run.ID, float64(step) / el})
			}
		}
	}

	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	b := bufio.NewWriter(w)
	defer b.Flush()
	head := func(name, typ, help string) { fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ) }

	head("mlforge_runs", "gauge", "Runs in the store by status.")
	for _, st := range []store.Status{store.Queued, store.Running, store.Succeeded, store.Failed, store.Cancelled} {
		fmt.Fprintf(b, "mlforge_runs{status=%q} %d\n", st, counts[st])
	}
	head("mlforge_queue_depth", "gauge", "Runs waiting for a worker (queued).")
	fmt.Fprintf(b, "mlforge_queue_depth %d\n", counts[store.Queued])
	quantiles := func(name, help string, v []float64) {
		head(name, "gauge", help)
		slices.Sort(v)
		for _, q := range []float64{0.5, 0.9, 0.99, 1} {
			fmt.Fprintf(b, "%s{quantile=\"%s\"} %s\n", name, fmtFloat(q), fmtFloat(quantile(v, q)))
		}
	}
	quantiles("mlforge_job_queue_wait_seconds", "Time from a run's creation to its start, over the newest 500 runs.", waits)
	quantiles("mlforge_job_duration_seconds", "Time from a run's start to its end, over the newest 500 finished runs.", durs)
	head("mlforge_train_steps_per_second", "gauge", "Training steps per second of each running run (highest metric step over time since start).")
	for _, r := range rates {
		fmt.Fprintf(b, "mlforge_train_steps_per_second{run=%q} %s\n", r.id, fmtFloat(r.rate))
	}

	n, bytes := s.models.stats()
	head("mlforge_model_cache_models", "gauge", "Models kept loaded for predict.")
	fmt.Fprintf(b, "mlforge_model_cache_models %d\n", n)
	head("mlforge_model_cache_bytes", "gauge", "Bytes (model file sizes) of the models kept loaded, and the bound.")
	fmt.Fprintf(b, "mlforge_model_cache_bytes %d\nmlforge_model_cache_max_bytes %d\n", bytes, s.models.max)

	s.metrics.mu.Lock()
	defer s.metrics.mu.Unlock()
	writeHistogram(b, head, "mlforge_predict_duration_seconds", "Time to answer a predict request (decode, predict, encode).", "", s.metrics.predict)
	head("mlforge_http_requests_total", "counter", "HTTP requests by method, route and status code.")
	keys := make([]httpKey, 0, len(s.metrics.requests))
	for k := range s.metrics.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, c := keys[i], keys[j]
		if a.route != c.route {
			return a.route < c.route
		}
		if a.method != c.method {
			return a.method < c.method
		}
		return a.code < c.code
	})
	for _, k := range keys {
		fmt.Fprintf(b, "mlforge_http_requests_total{method=%q,route=%q,code=\"%d\"} %d\n", k.method, k.route, k.code, s.metrics.requests[k])
	}
	routes := make([]string, 0, len(s.metrics.httpDur))
	for r := range s.metrics.httpDur {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	head("mlforge_http_request_duration_seconds", "histogram", "Time to answer an HTTP request, by route.")
	for _, r := range routes {
		writeHistogram(b, nil, "mlforge_http_request_duration_seconds", "", fmt.Sprintf("route=%q", r), s.metrics.httpDur[r])
	}
	return nil
}

// writeHistogram writes h's buckets, sum and count; head writes the HELP
// and TYPE lines when not nil.
func writeHistogram(b *bufio.Writer, head func(name, typ, help string), name, help, labels string, h *histogram) {
	if head != nil {
		head(name, "histogram", help)
	}
	sep := ""
	if labels != "" {
		sep = ","
	}
	var cum uint64
	for i, ub := range h.bounds {
		cum += h.counts[i]
		fmt.Fprintf(b, "%s_bucket{%s%sle=\"%s\"} %d\n", name, labels, sep, fmtFloat(ub), cum)
	}
	cum += h.counts[len(h.bounds)]
	fmt.Fprintf(b, "%s_bucket{%s%sle=\"+Inf\"} %d\n", name, labels, sep, cum)
	lb := ""
	if labels != "" {
		lb = "{" + labels + "}"
	}
	fmt.Fprintf(b, "%s_sum%s %s\n%s_count%s %d\n", name, lb, fmtFloat(h.sum), name, lb, h.n)
}

// quantile returns the q-quantile of sorted v (nearest rank), NaN if empty.
func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(q*float64(len(v)))) - 1
	return v[max(0, min(i, len(v)-1))]
}

func fmtFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// timePredict starts timing a predict request; the function it returns
// records it.
func (s *Server) timePredict() func() {
	start := time.Now()
	return func() { s.metrics.observePredict(time.Since(start)) }
}
