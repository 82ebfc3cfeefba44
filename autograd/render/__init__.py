"""Pictures of a graph: the finished graph as SVG (`svg`). It loads graphviz, so ``autograd``
imports this package only on first use."""

from .svg import ValueGraph, draw_dot, render_svg, svg_from_dot

__all__ = ["ValueGraph", "draw_dot", "render_svg", "svg_from_dot"]
