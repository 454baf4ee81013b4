package source

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/mlforge/mlforge/data"
)

// TargetSampleRows is how many data rows TextTarget reads, at most
// targetSampleBytes of text.
const (
	TargetSampleRows  = 1000
	targetSampleBytes = 8 << 20
)

// TextTarget reads the first TargetSampleRows data rows of the CSV file p
// and returns the first value of its target column (target, "" for the
// last column) that is neither a number nor missing, and the line it is
// on. ok is false when the rows read hold only numbers, or when the file
// cannot be read (the reader reports that, with its line, when the data is
// loaded).
func TextTarget(root data.Root, p, target string) (value string, line int, ok bool) {
	fh, err := root.Open(p)
	if err != nil {
		return "", 0, false
	}
	defer fh.Close()
	s, err := data.Gunzip(fh, p)
	if err != nil {
		return "", 0, false
	}
	defer s.Close()
	br := bufio.NewReaderSize(io.LimitReader(s, targetSampleBytes), 64<<10)
	if b, _ := br.Peek(3); bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil || len(header) == 0 {
		return "", 0, false
	}
	col := len(header) - 1
	if target != "" {
		col = -1
		for j, h := range header {
			if strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) == target {
				col = j
			}
		}
		if col < 0 {
			return "", 0, false
		}
	}
	for range TargetSampleRows {
		rec, err := cr.Read()
		if err != nil {
			return "", 0, false
		}
		if col >= len(rec) {
			continue
		}
		v := strings.TrimSpace(rec[col])
		if v == "" || data.IsMissing(v) {
			continue
		}
		if _, err := strconv.ParseFloat(v, 64); err != nil || strings.IndexByte(v, '_') >= 0 {
			line, _ := cr.FieldPos(col)
			return v, line, true
		}
	}
	return "", 0, false
}
