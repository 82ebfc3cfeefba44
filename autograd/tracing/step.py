"""The fused training step: ``trace(loss_fn, *args, optimizer=opt)`` writes the optimizer's update
into each path's code, after its backward pass, so that one call does what
``opt.zero_grad(); loss_fn(*args).backward(); opt.step()`` does.

The update is the optimizer's own: its `update_rule(group)` (nn/optim.py) gives the statements for
one parameter (``p = p - lr * g``), which are written out for each parameter with p, g and the
parameter's state renamed to its names (``w3 = w3 - lr * d_w3``). Nothing of the update is written
here a second time. The settings the rule reads (``rule.hyper``, e.g. ``lr``) are arguments of the
code, read from the optimizer at every call, so a changed ``opt.lr`` counts at the next call; when
a setting that selects statements changes (momentum from 0 to 0.9), the code is written again.
"""

from __future__ import annotations

import ast
import operator
import re
from typing import Callable

# Names of the update code's own locals: they start with "_", which no rule name may.
CODE_NAMES = ("_optimizer", "_params", "_state", "_group_state", "_fresh", "_State", "_s")


def _rule_key(rule) -> tuple:
    return (rule.hyper, tuple(rule.per_step), tuple(rule.step_state), tuple(rule.per_param),
            tuple(rule.param_state), tuple(rule.functions.items()))


def _names_in(statements: list[str]) -> set[str]:
    return {node.id for s in statements for node in ast.walk(ast.parse(s)) if isinstance(node, ast.Name)}


