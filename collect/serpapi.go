package collect

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/mlforge/mlforge/internal/safefetch"
	"github.com/mlforge/mlforge/internal/text"
)

// SerpApiURL is SerpApi's search endpoint.
const SerpApiURL = "https://serpapi.com/search.json"

// MaxSearchBytes caps a search response.
const MaxSearchBytes = 8 << 20

// SerpApi searches Google Images through SerpApi
// (https://serpapi.com/google-images-api):
//
//	GET {BaseURL}?engine=google_images&q=QUERY&ijn=PAGE&api_key=KEY
//
// with google_domain, chips and no_cache when set. The key is sent, never
// reported: it is cut from every error.
type SerpApi struct {
	Key          string
	BaseURL      string // default SerpApiURL
	GoogleDomain string // e.g. "google.com"
	NoCache      bool
	// Fetch is the guarded client the requests go through.
	Fetch *safefetch.Client

	mu    sync.Mutex
	chips map[string]chipList // query -> its suggested searches
}

type chipList struct {
	names []string
	chips map[string]string // lowercased name -> chips value
}

// Name returns "serpapi".
func (s *SerpApi) Name() string { return "serpapi" }

// serpResponse is the part of SerpApi's answer that a collection reads.
type serpResponse struct {
	Error             *string           `json:"error"`
	ImagesResults     []json.RawMessage `json:"images_results"`
	SuggestedSearches []struct {
		Name  string `json:"name"`
		Chips string `json:"chips"`
	} `json:"suggested_searches"`
}

type serpImage struct {
	Original       string  `json:"original"`
	Thumbnail      string  `json:"thumbnail"`
	OriginalWidth  float64 `json:"original_width"`
	OriginalHeight float64 `json:"original_height"`
	Title          string  `json:"title"`
	Source         string  `json:"source"`
	Link           string  `json:"link"`
	Position       int     `json:"position"`
}

// Search returns page (0-based) of query.
func (s *SerpApi) Search(ctx context.Context, query string, page int, o SearchOptions) ([]Candidate, bool, error) {
	if s.Key == "" {
		return nil, false, &Error{Msg: "serpapi: no API key (give --serpapi-key or set SERPAPI_KEY)"}
	}
	if err := o.Check(); err != nil {
		return nil, false, err
	}
	q := strings.TrimSpace(query)
	if o.ImageSize != "" {
		q += " imagesize:" + o.ImageSize
	}
	chips := ""
	if o.Chip != "" {
		var err error
		if chips, err = s.chip(ctx, q, o.Chip); err != nil {
			return nil, false, err
		}
	}
	r, err := s.get(ctx, q, page, chips)
	if err != nil {
		return nil, false, err
	}
	if r.Error != nil && len(r.ImagesResults) == 0 {
		return nil, false, nil // "Google hasn't returned any results for this query."
	}
	if r.ImagesResults == nil {
		return nil, false, &Error{Msg: fmt.Sprintf("serpapi: page %d of %s: the response has neither images_results nor error", page, text.Quote(text.Abbrev(q)))}
	}
	out := make([]Candidate, 0, len(r.ImagesResults))
	for i, raw := range r.ImagesResults {
		var im serpImage
		c := Candidate{Position: i + 1}
		if err := json.Unmarshal(raw, &im); err != nil {
			c.Problem = fmt.Sprintf("search result %d is malformed: %s", i+1, jsonReason(err))
			out = append(out, c)
			continue
		}
		c.URL, c.Thumbnail, c.Title, c.Source = im.Original, im.Thumbnail, im.Title, cmp.Or(im.Link, im.Source)
		c.Width, c.Height = dim(im.OriginalWidth), dim(im.OriginalHeight)
		if im.Position > 0 {
			c.Position = im.Position
		}
		if c.URL == "" && c.Thumbnail == "" {
			c.Problem = fmt.Sprintf("search result %d has neither original nor thumbnail", c.Position)
		}
		out = append(out, c)
	}
	return out, len(out) > 0, nil
}

func dim(f float64) int {
	if f < 1 || f > 1e6 {
		return 0
	}
	return int(f)
}

