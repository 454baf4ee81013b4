// Package layering holds the test that keeps the imports between the
// project's packages to the rules of docs/layers.txt.
package layering
