package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"time"
)

// Limits bound every request in time and the heavy ones in number. A zero
// field takes its default.
type Limits struct {
	// ReadHeaderTimeout bounds reading a request's headers (default 10 s).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included (default
	// 30 s); slow senders are cut off with it.
	ReadTimeout time.Duration
	// WriteTimeout bounds a request from the end of its headers to the end
	// of its answer (default 2 min); the handler's context ends with it.
	WriteTimeout time.Duration
	// IdleTimeout closes kept-alive connections that send nothing (default
	// 2 min).
	IdleTimeout time.Duration
	// UploadTimeout replaces ReadTimeout and WriteTimeout for POST
	// /api/files, whose body may be 100 MiB (default 15 min).
	UploadTimeout time.Duration
	// StreamWrite bounds each write of the event stream, which otherwise
	// lasts as long as the client listens (default 1 min).
	StreamWrite time.Duration
	// Predict and Validate are how many predict and validate requests run
	// at once (default: the number of CPUs, at least 2); more are answered
	// 429 with Retry-After.
	Predict, Validate int
	// PredictPixels caps width × height summed over the images of one
	// predict request, read from each image's header before it is decoded
	// (default 16,777,216: 21,400 MNIST digits or 256 images of 256 × 256).
	PredictPixels int64
}

func (l Limits) withDefaults() Limits {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&l.ReadHeaderTimeout, 10*time.Second)
	def(&l.ReadTimeout, 30*time.Second)
	def(&l.WriteTimeout, 2*time.Minute)
	def(&l.IdleTimeout, 2*time.Minute)
	def(&l.UploadTimeout, 15*time.Minute)
	def(&l.StreamWrite, time.Minute)
	n := max(2, runtime.NumCPU())
	if l.Predict <= 0 {
		l.Predict = n
	}
	if l.Validate <= 0 {
		l.Validate = n
	}
	if l.PredictPixels <= 0 {
		l.PredictPixels = 1 << 24
	}
	return l
}

// slots is a counting semaphore that never waits: a request that finds no
// free slot is answered 429.
type slots struct {
	what string
	c    chan struct{}
}

func newSlots(what string, n int) *slots { return &slots{what, make(chan struct{}, n)} }

// acquire takes a slot or returns a 429 error (with Retry-After set on w);
// release gives the slot back.
func (s *slots) acquire(w http.ResponseWriter) (release func(), err error) {
	select {
	case s.c <- struct{}{}:
		return func() { <-s.c }, nil
	default:
		w.Header().Set("Retry-After", "1")
		return nil, errorf(http.StatusTooManyRequests, "busy",
			"%d %s requests are running, the most this server runs at once: retry after a second", cap(s.c), s.what)
	}
}

// routeKind says how a route is bounded in time and where it takes the
// token from.
type routeKind int

const (
	plainRoute  routeKind = iota
	streamRoute           // the event stream: no overall deadline, each write bounded; ?token= accepted
	uploadRoute           // POST /api/files: UploadTimeout instead of ReadTimeout and WriteTimeout
)

// bound sets a request's deadlines by its kind and returns the context its
// handler works under (ending when the client goes away or at the
// deadline) and the request to pass on.
//
// The server's ReadTimeout stays on the connection after the body has been
// read, and a read deadline that passes while the handler runs cancels the
// request's context; so once the body has been read, the read deadline is
// moved to the handler's deadline (and, for the stream, cleared).
func (s *Server) bound(w http.ResponseWriter, r *http.Request, kind routeKind) (*http.Request, context.CancelFunc) {
	rc := http.NewResponseController(w)
	now := time.Now()
	switch kind {
	case streamRoute:
		// Without a body to wait for, nothing more is read but the client's
		// closing; a write deadline per event (sse.go) catches a client that
		// stops reading.
		_ = rc.SetReadDeadline(time.Time{})
		_ = rc.SetWriteDeadline(now.Add(s.limits.StreamWrite))
		ctx, cancel := context.WithCancel(r.Context())
		return r.WithContext(ctx), cancel
	case uploadRoute:
		end := now.Add(s.limits.UploadTimeout)
		_ = rc.SetReadDeadline(end)
		_ = rc.SetWriteDeadline(end)
		ctx, cancel := context.WithDeadline(r.Context(), end)
		return r.WithContext(ctx), cancel
	}
	end := now.Add(s.limits.WriteTimeout)
	ctx, cancel := context.WithDeadline(r.Context(), end)
	r = r.WithContext(ctx)
	if r.Body == nil || r.Body == http.NoBody {
		_ = rc.SetReadDeadline(end)
	} else {
		r.Body = &bodyDone{ReadCloser: r.Body, done: func() { _ = rc.SetReadDeadline(end) }}
	}
	return r, cancel
}

// bodyDone calls done once, when the body has been read to its end.
type bodyDone struct {
	io.ReadCloser
	done func()
}

func (b *bodyDone) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if errors.Is(err, io.EOF) && b.done != nil {
		b.done()
		b.done = nil
	}
	return n, err
}
