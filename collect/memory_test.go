package collect

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"net/http"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlforge/mlforge/data/images"
	"github.com/mlforge/mlforge/internal/safefetch"
)

// bombPNG is a valid gray PNG of w x h pixels, all black but one pixel
// of the last row set to seed (distinct seeds give distinct bytes): a few
// tens of kilobytes that decode to w*h bytes, written without holding the
// image.
func bombPNG(t testing.TB, w, h int, seed byte) []byte {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&out, binary.BigEndian, uint32(len(data)))
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		out.WriteString(typ)
		out.Write(data)
		binary.Write(&out, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 0 // 8-bit gray
	chunk("IHDR", ihdr)
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	row := make([]byte, w+1) // filter byte 0, then the pixels
	for y := 0; y < h; y++ {
		if y == h-1 {
			row[1+int(seed)%w] = seed | 1
		}
		if _, err := zw.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

// TestCollectMemoryBounded collects from a host of hostile images at
// once: PNG headers declaring 30000 x 30000 pixels, 100 MB bodies, and
// decompression bombs (49 megapixels, just under the pixel cap, in a few
// tens of kilobytes, each distinct so that none is a duplicate). It
// samples the heap in use while the collection runs and logs its peak
// with the process's peak resident size (VmHWM). The bound asserted comes
// from the caps, not from a reference run: the downloads' bodies (Workers
// x safefetch.DefaultMaxBytes) plus what the decoders hold (decoders x
// the pixel cap x 12 bytes: the decoded image, up to 8 bytes a pixel for
// a 16-bit PNG, its RGB copy and its gray copy) plus 128 MiB for the
// rest. On the shared 2-core machine the peak was 876-906 MiB (VmHWM
// 0.93-1.05 GB) against that bound of 1528 MiB: the 8-bit bombs take
// about 4+3+1 bytes a pixel, two at a time.
func TestCollectMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes 49-megapixel images")
	}
	const n = 6 // of each kind
	bombs := make([][]byte, n)
	for i := range bombs {
		bombs[i] = bombPNG(t, 7000, 7000, byte(i+1))
	}
	w := newWorld(t)
	var served atomic.Int64
	hostile := newCounter(t, func(c *counter, rw http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		var i int
		switch {
		case strings.HasPrefix(p, "/huge/"):
			rw.Write(hugePNG(t, 30000, 30000))
		case strings.HasPrefix(p, "/bomb/"):
			fmt.Sscanf(p, "/bomb/%d.png", &i)
			rw.Write(bombs[i])
		case strings.HasPrefix(p, "/big/"):
			rw.Write([]byte("\x89PNG\r\n\x1a\n"))
			buf := make([]byte, 64<<10)
			for sent := 0; sent < 100<<20; sent += len(buf) {
				if _, err := rw.Write(buf); err != nil {
					return // the client stopped reading at its cap
				}
				served.Add(int64(len(buf)))
			}
		default:
			http.NotFound(rw, r)
		}
	})
	var res []map[string]any
	for i := 0; i < n; i++ {
		for _, kind := range []string{"huge", "big", "bomb"} {
			res = append(res, map[string]any{"position": len(res) + 1, "original": fmt.Sprintf("%s/%s/%d.png", hostile.URL, kind, i)})
		}
	}
	w.results["hostile"] = [][]map[string]any{res}
	svc := backends(t)["sqlite"](t)
	ctx := context.Background()
	if _, err := svc.Create(ctx, "bad", "", ""); err != nil {
		t.Fatal(err)
	}
	c := w.collector(svc, Options{Limit: 100, Workers: DefaultWorkers, PerHost: DefaultWorkers, Retries: -1}, nil)
	c.Fetch = safefetch.New(safefetch.Options{TestAllow: []netip.AddrPort{w.serp.ap, w.images.ap, hostile.ap}})

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	sum, err := c.Collect(ctx, "bad", labelsOf(t, "hostile"))
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	ls := sum.Labels[0]
	reasons := map[string]int{}
	for _, p := range ls.Problems {
		r := p.Reason
		switch {
		case strings.Contains(r, "larger than the limit"):
			r = "pixel cap"
		case strings.Contains(r, "bytes"):
			r = "size cap"
		}
		reasons[r]++
	}
	t.Logf("summary: %d stored, %d skipped: %v; the host sent %d MiB of the big bodies", ls.Stored, ls.Skipped, reasons, served.Load()>>20)
	if ls.Stored != n || reasons["pixel cap"] != n || reasons["size cap"] != n {
		t.Errorf("want the %d bombs stored (they are under the caps), the huge headers and the big bodies refused: %+v", n, ls)
	}
	bound := uint64(DefaultWorkers*safefetch.DefaultMaxBytes + decoders*images.MaxPixels*12 + 128<<20)
	hwm := ""
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "VmHWM:") {
				hwm = strings.Join(strings.Fields(line)[1:], " ")
			}
		}
	}
	t.Logf("heap in use: %d MiB before, peak %d MiB during the collection (bound from the caps %d MiB); process peak RSS (VmHWM) %s",
		before.HeapInuse>>20, peak.Load()>>20, bound>>20, hwm)
	if peak.Load() > bound {
		t.Errorf("peak heap in use %d MiB is above the bound of the caps, %d MiB", peak.Load()>>20, bound>>20)
	}
}
