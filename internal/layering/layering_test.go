package layering

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/mlforge/mlforge"

// rule allows the imports from the packages matching from to those
// matching to.
type rule struct {
	from, to, reason string
	line             int
}

// match reports whether the package path p matches pattern: "..." alone
// matches anything, "X/..." X and everything below it, anything else
// itself only.
func match(pattern, p string) bool {
	switch {
	case pattern == "...":
		return true
	case strings.HasSuffix(pattern, "/..."):
		base := strings.TrimSuffix(pattern, "/...")
		return p == base || strings.HasPrefix(p, base+"/")
	}
	return p == pattern
}

// parseRules reads the rules of docs/layers.txt.
func parseRules(r io.Reader) ([]rule, error) {
	var rules []rule
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || f[1] != "->" {
			return nil, fmt.Errorf("line %d: want \"FROM -> TO reason\", got %q", n, line)
		}
		rules = append(rules, rule{from: f[0], to: f[2], reason: strings.Join(f[3:], " "), line: n})
	}
	return rules, sc.Err()
}

// imports returns, for every package of the module, the module packages
// its non-test files import (go list).
func imports(t *testing.T, root string) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Imports,Error", "./...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	edges := map[string][]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
			Error      *struct{ Err string }
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if p.Error != nil {
			t.Fatalf("go list %s: %s", p.ImportPath, p.Error.Err)
		}
		from := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		edges[from] = nil
		for _, imp := range p.Imports {
			if imp == module || strings.HasPrefix(imp, module+"/") {
				edges[from] = append(edges[from], strings.TrimPrefix(strings.TrimPrefix(imp, module), "/"))
			}
		}
	}
	return edges
}

// moduleRoot is the folder of go.mod, two levels up from this package.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod at %s: %v", root, err)
	}
	return root
}

// loadRules reads root/docs/layers.txt.
func loadRules(t *testing.T, root string) []rule {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "docs", "layers.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rules, err := parseRules(f)
	if err != nil {
		t.Fatalf("docs/layers.txt: %v", err)
	}
	return rules
}

// TestLayering fails on every import between the project's packages that
// docs/layers.txt does not allow, naming the importing package and the
// import.
func TestLayering(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH: cannot list the imports")
	}
	root := moduleRoot(t)
	rules := loadRules(t, root)
	edges := imports(t, root)
	if len(edges) < 30 {
		t.Fatalf("go list found %d packages; expected the whole module", len(edges))
	}
	var bad []string
	n := 0
	for from, tos := range edges {
		for _, to := range tos {
			n++
			ok := false
			for _, r := range rules {
				if match(r.from, from) && match(r.to, to) {
					ok = true
					break
				}
			}
			if !ok {
				bad = append(bad, from+" -> "+to)
			}
		}
	}
	if n == 0 {
		t.Fatal("no imports between the module's packages: go list gave nothing to check")
	}
	sort.Strings(bad)
	for _, e := range bad {
		t.Errorf("import %s is not allowed by docs/layers.txt: add a rule with its reason, or remove the import", e)
	}
	t.Logf("%d imports between %d packages checked against %d rules", n, len(edges), len(rules))
}

// TestMatch covers the patterns of the rules.
func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, p string
		want       bool
	}{
		{"...", "spec", true},
		{"ml/...", "ml", true},
		{"ml/...", "ml/linear", true},
		{"ml/...", "mltest", false},
		{"ml", "ml/linear", false},
		{"spec", "spec", true},
	} {
		if got := match(tc.pattern, tc.p); got != tc.want {
			t.Errorf("match(%q, %q) = %v", tc.pattern, tc.p, got)
		}
	}
	rules, err := parseRules(strings.NewReader("# c\n\nspec -> data  paths\n"))
	if err != nil || len(rules) != 1 || rules[0].reason != "paths" {
		t.Errorf("parseRules = %+v, %v", rules, err)
	}
	if _, err := parseRules(strings.NewReader("spec data\n")); err == nil {
		t.Error("a rule without -> and reason parses")
	}
}

// TestForbidden: the rules keep the layering of DESIGN.md; these imports
// must stay refused whatever rule is added.
func TestForbidden(t *testing.T) {
	rules := loadRules(t, moduleRoot(t))
	for _, e := range [][2]string{
		{"spec", "train"}, {"spec", "data/source"}, {"spec", "data/idx"}, {"data", "spec"}, {"data", "train"},
		{"data", "ml"}, {"ml", "data"}, {"ml/neural", "data"}, {"jobs", "ml"}, {"jobs", "train"},
		{"server", "nn"}, {"server", "nn/optim"}, {"server", "ml"}, {"server", "data/images"}, {"server", "data/datasets"},
		{"model", "train"}, {"model", "spec"}, {"nn", "ml"}, {"tensor", "nn"}, {"store", "jobs"},
	} {
		for _, r := range rules {
			if match(r.from, e[0]) && match(r.to, e[1]) {
				t.Errorf("docs/layers.txt line %d (%s -> %s) allows %s -> %s, which the layering forbids", r.line, r.from, r.to, e[0], e[1])
			}
		}
	}
}
