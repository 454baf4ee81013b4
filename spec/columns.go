package spec

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mlforge/mlforge/data/datasets"
	"github.com/mlforge/mlforge/internal/suggest"
)

// maxHeaderBytes bounds what Validate reads of a CSV file to find its column
// names.
const maxHeaderBytes = 8 << 20

// columns returns the column names of a source, in order, or nil when they
// cannot be read: the data reader then reports the problem in full, with its
// line, when the data is loaded. For a built-in dataset, fixed is its target
// column, the only one that may be the target.
func columns(env Env, src Source) (names []string, fixed string) {
	if src.Builtin != "" {
		f, err := datasets.Load(src.Builtin)
		if err != nil {
			return nil, ""
		}
		return append(append([]string(nil), f.Features...), f.Target), f.Target
	}
	f, err := env.open(src.Path)
	if err != nil {
		return nil, ""
	}
	defer f.Close()
	return csvHeader(f), ""
}

// open opens a path that Resolve accepted; with Restrict it goes through
// os.Root, so that a symbolic link changed since the check cannot lead out.
func (env Env) open(p string) (*os.File, error) {
	full, err := env.Resolve(p)
	if err != nil {
		return nil, err
	}
	if !env.Restrict {
		return os.Open(full)
	}
	root := env.Root
	if root == "" {
		root = "."
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return r.Open(p)
}

// csvHeader reads the header line of a CSV file the way the data package
// does: gzip is decompressed, a byte order mark skipped, names trimmed.
func csvHeader(r io.Reader) []string {
	br := bufio.NewReader(io.LimitReader(r, maxHeaderBytes))
	var in io.Reader = br
	if b, _ := br.Peek(2); len(b) == 2 && b[0] == 0x1f && b[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil
		}
		defer gz.Close()
		in = io.LimitReader(gz, maxHeaderBytes)
	}
	br2 := bufio.NewReader(in)
	if b, _ := br2.Peek(3); bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
		br2.Discard(3)
	}
	cr := csv.NewReader(br2)
	cr.FieldsPerRecord = -1
	rec, err := cr.Read()
	if err != nil {
		return nil
	}
	for i, h := range rec {
		rec[i] = strings.TrimSpace(h)
	}
	return rec
}

// checkTarget checks that the target column is in the training data and
// that the test data has the same target column.
func checkTarget(c *errs, env Env, d Data) {
	train, fixed := columns(env, d.Train)
	if train == nil {
		return
	}
	target := d.Target
	switch {
	case target == "":
		target = train[len(train)-1]
	case fixed != "" && target != fixed:
		c.add("data.target", fmt.Sprintf("%s has its target in the column %s, not %s; leave data.target out to use it",
			quote(d.Train.String()), quote(fixed), quote(abbrev(target))))
		return
	case !contains(train, target):
		c.add("data.target", fmt.Sprintf("no column %s in %s%s; columns: %s",
			quote(abbrev(target)), quote(abbrev(d.Train.String())), suggest.Hint(target, train), listNames(train)))
		return
	}
	if d.Test.IsZero() {
		return
	}
	test, fixed := columns(env, d.Test)
	switch {
	case test == nil:
	case fixed != "" && target != fixed:
		c.add("data.test", fmt.Sprintf("%s has its target in the column %s, but the training data's target is %s",
			quote(d.Test.String()), quote(fixed), quote(abbrev(target))))
	case !contains(test, target):
		c.add("data.test", fmt.Sprintf("has no target column %s, which the training data has; columns: %s",
			quote(abbrev(target)), listNames(test)))
	}
}

// listNames joins names for a message, listing at most ten.
func listNames(names []string) string {
	const most = 10
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:most], ", ") + fmt.Sprintf(" and %d more", len(names)-most)
}
