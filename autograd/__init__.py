"""autograd: a scalar autograd engine. A `Value` records every op into a graph; `backward()`
applies the chain rule through it."""

from .value import Value, no_grad, dot
from .backward import grad
from .gradcheck import numerical_grad, gradcheck, GradcheckError

__all__ = ["Value", "no_grad", "dot", "grad", "numerical_grad", "gradcheck", "GradcheckError"]
