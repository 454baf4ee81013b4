package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"image"
	"image/png"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlforge/mlforge/server"
)

func datasetServer(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	s, err := server.New(ctx, server.Config{DataDir: t.TempDir(), Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		ts.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	t.Setenv("MLFORGE_TOKEN", "")
	return ts.URL
}

func writePNG(t *testing.T, p string, seed int) {
	m := image.NewGray(image.Rect(0, 0, 9, 7))
	for i := range m.Pix {
		m.Pix[i] = uint8(i * seed * 13 % 256)
	}
	var b bytes.Buffer
	png.Encode(&b, m)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func dsCmd(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, strings.NewReader(""), &out, &errb)
	return code, out.String() + errb.String()
}

func TestDatasetsCommand(t *testing.T) {
	base := datasetServer(t)
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "cat", "1.png"), 1)
	writePNG(t, filepath.Join(dir, "cat", "sub", "2.png"), 2)
	writePNG(t, filepath.Join(dir, "dog", "1.png"), 3)
	os.WriteFile(filepath.Join(dir, "dog", "empty.png"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, ".hidden"), []byte("x"), 0o644)

	code, out := dsCmd(t, "datasets", "--server", base, "import", "pets", dir)
	if code != 0 || !strings.Contains(out, "pets: 3 added, 0 duplicates, 1 skipped") || !strings.Contains(out, "skipped dog/empty.png: the file is empty") {
		t.Fatalf("import folder = %d\n%s", code, out)
	}
	code, out = dsCmd(t, "datasets", "--server", base, "list")
	if code != 0 || !strings.Contains(out, "pets") || !strings.Contains(out, "images  3") {
		t.Fatalf("list = %d\n%s", code, out)
	}
	code, out = dsCmd(t, "datasets", "--server", base, "show", "pets")
	if code != 0 || !strings.Contains(out, "cat    2") || !strings.Contains(out, "dog    1") {
		t.Fatalf("show = %d\n%s", code, out)
	}
	zipPath := filepath.Join(t.TempDir(), "pets.zip")
	code, out = dsCmd(t, "datasets", "--server", base, "export", "--label", "cat", "pets", zipPath)
	if code != 0 {
		t.Fatalf("export = %d\n%s", code, out)
	}
	zr, err := zip.OpenReader(zipPath)
	if err != nil || len(zr.File) != 2 {
		t.Fatalf("exported zip: %v", err)
	}
	zr.Close()
	code, out = dsCmd(t, "datasets", "--server", base, "import", "copy", zipPath)
	if code != 0 || !strings.Contains(out, "copy: 2 added") {
		t.Fatalf("import zip = %d\n%s", code, out)
	}
	code, out = dsCmd(t, "datasets", "--server", base, "fsck")
	if code != 0 || !strings.Contains(out, "5 items, 3 blobs checked") {
		t.Fatalf("fsck = %d\n%s", code, out)
	}
	code, out = dsCmd(t, "datasets", "--server", base, "rm", "copy")
	if code != 0 {
		t.Fatalf("rm = %d\n%s", code, out)
	}
	if code, out = dsCmd(t, "datasets", "--server", base, "show", "copy"); code == 0 || !strings.Contains(out, `no dataset "copy"`) {
		t.Fatalf("show after rm = %d\n%s", code, out)
	}
	// An IDX pair of 20 gray 6x5 images labelled 0..3.
	imgs := []byte{0, 0, 8, 3, 0, 0, 0, 20, 0, 0, 0, 5, 0, 0, 0, 6}
	labs := []byte{0, 0, 8, 1, 0, 0, 0, 20}
	for i := range 20 {
		for k := range 30 {
			imgs = append(imgs, byte((i*31+k*k*(i+3))%256))
		}
		labs = append(labs, byte(i%4))
	}
	idxDir := t.TempDir()
	os.WriteFile(filepath.Join(idxDir, "images.idx"), imgs, 0o644)
	os.WriteFile(filepath.Join(idxDir, "labels.idx"), labs, 0o644)
	code, out = dsCmd(t, "datasets", "--server", base, "import", "digits", filepath.Join(idxDir, "images.idx"), filepath.Join(idxDir, "labels.idx"))
	if code != 0 || !strings.Contains(out, "digits: 20 added") || !strings.Contains(out, "  3: 5") {
		t.Fatalf("import IDX = %d\n%s", code, out)
	}
	// A CSV file of paths and labels; rows that leave its folder, name a
	// URL or a bad label are skipped with their reason.
	csvDir := t.TempDir()
	writePNG(t, filepath.Join(csvDir, "imgs", "a.png"), 5)
	writePNG(t, filepath.Join(csvDir, "imgs", "b.png"), 6)
	os.WriteFile(filepath.Join(csvDir, "list.csv"), []byte("file,class\nimgs/a.png,cat\nimgs/b.png,dog\n../x.png,dog\nhttp://example.com/c.png,dog\nimgs/a.png,a/b\n"), 0o644)
	code, out = dsCmd(t, "datasets", "--server", base, "import", "--path-column", "file", "--label-column", "class", "tab", filepath.Join(csvDir, "list.csv"))
	if code != 0 || !strings.Contains(out, "tab: 2 added") || !strings.Contains(out, `"../x.png" skipped`) || !strings.Contains(out, "URLs are not fetched") || !strings.Contains(out, `label "a/b" is not valid`) {
		t.Fatalf("import CSV = %d\n%s", code, out)
	}
	if code, out = dsCmd(t, "datasets", "--server", base, "import", "tab2", filepath.Join(csvDir, "list.csv")); code == 0 || !strings.Contains(out, `lacks the column "path" or "label"`) {
		t.Fatalf("import CSV without the columns = %d\n%s", code, out)
	}
	if code, out = dsCmd(t, "datasets", "--server", base, "import", "../x", dir); code != ExitBadInput || !strings.Contains(out, "is not valid") {
		t.Fatalf("import ../x = %d\n%s", code, out)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "dog", "link.png")); err != nil {
		t.Fatal(err)
	}
	if code, out = dsCmd(t, "datasets", "--server", base, "import", "pets", dir); code == 0 || !strings.Contains(out, "is a symbolic link") {
		t.Fatalf("import with a link = %d\n%s", code, out)
	}
	if code, out = dsCmd(t, "datasets", "--server", base, "frob"); code != ExitBadInput {
		t.Fatalf("unknown subcommand = %d\n%s", code, out)
	}
}
