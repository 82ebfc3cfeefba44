"""The tiny neural net: a 3-4-1 ReLU network without biases learns four examples, trained once with
finite-difference gradients, once with backpropagation and once with a traced step (backpropagation
replayed as generated code), from the same initial weights.

    python demo.py [--seed N] [--epochs N] [--lr X] [--svg PATH] [--html PATH] [--code PATH]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from autograd import Value, no_grad, numerical_grad, render_html, render_svg, trace
from autograd.files import write_atomically
from nn import MLP, SGD, mse_loss

INPUTS = [[1, 0, 1], [0, 1, 1], [0, 0, 1], [1, 1, 1]]
TARGETS = [1, 1, 0, 0]
FD_STEP = 1e-6  # finite-difference step; the post's 1e-4 drifts near the ReLU kinks
DEFAULT_SEED = 21  # a seed whose training converges (error < 1e-10 after 60 epochs)


def seed_network(seed: int) -> MLP:
    """The post's net: layers[0].neurons[j].w[i] is weights_0_1[j, i], layers[1].neurons[0].w[j] is weights_1_2[0, j]."""
    return MLP(3, [4, 1], activation="relu", bias=False, seed=seed)


def backprop_gradients(model: MLP, x: list[int], y: int) -> list[float]:
    """d(squared error)/d(parameter) for each parameter, by backpropagation."""
    model.zero_grad()
    mse_loss(model(x), y).backward()
    return [p.grad for p in model.parameters()]


def finite_difference_gradients(model: MLP, x: list[int], y: int) -> list[float]:
    """d(squared error)/d(parameter) for each parameter, by central finite differences."""
    params = model.parameters()
    start = [p.data for p in params]

    def loss_at(*values):
        for p, v in zip(params, values):
            p.data = v.data
        return mse_loss(model(x), y)

    try:
        return numerical_grad(loss_at, start, eps=FD_STEP)
    finally:
        for p, s in zip(params, start):
            p.data = s


def train_epoch(model: MLP, optimizer: SGD, gradients) -> float:
    """One pass of per-example SGD; returns the mean squared error of the examples, each measured
    right after its own update (as the post does)."""
    total = 0.0
    for x, y in zip(INPUTS, TARGETS):
        for p, g in zip(model.parameters(), gradients(model, x, y)):
            p.grad = g
        optimizer.step()
        with no_grad():
            total += mse_loss(model(x), y).data
    return total / len(INPUTS)


def traced_step(model: MLP):
    """One example's squared error, traced once: the generated code does forward and backward. Its
    nodes are named as in the post, with names that are Python identifiers: inputs a0_i, weights
    w01_j_i and w12_j, hidden activations a1_j, output a2, error."""
    for j, neuron in enumerate(model.layers[0].neurons):
        for i, w in enumerate(neuron.w):
            w.label = f"w01_{j}_{i}"
    for j, w in enumerate(model.layers[1].neurons[0].w):
        w.label = f"w12_{j}"

    def error(x, y):
        hidden = model.layers[0](x)
        for j, a in enumerate(hidden):
            a.label = f"a1_{j}"
        a2 = model.layers[1](hidden)[0]
        a2.label = "a2"
        loss = mse_loss(a2, y)
        loss.label = "error"
        return loss

    return trace(error, [Value(v, f"a0_{i}") for i, v in enumerate(INPUTS[0])], Value(TARGETS[0], "y"))


def replayed_gradients(step):
    """Gradients by replaying the traced step (it adds them to the parameters' .grad)."""
    def gradients(model: MLP, x: list[int], y: int) -> list[float]:
        model.zero_grad()
        step(x, y)
        return [p.grad for p in model.parameters()]

    return gradients


def largest_gradient_gap(model: MLP) -> float:
    """max |finite difference - backprop| over every parameter and example, at the current weights."""
    return max(
        abs(f - b)
        for x, y in zip(INPUTS, TARGETS)
        for f, b in zip(finite_difference_gradients(model, x, y), backprop_gradients(model, x, y))
    )


