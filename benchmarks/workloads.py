"""What the benchmark workloads compute: sizes, seeds, data and initial weights, shared by every engine.

Everything here is plain Python and deterministic (seeded ``random.Random``), so each engine's
worker process rebuilds exactly the same data and the same initial weights on its own.
"""

from __future__ import annotations

import math
import random

# W1 seed: the seed's 3-4-1 ReLU net without biases (demo.py), per-example SGD.
SEED_SIZES = [3, 4, 1]
SEED_WEIGHT_SEED = 21  # demo.py's DEFAULT_SEED: a start from which training converges
SEED_INPUTS = [[1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [0.0, 0.0, 1.0], [1.0, 1.0, 1.0]]
SEED_TARGETS = [1.0, 1.0, 0.0, 0.0]
SEED_LR = 0.1
SEED_EPOCHS = 60

# W2 mlp: a 2-16-16-1 ReLU MLP with biases, full-batch mean squared error on two moons.
MLP_SIZES = [2, 16, 16, 1]
MLP_WEIGHT_SEED = 7
MOONS_POINTS = 100
MOONS_SEED = 1
MOONS_NOISE = 0.1
MLP_LR = 0.02

# W6 demo: micrograd's demo.ipynb: MLP(2, [16, 16, 1]) on 100 two-moons points (the data of W2),
# max-margin loss (1/n) sum_i relu(1 - y_i * score_i) + DEMO_ALPHA * sum_p p**2, full-batch SGD with
# lr = 1.0 - 0.9 * k / DEMO_STEPS at step k, DEMO_STEPS steps; the accuracy is measured at every step.
DEMO_WEIGHT_SEED = 1337  # micrograd's random.seed in the notebook
DEMO_ALPHA = 1e-4
DEMO_STEPS = 100


def demo_lr(k: int) -> float:
    """W6: the notebook's learning rate at step k."""
    return 1.0 - 0.9 * k / DEMO_STEPS


# W3 chain: x_(k+1) = x_k * CHAIN_A + CHAIN_B, starting from x_0 = CHAIN_X0.
CHAIN_A = 1.0001
CHAIN_B = 0.001
CHAIN_X0 = 1.0

# W4 memory: graphs of about 10^5 nodes (counting every leaf, constants included).
MEMORY_CHAIN_DEPTH = 25_000  # 4 nodes per step (2 constant leaves, "*", "+") + x_0 = 100,001
MEMORY_WIDE_SIZE = 25_000  # 2 leaves, "*" and about one "+" per product = 99,999

# W5 wide: sum of a_i * b_i over inputs in [-1, 1).
WIDE_SEED = 3


def init_weights(sizes: list[int], bias: bool, seed: int) -> list[list[tuple[list[float], float | None]]]:
    """Initial weights of an MLP with layer sizes ``sizes``, exactly as ``nn.MLP(..., seed=seed)``
    draws them: uniform in [-1, 1) from one ``random.Random(seed)``, layer by layer, neuron by
    neuron, the weights first and then the bias.

    Returns ``layers[l][j] = (weights of neuron j, its bias or None)``.
    """
    rng = random.Random(seed)
    layers = []
    for nin, nout in zip(sizes, sizes[1:]):
        neurons = []
        for _ in range(nout):
            w = [2.0 * rng.random() - 1.0 for _ in range(nin)]
            b = 2.0 * rng.random() - 1.0 if bias else None
            neurons.append((w, b))
        layers.append(neurons)
    return layers


def state_dict_of(layers: list[list[tuple[list[float], float | None]]]) -> dict[str, float]:
    """The weights of `init_weights` under chaingrad's parameter names (``layers.0.neurons.2.w.1``)."""
    state = {}
    for l, neurons in enumerate(layers):
        for j, (w, b) in enumerate(neurons):
            for i, wi in enumerate(w):
                state[f"layers.{l}.neurons.{j}.w.{i}"] = wi
            if b is not None:
                state[f"layers.{l}.neurons.{j}.b"] = b
    return state


def two_moons(n: int = MOONS_POINTS, noise: float = MOONS_NOISE, seed: int = MOONS_SEED):
    """n points on two interleaved half circles with Gaussian noise; targets +1 (upper) and -1 (lower).

    Returns (inputs, targets): a list of [x, y] pairs and a list of floats.
    """
    rng = random.Random(seed)
    inputs, targets = [], []
    for k in range(n):
        upper = k % 2 == 0
        t = math.pi * rng.random()
        if upper:
            x, y = math.cos(t), math.sin(t)
        else:
            x, y = 1.0 - math.cos(t), 0.5 - math.sin(t)
        inputs.append([x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)])
        targets.append(1.0 if upper else -1.0)
    return inputs, targets


def wide_inputs(n: int, seed: int = WIDE_SEED) -> tuple[list[float], list[float]]:
    """Two lists of n floats, uniform in [-1, 1), for the sum of products a_i * b_i."""
    rng = random.Random(seed)
    a = [2.0 * rng.random() - 1.0 for _ in range(n)]
    b = [2.0 * rng.random() - 1.0 for _ in range(n)]
    return a, b


def pairwise_sum(items: list):
    """Sum of ``items`` (floats or any engine's Values) as a balanced tree of "+": adjacent pairs
    are added, level after level, so the graph is about log2(n) deep instead of n deep."""
    items = list(items)
    while len(items) > 1:
        paired = [items[i] + items[i + 1] for i in range(0, len(items) - 1, 2)]
        if len(items) % 2:
            paired.append(items[-1])
        items = paired
    return items[0]


# The graph workloads (W3, W4, W5), written once for every engine whose Value class has the usual
# operators and a backward() that fills .grad: chaingrad's and micrograd's.


def chain_build(value_class, depth: int):
    """W3: x_(k+1) = x_k * a + b for ``depth`` steps; returns (x_0, x_depth)."""
    x0 = value_class(CHAIN_X0)
    x = x0
    for _ in range(depth):
        x = x * CHAIN_A + CHAIN_B
    return x0, x


def wide_build(value_class, a: list[float], b: list[float]):
    """W5: leaves for a and b, their products and the pairwise sum; returns (leaves of a, leaves of b, sum)."""
    va = [value_class(x) for x in a]
    vb = [value_class(y) for y in b]
    return va, vb, pairwise_sum([p * q for p, q in zip(va, vb)])


def backward_from_last(graph) -> float:
    """W3 and W5: backpropagate from the graph's output; returns the gradient of its first leaf
    (d x_depth / d x_0 for the chain, d sum / d a_0 = b_0 for the wide sum)."""
    first, root = graph[0], graph[-1]
    root.backward()
    return (first[0] if isinstance(first, list) else first).grad


def last(graph):
    """The output node of a graph made by `chain_build` or `wide_build`."""
    return graph[-1]


def count_values(root, parents_of) -> int:
    """Number of distinct Values in root's graph (every leaf included); ``parents_of(v)`` gives v's inputs."""
    seen = {id(root)}
    stack = [root]
    while stack:
        for parent in parents_of(stack.pop()):
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return len(seen)