// chip returns the chips value of the suggested search called name of
// query q (read from its first page once).
func (s *SerpApi) chip(ctx context.Context, q, name string) (string, error) {
	s.mu.Lock()
	cl, ok := s.chips[q]
	s.mu.Unlock()
	if !ok {
		r, err := s.get(ctx, q, 0, "")
		if err != nil {
			return "", err
		}
		cl = chipList{chips: map[string]string{}}
		for _, ss := range r.SuggestedSearches {
			if ss.Name != "" && ss.Chips != "" {
				cl.names = append(cl.names, ss.Name)
				cl.chips[strings.ToLower(ss.Name)] = ss.Chips
			}
		}
		s.mu.Lock()
		if s.chips == nil {
			s.chips = map[string]chipList{}
		}
		s.chips[q] = cl
		s.mu.Unlock()
	}
	if c, ok := cl.chips[strings.ToLower(strings.TrimSpace(name))]; ok {
		return c, nil
	}
	if len(cl.names) == 0 {
		return "", &Error{Msg: fmt.Sprintf("serpapi: chip %s: the search %s suggests no chips", text.Quote(name), text.Quote(text.Abbrev(q)))}
	}
	return "", &Error{Msg: fmt.Sprintf("serpapi: chip %s is not one of the suggestions of %s: %s", text.Quote(name), text.Quote(text.Abbrev(q)), strings.Join(cl.names, ", "))}
}

// get fetches and parses one page.
func (s *SerpApi) get(ctx context.Context, q string, page int, chips string) (*serpResponse, error) {
	base := cmp.Or(s.BaseURL, SerpApiURL)
	u, err := url.Parse(base)
	if err != nil {
		return nil, &Error{Msg: fmt.Sprintf("serpapi: the base URL %s is not valid", text.Quote(text.Abbrev(base)))}
	}
	v := url.Values{}
	v.Set("engine", "google_images")
	v.Set("q", q)
	v.Set("ijn", strconv.Itoa(page))
	if s.GoogleDomain != "" {
		v.Set("google_domain", s.GoogleDomain)
	}
	if chips != "" {
		v.Set("chips", chips)
	}
	if s.NoCache {
		v.Set("no_cache", "true")
	}
	v.Set("api_key", s.Key)
	u.RawQuery = v.Encode()
	where := fmt.Sprintf("serpapi: page %d of %s", page, text.Quote(text.Abbrev(q)))
	resp, err := s.Fetch.GetWithCap(ctx, u.String(), MaxSearchBytes)
	if err != nil {
		var fe *safefetch.Error
		if errors.As(err, &fe) {
			msg := fe.Msg
			if fe.Status != 0 {
				var body struct {
					Error string `json:"error"`
				}
				if json.Unmarshal(fe.Body, &body) == nil && body.Error != "" {
					msg += ": " + text.Abbrev(body.Error)
				}
			}
			if errors.Is(err, context.Canceled) {
				return nil, context.Canceled
			}
			return nil, &Error{Msg: s.redact(where + ": " + msg), temporary: fe.Temporary}
		}
		return nil, &Error{Msg: s.redact(where + ": " + err.Error())}
	}
	var r serpResponse
	if err := json.Unmarshal(resp.Body, &r); err != nil {
		return nil, &Error{Msg: s.redact(where + ": the response is not the JSON expected: " + jsonReason(err))}
	}
	if r.Error != nil {
		e := s.redact(*r.Error)
		r.Error = &e
	}
	return &r, nil
}

// redact cuts the API key, in every form a URL may carry it, from msg.
func (s *SerpApi) redact(msg string) string {
	return Redact(msg, s.Key)
}

// Redact returns msg with every occurrence of secret (as written, and
// query- or path-escaped) replaced by "[redacted]".
func Redact(msg, secret string) string {
	if secret == "" {
		return msg
	}
	for _, f := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
		msg = strings.ReplaceAll(msg, f, "[redacted]")
	}
	return msg
}

// jsonReason is a JSON error said plainly.
func jsonReason(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, se)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "the top level"
		}
		return fmt.Sprintf("%s: expected %s, got a JSON %s", field, te.Type, te.Value)
	}
	return err.Error()
}
