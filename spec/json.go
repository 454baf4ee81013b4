package spec

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds the nesting of arrays and objects in a spec. Real specs
// nest four or five levels; the bound keeps the recursive parser's stack
// small whatever the input.
const maxDepth = 64

// kind is the JSON type of a node.
type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

// node is one parsed JSON value. Objects keep their members in input order.
type node struct {
	kind    kind
	start   int // byte offset of the value's first byte
	end     int // byte offset just after the value
	str     string
	num     string // the number as written
	boolean bool
	members []member
	elems   []*node
}

type member struct {
	key string
	pos int // byte offset of the key's opening quote
	val *node
}

// parser is a strict recursive-descent JSON parser that reports errors with
// line and column and rejects duplicate keys, naming the field path. It
// exists so that every message is ours: encoding/json reports byte offsets
// and Go type names, and accepts duplicate keys silently.
type parser struct {
	src []byte
	i   int
}

// parseJSON parses src, which must hold exactly one JSON value (surrounding
// white space allowed).
func parseJSON(src []byte) (*node, error) {
	p := &parser{src: src}
	// Editors on some systems start files with a byte order mark.
	if bytes.HasPrefix(src, []byte("\xef\xbb\xbf")) {
		p.i = 3
	}
	p.ws()
	if p.i == len(src) {
		return nil, &FieldError{Msg: "the spec is empty; expected a JSON object"}
	}
	n, err := p.value("", 0)
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i < len(src) {
		return nil, p.syntax(p.i, "unexpected data after the top-level value")
	}
	return n, nil
}

// lineCol returns the 1-based line and column (in characters) of offset off.
func lineCol(src []byte, off int) (line, col int) {
	off = min(off, len(src))
	line = 1 + bytes.Count(src[:off], []byte("\n"))
	lineStart := bytes.LastIndexByte(src[:off], '\n') + 1
	col = 1 + utf8.RuneCount(src[lineStart:off])
	return line, col
}

func (p *parser) at(off int) string {
	line, col := lineCol(p.src, off)
	return fmt.Sprintf("line %d, column %d", line, col)
}

func (p *parser) syntax(off int, format string, args ...any) error {
	return &FieldError{Msg: "invalid JSON at " + p.at(off) + ": " + fmt.Sprintf(format, args...)}
}

// unexpected describes the input at p.i for a syntax error.
func (p *parser) unexpected(expected string) error {
	if p.i >= len(p.src) {
		return p.syntax(p.i, "unexpected end of input; expected %s", expected)
	}
	r, _ := utf8.DecodeRune(p.src[p.i:])
	return p.syntax(p.i, "unexpected character %s; expected %s", quoteRune(r), expected)
}

func quoteRune(r rune) string {
	if r == utf8.RuneError {
		return "(invalid UTF-8)"
	}
	return strconv.QuoteRune(r)
}

