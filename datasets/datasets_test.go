package datasets

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/internal/pgtest"
	"github.com/mlforge/mlforge/store"
)

// services opens a fresh service on each backend, with a mem:// bucket.
func services(t *testing.T) map[string]func(t *testing.T) *Service {
	open := func(t *testing.T, url string) *Service {
		ctx := context.Background()
		st, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		b, err := OpenBucket(ctx, "mem://")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return New(st, b)
	}
	return map[string]func(t *testing.T) *Service{
		"sqlite":   func(t *testing.T) *Service { return open(t, filepath.Join(t.TempDir(), "mlforge.db")) },
		"postgres": func(t *testing.T) *Service { return open(t, pgtest.URL(t)) },
	}
}

// pngOf encodes a w x h image whose pixels follow seed (distinct seeds give
// distinct, not near-duplicate, images).
func pngOf(t testing.TB, w, h, seed int) []byte {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8((x*37 + y*91 + seed*53) * (seed + 1) % 251)
			if (x/(1+seed%3)+y/(1+seed%5)+seed)%2 == 0 {
				v = 255 - v
			}
			m.Set(x, y, color.RGBA{v, v / 2, 255 - v, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// hugePNG is a small valid PNG whose header declares w x h pixels.
func hugePNG(t testing.TB, w, h uint32) []byte {
	b := pngOf(t, 4, 4, 1)
	// The IHDR chunk: length(4) "IHDR" width(4) height(4) ... CRC(4), at 8.
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

type file struct {
	name string
	data []byte
	link bool
}

func zipOf(t testing.TB, files ...file) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate}
		if len(f.data) == 0 {
			h.Method = zip.Store // a deflate writer per empty entry is slow
		}
		if f.link {
			h.SetMode(0o777 | 1<<27) // fs.ModeSymlink
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func tarGzOf(t testing.TB, files ...file) []byte {
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), Typeflag: tar.TypeReg}
		if f.link {
			h = &tar.Header{Name: f.name, Linkname: "/etc/passwd", Typeflag: tar.TypeSymlink}
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write(f.data)
	}
	tw.Close()
	gz.Close()
	return b.Bytes()
}

func mustImport(t *testing.T, s *Service, name string, archive []byte) *Report {
	t.Helper()
	rep, err := s.Import(context.Background(), name, bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatalf("Import(%s): %v", name, err)
	}
	return rep
}

func TestImport(t *testing.T) {
	for backend, open := range services(t) {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			if _, err := s.Create(ctx, "pets", "", "test"); err != nil {
				t.Fatal(err)
			}
			cat := pngOf(t, 16, 12, 1)
			nearCat := bytes.Clone(cat)
			{ // the same picture with one pixel changed: a near duplicate
				m, _ := png.Decode(bytes.NewReader(cat))
				rgba := m.(*image.RGBA)
				rgba.Set(3, 3, color.RGBA{1, 2, 3, 255})
				var b bytes.Buffer
				png.Encode(&b, rgba)
				nearCat = b.Bytes()
			}
			archive := zipOf(t,
				file{name: "train/cat/1.png", data: cat},
				file{name: "train/cat/1-again.png", data: cat}, // exact duplicate
				file{name: "train/cat/2.png", data: nearCat},
				file{name: "train/dog/1.png", data: pngOf(t, 20, 20, 2)},
				file{name: "train/dog/3.png", data: pngOf(t, 8, 8, 3)},
				file{name: "train/dog/zero.png", data: nil},
				file{name: "train/dog/truncated.png", data: pngOf(t, 20, 20, 4)[:60]},
				file{name: "train/dog/corrupt.jpg", data: append([]byte("\xff\xd8\xff\xe0"), bytes.Repeat([]byte{7}, 100)...)},
				file{name: "train/dog/page.html", data: []byte("<html>not an image</html>")},
				file{name: "train/dog/huge.png", data: hugePNG(t, 30000, 30000)},
				file{name: "README.txt", data: []byte("hello")},
				file{name: "train/dog/.DS_Store", data: []byte("x")},
				file{name: "__MACOSX/train/dog/._1.png", data: []byte("x")},
			)
			rep := mustImport(t, s, "pets", archive)
			if rep.Added != 4 || rep.Duplicates != 1 || rep.Skipped != 6 || rep.Labels["cat"] != 2 || rep.Labels["dog"] != 2 {
				t.Fatalf("report = %+v", rep)
			}
			want := map[string]string{
				"train/dog/zero.png":      "the file is empty",
				"train/dog/truncated.png": "corrupt PNG image",
				"train/dog/corrupt.jpg":   "corrupt JPEG image",
				"train/dog/page.html":     "unsupported image format",
				"train/dog/huge.png":      "PNG image of 30000x30000 pixels is larger than the limit of 50000000 pixels",
				"README.txt":              "is not inside a class folder",
			}
			for _, p := range rep.Problems {
				if w, ok := want[p.File]; !ok || !strings.Contains(p.Reason, w) {
					t.Errorf("problem %s: %q, want %q", p.File, p.Reason, w)
				}
			}
			if len(rep.NearDuplicates) != 1 || rep.NearDuplicates[0].File != "train/cat/2.png" || rep.NearDuplicates[0].Of != "train/cat/1.png" {
				t.Errorf("near duplicates = %+v", rep.NearDuplicates)
			}
			d, err := s.Get(ctx, "pets")
			if err != nil || d.Items != 4 || fmt.Sprint(d.Labels) != "[{cat 2} {dog 2}]" {
				t.Fatalf("Get = %+v, %v", d, err)
			}
			// Importing it again adds nothing.
			again := mustImport(t, s, "pets", archive)
			if again.Added != 0 || again.Duplicates != 5 || again.Manifest != rep.Manifest {
				t.Fatalf("second import = %+v", again)
			}

			// A .tar.gz of the same layout.
			tgz := tarGzOf(t, file{name: "bird/1.png", data: pngOf(t, 10, 10, 5)}, file{name: "cat/1.png", data: cat})
			tr := mustImport(t, s, "pets", tgz)
			if tr.Added != 1 || tr.Duplicates != 1 || tr.Labels["bird"] != 1 {
				t.Fatalf("tar.gz import = %+v", tr)
			}

			// Export and import the export elsewhere: the same manifest.
			var exp bytes.Buffer
			if err := s.Export(ctx, "pets", nil, &exp); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Create(ctx, "copy", "images", ""); err != nil {
				t.Fatal(err)
			}
			cp := mustImport(t, s, "copy", exp.Bytes())
			if cp.Added != 5 || cp.Manifest != tr.Manifest {
				t.Fatalf("re-import of the export = %+v (manifest %s, want %s)", cp, cp.Manifest, tr.Manifest)
			}
			// The blobs are shared: five of them for ten items.
			f, err := s.Fsck(ctx, false)
			if err != nil || !f.OK() || f.Items != 10 || f.Blobs != 5 {
				t.Fatalf("Fsck = %+v, %v", f, err)
			}

			// Items: paged, by label; relabel, delete.
			items, err := s.Items(ctx, "pets", store.ItemOptions{Labels: []string{"dog"}, Limit: 1})
			if err != nil || len(items) != 1 || items[0].Label != "dog" {
				t.Fatalf("Items(dog) = %v, %v", items, err)
			}
			if _, err := s.Relabel(ctx, "pets", items[0].ID, "bird"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Relabel(ctx, "pets", items[0].ID, "../x"); err == nil {
				t.Fatal("relabel to ../x accepted")
			}
			if err := s.DeleteItem(ctx, "pets", items[0].ID); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(ctx, "copy"); err != nil {
				t.Fatal(err)
			}
			f, err = s.Fsck(ctx, false)
			if err != nil || !f.OK() || f.Items != 4 || f.Blobs != 4 {
				t.Fatalf("Fsck after deletes = %+v, %v", f, err)
			}
		})
	}
}

func TestImportRefused(t *testing.T) {
	ctx := context.Background()
	s := services(t)["sqlite"](t)
	if _, err := s.Create(ctx, "d", "", ""); err != nil {
		t.Fatal(err)
	}
	good := file{name: "a/1.png", data: pngOf(t, 8, 8, 1)}
	mustImport(t, s, "d", zipOf(t, good))
	manifest, _ := s.Manifest(ctx, "d", nil)

	var many []file
	for i := range 100_000 {
		many = append(many, file{name: fmt.Sprintf("a/%d.png", i)})
	}
	cases := []struct {
		name, want string
		archive    []byte
	}{
		{"dot-dot", `archive entry "a/../../etc/x.png" is refused: it leaves the archive`, zipOf(t, file{name: "b/2.png", data: pngOf(t, 8, 8, 2)}, file{name: "a/../../etc/x.png", data: pngOf(t, 8, 8, 3)})},
		{"absolute", "is an absolute path", zipOf(t, file{name: "/etc/a/x.png", data: pngOf(t, 8, 8, 3)})},
		{"backslash", "contains a backslash", zipOf(t, file{name: `a\..\x.png`, data: pngOf(t, 8, 8, 3)})},
		{"zip link", "is a link", zipOf(t, file{name: "a/x.png", data: []byte("/etc/passwd"), link: true})},
		{"tar link", "is a link", tarGzOf(t, file{name: "b/2.png", data: pngOf(t, 8, 8, 2)}, file{name: "a/x.png", link: true})},
		{"tar dot-dot", "it leaves the archive", tarGzOf(t, file{name: "b/2.png", data: pngOf(t, 8, 8, 2)}, file{name: "../x/y.png", data: pngOf(t, 8, 8, 4)})},
		{"zip bomb", "more than 100 times (a zip bomb?)", zipOf(t, file{name: "a/bomb.png", data: make([]byte, 20<<20)})},
		{"gzip bomb", "more than 100 times (a gzip bomb?)", tarGzOf(t, file{name: "b/2.png", data: pngOf(t, 8, 8, 2)}, file{name: "a/bomb.png", data: make([]byte, 20<<20)})},
		{"100000 zip entries", "has 100000 entries, more than the limit of 65536", zipOf(t, many...)},
		{"100000 tar entries", "more than the limit of 65536 entries", tarGzOf(t, many...)},
		{"not an archive", "neither a .zip nor a .tar.gz", []byte("hello, world")},
		{"truncated zip", "the zip archive cannot be read", zipOf(t, good)[:40]},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.Import(ctx, "d", bytes.NewReader(c.archive), int64(len(c.archive)))
			var de *Error
			if err == nil || !errors.As(err, &de) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Import = %v, want an *Error containing %q", err, c.want)
			}
			if m, _ := s.Manifest(ctx, "d", nil); m != manifest {
				t.Fatal("a refused import changed the dataset")
			}
		})
	}
	// The archives were refused before any blob was written.
	f, err := s.Fsck(ctx, false)
	if err != nil || !f.OK() || f.Items != 1 || f.Blobs != 1 {
		t.Fatalf("Fsck after refused imports = %+v, %v", f, err)
	}
	// A blob written by an import that died before its rows committed:
	// fsck finds it, repair removes it.
	orphan := pngOf(t, 5, 5, 9)
	if err := s.putBlob(ctx, fmt.Sprintf("%x", sha256.Sum256(orphan)), orphan, "PNG"); err != nil {
		t.Fatal(err)
	}
	f, err = s.Fsck(ctx, false)
	if err != nil || f.OK() || len(f.Unreferenced) != 1 || f.Items != 1 {
		t.Fatalf("Fsck after refused imports = %+v, %v", f, err)
	}
	if f, err = s.Fsck(ctx, true); err != nil || f.Removed != 1 {
		t.Fatalf("Fsck(repair) = %+v, %v", f, err)
	}
	if f, err = s.Fsck(ctx, false); err != nil || !f.OK() {
		t.Fatalf("Fsck after repair = %+v, %v", f, err)
	}
	// A blob changed or lost under an item.
	items, _ := s.Items(ctx, "d", store.ItemOptions{})
	key := blobKey(items[0].SHA256)
	s.Bucket.WriteAll(ctx, key, []byte("other bytes"), nil)
	if f, _ = s.Fsck(ctx, false); len(f.Corrupt) != 1 || !strings.Contains(f.Corrupt[0].Reason, "hashes to") {
		t.Fatalf("Fsck with a changed blob = %+v", f)
	}
	s.Bucket.Delete(ctx, key)
	if f, _ = s.Fsck(ctx, false); len(f.Missing) != 1 {
		t.Fatalf("Fsck with a lost blob = %+v", f)
	}
}

func TestNames(t *testing.T) {
	for _, n := range []string{"dogs", "a.b-c_d", "A1"} {
		if err := CheckName(n); err != nil {
			t.Errorf("CheckName(%q) = %v", n, err)
		}
	}
	for _, n := range []string{"", ".", "..", "-x", "a/b", "a b", strings.Repeat("x", 65), "é"} {
		if CheckName(n) == nil {
			t.Errorf("CheckName(%q) accepted", n)
		}
	}
	for _, l := range []string{"American Foxhound", "chien", "Saint-Bernard (rough)", "犬"} {
		if err := CheckLabel(l); err != nil {
			t.Errorf("CheckLabel(%q) = %v", l, err)
		}
	}
	for _, l := range []string{"", ".x", " x", "x ", "a/b", "a\x00", strings.Repeat("x", 101), "\xff"} {
		if CheckLabel(l) == nil {
			t.Errorf("CheckLabel(%q) accepted", l)
		}
	}
}
