package source

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/mlforge/mlforge/data/images"
)

// maxSizeTrials caps the distinct image sizes whose transformed shape
// CheckSizes computes (the most common ones, and the smallest and largest).
const maxSizeTrials = 64

// imageSize is one size found in a folder and how many images have it.
type imageSize struct {
	w, h, n int
}

func (s imageSize) String() string { return fmt.Sprintf("%dx%d", s.w, s.h) }

// CheckSizes reads the header of every image of f (images.Folder.Config,
// no pixel is decoded) and, when the images have different sizes, checks
// that t (nil: none) gives samples of one shape: it is applied to a blank
// image of each size. Errors name the file (relative to the folder) whose
// header cannot be read, or list the sizes found and their counts.
func CheckSizes(f *images.Folder, t images.Transform, seed int64) error {
	count := map[[2]int]int{}
	for i := range f.Len() {
		c, err := f.Config(i)
		if err != nil {
			return err
		}
		count[[2]int{c.Width, c.Height}]++
	}
	if len(count) < 2 {
		return nil
	}
	sizes := make([]imageSize, 0, len(count))
	for k, n := range count {
		sizes = append(sizes, imageSize{k[0], k[1], n})
	}
	slices.SortFunc(sizes, func(a, b imageSize) int {
		return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(b.w*b.h, a.w*a.h), cmp.Compare(b.w, a.w))
	})
	desc := describeSizes(f.Len(), sizes)
	if t == nil {
		return fmt.Errorf("%s; add a Resize (or a crop) to transforms to give them one size", desc)
	}
	trials := sizes
	if len(trials) > maxSizeTrials {
		trials = slices.Clone(sizes[:maxSizeTrials])
		lo := slices.MinFunc(sizes, func(a, b imageSize) int { return cmp.Compare(a.w*a.h, b.w*b.h) })
		hi := slices.MaxFunc(sizes, func(a, b imageSize) int { return cmp.Compare(a.w*a.h, b.w*b.h) })
		trials = append(trials, lo, hi)
	}
	ch := 3
	if f.Opts.Mode == images.L {
		ch = 1
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 2))
	var first []int
	var firstSize imageSize
	for _, s := range trials {
		x, err := images.ApplyToImage(t, images.NewImage(s.w, s.h, ch), rng, s.String())
		if err != nil {
			return fmt.Errorf("%s; the transforms fail on the %s images: %v", desc, s, strings.TrimPrefix(err.Error(), "images: "))
		}
		if first == nil {
			first, firstSize = x.Shape, s
			continue
		}
		if !slices.Equal(first, x.Shape) {
			return fmt.Errorf("%s; after the transforms %s images give samples of shape %v but %s images %v: add a Resize (or a crop) to a fixed height and width",
				desc, firstSize, first, s, x.Shape)
		}
	}
	return nil
}

// describeSizes says how many images of which sizes a folder of n images
// holds (the five most common sizes named).
func describeSizes(n int, sizes []imageSize) string {
	var b strings.Builder
	fmt.Fprintf(&b, "the %d images have %d sizes: ", n, len(sizes))
	for i, s := range sizes {
		if i == 5 {
			fmt.Fprintf(&b, " and %d more sizes", len(sizes)-5)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d of %s", s.n, s)
	}
	return b.String()
}
