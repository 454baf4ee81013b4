package cli

import (
	"strings"
	"testing"
)

// TestWorkerRoles: worker and serve --workers 0 refuse SQLite, saying that
// several processes need PostgreSQL; --log-format takes text or json.
func TestWorkerRoles(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("MLFORGE_DB", "")
	for _, args := range [][]string{
		{"worker", "--data", dir},
		{"worker", "--data", dir, "--db", dir + "/mlforge.db"},
		{"serve", "--data", dir, "--workers", "0", "--addr", "127.0.0.1:0"},
	} {
		code, _, errOut := mlforge(t, dir, args...)
		if code == 0 || !strings.Contains(errOut, "PostgreSQL") {
			t.Errorf("%v = %d %q; want a refusal naming PostgreSQL", args, code, errOut)
		}
	}
	code, _, errOut := mlforge(t, dir, "serve", "--data", dir, "--log-format", "xml")
	if code == 0 || !strings.Contains(errOut, "--log-format must be text or json") {
		t.Errorf("serve --log-format xml = %d %q", code, errOut)
	}
}
