package source

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/data/images"
)

// idxFile returns an IDX file of unsigned bytes with the given dimensions
// and values, gzipped when gz.
func idxFile(t *testing.T, magic uint32, dims []int, vals []byte, gz bool) []byte {
	t.Helper()
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, magic)
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	b.Write(vals)
	if !gz {
		return b.Bytes()
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(b.Bytes())
	zw.Close()
	return z.Bytes()
}

func write(t *testing.T, dir, name string, b []byte) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestProbeIDX(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "img.gz", idxFile(t, 0x803, []int{3, 2, 4}, make([]byte, 24), true))
	write(t, dir, "lab", idxFile(t, 0x801, []int{3}, []byte{0, 4, 2}, false))
	write(t, dir, "lab2", idxFile(t, 0x801, []int{2}, []byte{0, 1}, false))
	root := data.Root{Dir: dir, Restrict: true}
	p, err := ProbeNetwork(root, Source{Images: "img.gz", Labels: "lab"}, ProbeOptions{Classes: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != data.IDXData || !reflect.DeepEqual(p.Shape, []int{1, 2, 4}) || p.NLabels != 5 {
		t.Errorf("probe = %+v, want idx, shape [1 2 4], 5 classes (largest label 4 + 1)", p)
	}
	tr, err := images.ParseTransforms([]byte(`[{"type": "Resize", "size": 8}, {"type": "ToTensor"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if p, err := ProbeNetwork(root, Source{Images: "img.gz", Labels: "lab"}, ProbeOptions{Transform: tr}); err != nil || !reflect.DeepEqual(p.Shape, []int{1, 8, 16}) {
		t.Errorf("probe with Resize(8) = %+v, %v; want shape [1 8 16]", p, err)
	}
	for _, tc := range []struct {
		src  Source
		want string
	}{
		{Source{Images: "img.gz", Labels: "lab2"}, `"img.gz" holds 3 images but "lab2" holds 2 labels`},
		{Source{Images: "lab", Labels: "lab"}, "lab: expected an IDX image file (magic 0x00000803), got magic 0x00000801"},
		{Source{Images: "img.gz", Labels: "nope"}, "nope: cannot open the file inside the data folder"},
		{Source{Images: "../img.gz", Labels: "lab"}, `"../img.gz" leaves the workspace`},
	} {
		if _, err := ProbeNetwork(root, tc.src, ProbeOptions{Classes: true}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.src, err, tc.want)
		}
	}
}

func TestProbeTable(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "t.csv", []byte("a,b,label\n1,2,cat\n3,4,dog\n5,6,cat\n"))
	root := data.Root{Dir: dir}
	p, err := ProbeNetwork(root, Source{Path: "t.csv"}, ProbeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Frame != nil || !reflect.DeepEqual(p.Features, []string{"a", "b"}) || !reflect.DeepEqual(p.Shape, []int{2}) {
		t.Errorf("header probe = %+v; want features a, b and no frame read", p)
	}
	p, err = ProbeNetwork(root, Source{Path: "t.csv"}, ProbeOptions{Classes: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.Frame == nil || p.Frame.Len() != 3 || !reflect.DeepEqual(p.Classes, []string{"cat", "dog"}) || p.NLabels != 2 {
		t.Errorf("classes probe = %+v; want the frame kept and classes cat, dog", p)
	}
	p, err = ProbeNetwork(root, Source{Builtin: "iris"}, ProbeOptions{Classes: true})
	if err != nil || p.NLabels != 3 || len(p.Features) != 4 || p.Frame == nil {
		t.Errorf("iris probe = %+v, %v", p, err)
	}
	if _, err := ProbeNetwork(root, Source{Path: "missing.csv"}, ProbeOptions{}); err == nil || !strings.Contains(err.Error(), `cannot read the column names of "missing.csv"`) {
		t.Errorf("missing file: %v", err)
	}
}

func TestProbeFolder(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"imgs/a/1.png", "imgs/a/2.png", "imgs/b/1.png"} {
		var b bytes.Buffer
		png.Encode(&b, image.NewGray(image.Rect(0, 0, 5, 3)))
		write(t, dir, f, b.Bytes())
	}
	tr, err := images.ParseTransforms([]byte(`[{"type": "ToTensor"}]`))
	if err != nil {
		t.Fatal(err)
	}
	for _, restrict := range []bool{false, true} {
		root := data.Root{Dir: dir, Restrict: restrict}
		if KindOf(root, Source{Path: "imgs"}) != data.FolderData {
			t.Fatal("imgs is not seen as an image folder")
		}
		p, err := ProbeNetwork(root, Source{Path: "imgs"}, ProbeOptions{Transform: tr})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(p.Classes, []string{"a", "b"}) || !reflect.DeepEqual(p.Shape, []int{3, 3, 5}) {
			t.Errorf("restrict %v: probe = %+v; want classes a, b and shape [3 3 5] (RGB)", restrict, p)
		}
		_, err = OpenFolder(root, "nope", images.FolderOptions{})
		if err == nil || strings.Contains(err.Error(), dir) {
			t.Errorf("restrict %v: missing folder: %v (must not name %s)", restrict, err, dir)
		}
	}
}
