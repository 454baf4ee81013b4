package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlforge/mlforge/internal/safefetch"
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
	os.WriteFile(filepath.Join(csvDir, "list.csv"), []byte("file,class\nimgs/a.png,cat\nimgs/b.png,dog\n../x.png,dog\nftp://example.com/c.png,dog\nimgs/a.png,a/b\n"), 0o644)
	code, out = dsCmd(t, "datasets", "--server", base, "import", "--path-column", "file", "--label-column", "class", "tab", filepath.Join(csvDir, "list.csv"))
	if code != 0 || !strings.Contains(out, "tab: 2 added") || !strings.Contains(out, `skipped list.csv:4: "../x.png"`) || !strings.Contains(out, `scheme "ftp" is not allowed`) || !strings.Contains(out, "3 skipped") || !strings.Contains(out, `label "a/b" is not valid`) {
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

// TestDatasetsImportCSVURLs: a CSV import whose path column holds http(s)
// URLs fetches them through the SSRF guard: images are stored, and every
// URL refused or failed is counted and listed with its reason in the
// report, nothing of it stored. The fake hosts listen on loopback, which
// only csvFetchOptions.TestAllow lets through: without it the same URLs
// are refused, and nothing is fetched from them.
func TestDatasetsImportCSVURLs(t *testing.T) {
	base := datasetServer(t)
	var mu sync.Mutex
	hits := map[string]int{}
	pic := func(seed int) []byte {
		p := filepath.Join(t.TempDir(), "x.png")
		writePNG(t, p, seed)
		b, _ := os.ReadFile(p)
		return b
	}
	a, b := pic(3), pic(4)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits["other"+r.URL.Path]++
		mu.Unlock()
		w.Write(a)
	}))
	defer other.Close()
	imgs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		switch r.URL.Path {
		case "/a.png":
			w.Write(a)
		case "/b":
			w.Header().Set("Content-Type", "text/html")
			w.Write(b) // a PNG whatever the header says
		case "/page.jpg":
			w.Header().Set("Content-Type", "image/jpeg")
			w.Write([]byte("<html><body>not a picture</body></html>"))
		case "/redirect.png":
			http.Redirect(w, r, other.URL+"/x.png", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	defer imgs.Close()
	old := csvFetchOptions
	csvFetchOptions = safefetch.Options{TestAllow: []netip.AddrPort{netip.MustParseAddrPort(imgs.Listener.Addr().String())}}
	defer func() { csvFetchOptions = old }()

	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "local.png"), 5)
	rows := []string{"url,label",
		"local.png,cat",
		imgs.URL + "/a.png,cat",
		imgs.URL + "/b,dog",
		imgs.URL + "/page.jpg,dog",
		imgs.URL + "/missing.png,dog",
		imgs.URL + "/redirect.png,dog",
		"http://2130706433/x.png,dog",
		"http://[::ffff:127.0.0.1]/x.png,dog",
		"file:///etc/passwd,dog",
		"gopher://example.com/x,dog",
	}
	os.WriteFile(filepath.Join(dir, "list.csv"), []byte(strings.Join(rows, "\n")+"\n"), 0o644)
	code, out := dsCmd(t, "datasets", "--server", base, "import", "--path-column", "url", "web", filepath.Join(dir, "list.csv"))
	if code != 0 || !strings.Contains(out, "web: 3 added, 0 duplicates, 7 skipped") || !strings.Contains(out, "  cat: 2\n  dog: 1\n") {
		t.Fatalf("import = %d\n%s", code, out)
	}
	for _, want := range []string{
		`skipped list.csv:5: "` + imgs.URL + `/page.jpg": not an image: the bytes are`,
		`skipped list.csv:6: "` + imgs.URL + `/missing.png": HTTP status 404`,
		`skipped list.csv:7: "` + imgs.URL + `/redirect.png": refused`,
		`skipped list.csv:8: "http://2130706433/x.png": refused`,
		`skipped list.csv:9: "http://[::ffff:127.0.0.1]/x.png": refused`,
		`skipped list.csv:10: "file:///etc/passwd": refused: scheme "file" is not allowed`,
		`skipped list.csv:11: "gopher://example.com/x": refused: scheme "gopher" is not allowed`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	mu.Lock()
	if hits["other/x.png"] != 0 || hits["/a.png"] != 1 {
		t.Errorf("fetches: %v (want nothing from the redirect's target, a.png once)", hits)
	}
	mu.Unlock()

	// Without the test hook the loopback host is refused, with its reason.
	csvFetchOptions = safefetch.Options{}
	os.WriteFile(filepath.Join(dir, "loop.csv"), []byte("url,label\n"+imgs.URL+"/a.png,cat\n"), 0o644)
	code, out = dsCmd(t, "datasets", "--server", base, "import", "--path-column", "url", "--json", "web", filepath.Join(dir, "loop.csv"))
	if code != 0 || !strings.Contains(out, `"added": 0`) || !strings.Contains(out, `"skipped": 1`) || !strings.Contains(out, "a loopback address") {
		t.Fatalf("import without the hook = %d\n%s", code, out)
	}
	mu.Lock()
	if hits["/a.png"] != 1 {
		t.Errorf("a.png fetched %d times; the refused import fetched it", hits["/a.png"])
	}
	mu.Unlock()
}
