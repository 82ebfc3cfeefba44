"""Optimizers: turn each parameter's ``.grad`` into a step, with the update rules of PyTorch's
``torch.optim.SGD``, ``torch.optim.Adam`` and ``torch.optim.AdamW``, weight decay included.

Each optimizer writes its update once, as data: `Optimizer.update_rule` gives a group's `UpdateRule`,
the Python statements for one parameter (``'p = p - lr * g'``), and `Optimizer.step` runs exactly
those statements, compiled once per rule into a loop over the group's parameters. A fused traced
training step and the step-through page read the same rule, so all three give the same numbers.
"""

from __future__ import annotations

import ast
import keyword
import math
from typing import Any, Callable, Iterable

from autograd import Value

from ._checks import is_finite_real


def _check_number(name: str, x: object, low: float, below: float | None = None) -> float:
    """x as a float; ValueError unless it is a finite real number >= low (and < below, if given)."""
    if type(x) is float and low <= x < math.inf and (below is None or x < below):  # every step: the common case first
        return x
    if not is_finite_real(x) or x < low or (below is not None and not x < below):
        bound = f" and < {below}" if below is not None else ""
        raise ValueError(f"{name} must be a finite number >= {low}{bound}, got {x!r}")
    return float(x)


class UpdateRule:
    """One parameter group's update, as Python statements (the contract shared by `Optimizer.step`,
    ``trace(..., optimizer=)`` and ``step_through(..., optimizer=)``):

    - ``hyper``: the names read from the group at every step (``('lr', 'momentum')``), so a changed
      ``group['lr']`` counts at the next step; `Optimizer.hypers` gives their checked values.
    - ``per_step``: statements run once per step, before the parameters, on the hyper names and the
      per-step state (Adam: ``'beta1, beta2 = betas'``).
    - ``step_state``: name -> initial value of the per-step state, kept in ``opt.group_state[i]``
      for group i (``opt.state`` holds per-parameter state only, as in PyTorch).
    - ``per_param``: statements for ONE parameter: they read ``p`` (its number) and ``g`` (its
      gradient) and the per-parameter state, and assign the new ``p`` and the new state.
    - ``param_state``: name -> initial value of the per-parameter state, kept in ``opt.state[p]``.
    - ``functions``: the names the statements may call (``{'sqrt': math.sqrt}``).

    Every name is a plain identifier that does not start with ``_``.
    """

    __slots__ = ("hyper", "per_step", "step_state", "per_param", "param_state", "functions")

    def __init__(
        self,
        hyper: tuple[str, ...],
        per_param: list[str],
        param_state: dict[str, Any] | None = None,
        per_step: list[str] | None = None,
        step_state: dict[str, Any] | None = None,
        functions: dict[str, Callable] | None = None,
    ):
        self.hyper = tuple(hyper)
        self.per_step = list(per_step or [])
        self.step_state = dict(step_state or {})
        self.per_param = list(per_param)
        self.param_state = dict(param_state or {})
        self.functions = dict(functions or {})
        names = [*self.hyper, *self.step_state, *self.param_state, *self.functions]
        for name in names:
            if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_") or name in ("p", "g"):
                raise ValueError(f"update rule name {name!r} must be an identifier not starting with _ (and not p or g)")
        if len(set(names)) != len(names):
            raise ValueError(f"update rule names must differ, got {names}")

    def __repr__(self) -> str:
        return f"UpdateRule(hyper={self.hyper}, per_step={self.per_step}, per_param={self.per_param})"

    def source(self) -> str:
        """The Python function `Optimizer.step` runs for one group: ``step(params, state, group_state,
        fresh, *hyper)``. The loop reads no ``.grad`` twice: a parameter whose grad is None fails
        (TypeError) at the statements' first use of ``g``, before anything of it is stored, and the
        loop skips it and goes on."""
        pad = " " * 16
        lines = [f"def step(_params, _state, _group_state, _fresh, {', '.join(self.hyper)}):"]
        lines += [f"    {name} = _group_state[{name!r}]" for name in self.step_state]
        lines += [f"    {statement}" for statement in self.per_step]
        lines += [f"    _group_state[{name!r}] = {name}" for name in self.step_state]
        lines += [
            "    _params = iter(_params)",
            "    while True:",
            "        try:",
            "            for _param in _params:",
        ]
        if self.param_state:
            lines.append("                _s = _state.get(_param, _fresh)")
            lines += [f"{pad}{name} = _s.{name}" for name in self.param_state]
        lines += [f"{pad}{line}" for line in _loop_body(self.per_param)]
        if self.param_state:
            lines += [
                "                if _s is _fresh:",
                f"                    _state[_param] = _State({', '.join(self.param_state)})",
                "                else:",
            ]
            lines += [f"                    _s.{name} = {name}" for name in self.param_state]
        lines += [
            "            return",
            "        except TypeError:",
            "            if _param.grad is not None:",
            "                raise",
        ]
        return "\n".join(lines) + "\n"

    def compiled(self) -> Callable:
        """`source` as a function (compiled once per distinct rule)."""
        source = self.source()
        key = (source, tuple(self.functions.items()))
        step = _COMPILED.get(key)
        if step is None:
            namespace = {**self.functions, "_State": state_class(tuple(self.param_state))}
            exec(compile(source, "<update rule>", "exec"), namespace)
            step = _COMPILED[key] = namespace["step"]
        return step


