package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/store"
)

// TestArtifactsMigrate: mlforge artifacts migrate copies a data folder
// into an object store (server.MigrateArtifacts does the work and has the
// thorough test), and refuses a command line without its store.
func TestArtifactsMigrate(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("MLFORGE_DB", "")
	t.Setenv("MLFORGE_ARTIFACTS", "")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"artifacts"}, "expected the subcommand migrate"},
		{[]string{"artifacts", "migrate", "--data", dir}, "--artifacts URL is required"},
		{[]string{"artifacts", "migrate", "--data", filepath.Join(dir, "none"), "--artifacts", "mem://x"}, "is not a folder"},
		{[]string{"artifacts", "migrate", "--data", dir, "--artifacts", "file://" + filepath.ToSlash(t.TempDir())}, "has no mlforge.db"},
	} {
		if code, _, errOut := mlforge(t, dir, c.args...); code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v = %d %q; want %q", c.args, code, errOut, c.want)
		}
	}
	st, err := store.Open(t.Context(), filepath.Join(dir, "mlforge.db"))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	os.MkdirAll(filepath.Join(dir, "files", "uploads"), 0o700)
	os.WriteFile(filepath.Join(dir, "files", "uploads", "a.csv"), []byte("x\n1\n"), 0o600)
	dst := t.TempDir()
	code, out, errOut := mlforge(t, dir, "artifacts", "migrate", "--data", dir, "--artifacts", "file://"+filepath.ToSlash(dst))
	if code != 0 || !strings.Contains(out, "uploaded files: 1 copied, 0 in place") || !strings.Contains(out, "done: start serve and worker with --artifacts") {
		t.Fatalf("migrate = %d %q %q", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dst, "files", "uploads", "a.csv")); err != nil {
		t.Fatal(err)
	}
}
