package idx_test

import (
	"bytes"
	"fmt"

	"github.com/mlforge/mlforge/data/idx"
)

func ExampleRead() {
	// An idx1 label file: magic 0x00000801, 3 items, then the bytes.
	b := []byte{0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1}
	a, err := idx.Read(bytes.NewReader(b), "labels")
	fmt.Println(a.Dims, a.Data, err)
	_, err = idx.Read(bytes.NewReader(b[:10]), "labels")
	fmt.Println(err)
	// Output:
	// [3] [7 2 1] <nil>
	// labels: truncated: header says [3] (3 data bytes after the 8-byte header), got 2
}

func ExampleLoad() {
	d, err := idx.Load("testdata/tiny-images-idx3-ubyte.gz", "testdata/tiny-labels-idx1-ubyte")
	if err != nil {
		fmt.Println(err)
		return
	}
	x, y, _ := d.Get(0, nil)
	fmt.Println(d.Len(), x.Shape, y.Data, d.Classes())
	// Output: 20 [1 7 5] [0] [0 1 2 3]
}
