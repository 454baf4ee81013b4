package nn

import (
	"github.com/mlforge/mlforge/tensor"
)

// Add returns a + b element-wise; b may also have a's last dimension only
// (a bias broadcast over rows) or a single element.
func (g *Graph) Add(a, b *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	na, nb := len(a.Data.Data), len(b.Data.Data)
	if !sameShape(a.Data.Shape, b.Data.Shape) && nb != 1 && !(b.Data.Dim() == 1 && a.Data.Dim() > 0 && a.Data.Shape[a.Data.Dim()-1] == nb) {
		return g.fail("Add: shapes %v and %v do not broadcast (expected equal shapes, a vector of the last dimension or a scalar)", a.Data.Shape, b.Data.Shape)
	}
	out := g.bufLike(a.Data)
	o, x, y := out.Data, a.Data.Data, b.Data.Data
	for i := 0; i < na; i += nb {
		addTo(o[i:i+nb], x[i:i+nb], y)
	}
	return g.newNode(out, addBack, a, b, nil)
}

func addBack(n *Var) {
	gy := n.Grad.Data
	if n.a.requiresGrad {
		axpy(n.a.grad(), 1, gy)
	}
	if n.b.requiresGrad {
		gb := n.b.grad()
		nb := len(gb)
		for i := 0; i < len(gy); i += nb {
			axpy(gb, 1, gy[i:i+nb])
		}
	}
}

// Sub returns a - b for tensors of the same shape.
func (g *Graph) Sub(a, b *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	if !sameShape(a.Data.Shape, b.Data.Shape) {
		return g.fail("Sub: shapes %v and %v differ", a.Data.Shape, b.Data.Shape)
	}
	out := g.bufLike(a.Data)
	for i, x := range a.Data.Data {
		out.Data[i] = x - b.Data.Data[i]
	}
	return g.newNode(out, subBack, a, b, nil)
}

func subBack(n *Var) {
	gy := n.Grad.Data
	if n.a.requiresGrad {
		axpy(n.a.grad(), 1, gy)
	}
	if n.b.requiresGrad {
		axpy(n.b.grad(), -1, gy)
	}
}

// Mul returns a * b element-wise for tensors of the same shape.
func (g *Graph) Mul(a, b *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	if !sameShape(a.Data.Shape, b.Data.Shape) {
		return g.fail("Mul: shapes %v and %v differ", a.Data.Shape, b.Data.Shape)
	}
	out := g.bufLike(a.Data)
	for i, x := range a.Data.Data {
		out.Data[i] = x * b.Data.Data[i]
	}
	return g.newNode(out, mulBack, a, b, nil)
}

func mulBack(n *Var) {
	gy := n.Grad.Data
	if n.a.requiresGrad {
		ga, y := n.a.grad(), n.b.Data.Data
		for i, v := range gy {
			ga[i] += v * y[i]
		}
	}
	if n.b.requiresGrad {
		gb, x := n.b.grad(), n.a.Data.Data
		for i, v := range gy {
			gb[i] += v * x[i]
		}
	}
}

// Scale returns s * a.
func (g *Graph) Scale(a *Var, s float32) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	out := g.bufLike(a.Data)
	for i, x := range a.Data.Data {
		out.Data[i] = s * x
	}
	n := g.newNode(out, scaleBack, a, nil, nil)
	n.f[0] = s
	return n
}

func scaleBack(n *Var) {
	if n.a.requiresGrad {
		axpy(n.a.grad(), n.f[0], n.Grad.Data)
	}
}