def labelled_loss(model: MLP, x: list[int], y: int) -> Value:
    """One example's squared error after backward(), its nodes named as in the post: inputs a0[i],
    weights w01[j,i] and w12[0,j], hidden activations a1[j], output a2."""
    for j, neuron in enumerate(model.layers[0].neurons):
        for i, w in enumerate(neuron.w):
            w.label = f"w01[{j},{i}]"
    for j, w in enumerate(model.layers[1].neurons[0].w):
        w.label = f"w12[0,{j}]"
    hidden = model.layers[0]([Value(v, f"a0[{i}]") for i, v in enumerate(x)])
    for j, a in enumerate(hidden):
        a.label = f"a1[{j}]"
    out = model.layers[1](hidden)[0]
    out.label = "a2"
    loss = mse_loss(out, Value(y, "y"))
    loss.label = "error"
    loss.backward()
    return loss


def positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def positive_float(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 < x < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return x


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Train the tiny 3-4-1 ReLU net twice from the same initial weights: with "
        "finite-difference gradients and with backpropagation, and compare them."
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"random seed for the initial weights (default {DEFAULT_SEED}, which converges)")
    parser.add_argument("--epochs", type=positive_int, default=60,
                        help="passes over the four examples (default 60)")
    parser.add_argument("--lr", type=positive_float, default=0.1,
                        help="SGD learning rate (default 0.1)")
    parser.add_argument("--svg", type=Path, default=Path("graph.svg"),
                        help="where to write the computation graph of one example's loss (default graph.svg)")
    parser.add_argument("--html", type=Path, default=Path("backprop.html"),
                        help="where to write the step-through page of backprop through that loss "
                        "(default backprop.html)")
    parser.add_argument("--code", type=Path, default=Path("backprop.py"),
                        help="where to write the code trace generates for one example's loss (default backprop.py)")
    args = parser.parse_args(argv)
    if not args.svg.parent.is_dir():
        parser.error(f"--svg: folder does not exist: {args.svg.parent}")
    if not args.html.parent.is_dir():
        parser.error(f"--html: folder does not exist: {args.html.parent}")
    if not args.code.parent.is_dir():
        parser.error(f"--code: folder does not exist: {args.code.parent}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    initial = seed_network(args.seed).state_dict()  # plain floats: a true copy of the weights
    runs = {}
    for name, gradients in (("finite differences", finite_difference_gradients), ("backpropagation", backprop_gradients)):
        model = seed_network(args.seed)
        model.load_state_dict(initial)
        runs[name] = (model, SGD(model.parameters(), lr=args.lr), gradients)
    model = seed_network(args.seed)
    model.load_state_dict(initial)
    step = traced_step(model)
    runs["traced"] = (model, SGD(model.parameters(), lr=args.lr), replayed_gradients(step))

    print(f"A 3-4-1 ReLU net without biases (seed {args.seed}), per-example SGD, lr {args.lr}, "
          f"{args.epochs} epochs, trained three times from the same initial weights.")
    gap = largest_gradient_gap(runs["backpropagation"][0])
    print(f"Largest |finite difference - backprop| gradient gap at the initial weights: {gap:.3g}\n")

    print(f"{'epoch':>5}  {'finite differences':>20}  {'backpropagation':>20}  {'traced':>20}")
    for epoch in range(1, args.epochs + 1):
        errors = [train_epoch(*run) for run in runs.values()]
        if epoch % 10 == 0 or epoch == args.epochs:
            print(f"{epoch:>5}  {errors[0]:>20.12e}  {errors[1]:>20.12e}  {errors[2]:>20.12e}")

    model = runs["backpropagation"][0]
    print("\nThe trained net (backpropagation run):")
    print(f"{'input':<11}{'target':>6}  {'prediction':>12}")
    with no_grad():
        for x, y in zip(INPUTS, TARGETS):
            print(f"{str(x):<11}{y:>6}  {model(x).data:>12.8f}")

    x, y = INPUTS[0], TARGETS[0]
    loss = labelled_loss(model, x, y)
    path = render_svg(loss, args.svg)
    print(f"\nComputation graph of the loss for input {x}, after backward(): {path}")
    print(f"Backprop through it step by step, a page to open in a browser: {render_html(loss, args.html)}")
    code = write_atomically(args.code, "# The forward and backward passes of one example's squared error, as\n"
                            "# autograd.trace generated them for the demo's traced run (python demo.py). It runs\n"
                            "# with the op table's functions (relu, ...) in scope; here it is to be read.\n\n" + step.source)
    print(f"Generated forward and backward code of that loss (the traced run): {code}")
    return 0


if __name__ == "__main__":
    try:
        status = main()
        sys.stdout.flush()  # here, so a closed pipe is noticed inside the try
    except BrokenPipeError:  # `python demo.py | head`: the reader stopped reading, which is fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        status = 1
    sys.exit(status)
