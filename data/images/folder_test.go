package images

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// linkTree makes dir/imgs/{cat,dog}/... images, dir/inside.png (in the root,
// outside the folder) and outside/evil.png (outside the root), and returns
// the root and the outside folder.
func linkTree(t *testing.T) (root, outside string) {
	t.Helper()
	png, err := os.ReadFile("testdata/rgb.png")
	if err != nil {
		t.Fatal(err)
	}
	base := t.TempDir()
	root, outside = filepath.Join(base, "root"), filepath.Join(base, "outside")
	for _, rel := range []string{"root/imgs/cat/a.png", "root/imgs/cat/sub/b.png", "root/imgs/dog/c.png", "root/inside.png", "outside/evil.png", "outside/cls/d.png"} {
		p := filepath.Join(base, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root, outside
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("symbolic links unavailable: %v", err)
	}
}

// TestImageFolderFS checks that the fs.FS variants list what ImageFolder
// lists, and read from an in-memory file system.
func TestImageFolderFS(t *testing.T) {
	root, _ := linkTree(t)
	want, err := ImageFolder(filepath.Join(root, "imgs"), FolderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	viaFS, err := ImageFolderFS(os.DirFS(root), "imgs", FolderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	viaRoot, err := ImageFolderRoot(root, "imgs", FolderOptions{Cache: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []*Folder{viaFS, viaRoot} {
		if fmt.Sprint(f.Classes(), f.Targets(), f.files) != fmt.Sprint(want.Classes(), want.Targets(), want.files) {
			t.Errorf("%s: %v %v %v, expected %v %v %v", f.Root, f.Classes(), f.Targets(), f.files, want.Classes(), want.Targets(), want.files)
		}
		for i := range f.Len() {
			x, y, err := f.Get(i, nil)
			if err != nil || len(x.Shape) != 3 || int(y.Data[0]) != f.Targets()[i] {
				t.Errorf("%s: sample %d: %v %v %v", f.Root, i, x, y, err)
			}
		}
	}
	png, _ := os.ReadFile("testdata/rgb.png")
	mem := fstest.MapFS{"data/a/1.png": {Data: png}, "data/b/2.png": {Data: png}, "data/b/x/3.gif": {Data: []byte("junk")}}
	f, err := ImageFolderFS(mem, "data", FolderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%v %v %s", f.Classes(), f.Targets(), f.File(2)); got != "[a b] [0 1 1] b/x/3.gif" {
		t.Errorf("MapFS folder: %s", got)
	}
	if _, _, err := f.Get(0, nil); err != nil {
		t.Error(err)
	}
	if _, _, err := f.Get(2, nil); err == nil || !strings.HasPrefix(err.Error(), "b/x/3.gif: ") {
		t.Errorf("corrupt image: %v", err)
	}
	for _, bad := range []string{"../data", "/data", "data/"} {
		if _, err := ImageFolderFS(mem, bad, FolderOptions{}); err == nil {
			t.Errorf("ImageFolderFS(%q): no error", bad)
		}
	}
}

// TestImageFolderLinks checks that symbolic links inside a folder opened
// through an os.Root are errors naming them, wherever they point, while
// ImageFolder follows links to files.
func TestImageFolderLinks(t *testing.T) {
	cases := []struct {
		name, target, link, want string
	}{
		{"file outside the root", "outside/evil.png", "root/imgs/cat/evil.png", "cat/evil.png is a symbolic link"},
		{"file inside the root", "root/inside.png", "root/imgs/dog/in.png", "dog/in.png is a symbolic link"},
		{"class folder outside", "outside/cls", "root/imgs/bird", "bird is a symbolic link"},
		{"subfolder outside", "outside/cls", "root/imgs/cat/more", "cat/more is a symbolic link"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root, _ := linkTree(t)
			base := filepath.Dir(root)
			symlink(t, filepath.Join(base, c.target), filepath.Join(base, c.link))
			_, err := ImageFolderRoot(root, "imgs", FolderOptions{})
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "image folder imgs") {
				t.Errorf("ImageFolderRoot: %v, expected an error containing %q", err, c.want)
			}
			if _, err := ImageFolderFS(os.DirFS(root), "imgs", FolderOptions{}); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("ImageFolderFS: %v, expected an error containing %q", err, c.want)
			}
		})
	}

	// ImageFolder (trusted folders) follows a link to a file, as before.
	root, outside := linkTree(t)
	symlink(t, filepath.Join(outside, "evil.png"), filepath.Join(root, "imgs", "cat", "evil.png"))
	if f, err := ImageFolder(filepath.Join(root, "imgs"), FolderOptions{}); err != nil || f.Len() != 4 {
		t.Errorf("ImageFolder with a link: %v", err)
	}

	// A folder path that is a link out of the root cannot be opened.
	root, outside = linkTree(t)
	symlink(t, filepath.Join(outside), filepath.Join(root, "out"))
	if _, err := ImageFolderRoot(root, "out", FolderOptions{}); err == nil || !strings.Contains(err.Error(), "image folder out") {
		t.Errorf("folder linked out of the root: %v", err)
	}
	if _, err := ImageFolderRoot(root, "../outside", FolderOptions{}); err == nil || !strings.Contains(err.Error(), "expected a relative path inside") {
		t.Errorf("folder path out of the root: %v", err)
	}

	// An image replaced by a link after the scan is not read.
	root, outside = linkTree(t)
	f, err := ImageFolderRoot(root, "imgs", FolderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a := filepath.Join(root, "imgs", "cat", "a.png")
	if err := os.Remove(a); err != nil {
		t.Fatal(err)
	}
	symlink(t, filepath.Join(outside, "evil.png"), a)
	if _, _, err := f.Get(0, nil); err == nil || !strings.HasPrefix(err.Error(), "cat/a.png: ") {
		t.Errorf("image replaced by a link: %v", err)
	}
}
