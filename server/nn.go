package server

import "github.com/mlforge/mlforge/train"

func init() {
	extraClasses = train.NetworkCatalogue
}
