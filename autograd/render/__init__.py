"""Pictures of a graph: the finished graph as SVG (`svg`), and a page that steps through its
forward and backward pass (`steps`: `step_through`). Both load graphviz, so ``autograd`` imports this
package only on first use."""

from .svg import ValueGraph, draw_dot, render_svg, svg_from_dot
from .steps import Step, StepThrough, render_html, step_through

__all__ = ["ValueGraph", "draw_dot", "render_svg", "svg_from_dot", "Step", "StepThrough", "render_html",
           "step_through"]
