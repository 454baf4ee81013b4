package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mlforge/mlforge/ml"
)

// progressBar draws ml.Events on a terminal: one line redrawn in place for
// iterations, steps and epochs, and a line per stage. On a non-terminal it
// prints stage and epoch lines only, so logs stay readable.
type progressBar struct {
	w        io.Writer
	tty      bool
	last     time.Time
	drawn    bool
	lastLine string
}

func newProgressBar(w io.Writer) *progressBar {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progressBar{w: w, tty: tty}
}

// Report implements ml.Reporter.
func (p *progressBar) Report(e ml.Event) {
	switch e.Kind {
	case "history": // epochs trained before a resume, for the run's record
		return
	case "stage", "log":
		p.clear()
		fmt.Fprintf(p.w, "%s\n", e.Message)
	case "epoch":
		p.clear()
		fmt.Fprintln(p.w, p.line(e))
	default:
		if !p.tty || time.Since(p.last) < 80*time.Millisecond && e.Step != e.Total {
			return
		}
		p.last = time.Now()
		l := p.line(e)
		fmt.Fprintf(p.w, "\r%s\x1b[K", l)
		p.drawn = true
	}
}

func (p *progressBar) line(e ml.Event) string {
	var b strings.Builder
	cur, total, unit := e.Step, e.Total, e.Kind
	if e.Kind == "epoch" {
		cur, total = e.Epoch, e.Epochs
	}
	if total > 0 {
		const width = 24
		n := min(width, cur*width/total)
		fmt.Fprintf(&b, "[%s%s] %s %d/%d", strings.Repeat("=", n), strings.Repeat(" ", width-n), unit, cur, total)
	} else {
		fmt.Fprintf(&b, "%s %d", unit, cur)
	}
	if e.Loss != nil {
		fmt.Fprintf(&b, "  loss %.4g", *e.Loss)
	}
	for _, k := range sortedKeys(e.Metrics) {
		fmt.Fprintf(&b, "  %s %.4g", k, e.Metrics[k])
	}
	return b.String()
}

// clear ends an in-place line before other output.
func (p *progressBar) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// Done finishes the bar.
func (p *progressBar) Done() { p.clear() }