class OptimizerStep:
    """An optimizer seen by a fused step: its groups' rules, and the arguments of the update code."""

    def __init__(self, optimizer):
        for attribute in ("param_groups", "update_rule", "checked", "state", "group_state", "settings"):
            if not hasattr(optimizer, attribute):
                raise TypeError(f"trace: optimizer must be an optimizer of nn.optim (with update_rule), "
                                f"got {type(optimizer).__name__}")
        self.opt = optimizer
        self._read = operator.itemgetter(*optimizer.settings)
        self.changed = False
        self._prepare()

    def _prepare(self) -> None:
        """Read every group's rule and checked settings, and ready the state its statements read."""
        from nn.optim import state_class  # the optimizer's own state objects

        opt = self.opt
        self.lists = [group["params"] for group in opt.param_groups]
        self.groups = [tuple(params) for params in self.lists]
        self.rules = [opt.update_rule(group) for group in opt.param_groups]
        self.keys = [_rule_key(rule) for rule in self.rules]
        self.reads = [self._cacheable(self._read(group)) for group in opt.param_groups]
        hypers = []
        for i, (group, rule) in enumerate(zip(opt.param_groups, self.rules)):
            settings = opt.checked(group)
            hypers.append(tuple(settings[name] for name in rule.hyper))
            for name, value in rule.step_state.items():  # as opt.step() starts a group's per-step state
                opt.group_state[i].setdefault(name, value)
            for p in group["params"]:  # a state made by other statements gets the new names
                state = opt.state.get(p)
                if state is not None and not set(rule.param_state) <= set(state.names):
                    names = state.names + tuple(n for n in rule.param_state if n not in state.names)
                    values = {**rule.param_state, **dict(state.items())}
                    opt.state[p] = state_class(names)(*[values[n] for n in names])
        self.states = [state_class(tuple(rule.param_state)) for rule in self.rules]
        self.fresh = [cls(*rule.param_state.values()) for cls, rule in zip(self.states, self.rules)]
        self.hypers = hypers
        self._args = self._arguments()

    @staticmethod
    def _cacheable(read: tuple):
        """The settings as read, or None when one may change in place (betas as a list)."""
        return read if all(type(x) in (float, int, bool, tuple) for x in read) else None

    def _arguments(self) -> tuple:
        opt = self.opt
        return tuple((params, opt.state, opt.group_state[i], self.fresh[i], self.states[i], self.hypers[i])
                     for i, params in enumerate(self.groups))

    def arguments(self) -> tuple:
        """The update code's argument for this call: per group its parameters, the state, the
        per-step state, and the checked values of ``rule.hyper``. Sets ``changed`` when the rules'
        statements or the groups changed (the code must then be written again)."""
        groups = self.opt.param_groups
        if len(groups) == len(self.groups):
            for i, group in enumerate(groups):
                read = self.reads[i]
                if read is None or read != self._read(group) or group["params"] is not self.lists[i] \
                        or len(self.lists[i]) != len(self.groups[i]):
                    break
            else:
                return self._args
        keys, groups_before = self.keys, self.groups
        self._prepare()  # checks every setting: a bad one is opt.step()'s ValueError
        if self.keys != keys or self.groups != groups_before:
            self.changed = True
        return self._args

    def params(self) -> list:
        return [p for params in self.groups for p in params]

    def reserved(self) -> set[str]:
        """Every name the rules' statements use besides p, g and the per-parameter state, and the
        update code's own: the nodes' names must avoid them."""
        names = set(CODE_NAMES) | set(self.functions())
        for rule in self.rules:
            names |= set(rule.hyper) | set(rule.step_state) | set(rule.functions)
            names |= _names_in(rule.per_step) | (_names_in(rule.per_param) - {"p", "g"} - set(rule.param_state))
        return names

    def functions(self) -> dict[str, Callable]:
        """What the update code calls, by the names it calls them: a rule's function keeps its name
        unless the generated code has another function of that name (the op sqrt), then it is
        ``optimizer_<name>``."""
        from .codegen import _namespace

        taken = _namespace()
        functions: dict[str, Callable] = {}
        self.aliases: dict[str, str] = {}
        for rule in self.rules:
            for name, f in rule.functions.items():
                alias = name if taken.get(name, f) is f else f"optimizer_{name}"
                self.aliases[name] = alias
                functions[alias] = f
        return functions

    def lines(self, value_of: dict, grad_of: dict, fresh: Callable[[str], str], indent: str,
              grad_name_of: dict | None = None) -> list[str]:
        """The update code, after the backward pass: for each group its per-step statements, then for
        each parameter: its .grad (zero_grad's 0.0 plus the gradient backward adds), the rule's
        statements with p, g and the state renamed, its new .data and its state. ``value_of`` and
        ``grad_of`` map a parameter to its local name and its gradient's, where the path has them;
        ``fresh(base)`` gives a new local name."""
        out: list[str] = []
        self.functions()
        for i, (params, rule) in enumerate(zip(self.groups, self.rules)):
            calls = {name: alias for name, alias in self.aliases.items() if name != alias}
            kind = type(self.opt).__name__
            out.append(f"{indent}# {kind}'s step{f' for group {i}' if len(self.groups) > 1 else ''}: the update "
                       f"rule for each parameter, p = its number, g = its gradient")
            hyper = ", ".join(rule.hyper) + ("," if len(rule.hyper) == 1 else "")
            out.append(f"{indent}_params, _state, _group_state, _fresh, _State, ({hyper}) = _optimizer[{i}]")
            out += [f"{indent}{name} = _group_state[{name!r}]" for name in rule.step_state]
            out += [f"{indent}{_renamed(ast.parse(statement), calls)}" for statement in rule.per_step]
            out += [f"{indent}_group_state[{name!r}] = {name}" for name in rule.step_state]
            # each statement written once with placeholders for p, g and the state (names no rule
            # or code name can be), then for each parameter with its names in their places
            holders = {"p": "_P_", "g": "_G_", **{name: f"_S_{name}" for name in rule.param_state}}
            templates = [_renamed(ast.parse(statement), {**calls, **holders}) for statement in rule.per_param]
            placeholder = re.compile(r"\b(?:_P_|_G_|_S_\w+)\b")
            for k, p in enumerate(params):
                name = value_of.get(p)
                if name is None:
                    name = value_of[p] = fresh(f"q{k}")
                    out.append(f"{indent}{name} = _params[{k}].data")
                total = grad_of.get(p)
                g = (grad_name_of or {}).get(p) or fresh(f"d_{name}")  # p's own: the rule may assign g
                if total is None:  # the loss does not depend on p: its grad stays zero_grad's 0.0
                    out.append(f"{indent}_params[{k}].grad = {g} = 0.0")
                else:
                    out.append(f"{indent}_params[{k}].grad = {g} = 0.0 + {total}")
                rename = {"_P_": name, "_G_": g}
                for state_name in rule.param_state:
                    rename[f"_S_{state_name}"] = rename[state_name] = fresh(f"{state_name}_{name}")
                if rule.param_state:
                    out.append(f"{indent}_s = _state.get(_params[{k}], _fresh)")
                    out += [f"{indent}{rename[s]} = _s.{s}" for s in rule.param_state]
                out += [f"{indent}{placeholder.sub(lambda m: rename[m.group(0)], t)}" for t in templates]
                out.append(f"{indent}_params[{k}].data = {name}")
                if rule.param_state:
                    values = ", ".join(rename[s] for s in rule.param_state)
                    out.append(f"{indent}if _s is _fresh:")
                    out.append(f"{indent}    _state[_params[{k}]] = _State({values})")
                    out.append(f"{indent}else:")
                    out += [f"{indent}    _s.{s} = {rename[s]}" for s in rule.param_state]
        return out


def _renamed(tree: ast.Module, rename: dict[str, str]) -> str:
    """A rule's statement with its names renamed (p, g and the state to one parameter's)."""

    class Rename(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.Name:
            return ast.copy_location(ast.Name(rename.get(node.id, node.id), node.ctx), node)

    return ast.unparse(Rename().visit(ast.parse(ast.unparse(tree))))
