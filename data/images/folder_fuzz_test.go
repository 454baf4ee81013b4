package images

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Caps on what the folder fuzzer unpacks from one input, so that an input
// costs at most a few file creations and a megabyte of disk.
const (
	fuzzMaxEntries = 64
	fuzzMaxBytes   = 1 << 20
	fuzzMaxDepth   = 8
	fuzzMaxSamples = 16
)

// tarEntry is one file of a seed archive: a folder when Dir is set, a
// symbolic link to Link when it is not empty, else a file holding Data.
type tarEntry struct {
	Name string
	Data []byte
	Dir  bool
	Link string
}

// makeTar writes the entries as a tar archive.
func makeTar(t testing.TB, entries []tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.Name, Mode: 0o644, Size: int64(len(e.Data)), Typeflag: tar.TypeReg}
		switch {
		case e.Dir:
			h.Typeflag, h.Mode, h.Size = tar.TypeDir, 0o755, 0
		case e.Link != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, e.Link, 0
		}
		if err := w.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.Data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// untar unpacks the archive b into dir within the fuzz caps: entries with
// names that are not local, too deep, beyond the caps, or of other kinds
// than folders, files and links to local names are left out. It reports
// whether anything was unpacked.
func untar(t *testing.T, b []byte, dir string) bool {
	r := tar.NewReader(bytes.NewReader(b))
	var total int64
	n := 0
	for n < fuzzMaxEntries {
		h, err := r.Next()
		if err != nil {
			break
		}
		name := filepath.FromSlash(strings.TrimSuffix(h.Name, "/"))
		if !filepath.IsLocal(name) || strings.Count(name, string(filepath.Separator)) >= fuzzMaxDepth || len(name) > 200 {
			continue
		}
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			continue // a file where a folder is wanted
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if os.Mkdir(p, 0o755) != nil {
				continue
			}
		case tar.TypeReg:
			if h.Size < 0 || total+h.Size > fuzzMaxBytes {
				continue
			}
			data, err := io.ReadAll(io.LimitReader(r, h.Size))
			if err != nil {
				continue
			}
			total += int64(len(data))
			if os.WriteFile(p, data, 0o644) != nil {
				continue
			}
		case tar.TypeSymlink:
			// Links stay inside the folder: their target is a local name
			// relative to the link's folder.
			if !filepath.IsLocal(filepath.FromSlash(h.Linkname)) || os.Symlink(filepath.FromSlash(h.Linkname), p) != nil {
				continue
			}
		default:
			continue
		}
		n++
	}
	return n > 0
}

// folderSeeds are image folders as tar archives, built from the good and
// bad images of testdata: a good folder, junk beside images, an empty
// class, bad images (not an image, truncated, too many pixels, a partial
// GIF), hidden files, nested folders, links, files at the top.
func folderSeeds(t testing.TB) [][]byte {
	img := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	rgb, gray, q420 := img("rgb.png"), img("gray.png"), img("q420.jpg")
	good := []tarEntry{
		{Name: "root/", Dir: true},
		{Name: "root/cat/", Dir: true},
		{Name: "root/cat/1.png", Data: rgb},
		{Name: "root/cat/2.jpg", Data: q420},
		{Name: "root/dog/", Dir: true},
		{Name: "root/dog/1.png", Data: gray},
		{Name: "root/dog/sub/2.gif", Data: img("anim.gif")},
	}
	with := func(extra ...tarEntry) []tarEntry {
		return append(append([]tarEntry(nil), good...), extra...)
	}
	sets := [][]tarEntry{
		good,
		with(tarEntry{Name: "root/cat/notes.txt", Data: []byte("not an image")}, tarEntry{Name: "root/README", Data: []byte("junk")}),
		with(tarEntry{Name: "root/empty/", Dir: true}),
		with(tarEntry{Name: "root/cat/bad.png", Data: img("notanimage.png")}),
		with(tarEntry{Name: "root/cat/truncated.png", Data: img("truncated.png")}),
		with(tarEntry{Name: "root/dog/huge.png", Data: img("huge.png")}),
		with(tarEntry{Name: "root/dog/partial.gif", Data: img("partial.gif")}),
		with(tarEntry{Name: "root/cat/.hidden.png", Data: img("notanimage.png")}, tarEntry{Name: "root/.git/", Dir: true}, tarEntry{Name: "root/.git/x.png", Data: rgb}),
		with(tarEntry{Name: "root/cat/link.png", Link: "1.png"}),
		with(tarEntry{Name: "root/bird", Link: "cat"}),
		with(tarEntry{Name: "root/cat/a/b/c/d/e.png", Data: img("palette.png")}),
		with(tarEntry{Name: "root/cat/upper.PNG", Data: img("rgba.png")}, tarEntry{Name: "root/cat/q.jpeg", Data: img("q444.jpg")}),
		{{Name: "root/", Dir: true}, {Name: "root/1.png", Data: rgb}},
		{{Name: "root/", Dir: true}, {Name: "root/cat/", Dir: true}, {Name: "root/cat/x.txt", Data: []byte("x")}},
		{{Name: "root/cat/1.png", Data: img("square.png")}},
	}
	out := make([][]byte, len(sets))
	for i, s := range sets {
		out[i] = makeTar(t, s)
	}
	return out
}

