// Package param is the one description of a parameter used by every
// registry of mlforge: estimators (package ml), layers and losses (nn),
// optimizers and schedulers (nn/optim) and image transforms (data/images).
//
// A parameter is declared once, as an exported field of a params struct,
// beside its type:
//
//	type StepLRParams struct {
//		StepSize int     `json:"step_size" required:"true" min:"1" help:"epochs between decays"`
//		Gamma    float64 `json:"gamma" gt:"0" help:"decay factor"`
//	}
//
// and a constructor returns a pointer to the struct holding the defaults
// (&StepLRParams{Gamma: 0.1}). From that declaration come:
//
//   - [Decode] and [DecodeObject]: strict decoding of a JSON object onto the
//     struct (unknown keys are errors with a "did you mean" and the known
//     names; values of the wrong type or out of range name the parameter,
//     with paths such as "betas[1]" inside lists and "a.b" inside nested
//     params structs), followed by [Validate];
//   - [Validate]: the bounds and enums of every parameter, for values set
//     from Go;
//   - [Describe]: the catalogue entry, a list of [Info] in declaration order
//     with the defaults read from the value given (GET /api/classes and the
//     web page's forms are built from it);
//   - [Encode]: the parameters as a JSON object that Decode reads back;
//   - [Registry]: a generic registry of classes by name, each with a one-line
//     doc, a constructor of its default params and whatever its owner builds
//     it with; [Registry.Lookup] suggests the closest name.
//
// # Tags
//
// Only exported fields with a json name are parameters. An embedded struct
// without a json name is flattened, as encoding/json does, so a classifier
// and a regressor can share one params struct.
//
//	json:"name"     the parameter's name (the library's keyword argument)
//	help:"..."      a one-line description
//	min:"1"         inclusive lower bound (numbers, and each element of a list)
//	max:"1"         inclusive upper bound
//	gt:"0"          exclusive lower bound
//	lt:"1"          exclusive upper bound
//	enum:"a,b"      the accepted values (strings, or numbers written as text)
//	nullable:"true" null is accepted and sets the zero value, which skips
//	                the bounds (say in help what it means)
//	auto:"true"     the string "auto" is accepted (inferred from the input
//	                shape); for numeric, list and pointer fields it sets the
//	                zero value, which Describe and Encode show as "auto"; a
//	                value written out is checked against the bounds even
//	                when it is the zero value
//	nlabels:"true"  "n_labels", the number of classes, is the usual value;
//	                for integer fields it decodes to Options.NLabels
//	required:"true" the parameter must be given; its default is shown as null
//	expect:"..."    the accepted values in words, for errors, where the
//	                type's own description is not enough
//	type:"list"     the type name shown in the catalogue, overriding the one
//	                derived from the Go type
//
// # Types
//
// Integers, floats, bools, strings, lists (slices and arrays, whose length
// must match), maps from strings, pointers (null is nil) and nested params
// structs are decoded by the package, strictly: an integer must be written
// without a fraction, a fixed-size array must have its length. A type with
// its own JSON form implements json.Unmarshaler; it may also implement
// [Value] to give its catalogue type name and accepted values in words, and
// [Numbers] so that the bounds apply to the numbers it holds. Catalogue type
// names are int, float, bool, string, "[]" + an element type, object (a map),
// any (a type with its own decoding and no [Value]), or what a [Value] or
// the type tag says (pair, size, padding, list, ...).
//
// # Errors
//
// Every error is an [*Error] naming the parameter (its path) and what was
// expected, and marked as bad input; its Kind says whether the parameter was
// unknown, missing or given a bad value, Bound whether a value of the right
// type lay outside the bounds or the enum, and Cause keeps a value type's
// own decoding error, so that a registry can word it.
// [Registry.Lookup] returns a [*LookupError].
package param
