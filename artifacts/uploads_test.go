package artifacts

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUploads: upload keys come from valid names only; a put is listed,
// its SHA-256 read back, and a download checked against it.
func TestUploads(t *testing.T) {
	for _, bad := range []string{"", ".x.csv", "../x.csv", "a/b.csv", strings.Repeat("a", 65), "a b.csv"} {
		if _, err := UploadKey(bad); err == nil {
			t.Errorf("UploadKey(%q) accepted", bad)
		}
	}
	ctx := context.Background()
	s, err := Open(ctx, "file://"+filepath.ToSlash(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	src := filepath.Join(t.TempDir(), "x.csv")
	os.WriteFile(src, []byte("a,b\n1,2\n"), 0o600)
	sha, size, err := s.PutUpload(ctx, "x.csv", src)
	if err != nil || size != 8 {
		t.Fatal(sha, size, err)
	}
	if got, n, err := s.UploadSHA(ctx, "x.csv"); err != nil || got != sha || n != 8 {
		t.Fatalf("UploadSHA = %q %d %v", got, n, err)
	}
	if _, _, err := s.UploadSHA(ctx, "y.csv"); err != ErrNotFound {
		t.Fatalf("a missing upload: %v", err)
	}
	ups, more, err := s.Uploads(ctx, 10)
	if err != nil || more || len(ups) != 1 || ups[0].Name != "x.csv" || ups[0].Size != 8 {
		t.Fatalf("Uploads = %v %v %v", ups, more, err)
	}
	dst := filepath.Join(t.TempDir(), "d", "x.csv")
	if err := s.GetUpload(ctx, "x.csv", dst, sha, 100); err != nil {
		t.Fatal(err)
	}
	if err := s.GetUpload(ctx, "x.csv", dst+"2", strings.Repeat("0", 64), 100); err == nil {
		t.Fatal("a download with another SHA-256 was taken")
	}
	if _, err := os.Stat(dst + "2"); !os.IsNotExist(err) {
		t.Fatal("a mismatched download was left")
	}
}
