package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"io/fs"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestImportSIGKILL starts the server as a process (testdata/slowserver),
// fills a dataset with three items, posts an archive import of 10,000
// PNGs, kills the server with SIGKILL once the archive is spooled and the
// import has written its first blobs, and starts it again on the same data
// folder: the dataset holds exactly the three items it held before (an
// import adds its items in one transaction at its end, so a cut-short one
// adds none), fsck finds no missing or corrupt item, the blobs the import
// wrote are unreferenced and fsck --repair removes them (a second fsck is
// clean), and the spooled archive is removed when the datasets open.
//
// The kill lands mid-import when the client has no answer yet; should the
// import have finished first (its answer came, or the dataset holds all
// its items), the test skips, saying so, rather than check nothing.
func TestImportSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a server process")
	}
	// fileblob writes a blob to a temporary file in os.TempDir first: a
	// kill leaves it there, so the server gets a folder of the test's.
	t.Setenv("TMPDIR", t.TempDir())
	bin := buildSlowServer(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr
	srv := startServer(t, bin, addr, dir)
	scenario{name: "create", method: "POST", path: "/api/datasets", body: `{"name": "pets"}`, status: 201}.run(t, base)
	if code, body := postArchive(t, base, "pets", datasetZip(t, map[string][]byte{
		"cat/a.png": datasetPNG(t, 1), "cat/b.png": datasetPNG(t, 2), "dog/c.png": datasetPNG(t, 3),
	})); code != 200 {
		t.Fatalf("the first import: HTTP %d %s", code, body)
	}
	before := get(t, base+"/api/datasets/pets/items?limit=1000")
	if n := countItems(t, before); n != 3 {
		t.Fatalf("the dataset holds %d items before, want 3: %s", n, before)
	}

	const n = 10000
	files := make(map[string][]byte, n)
	for i := 0; i < n; i++ {
		files[fmt.Sprintf("%s/%d.png", []string{"cat", "dog"}[i%2], i)] = noisePNG(t, uint64(i))
	}
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("file", "big.zip")
	fw.Write(datasetZip(t, files))
	mw.Close()
	answered := make(chan string, 1)
	go func() {
		resp, err := http.Post(base+"/api/datasets/pets/import", mw.FormDataContentType(), &form)
		if err != nil {
			answered <- "" // the kill cut the request off
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answered <- fmt.Sprintf("HTTP %d %s", resp.StatusCode, b)
	}()

	// The import runs once the archive is spooled and blobs appear.
	spool := filepath.Join(dir, "tmp", "import-*")
	blobs := filepath.Join(dir, "blobs", "sha256")
	preBlobs := countFiles(blobs)
	deadline := time.Now().Add(60 * time.Second)
	for {
		if m, _ := filepath.Glob(spool); len(m) == 1 && countFiles(blobs) > preBlobs {
			break
		}
		select {
		case a := <-answered:
			t.Skipf("the import finished before it was seen running (%.200s): the kill cannot land mid-import", a)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the import never started writing blobs")
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.Wait()
	if a := <-answered; a != "" {
		t.Skipf("the import answered before the kill landed (%.200s)", a)
	}
	if m, _ := filepath.Glob(spool); len(m) != 1 {
		t.Fatalf("after the kill the spooled archives are %v, want the one", m)
	}
	t.Logf("killed with %d blobs written (%d before the import)", countFiles(blobs), preBlobs)

	startServer(t, bin, addr, dir)
	after := get(t, base+"/api/datasets/pets/items?limit=1000")
	var ds struct{ Items int }
	json.Unmarshal([]byte(get(t, base+"/api/datasets/pets")), &ds)
	if ds.Items == 3+n {
		t.Skip("the import committed before the kill landed")
	}
	if after != before {
		t.Errorf("the items after the restart differ from those before the import:\nbefore %s\nafter  %s", before, after)
	}
	if m, _ := filepath.Glob(spool); len(m) != 0 {
		t.Errorf("the spooled archive of the cut-short import is still there: %v", m)
	}

	var rep struct {
		Items, Blobs, Removed int
		Missing, Corrupt      []any
		Unreferenced          []string
	}
	fsck := func(method, path string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		rep.Removed, rep.Missing, rep.Corrupt, rep.Unreferenced = 0, nil, nil, nil
		if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s %s: HTTP %d %v", method, path, resp.StatusCode, err)
		}
	}
	fsck("GET", "/api/fsck")
	if rep.Items != 3 || len(rep.Missing) != 0 || len(rep.Corrupt) != 0 || rep.Blobs != 3+len(rep.Unreferenced) {
		t.Errorf("fsck after the restart: %+v", rep)
	}
	if len(rep.Unreferenced) == 0 {
		t.Errorf("fsck reports no unreferenced blob, yet the import wrote some before the kill")
	}
	orphans := len(rep.Unreferenced)
	fsck("POST", "/api/fsck?repair=1")
	if rep.Removed != orphans {
		t.Errorf("fsck --repair removed %d blobs, want the %d unreferenced: %+v", rep.Removed, orphans, rep)
	}
	fsck("GET", "/api/fsck")
	if rep.Items != 3 || rep.Blobs != 3 || len(rep.Missing)+len(rep.Corrupt)+len(rep.Unreferenced) != 0 {
		t.Errorf("fsck after the repair: %+v", rep)
	}
	if after2 := get(t, base+"/api/datasets/pets/items?limit=1000"); after2 != before {
		t.Errorf("the items after the repair differ from those before the import:\nbefore %s\nafter  %s", before, after2)
	}
}

// noisePNG encodes a 12×10 gray image of noise seeded by seed: images of
// different seeds differ.
func noisePNG(t *testing.T, seed uint64) []byte {
	m := image.NewGray(image.Rect(0, 0, 12, 10))
	r := rand.New(rand.NewPCG(seed, 1))
	for i := range m.Pix {
		m.Pix[i] = uint8(r.Uint32())
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// countItems returns the number of items of a page of
// GET /api/datasets/{name}/items.
func countItems(t *testing.T, page string) int {
	t.Helper()
	var p ItemPage
	if err := json.Unmarshal([]byte(page), &p); err != nil {
		t.Fatalf("%v: %s", err, page)
	}
	return len(p.Items)
}

// countFiles returns the number of files under dir (0 when it does not
// exist).
func countFiles(dir string) int {
	n := 0
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}