func (p *parser) ws() {
	for p.i < len(p.src) {
		switch p.src[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) value(path string, depth int) (*node, error) {
	if p.i >= len(p.src) {
		return nil, p.unexpected("a value")
	}
	start := p.i
	switch c := p.src[p.i]; {
	case c == '{' || c == '[':
		if depth >= maxDepth {
			return nil, p.syntax(p.i, "values nested deeper than %d levels", maxDepth)
		}
		if c == '{' {
			return p.object(path, depth+1)
		}
		return p.array(path, depth+1)
	case c == '"':
		s, err := p.string()
		if err != nil {
			return nil, err
		}
		return &node{kind: kindString, start: start, end: p.i, str: s}, nil
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case c == 't' || c == 'f' || c == 'n':
		for _, lit := range []string{"true", "false", "null"} {
			if bytes.HasPrefix(p.src[p.i:], []byte(lit)) {
				p.i += len(lit)
				if p.i < len(p.src) && isIdentByte(p.src[p.i]) {
					break
				}
				n := &node{start: start, end: p.i}
				switch lit {
				case "true":
					n.kind, n.boolean = kindBool, true
				case "false":
					n.kind = kindBool
				}
				return n, nil
			}
		}
		p.i = start
		return nil, p.unknownWord(start)
	case isIdentByte(c):
		return nil, p.unknownWord(start)
	}
	return nil, p.unexpected("a value")
}

func (p *parser) unknownWord(start int) error {
	w := word(p.src[start:])
	switch lw := strings.ToLower(w); lw {
	case "true", "false", "null":
		return p.syntax(start, "unknown word %s; JSON writes %s in lower case", strconv.Quote(w), lw)
	}
	return p.syntax(start, "unknown word %s; expected a value (strings need double quotes)", strconv.Quote(w))
}

func isIdentByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// word returns the identifier-like prefix of b, at most 20 bytes.
func word(b []byte) string {
	n := 0
	for n < len(b) && n < 20 && isIdentByte(b[n]) {
		n++
	}
	return string(b[:n])
}

func (p *parser) object(path string, depth int) (*node, error) {
	n := &node{kind: kindObject, start: p.i}
	p.i++ // {
	p.ws()
	if p.i < len(p.src) && p.src[p.i] == '}' {
		p.i++
		n.end = p.i
		return n, nil
	}
	seen := map[string]int{}
	for {
		p.ws()
		if p.i >= len(p.src) || p.src[p.i] != '"' {
			if len(n.members) == 0 {
				return nil, p.unexpected(`a quoted key or "}"`)
			}
			return nil, p.unexpected(`a quoted key after ","`)
		}
		kpos := p.i
		key, err := p.string()
		if err != nil {
			return nil, err
		}
		kpath := joinKey(path, key)
		if first, dup := seen[key]; dup {
			return nil, &FieldError{Path: kpath, Msg: fmt.Sprintf("duplicate key at %s (first at %s)", p.at(kpos), p.at(first))}
		}
		seen[key] = kpos
		p.ws()
		if p.i >= len(p.src) || p.src[p.i] != ':' {
			return nil, p.unexpected(fmt.Sprintf(`":" after the key %s`, quote(abbrev(key))))
		}
		p.i++
		p.ws()
		v, err := p.value(kpath, depth)
		if err != nil {
			return nil, err
		}
		n.members = append(n.members, member{key: key, pos: kpos, val: v})
		p.ws()
		if p.i < len(p.src) && p.src[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.src) && p.src[p.i] == '}' {
			p.i++
			n.end = p.i
			return n, nil
		}
		return nil, p.unexpected(`"," or "}"`)
	}
}

func (p *parser) array(path string, depth int) (*node, error) {
	n := &node{kind: kindArray, start: p.i}
	p.i++ // [
	p.ws()
	if p.i < len(p.src) && p.src[p.i] == ']' {
		p.i++
		n.end = p.i
		return n, nil
	}
	for {
		p.ws()
		if p.i < len(p.src) && p.src[p.i] == ']' {
			return nil, p.unexpected(`a value after ","`)
		}
		v, err := p.value(joinIndex(path, len(n.elems)), depth)
		if err != nil {
			return nil, err
		}
		n.elems = append(n.elems, v)
		p.ws()
		if p.i < len(p.src) && p.src[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.src) && p.src[p.i] == ']' {
			p.i++
			n.end = p.i
			return n, nil
		}
		return nil, p.unexpected(`"," or "]"`)
	}
}

// string parses a JSON string starting at the opening quote and returns its
// decoded value.
func (p *parser) string() (string, error) {
	start := p.i
	p.i++ // "
	var sb strings.Builder
	for {
		if p.i >= len(p.src) {
			return "", p.syntax(start, "unterminated string")
		}
		c := p.src[p.i]
		switch {
		case c == '"':
			p.i++
			return sb.String(), nil
		case c == '\\':
			if err := p.escape(&sb); err != nil {
				return "", err
			}
		case c < 0x20:
			return "", p.syntax(p.i, "control character %s in string (write it as an escape such as \\n)", quoteRune(rune(c)))
		case c < utf8.RuneSelf:
			sb.WriteByte(c)
			p.i++
		default:
			r, size := utf8.DecodeRune(p.src[p.i:])
			if r == utf8.RuneError && size <= 1 {
				return "", p.syntax(p.i, "invalid UTF-8 in string")
			}
			sb.WriteRune(r)
			p.i += size
		}
	}
}

func (p *parser) escape(sb *strings.Builder) error {
	at := p.i
	if p.i+1 >= len(p.src) {
		return p.syntax(at, "unterminated string")
	}
	c := p.src[p.i+1]
	p.i += 2
	switch c {
	case '"', '\\', '/':
		sb.WriteByte(c)
	case 'b':
		sb.WriteByte('\b')
	case 'f':
		sb.WriteByte('\f')
	case 'n':
		sb.WriteByte('\n')
	case 'r':
		sb.WriteByte('\r')
	case 't':
		sb.WriteByte('\t')
	case 'u':
		r, ok := p.hex4()
		if !ok {
			return p.syntax(at, `invalid \u escape; expected four hexadecimal digits`)
		}
		if utf16.IsSurrogate(r) {
			// A high surrogate followed by a low one is one character; a
			// lone surrogate becomes U+FFFD, as in encoding/json.
			save := p.i
			if p.i+1 < len(p.src) && p.src[p.i] == '\\' && p.src[p.i+1] == 'u' {
				p.i += 2
				if r2, ok := p.hex4(); ok {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						sb.WriteRune(d)
						return nil
					}
				}
			}
			p.i = save
			r = utf8.RuneError
		}
		sb.WriteRune(r)
	default:
		r, _ := utf8.DecodeRune(p.src[at+1:])
		return p.syntax(at, "invalid escape \\%s in string", strings.Trim(quoteRune(r), "'"))
	}
	return nil
}

func (p *parser) hex4() (rune, bool) {
	if p.i+4 > len(p.src) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(p.src[p.i:p.i+4]), 16, 32)
	if err != nil || strings.ContainsAny(string(p.src[p.i:p.i+4]), "+-_xX") {
		return 0, false
	}
	p.i += 4
	return rune(v), true
}

// number parses a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *parser) number() (*node, error) {
	start := p.i
	digits := func() int {
		n := 0
		for p.i < len(p.src) && p.src[p.i] >= '0' && p.src[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	bad := func() error {
		end := p.i
		for end < len(p.src) && end-start < 30 && (isIdentByte(p.src[end]) || strings.IndexByte(".+-", p.src[end]) >= 0) {
			end++
		}
		return p.syntax(start, "invalid number %s", strconv.Quote(string(p.src[start:end])))
	}
	if p.src[p.i] == '-' {
		p.i++
	}
	if p.i < len(p.src) && p.src[p.i] == '0' {
		p.i++
		if p.i < len(p.src) && p.src[p.i] >= '0' && p.src[p.i] <= '9' {
			return nil, bad()
		}
	} else if digits() == 0 {
		return nil, bad()
	}
	if p.i < len(p.src) && p.src[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return nil, bad()
		}
	}
	if p.i < len(p.src) && (p.src[p.i] == 'e' || p.src[p.i] == 'E') {
		p.i++
		if p.i < len(p.src) && (p.src[p.i] == '+' || p.src[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return nil, bad()
		}
	}
	if p.i < len(p.src) && isIdentByte(p.src[p.i]) {
		return nil, bad()
	}
	return &node{kind: kindNumber, start: start, end: p.i, num: string(p.src[start:p.i])}, nil
}
