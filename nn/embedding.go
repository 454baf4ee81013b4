package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/mlforge/mlforge/tensor"
)

// Embedding maps integer indices (stored as float32 values in the input)
// to rows of a num_embeddings x embedding_dim table.
type Embedding struct {
	noMode
	NumEmbeddings, EmbeddingDim int
	// PaddingIdx is the row that stays zero and receives no gradient, or -1.
	PaddingIdx int
	// Sparse is PyTorch's sparse=True: the weight's gradient is a sparse
	// tensor of the rows looked up. The gradient is kept dense here (its
	// other rows are zero); the flag says which optimizers take it, as
	// PyTorch's (SparseGrad, optim.New).
	Sparse bool
	// Weight is num_embeddings x embedding_dim, initialised from N(0, 1).
	Weight *Var
}

// NewEmbedding returns an Embedding initialised like PyTorch's. paddingIdx
// may be negative (counted from the end, as in PyTorch) or nil for none.
func NewEmbedding(num, dim int, paddingIdx *int, rng *rand.Rand) (*Embedding, error) {
	e, err := embeddingShell(num, dim, paddingIdx)
	if err != nil {
		return nil, err
	}
	e.allocate(rng)
	return e, nil
}

// embeddingShell checks the arguments and returns the layer without its
// table.
func embeddingShell(num, dim int, paddingIdx *int) (*Embedding, error) {
	if num < 1 || dim < 1 {
		return nil, fmt.Errorf("Embedding: num_embeddings %d and embedding_dim %d must be positive", num, dim)
	}
	e := &Embedding{NumEmbeddings: num, EmbeddingDim: dim, PaddingIdx: -1}
	if paddingIdx != nil {
		p := *paddingIdx
		if p < -num || p >= num {
			return nil, fmt.Errorf("Embedding: padding_idx %d must be within [-%d, %d)", p, num, num)
		}
		if p < 0 {
			p += num
		}
		e.PaddingIdx = p
	}
	return e, nil
}

// allocate draws the table of a layer described by its fields.
func (e *Embedding) allocate(rng *rand.Rand) {
	e.Weight = NewParam(tensor.New(e.NumEmbeddings, e.EmbeddingDim))
	if e.Sparse {
		e.Weight.ctx = sparseGrad{}
	}
	Normal(e.Weight.Data, 0, 1, rng)
	if p, dim := e.PaddingIdx, e.EmbeddingDim; p >= 0 {
		clear(e.Weight.Data.Data[p*dim : (p+1)*dim])
	}
}

// sizes counts the parameters allocate makes.
func (e *Embedding) sizes() (params, buffers int64) {
	return mul(e.NumEmbeddings, e.EmbeddingDim), 0
}

// Name returns "Embedding".
func (e *Embedding) Name() string { return "Embedding" }

// Parameters returns the weight.
func (e *Embedding) Parameters() []Param {
	return []Param{{Name: "weight", Var: e.Weight, Trainable: true}}
}

// OutShape appends embedding_dim to the input shape.
func (e *Embedding) OutShape(in []int) ([]int, error) {
	return append(append([]int(nil), in...), e.EmbeddingDim), nil
}

// Forward looks the indices up. A value that is not an integer in
// [0, num_embeddings) records an error on g.
func (e *Embedding) Forward(g *Graph, x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	D := e.EmbeddingDim
	idx := g.ibuf(len(x.Data.Data))
	for i, v := range x.Data.Data {
		k := int(v)
		if float32(k) != v || k < 0 || k >= e.NumEmbeddings {
			return g.fail("Embedding: index %v at position %d is not an integer in [0, %d)", v, i, e.NumEmbeddings)
		}
		idx[i] = int32(k)
	}
	y := g.buf(len(idx) * D)
	y.Shape = append(append(y.Shape[:0], x.Data.Shape...), D)
	w := e.Weight.Data.Data
	for i, k := range idx {
		copy(y.Data[i*D:(i+1)*D], w[int(k)*D:(int(k)+1)*D])
	}
	n := g.newNode(y, embeddingBack, e.Weight, nil, nil)
	n.idx = idx
	n.ints[0] = e.PaddingIdx
	return n
}

func embeddingBack(n *Var) {
	w := n.a
	if !w.requiresGrad {
		return
	}
	D := w.Data.Shape[1]
	gw, gy, pad := w.grad(), n.Grad.Data, n.ints[0]
	for i, k := range n.idx {
		if int(k) == pad {
			continue
		}
		axpy(gw[int(k)*D:(int(k)+1)*D], 1, gy[i*D:(i+1)*D])
	}
}

// EmbeddingParams are torch.nn.Embedding's keyword arguments.
type EmbeddingParams struct {
	NumEmbeddings int  `json:"num_embeddings" required:"true" min:"1" help:"size of the dictionary"`
	EmbeddingDim  int  `json:"embedding_dim" required:"true" min:"1" help:"size of each embedding vector"`
	PaddingIdx    *int `json:"padding_idx" nullable:"true" type:"int" help:"index whose vector stays zero (none by default)"`
	Sparse        bool `json:"sparse" help:"the weight's gradient is sparse, the rows looked up (PyTorch's sparse tensor): SparseAdam needs it; SGD (without weight_decay), Adagrad (without weight_decay) and LBFGS take it; the other optimizers refuse it, as PyTorch's do"`
}

func init() {
	registerLayer("Embedding", "lookup table of embedding vectors for integer indices", func() EmbeddingParams { return EmbeddingParams{} },
		func(p EmbeddingParams, _ *layerCtx) (Module, error) {
			e, err := embeddingShell(p.NumEmbeddings, p.EmbeddingDim, p.PaddingIdx)
			if err != nil {
				return nil, err
			}
			e.Sparse = p.Sparse
			return e, nil
		})
}