_COMPILED: dict = {}  # (source, functions) -> the compiled step function


def _loop_body(statements: list[str]) -> list[str]:
    """The loop's lines for one parameter ``_param``: the statements between ``g = _param.grad``,
    ``p = _param.data`` and ``_param.data = p``, without those locals where the same operations in
    the same order need none (plain SGD: ``_param.data = _param.data - lr * _param.grad``, as fast
    as a loop written by hand): g when it is read once and never assigned, p when only the last
    statement ``p = <expression>`` reads it, at most once."""
    trees = [ast.parse(statement).body[0] for statement in statements]

    def names(tree: ast.AST, context: type) -> list[str]:
        return [node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, context)]

    last = trees[-1] if trees else None
    keep_p = not (
        isinstance(last, ast.Assign) and len(last.targets) == 1 and isinstance(last.targets[0], ast.Name)
        and last.targets[0].id == "p" and names(last.value, ast.Load).count("p") <= 1
        and not any("p" in names(tree, ast.Load) + names(tree, ast.Store) for tree in trees[:-1])
    )
    keep_g = sum(names(tree, ast.Load).count("g") for tree in trees) != 1 or any("g" in names(tree, ast.Store) for tree in trees)
    if keep_p and keep_g:
        return ["g = _param.grad", "p = _param.data", *statements, "_param.data = p"]
    fields = {name: attribute for name, attribute, keep in (("p", "data", keep_p), ("g", "grad", keep_g)) if not keep}

    class Fields(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            if node.id in fields:
                return ast.copy_location(ast.Attribute(ast.Name("_param", ast.Load()), fields[node.id], ast.Load()), node)
            return node

    lines = ["g = _param.grad"] if keep_g else []
    lines += ["p = _param.data"] if keep_p else []
    lines += [ast.unparse(Fields().visit(tree)) for tree in trees[:-1]]
    if keep_p:
        lines += [ast.unparse(Fields().visit(last)), "_param.data = p"]
    else:
        lines.append(f"_param.data = {ast.unparse(Fields().visit(last.value))}")
    return lines


class ParamState:
    """One parameter's optimizer state (``opt.state[p]``): read and set it as a dict,
    ``opt.state[p]['m']``, or as attributes, ``opt.state[p].m``. (Slots rather than a dict: the
    update loop reads and writes them for every parameter at every step.)"""

    __slots__ = ()
    names: tuple[str, ...] = ()

    def __init__(self, *values: Any):
        for name, value in zip(self.names, values, strict=True):
            setattr(self, name, value)

    def __getitem__(self, name: str) -> Any:
        if name not in self.names:
            raise KeyError(name)
        return getattr(self, name)

    def __setitem__(self, name: str, value: Any) -> None:
        if name not in self.names:
            raise KeyError(f"this parameter's state has {list(self.names)}, not {name!r}")
        setattr(self, name, value)

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __iter__(self):
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def keys(self):
        return list(self.names)

    def items(self):
        return [(name, getattr(self, name)) for name in self.names]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (ParamState, dict)):
            return dict(self.items()) == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(dict(self.items()))


