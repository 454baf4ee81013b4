// Package examples holds the example training specs of mlforge (the JSON
// files in this folder, run with `mlforge train examples/NAME.json`) and, in
// example_test.go, runnable Go examples of networks that a spec cannot
// describe: an autoencoder, a GAN with two optimizers and a GRU sequence
// classifier, beside the MNIST CNN run from its spec.
package examples
