package spec_test

import (
	"fmt"

	"github.com/mlforge/mlforge/spec"
)

// A service dictionary and the native spec it maps to, as `mlforge spec
// convert` prints it.
func ExampleConvert() {
	native, dialect, err := spec.Convert([]byte(`{"model_name": "digits", "n_epoch": 3, "n_labels": 10,
	  "data": {"train": "builtin:digits"},
	  "optimizer": {"name": "SGD", "lr": 0.1},
	  "model": {"layers": [{"name": "Linear", "in_features": "auto", "out_features": "n_labels"}]}}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(dialect)
	fmt.Print(string(native))
	// Output:
	// true
	// {
	//   "name": "digits",
	//   "data": {
	//     "train": "builtin:digits"
	//   },
	//   "model": {
	//     "layers": [
	//       {
	//         "type": "Linear",
	//         "in_features": "auto",
	//         "out_features": "n_labels"
	//       }
	//     ]
	//   },
	//   "optimizer": {
	//     "type": "SGD",
	//     "lr": 0.1
	//   },
	//   "epochs": 3
	// }
}
