// Package collect fills a dataset from an image-search API: for each
// label, a Provider returns candidate image URLs page by page, which are
// downloaded through the SSRF guard (internal/safefetch), checked, decoded
// and stored under the label with their provenance (datasets.Service.Add),
// until the label holds the images asked for. Another search API is one
// file that implements Provider; SerpApi's Google Images is the first.
package collect

import (
	"context"
	"fmt"
	"regexp"
)

// Candidate is one image a search returned.
type Candidate struct {
	URL       string // the full-size image
	Thumbnail string // a small copy, tried when URL is empty
	// Width and Height are what the search says of the image (0 unknown);
	// the downloaded bytes are checked again.
	Width, Height int
	Title         string
	Source        string // the page or site the image is on
	Position      int    // 1-based rank in the results
	// Problem says why the result cannot be used (a malformed entry), or
	// is empty.
	Problem string
}

// SearchOptions refine a search.
type SearchOptions struct {
	// ImageSize asks for images of exactly this size, "WxH" (SerpApi
	// appends "imagesize:WxH" to the query).
	ImageSize string
	// Chip narrows the search to one of its suggested refinements, by
	// name (e.g. "dog" for a dog breed).
	Chip string
}

var imageSizePattern = regexp.MustCompile(`^[1-9][0-9]{0,4}x[1-9][0-9]{0,4}$`)

// Check returns an error unless the options are well formed.
func (o SearchOptions) Check() error {
	if o.ImageSize != "" && !imageSizePattern.MatchString(o.ImageSize) {
		return &Error{Msg: fmt.Sprintf("image size %q: expected WxH, e.g. 500x500", o.ImageSize)}
	}
	if len(o.Chip) > 100 {
		return &Error{Msg: "the chip name is longer than 100 bytes"}
	}
	return nil
}

// Provider is an image-search API.
type Provider interface {
	// Name is the provider's name in reports ("serpapi").
	Name() string
	// Search returns the candidates of page (0-based) of query, and
	// whether a later page may hold more. An error that is Temporary()
	// is worth retrying; the error never holds a secret (an API key).
	Search(ctx context.Context, query string, page int, o SearchOptions) (cands []Candidate, more bool, err error)
}

// Error is a collection the caller got wrong (options, labels, a provider's
// answer that cannot be used): its message says what.
type Error struct {
	Msg       string
	temporary bool
}

func (e *Error) Error() string { return e.Msg }

// BadInput marks the error as the caller's (or the provider's answer),
// unless it is worth retrying.
func (e *Error) BadInput() bool { return !e.temporary }

// Temporary reports whether the error is worth retrying.
func (e *Error) Temporary() bool { return e.temporary }
