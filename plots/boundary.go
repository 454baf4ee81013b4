package plots

import (
	"fmt"
	"image"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// boundaryJSON is a classifier's recorded decision regions on two
// features (train.Boundary).
type boundaryJSON struct {
	Features [2]string  `json:"features"`
	Chosen   string     `json:"chosen"`
	Labels   []string   `json:"labels"`
	XRange   [2]float64 `json:"x_range"`
	YRange   [2]float64 `json:"y_range"`
	NX       int        `json:"nx"`
	NY       int        `json:"ny"`
	Cells    []int      `json:"cells"`
	NRows    int        `json:"n_rows"`
	Stride   int        `json:"stride"`
	X        []float64  `json:"x"`
	Y        []float64  `json:"y"`
	Class    []int      `json:"class"`
}

// maxBoundaryCells bounds the grid drawn.
const maxBoundaryCells = 1 << 20

// cells decodes the run-length encoded grid, nil when it does not fill
// NX × NY cells of known classes.
func (b *boundaryJSON) cells() []int {
	if b.NX <= 0 || b.NY <= 0 || b.NX*b.NY > maxBoundaryCells || len(b.Cells)%2 != 0 || len(b.Labels) == 0 {
		return nil
	}
	out := make([]int, 0, b.NX*b.NY)
	for i := 0; i < len(b.Cells); i += 2 {
		c, n := b.Cells[i], b.Cells[i+1]
		if c < 0 || c >= len(b.Labels) || n <= 0 || len(out)+n > b.NX*b.NY {
			return nil
		}
		for range n {
			out = append(out, c)
		}
	}
	if len(out) != b.NX*b.NY {
		return nil
	}
	return out
}

// lighten mixes c with white.
func lighten(c color.RGBA) color.RGBA {
	mix := func(v uint8) uint8 { return uint8((int(v) + 2*255) / 3) }
	return color.RGBA{mix(c.R), mix(c.G), mix(c.B), 255}
}

// drawBoundary draws the regions as an image of NX × NY cells in light
// class colours and the training points over them in full colours.
func drawBoundary(b *boundaryJSON) (*plot.Plot, error) {
	cells := b.cells()
	img := image.NewRGBA(image.Rect(0, 0, b.NX, b.NY))
	for i, c := range cells {
		// Row 0 of the grid is the bottom, of the image the top.
		img.SetRGBA(i%b.NX, b.NY-1-i/b.NX, lighten(Palette[c%len(Palette)]))
	}
	how := "the first two features"
	if b.Chosen == "importances" {
		how = "the two most important features"
	}
	title := fmt.Sprintf("decision boundary on %s\n(the other features held at their training means)", how)
	p := newPlot(title, b.Features[0], b.Features[1])
	p.Add(plotter.NewImage(img, b.XRange[0], b.YRange[0], b.XRange[1], b.YRange[1]))
	xys := make([]plotter.XYs, len(b.Labels))
	for i := range min(len(b.X), len(b.Y), len(b.Class)) {
		if c := b.Class[i]; c >= 0 && c < len(xys) {
			xys[c] = append(xys[c], plotter.XY{X: b.X[i], Y: b.Y[i]})
		}
	}
	for c, xy := range xys {
		if len(xy) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(xy)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: Palette[c%len(Palette)], Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
		p.Add(sc)
		if len(b.Labels) <= maxEmbeddingGroups {
			p.Legend.Add(b.Labels[c], sc)
		}
	}
	p.X.Min, p.X.Max = b.XRange[0], b.XRange[1]
	p.Y.Min, p.Y.Max = b.YRange[0], b.YRange[1]
	return p, nil
}
