"""How long one ``opt.step()`` takes on W2's model (the 2-16-16-1 MLP, 337 parameters, grads set),
for each optimizer: the best of 25 runs of 200 steps, in microseconds per step.

    python benchmarks/optimizer_step.py
"""

from __future__ import annotations

import random
import timeit

import workloads
from nn import MLP, SGD, Adagrad, Adam, AdamW, RMSprop

CASES = [
    ("SGD", SGD, {"lr": 1e-12}),
    ("SGD momentum", SGD, {"lr": 1e-12, "momentum": 0.9}),
    ("SGD momentum, weight decay", SGD, {"lr": 1e-12, "momentum": 0.9, "weight_decay": 1e-4}),
    ("Adam", Adam, {"lr": 1e-12}),
    ("AdamW", AdamW, {"lr": 1e-12}),
    ("RMSprop", RMSprop, {"lr": 1e-12}),
    ("Adagrad", Adagrad, {"lr": 1e-12}),
]


def main() -> None:
    model = MLP(workloads.MLP_SIZES[0], workloads.MLP_SIZES[1:], seed=workloads.MLP_WEIGHT_SEED)
    params = model.parameters()
    rng = random.Random(0)
    for p in params:
        p.grad = rng.uniform(-1.0, 1.0)
    print(f"| optimizer ({len(params)} parameters) | µs per step |")
    print("|---|---|")
    for name, optimizer_class, options in CASES:
        optimizer = optimizer_class(params, **options)
        optimizer.step()  # the first step compiles the update rule
        best = min(timeit.repeat(optimizer.step, number=200, repeat=25)) / 200
        print(f"| {name} | {best * 1e6:.1f} |")


if __name__ == "__main__":
    main()