// MatMul returns the matrix product of a (m x k) and b (k x n).
func (g *Graph) MatMul(a, b *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	if a.Data.Dim() != 2 || b.Data.Dim() != 2 || a.Data.Shape[1] != b.Data.Shape[0] {
		return g.fail("MatMul: shapes %v and %v do not multiply (expected m x k and k x n)", a.Data.Shape, b.Data.Shape)
	}
	m, k, nn := a.Data.Shape[0], a.Data.Shape[1], b.Data.Shape[1]
	out := g.buf(m, nn)
	tensor.Gemm(false, false, m, nn, k, 1, a.Data.Data, k, b.Data.Data, nn, 0, out.Data, nn)
	return g.newNode(out, matMulBack, a, b, nil)
}

func matMulBack(n *Var) {
	m, k, nn := n.a.Data.Shape[0], n.a.Data.Shape[1], n.b.Data.Shape[1]
	gy := n.Grad.Data
	if n.a.requiresGrad {
		tensor.Gemm(false, true, m, k, nn, 1, gy, nn, n.b.Data.Data, nn, 1, n.a.grad(), k)
	}
	if n.b.requiresGrad {
		tensor.Gemm(true, false, k, nn, m, 1, n.a.Data.Data, k, gy, nn, 1, n.b.grad(), nn)
	}
}

// Sum returns the sum of all elements as a one-element tensor.
func (g *Graph) Sum(a *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	out := g.buf(1)
	out.Shape = out.Shape[:0]
	out.Data[0] = float32(sum64(a.Data.Data))
	n := g.newNode(out, sumBack, a, nil, nil)
	n.f[0] = 1
	return n
}

// Mean returns the mean of all elements as a one-element tensor.
func (g *Graph) Mean(a *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	out := g.buf(1)
	out.Shape = out.Shape[:0]
	cnt := float32(len(a.Data.Data))
	out.Data[0] = float32(sum64(a.Data.Data) / float64(cnt))
	n := g.newNode(out, sumBack, a, nil, nil)
	n.f[0] = 1 / cnt
	return n
}

func sumBack(n *Var) {
	if n.a.requiresGrad {
		ga := n.a.grad()
		v := n.Grad.Data[0] * n.f[0]
		for i := range ga {
			ga[i] += v
		}
	}
}

// Reshape returns a view of a with a new shape of the same size (the data
// is shared, the gradient is not); one dimension may be -1 and is inferred.
func (g *Graph) Reshape(a *Var, shape ...int) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	n, infer := 1, -1
	for i, d := range shape {
		if d == -1 && infer < 0 {
			infer = i
		} else if d < 0 {
			return g.fail("Reshape: invalid shape %v", shape)
		} else {
			n *= d
		}
	}
	total := len(a.Data.Data)
	if infer >= 0 && n > 0 && total%n == 0 {
		n = total
	}
	if n != total {
		return g.fail("Reshape: cannot view shape %v (%d elements) as %v", a.Data.Shape, total, shape)
	}
	out := g.view(a.Data.Data, shape)
	if infer >= 0 {
		p := 1
		for i, d := range shape {
			if i != infer {
				p *= d
			}
		}
		out.Shape[infer] = total / max(p, 1)
	}
	return g.newNode(out, copyBack, a, nil, nil)
}

// copyBack adds the gradient to a parent of the same size (views, copies).
func copyBack(n *Var) {
	if n.a.requiresGrad {
		ga, acc := n.a.gradOut()
		if acc {
			axpy(ga, 1, n.Grad.Data)
		} else {
			copy(ga, n.Grad.Data)
		}
	}
}

// axpy computes y += alpha*x over len(y) elements.
func axpy(y []float32, alpha float32, x []float32) {
	tensor.Axpy(alpha, x[:len(y)], y)
}

// addTo computes o = x + y.
func addTo(o, x, y []float32) {
	x, y = x[:len(o)], y[:len(o)]
	for i := range o {
		o[i] = x[i] + y[i]
	}
}

// sum64 sums in float64.
func sum64(x []float32) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += float64(x[i])
		s1 += float64(x[i+1])
		s2 += float64(x[i+2])
		s3 += float64(x[i+3])
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i])
	}
	return s0 + s1 + s2 + s3
}
