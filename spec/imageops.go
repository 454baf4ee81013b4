package spec

import (
	"regexp"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/data/images"
)

var opIndex = regexp.MustCompile(`^image_ops\[(\d+)\]: `)

// checkImageOps checks the spec's image_ops: known operations with valid
// parameters, on image data, with a mode chain Pillow accepts from the
// mode the data is decoded in (L for IDX files, RGB for image folders).
//
// image_ops is a list of Pillow Image operations (convert, crop, resize,
// reduce, rotate, transpose, getchannel, effect_spread, filter) applied to
// every decoded image before the transforms, in training, evaluation and
// prediction alike; see images.ParseImageOps for the forms an element takes.
// convert reaches Pillow's modes 1, L, P (WEB palette), RGB, RGBA, CMYK,
// YCbCr, HSV, I and F; the other operations take 1, L, RGB, YCbCr and HSV,
// which the chain is checked for.
// They are deterministic apart from effect_spread, which moves pixels at
// random: like the random transforms it applies to training only, and the
// model file keeps the other operations (train.RandomImageOps, train.FilterEvalImageOps).
func (s *Spec) checkImageOps(c *errs, kind data.Kind, dataOK bool) {
	if len(s.ImageOps) == 0 {
		return
	}
	ops, err := images.ParseImageOps(s.ImageOps)
	if err != nil {
		c.add(opPath(err.Error()))
		return
	}
	if !dataOK {
		return
	}
	if kind == TableData {
		c.add("image_ops", "Pillow image operations apply to image data (an image folder or IDX files), not to table data")
		return
	}
	in := "RGB"
	if kind == IDXData {
		in = "L"
	}
	if _, err := ops.Mode(in); err != nil {
		path, msg := opPath(err.Error())
		c.add(path, msg+" (the data is decoded as "+in+")")
	}
}

// opPath splits an image operation error into the field path of the
// element and the message.
func opPath(msg string) (string, string) {
	if m := opIndex.FindStringSubmatch(msg); m != nil {
		return "image_ops[" + m[1] + "]", msg[len(m[0]):]
	}
	if len(msg) > len("image_ops: ") && msg[:len("image_ops: ")] == "image_ops: " {
		msg = msg[len("image_ops: "):]
	}
	return "image_ops", msg
}
