package datasets

import (
	"bytes"
	"testing"
)

// FuzzArchive feeds arbitrary bytes to the archive reader and the image
// checks of an import: errors, never a panic, and no entry name that
// CheckEntryName refuses reaches the import.
func FuzzArchive(f *testing.F) {
	f.Add(zipOf(f, file{name: "a/1.png", data: pngOf(f, 4, 4, 1)}, file{name: "b/x.txt", data: []byte("x")}))
	f.Add(tarGzOf(f, file{name: "a/1.png", data: pngOf(f, 4, 4, 1)}))
	f.Add(zipOf(f, file{name: "a/../b.png", data: []byte{1}}))
	f.Add([]byte("PK\x05\x06"))
	f.Add([]byte{0x1f, 0x8b})
	lim := Limits{MaxEntries: 100, MaxTotalBytes: 1 << 20, MaxFileBytes: 1 << 16, MaxPixels: 1 << 16}.withDefaults()
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = walkArchive(bytes.NewReader(b), int64(len(b)), lim, func(e entry) error {
			if err := CheckEntryName(e.name); err != nil {
				t.Fatalf("entry %q passed on: %v", e.name, err)
			}
			if _, err := labelOf(e.name, e.top); err != nil {
				return nil
			}
			data, err := readEntry(e, lim.MaxFileBytes)
			if err != nil {
				return nil
			}
			if _, m, err := checkImage(data, e.name, lim.MaxPixels); err == nil {
				if _, err := DHash(m); err != nil {
					t.Fatal(err)
				}
			}
			return nil
		})
	})
}