_STATE_CLASSES: dict[tuple[str, ...], type] = {}


def state_class(names: tuple[str, ...]) -> type:
    """The `ParamState` class holding exactly these names (one class per tuple of names)."""
    cls = _STATE_CLASSES.get(names)
    if cls is None:
        cls = _STATE_CLASSES[names] = type("ParamState", (ParamState,), {"__slots__": names, "names": names})
    return cls


class Optimizer:
    """Holds the parameters to update, in groups; `zero_grad` sets their grads back to 0.0.

    ``params`` is a list of Values, or (as in PyTorch) a list of dicts, each a group with its own
    ``'params'`` and any settings that differ from the optimizer's arguments:
    ``SGD([{'params': a}, {'params': b, 'lr': 0.01}], lr=0.1)``. ``opt.param_groups`` is that list of
    dicts with every setting filled in; change ``group['lr']`` between steps for a schedule.
    ``opt.lr`` (and each other setting) reads and sets the one group's value when there is one group.
    ``opt.state[p]`` is parameter p's state (Adam's m and v), made at p's first step.
    """

    defaults: dict[str, Any] = {}

    def __init__(self, params: Iterable[Value] | Iterable[dict], defaults: dict[str, Any]):
        if isinstance(params, (Value, dict)) or not hasattr(params, "__iter__"):
            raise TypeError(f"optimizer needs a list of Values (e.g. model.parameters()), got {type(params).__name__}")
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty list of parameters")
        object.__setattr__(self, "_defaults", dict(defaults))
        self.param_groups: list[dict] = []
        self.state: dict[Value, dict] = {}
        self.group_state: list[dict] = []
        self._rules: list = []  # per group: (settings that select statements, rule, compiled step)
        self._one_list = not any(isinstance(group, dict) for group in params)
        if not self._one_list and all(isinstance(group, dict) for group in params):
            for group in params:
                self.add_param_group(group)
        elif not self._one_list:
            raise TypeError("optimizer needs a list of Values or a list of parameter groups (dicts), not both")
        else:
            self.add_param_group({"params": params})
        for group in self.param_groups:
            self.hypers(group)  # bad settings are refused here already

    def add_param_group(self, group: dict) -> None:
        """Add a group of parameters (a dict with ``'params'``), its unset settings taken from the
        optimizer's arguments."""
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError("a parameter group must be a dict with a 'params' entry")
        params = group["params"]
        if isinstance(params, Value) or not hasattr(params, "__iter__"):
            raise TypeError(f"a group's 'params' must be a list of Values, got {type(params).__name__}")
        params = list(params)
        for i, p in enumerate(params):
            if not isinstance(p, Value):
                where = f"index {i}" if self._one_list else f"index {i} of group {len(self.param_groups)}"
                raise TypeError(f"optimizer parameters must be Values, got {type(p).__name__} at {where}")
        seen = set(self.params)
        if len(set(params)) != len(params) or seen.intersection(params):
            raise ValueError("optimizer got the same parameter more than once")
        group = {**self._defaults, **group, "params": params}
        self.param_groups.append(group)
        self.group_state.append({})
        self._rules.append(None)

    @property
    def params(self) -> list[Value]:
        """Every parameter, group after group."""
        return [p for group in self.param_groups for p in group["params"]]

    def __getattr__(self, name: str) -> Any:  # opt.lr: the one group's setting
        defaults = object.__getattribute__(self, "_defaults")
        if name in defaults:
            groups = self.param_groups
            if len(groups) != 1:
                raise AttributeError(f"this optimizer has {len(groups)} parameter groups: read param_groups[i][{name!r}]")
            return groups[0][name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._defaults:
            if len(self.param_groups) != 1:
                raise AttributeError(f"this optimizer has {len(self.param_groups)} parameter groups: set param_groups[i][{name!r}]")
            self.param_groups[0][name] = value
        else:
            object.__setattr__(self, name, value)

    def zero_grad(self) -> None:
        """Set every parameter's grad back to 0.0."""
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = 0.0

    # What each optimizer defines:
    def hypers(self, group: dict) -> tuple:
        """The values of ``update_rule(group).hyper`` in the group, checked: ValueError naming a bad one."""
        raise NotImplementedError

    def _selecting(self, hypers: tuple) -> tuple:
        """The settings that select the rule's statements (cached per value of this)."""
        raise NotImplementedError

    def _rule(self, hypers: tuple) -> UpdateRule:
        raise NotImplementedError

    def update_rule(self, group: dict) -> UpdateRule:
        """The `UpdateRule` for one of ``param_groups``, from its current settings."""
        return self._rule(self.hypers(group))

    def _name(self, group: dict, setting: str) -> str:
        """How an error names a setting: ``lr``, or ``param_groups[1]['lr']`` when there are groups."""
        if len(self.param_groups) == 1:
            return setting
        i = next(i for i, other in enumerate(self.param_groups) if other is group)
        return f"param_groups[{i}][{setting!r}]"

    def step(self) -> None:
        """Update every parameter that has a gradient (grad None: skipped) by its group's rule. Every
        group's settings are checked first: a bad one is a ValueError and nothing moves."""
        groups = self.param_groups
        if len(groups) == 1:  # the common case, without the lists
            group = groups[0]
            hypers = self.hypers(group)
            cached = self._rules[0]
            if cached is None or cached[0] != self._selecting(hypers):
                cached = self._compile(0, hypers)
            cached[1](group["params"], self.state, self.group_state[0], cached[2], *hypers)
            return
        checked = [self.hypers(group) for group in groups]
        for i, (group, hypers) in enumerate(zip(groups, checked)):
            cached = self._rules[i]
            if cached is None or cached[0] != self._selecting(hypers):
                cached = self._compile(i, hypers)
            cached[1](group["params"], self.state, self.group_state[i], cached[2], *hypers)

    def _compile(self, i: int, hypers: tuple) -> tuple:
        """(the settings that select statements, the compiled step, the initial parameter state)
        for group i, kept in ``_rules[i]``: `step` makes them again only when those settings change."""
        selecting = self._selecting(hypers)
        rule = self._rule(hypers)
        for name, value in rule.step_state.items():  # state that new statements read starts here
            self.group_state[i].setdefault(name, value)
        for p in self.param_groups[i]["params"]:  # a state made by other statements: kept, names added
            old = self.state.get(p)
            if old is not None and not set(rule.param_state) <= set(old.names):
                names = old.names + tuple(name for name in rule.param_state if name not in old.names)
                values = {**rule.param_state, **dict(old.items())}
                self.state[p] = state_class(names)(*[values[name] for name in names])
        fresh = state_class(tuple(rule.param_state))(*rule.param_state.values())
        self._rules[i] = (selecting, rule.compiled(), fresh)
        return self._rules[i]


class SGD(Optimizer):
    """Stochastic gradient descent, as torch.optim.SGD (no dampening, no Nesterov). Each step, for
    each parameter p with gradient g, weight decay wd and momentum mu:

        g = g + wd * p                                     (if wd != 0: an L2 penalty)
        b_1 = g,  b_t = mu * b_(t-1) + g                   (if mu != 0; else b_t = g)
        p = p - lr * b_t

    ``lr`` may be changed between steps (a learning-rate schedule); every setting is checked
    when `step` runs.
    """

    def __init__(self, params: Iterable[Value] | Iterable[dict], lr: float, momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(params, {"lr": lr, "momentum": momentum, "weight_decay": weight_decay})

    def hypers(self, group: dict) -> tuple[float, float, float]:
        lr, momentum, weight_decay = group["lr"], group["momentum"], group["weight_decay"]
        if (  # every step: the common case (three floats in range) without a call
            type(lr) is float and 0.0 <= lr < math.inf
            and type(momentum) is float and 0.0 <= momentum < math.inf
            and type(weight_decay) is float and 0.0 <= weight_decay < math.inf
        ):
            return lr, momentum, weight_decay
        return (
            _check_number(self._name(group, "lr"), lr, 0.0),
            _check_number(self._name(group, "momentum"), momentum, 0.0),
            _check_number(self._name(group, "weight_decay"), weight_decay, 0.0),
        )

    def _selecting(self, hypers: tuple) -> tuple:
        lr, momentum, weight_decay = hypers
        return momentum != 0.0, weight_decay != 0.0

    def _rule(self, hypers: tuple) -> UpdateRule:
        lr, momentum, weight_decay = hypers
        per_param, state = [], {}
        if weight_decay != 0.0:
            per_param.append("g = g + weight_decay * p")
        if momentum != 0.0:
            per_param += ["b = g if b is None else momentum * b + g", "p = p - lr * b"]
            state["b"] = None  # the momentum buffer: none before p's first step
        else:
            per_param.append("p = p - lr * g")
        return UpdateRule(("lr", "momentum", "weight_decay"), per_param, state)


class Adam(Optimizer):
    """Adam, as torch.optim.Adam: moving averages of the gradient and its square, corrected for
    their start at zero. Each step t (counted per group), for each parameter p with gradient g:

        g = g + wd * p                                     (if weight_decay wd != 0: an L2 penalty)
        m = b1*m + (1-b1)*g;   v = b2*v + (1-b2)*g**2
        p = p - (lr / (1 - b1**t)) * m / (sqrt(v) / sqrt(1 - b2**t) + eps)

    ``lr`` may be changed between steps (a learning-rate schedule); every setting is checked
    when `step` runs.
    """

    decoupled = False  # AdamW: the decay shrinks p directly instead of adding to g

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay})

    def hypers(self, group: dict) -> tuple:
        lr, betas, eps, weight_decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        if (  # every step: the common case without a call
            type(lr) is float and 0.0 <= lr < math.inf
            and type(betas) is tuple and len(betas) == 2
            and type(betas[0]) is float and 0.0 <= betas[0] < 1.0
            and type(betas[1]) is float and 0.0 <= betas[1] < 1.0
            and type(eps) is float and 0.0 <= eps < math.inf
            and type(weight_decay) is float and 0.0 <= weight_decay < math.inf
        ):
            return lr, betas, eps, weight_decay
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{self._name(group, 'betas')} must be a pair of numbers, got {betas!r}")
        return (
            _check_number(self._name(group, "lr"), group["lr"], 0.0),
            (
                _check_number(self._name(group, "betas") + "[0]", betas[0], 0.0, below=1.0),
                _check_number(self._name(group, "betas") + "[1]", betas[1], 0.0, below=1.0),
            ),
            _check_number(self._name(group, "eps"), group["eps"], 0.0),
            _check_number(self._name(group, "weight_decay"), group["weight_decay"], 0.0),
        )

    def _selecting(self, hypers: tuple) -> tuple:
        return (hypers[3] != 0.0,)

    def _rule(self, hypers: tuple) -> UpdateRule:
        weight_decay = hypers[3]
        per_param = []
        if weight_decay != 0.0:
            per_param.append("p = p * (1.0 - lr * weight_decay)" if self.decoupled else "g = g + weight_decay * p")
        per_param += [
            "m = beta1 * m + (1.0 - beta1) * g",
            "v = beta2 * v + (1.0 - beta2) * g * g",
            "p = p - step_size * m / (sqrt(v) / v_correction + eps)",
        ]
        per_step = [
            "beta1, beta2 = betas",
            "t = t + 1",
            "step_size = lr / (1.0 - beta1 ** t)",
            "v_correction = sqrt(1.0 - beta2 ** t)",
        ]
        return UpdateRule(
            ("lr", "betas", "eps", "weight_decay"),
            per_param,
            {"m": 0.0, "v": 0.0},
            per_step=per_step,
            step_state={"t": 0},
            functions={"sqrt": math.sqrt},
        )


class AdamW(Adam):
    """AdamW, as torch.optim.AdamW: Adam with decoupled weight decay. Each step, first

        p = p * (1 - lr * weight_decay)

    and then Adam's update with the gradient as it is (the decay does not enter m and v).
    """

    decoupled = True

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ):
        super().__init__(params, lr, betas, eps, weight_decay)
