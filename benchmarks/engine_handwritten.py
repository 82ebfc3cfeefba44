"""The workloads in plain Python floats with hand-derived derivatives: no graph objects at all.

This is the same math as the other engines (same operation order, so the same rounding where it
matters), and the practical lower bound for pure Python.
"""

from __future__ import annotations

import workloads

NAME = "handwritten"


def seed_network(layers):
    """W1: the no-bias 3-4-1 net as nested lists of floats: net[l][j] = neuron j's weights."""
    return [[list(w) for w, _ in neurons] for neurons in layers]


def _seed_forward(net, x):
    """Forward pass; returns (output, pre-activations of layer 0, hidden activations)."""
    w1, w2 = net
    z = []
    for w in w1:
        s = 0.0
        for wi, xi in zip(w, x):
            s += wi * xi
        z.append(s)
    h = [zj if zj > 0.0 else 0.0 for zj in z]
    out = 0.0
    for wj, hj in zip(w2[0], h):
        out += wj * hj
    return out, z, h


def seed_train(net, inputs, targets, lr: float, epochs: int) -> float:
    """W1: per-example SGD on (out - y)**2 with derivatives worked out by hand; returns the last
    epoch's error (the mean of the examples' squared errors, each measured after its own update)."""
    w1, w2 = net
    v = w2[0]
    error = float("nan")
    for _ in range(epochs):
        total = 0.0
        for x, y in zip(inputs, targets):
            out, z, h = _seed_forward(net, x)
            g = 2.0 * (out - y)  # d(out - y)**2 / d out
            for j, w in enumerate(w1):
                gz = g * v[j] if z[j] > 0.0 else 0.0  # through the output weight and the ReLU
                v[j] -= lr * (g * h[j])
                for i, xi in enumerate(x):
                    w[i] -= lr * (gz * xi)
            out, _, _ = _seed_forward(net, x)
            total += (out - y) * (out - y)
        error = total / len(inputs)
    return error


def mlp_model(layers):
    """W2: per layer, (weight rows, biases) as lists of floats."""
    return [([list(w) for w, _ in neurons], [b for _, b in neurons]) for neurons in layers]


def mlp_step(model, inputs, targets) -> float:
    """W2: one full-batch step of mean squared error, backpropagated by hand; returns the loss."""
    last = len(model) - 1
    grads = [([[0.0] * len(row) for row in w], [0.0] * len(b)) for w, b in model]
    n = len(inputs)
    total = 0.0
    for x, y in zip(inputs, targets):
        acts, pres = [x], []
        h = x
        for l, (w, b) in enumerate(model):
            z = []
            for row, bj in zip(w, b):
                s = bj
                for wi, hi in zip(row, h):
                    s += wi * hi
                z.append(s)
            pres.append(z)
            h = z if l == last else [zj if zj > 0.0 else 0.0 for zj in z]
            acts.append(h)
        diff = h[0] - y
        total += diff * diff
        gd = diff / n
        g = [gd + gd]  # d loss / d output = 2 * diff / n
        for l in range(last, -1, -1):
            w, _ = model[l]
            gw, gb = grads[l]
            if l != last:  # through the ReLU
                g = [gj if zj > 0.0 else 0.0 for gj, zj in zip(g, pres[l])]
            inp = acts[l]
            for j, gj in enumerate(g):
                gb[j] += gj
                row = gw[j]
                for i, xi in enumerate(inp):
                    row[i] += gj * xi
            if l > 0:
                g = [sum(w[j][i] * g[j] for j in range(len(g))) for i in range(len(inp))]
    lr = workloads.MLP_LR
    for (w, b), (gw, gb) in zip(model, grads):
        for row, grow in zip(w, gw):
            for i, gi in enumerate(grow):
                row[i] -= lr * gi
        for j, gj in enumerate(gb):
            b[j] -= lr * gj
    return total / n


def chain_build(depth: int):
    """W3: the forward pass x_(k+1) = x_k * a + b in floats; returns (depth, x_depth)."""
    a, b = workloads.CHAIN_A, workloads.CHAIN_B
    x = workloads.CHAIN_X0
    for _ in range(depth):
        x = x * a + b
    return depth, x


def chain_backward(graph) -> float:
    """W3: d x_depth / d x_0 = a**depth, accumulated step by step as backpropagation would."""
    depth, _ = graph
    a = workloads.CHAIN_A
    g = 1.0
    for _ in range(depth):
        g = g * a
    return g


def wide_build(a: list[float], b: list[float]):
    """W5: the pairwise sum of the products a_i * b_i; returns (a, b, sum)."""
    return a, b, workloads.pairwise_sum([x * y for x, y in zip(a, b)])


def wide_backward(graph) -> float:
    """W5: d sum / d a_i = b_i and d sum / d b_i = a_i; returns d sum / d a_0."""
    a, b, _ = graph
    g = 1.0
    grad_a = [g * y for y in b]
    grad_b = [g * x for x in a]
    del grad_b  # computed because backward must produce every gradient
    return grad_a[0]


def root_of(graph):
    """The output of `chain_build` or `wide_build` (a float)."""
    return graph[-1]


def count_nodes(root) -> None:
    """No graph, so no nodes."""
    return None
