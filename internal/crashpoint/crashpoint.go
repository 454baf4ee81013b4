// Package crashpoint marks the places where a process that dies leaves
// state another process must cope with: between a run's row and its job,
// between a worker's taking a run's job and marking the run running,
// inside a model file's write, inside a schema migration. In mlforge as
// built these are no-ops (nothing can arm them); a binary built with the
// build tag mlforge_testhooks (server/testdata/slowserver) arms them from
// its environment, so that the crash tests can SIGKILL it exactly there.
package crashpoint

import "io"

// pause is called at an armed point; it is set only by Arm, which exists
// only under the build tag mlforge_testhooks.
var pause func(point string) bool

// At stops the calling goroutine forever when point is armed (the test
// that armed it then kills the process), and returns at once otherwise.
func At(point string) {
	if pause != nil && pause(point) {
		select {}
	}
}

// Writer returns w, or, when point is armed, a writer that writes the
// first half of its first Write and then stops as At does: a process
// killed there has half a file.
func Writer(point string, w io.Writer) io.Writer {
	if pause == nil {
		return w
	}
	return &halfWriter{w: w, point: point}
}

type halfWriter struct {
	w     io.Writer
	point string
}

func (h *halfWriter) Write(p []byte) (int, error) {
	if len(p) > 1 && pause(h.point+"?") { // armed: asked without pausing
		n, err := h.w.Write(p[:len(p)/2])
		if s, ok := h.w.(interface{ Sync() error }); ok {
			s.Sync()
		}
		if err != nil {
			return n, err
		}
		At(h.point)
	}
	return h.w.Write(p)
}
