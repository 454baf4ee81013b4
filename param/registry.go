package param

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/mlforge/mlforge/internal/suggest"
)

// Class is one class of a Registry.
type Class[T any] struct {
	// Name is the class's name (the library's class name), e.g. "StepLR".
	Name string
	// Doc is a one-line description.
	Doc string
	// Params returns a pointer to a new params struct holding the class's
	// defaults; nil for a class without parameters.
	Params func() any
	// New is what the registry's owner builds the class with, typically a
	// constructor that takes the decoded params.
	New T
}

// Describe returns the class's parameters with their defaults; an empty
// (non-nil) list for a class without parameters.
func (c *Class[T]) Describe() []Info {
	if c.Params == nil {
		return []Info{}
	}
	return Describe(c.Params())
}

// Decode returns a new params struct of the class (a pointer, as Params
// returns it; *struct{} for a class without parameters) with the defaults
// overridden by raw, a JSON object, strictly decoded and validated.
func (c *Class[T]) Decode(raw json.RawMessage, o Options) (any, error) {
	var p any = &struct{}{}
	if c.Params != nil {
		p = c.Params()
	}
	if err := Decode(raw, p, o); err != nil {
		return nil, err
	}
	return p, nil
}

// Entry is one class of a catalogue, as GET /api/classes serves it.
type Entry struct {
	Name string `json:"name"`
	// Kind, where a catalogue mixes kinds, says which (e.g. "transform" or
	// "target_transform"); Registry.Catalogue leaves it empty.
	Kind   string `json:"kind,omitempty"`
	Doc    string `json:"doc"`
	Params []Info `json:"params"`
}

// Registry holds classes by name. The zero value (with Kind set) is ready
// to use; it is safe for concurrent use.
type Registry[T any] struct {
	// Kind names what the registry holds, for errors, e.g. "optimizer".
	Kind string
	// InOrder keeps the order of registration in Names, Classes and
	// Catalogue; by default they are sorted by name.
	InOrder bool

	mu      sync.RWMutex
	classes []*Class[T]
	byName  map[string]*Class[T]
}

// Register adds a class. It panics on an empty or duplicate name and on a
// Params that does not return a pointer to a well-formed params struct:
// those are programming errors, caught at init.
func (r *Registry[T]) Register(c Class[T]) {
	if c.Name == "" {
		panic("param: " + r.Kind + " registered without a name")
	}
	if c.Params != nil {
		Check(c.Params())
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.byName[c.Name]; dup {
		panic("param: duplicate registration of " + r.Kind + " " + c.Name)
	}
	if r.byName == nil {
		r.byName = map[string]*Class[T]{}
	}
	r.byName[c.Name] = &c
	r.classes = append(r.classes, &c)
	if !r.InOrder {
		sort.Slice(r.classes, func(i, j int) bool { return r.classes[i].Name < r.classes[j].Name })
	}
}

// Lookup returns the class registered as name, or a *LookupError that
// suggests the closest name.
func (r *Registry[T]) Lookup(name string) (*Class[T], error) {
	r.mu.RLock()
	c, ok := r.byName[name]
	r.mu.RUnlock()
	if !ok {
		names := r.Names()
		return nil, &LookupError{Kind: r.Kind, Name: name, Known: names, Hint: suggest.Hint(name, names)}
	}
	return c, nil
}

// Names returns the registered names (sorted, or in registration order).
func (r *Registry[T]) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, len(r.classes))
	for i, c := range r.classes {
		out[i] = c.Name
	}
	return out
}

// Classes returns the registered classes (sorted, or in registration
// order).
func (r *Registry[T]) Classes() []*Class[T] {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]*Class[T](nil), r.classes...)
}

// Catalogue describes every class with its parameters and defaults.
func (r *Registry[T]) Catalogue() []Entry {
	cs := r.Classes()
	out := make([]Entry, len(cs))
	for i, c := range cs {
		out[i] = Entry{Name: c.Name, Doc: c.Doc, Params: c.Describe()}
	}
	return out
}

// LookupError is an unknown class name.
type LookupError struct {
	// Kind is what was looked up, e.g. "optimizer".
	Kind string
	// Name is the name asked for.
	Name string
	// Known lists the registered names.
	Known []string
	// Hint is ` (did you mean "x"?)` or "".
	Hint string
}

// Error reads `unknown optimizer "Adamm" (did you mean "Adam"?), expected
// one of Adagrad, Adam, ...`.
func (e *LookupError) Error() string {
	return fmt.Sprintf("unknown %s %s%s, expected one of %s", e.Kind, QuoteName(e.Name), e.Hint, strings.Join(e.Known, ", "))
}

// BadInput marks e as the user's input rather than a bug.
func (e *LookupError) BadInput() bool { return true }

// QuoteName quotes a name for an error message, shortened to 64
// characters.
func QuoteName(s string) string {
	if utf8.RuneCountInString(s) > 64 {
		s = string([]rune(s)[:61]) + "..."
	}
	return fmt.Sprintf("%q", s)
}
