"""autograd: a scalar autograd engine. A `Value` records every op into a graph; `backward()`
applies the chain rule through it. `draw_dot` and `render_svg` draw that graph; `step_through` and
`render_html` make a page that shows backprop run through it, one step at a time."""

from .value import Value, no_grad, enable_grad, is_grad_enabled, dot, logsumexp, softmax, maximum, minimum
from .backward import grad
from .gradcheck import numerical_grad, gradcheck, GradcheckError
from .tracing import trace, Traced, TraceWarning
from .function import Function, define_op

__all__ = [
    "Value", "no_grad", "enable_grad", "is_grad_enabled", "dot", "logsumexp", "softmax", "maximum", "minimum", "grad", "numerical_grad", "gradcheck", "GradcheckError",
    "trace", "Traced", "TraceWarning", "Function", "define_op",
    "draw_dot", "render_svg",
    "step_through", "render_html",
]


def __getattr__(name: str):
    # Rendering loads graphviz, so it is imported on first use: the engine itself needs nothing.
    if name in ("draw_dot", "render_svg", "step_through", "render_html"):
        from . import render

        return getattr(render, name)
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")