// FuzzImageFolder unpacks a tar archive (class folders, image files, junk)
// into a temporary folder and reads it as an image folder, through
// os.Root as the service does (and, without links, as the CLI does): it
// must return images or a clear error, never panic, hang or decode more
// than the pixel cap allows.
func FuzzImageFolder(f *testing.F) {
	for _, b := range folderSeeds(f) {
		f.Add(b)
	}
	tr := Compose{NewResize(4), &CenterCrop{Size: Size{4}}, ToTensor{}}
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		if !untar(t, b, dir) {
			return
		}
		opts := FolderOptions{Transform: tr, MaxFiles: 4 * fuzzMaxEntries, MaxPixels: 1 << 16, Cache: true, MaxCacheBytes: 1 << 16}
		for _, mode := range []Mode{RGB, L} {
			opts.Mode = mode
			fo, err := ImageFolderRoot(dir, "root", opts)
			if err != nil {
				if !strings.HasPrefix(err.Error(), "images: image folder root") {
					t.Fatalf("error does not name the folder: %v", err)
				}
				continue
			}
			if fo.Len() == 0 || len(fo.Targets()) != fo.Len() || len(fo.Classes()) == 0 {
				t.Fatalf("%d files, %d targets, %d classes", fo.Len(), len(fo.Targets()), len(fo.Classes()))
			}
			for i := 0; i < fo.Len() && i < fuzzMaxSamples; i++ {
				if l := fo.Targets()[i]; l < 0 || l >= len(fo.Classes()) {
					t.Fatalf("file %s has label %d of %d classes", fo.File(i), l, len(fo.Classes()))
				}
				x, y, err := fo.Get(i, rand.New(rand.NewPCG(1, 1)))
				if err != nil {
					if !strings.Contains(err.Error(), fo.File(i)) {
						t.Fatalf("error does not name the file %s: %v", fo.File(i), err)
					}
					var e *Error
					if errors.As(err, &e) && e.Msg == "" {
						t.Fatalf("empty message: %v", err)
					}
					continue
				}
				c := 3
				if mode == L {
					c = 1
				}
				if len(x.Shape) != 3 || x.Shape[0] != c || x.Shape[1] != 4 || x.Shape[2] != 4 || len(x.Data) != c*16 {
					t.Fatalf("file %s: tensor of shape %v, want [%d 4 4]", fo.File(i), x.Shape, c)
				}
				if len(y.Data) != 1 || int(y.Data[0]) != fo.Targets()[i] {
					t.Fatalf("file %s: label %v, want %d", fo.File(i), y.Data, fo.Targets()[i])
				}
			}
			// The folder a spec names in the CLI, which follows links.
			if _, err := ImageFolder(filepath.Join(dir, "root"), opts); err != nil && err.Error() == "" {
				t.Fatal("empty error")
			}
		}
	})
}

// TestFolderSeedsUnpack checks the fuzzer's harness: the good seed unpacks
// to a folder of two classes and four images that all decode.
func TestFolderSeedsUnpack(t *testing.T) {
	dir := t.TempDir()
	if !untar(t, folderSeeds(t)[0], dir) {
		t.Fatal("nothing unpacked")
	}
	fo, err := ImageFolderRoot(dir, "root", FolderOptions{Transform: Compose{NewResize(4), &CenterCrop{Size: Size{4}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(fo.Classes(), ","); got != "cat,dog" || fo.Len() != 4 {
		t.Fatalf("classes %s, %d files", got, fo.Len())
	}
	for i := range fo.Len() {
		if _, _, err := fo.Get(i, rand.New(rand.NewPCG(1, 1))); err != nil {
			t.Error(err)
		}
	}
}
