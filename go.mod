module github.com/mlforge/mlforge

go 1.26

require (
	golang.org/x/sys v0.38.0 // indirect
	gonum.org/v1/gonum v0.17.0 // indirect
)
