package cli

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlforge/mlforge/store"
)

func TestPlot(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "mlforge.db"))
	if err != nil {
		t.Fatal(err)
	}
	r := &store.Run{ID: store.NewID(), Name: "net", Class: "Sequential"}
	if err := st.CreateRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	var pts []store.Point
	for e := 1; e <= 5; e++ {
		pts = append(pts, store.Point{Series: "loss", Step: e, Epoch: e, Value: 1 / float64(e), Time: time.Now()})
	}
	if err := st.Append(ctx, r.ID, pts, nil); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out := filepath.Join(dir, "loss.png")
	code, stdout, stderr := mlforge(t, dir, "plot", r.ID, "loss", "-o", out, "--data", dir, "--width", "320", "--height", "200")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "wrote") {
		t.Errorf("stdout %q", stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if sz := img.Bounds().Size(); sz.X != 320 || sz.Y != 200 {
		t.Fatalf("size %v", sz)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"plot", r.ID, "search", "-o", out, "--data", dir}, "data for loss"},
		{[]string{"plot", r.ID, "pie", "-o", out, "--data", dir}, "loss, curve, search"},
		{[]string{"plot", r.ID, "loss", "-o", "x.gif", "--data", dir}, ".png or .svg"},
		{[]string{"plot", "0000000000000deadbeef", "loss", "-o", out, "--data", dir}, "no run"},
		{[]string{"plot", r.ID, "loss", "-o", out, "--data", filepath.Join(dir, "none")}, "no run store"},
	} {
		code, _, stderr := mlforge(t, dir, c.args...)
		if code != ExitBadInput || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}
