"""Optimizers: turn each parameter's ``.grad`` into a step, with the update rules of PyTorch's
``torch.optim`` SGD, Adam, AdamW, RMSprop and Adagrad, every option of theirs that applies to numbers.

Each optimizer writes its update once, as data: `Optimizer.update_rule` gives a group's `UpdateRule`,
the Python statements for one parameter (``'p = p - lr * g'``), and `Optimizer.step` runs exactly
those statements, compiled once per rule into a loop over the group's parameters. A fused traced
training step and the step-through page read the same rule, so all three give the same numbers.
"""

from __future__ import annotations

import ast
import keyword
import math
import operator
from typing import Any, Callable, Iterable

from autograd import Value

from ._checks import is_finite_real


NUMBER, FLAG, BETAS = "number", "flag", "betas"  # the kinds of settings


def _check_setting(name: str, kind: str, x: object) -> Any:
    """x checked as a setting of that kind (ValueError naming it if it is not): a number >= 0 as a
    float, a flag as a bool, betas as a pair of numbers in [0, 1)."""
    if kind == NUMBER:
        return _check_number(name, x, 0.0)
    if kind == FLAG:
        if type(x) is not bool:
            raise ValueError(f"{name} must be True or False, got {x!r}")
        return x
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"{name} must be a pair of numbers, got {x!r}")
    return (_check_number(f"{name}[0]", x[0], 0.0, below=1.0), _check_number(f"{name}[1]", x[1], 0.0, below=1.0))


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
        fresh, *hyper)``. (``Optimizer.step`` passes the checked values of ``hyper``.) The loop reads no ``.grad`` twice: a parameter whose grad is None fails
        (TypeError) at the statements' first use of ``g``, before anything of it is stored, and the
        loop skips it and goes on."""
        pad = " " * 16
        lines = [f"def step(_params, _state, _group_state, _fresh, {', '.join(self.hyper)}):"]
        if not self.hyper:
            lines[0] = "def step(_params, _state, _group_state, _fresh):"
        lines += [f"    {name} = _group_state[{name!r}]" for name in self.step_state]
        lines += [f"    {statement}" for statement in self.per_step]
        lines += [f"    _group_state[{name!r}] = {name}" for name in self.step_state]
        if self.param_state:
            lines.append("    _get = _state.get")
        lines += [
            "    _params = iter(_params)",
            "    while True:",
            "        try:",
            "            for _param in _params:",
        ]
        if self.param_state:
            lines.append("                _s = _get(_param, _fresh)")
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


def _count(x: object) -> str:
    return str(len(x)) if isinstance(x, list) else "no list of"


def _checked_state(values: object, where: str) -> ParamState:
    """A parameter's (or a group's) saved state as a ParamState: names that are identifiers, each
    a finite number or None (SGD's momentum buffer before the first step)."""
    if not isinstance(values, (dict, ParamState)):
        raise ValueError(f"{where} must be a dict of name -> number")
    for name, value in values.items():
        if not isinstance(name, str) or not name.isidentifier() or name.startswith("_") or keyword.iskeyword(name):
            raise ValueError(f"{where} has a name that is not a plain identifier: {name!r}")
        if value is not None and not is_finite_real(value):
            raise ValueError(f"{where}[{name!r}] must be a finite number, got {value!r}")
    names = tuple(values)
    return state_class(names)(*[values[name] for name in names])


class OptimizerState(dict):
    """``opt.state``: each parameter's `ParamState`, by parameter. A dict set for a parameter
    (``opt.state[p] = {'m': 0.0, 'v': 0.0}``) is checked and kept as a ParamState."""

    __slots__ = ()

    def __setitem__(self, p: Value, state: Any) -> None:
        if not isinstance(state, ParamState):
            state = _checked_state(state, "a parameter's optimizer state")
        dict.__setitem__(self, p, state)


class Optimizer:
    """Holds the parameters to update, in groups, and their state.

    ``params`` is a list of Values, or (as in PyTorch) a list of dicts, each a group with its own
    ``'params'`` and any settings that differ from the optimizer's arguments:
    ``SGD([{'params': a}, {'params': b, 'lr': 0.01}], lr=0.1)``. ``opt.param_groups`` is that list of
    dicts with every setting filled in; change ``group['lr']`` between steps for a schedule.
    ``opt.lr`` (and each other setting) reads and sets the one group's value when there is one group.
    ``opt.state[p]`` is parameter p's state (Adam's m and v), made at p's first step;
    ``opt.group_state[i]`` is group i's per-step state (Adam's step count t).

    Each optimizer says which settings it has (``settings``: name -> kind), which of them its
    statements read (``hyper``), and writes its `UpdateRule`.
    """

    settings: dict[str, str] = {}
    hyper: tuple[str, ...] = ()

    def __init__(self, params: Iterable[Value] | Iterable[dict], defaults: dict[str, Any]):
        if isinstance(params, (Value, dict)) or not hasattr(params, "__iter__"):
            raise TypeError(f"optimizer needs a list of Values (e.g. model.parameters()), got {type(params).__name__}")
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty list of parameters")
        object.__setattr__(self, "defaults", dict(defaults))
        self.param_groups: list[dict] = []
        self.state: dict[Value, ParamState] = OptimizerState()
        self.group_state: list[dict] = []
        self._rules: list = []  # per group: the settings last checked, the step compiled for them
        self._read = operator.itemgetter(*self.settings)
        self._one_list = not any(isinstance(group, dict) for group in params)
        if self._one_list:
            self.add_param_group({"params": params})
        elif all(isinstance(group, dict) for group in params):
            for group in params:
                self.add_param_group(group)
        else:
            raise TypeError("optimizer needs a list of Values or a list of parameter groups (dicts), not both")

    def add_param_group(self, group: dict) -> None:
        """Add a group of parameters (a dict with ``'params'``), its unset settings taken from the
        optimizer's arguments; ValueError if a setting is bad."""
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
        if len(set(params)) != len(params) or set(self.params).intersection(params):
            raise ValueError("optimizer got the same parameter more than once")
        group = {**self.defaults, **group, "params": params}
        self.param_groups.append(group)
        self.group_state.append({})
        self._rules.append(None)
        try:
            self._prepare(len(self.param_groups) - 1)
        except ValueError:
            self.param_groups.pop(), self.group_state.pop(), self._rules.pop()
            raise

    @property
    def params(self) -> list[Value]:
        """Every parameter, group after group."""
        return [p for group in self.param_groups for p in group["params"]]

    def __getattr__(self, name: str) -> Any:  # opt.lr: the one group's setting
        if name in type(self).settings and "param_groups" in self.__dict__:
            groups = self.param_groups
            if len(groups) != 1:
                raise AttributeError(f"this optimizer has {len(groups)} parameter groups: read param_groups[i][{name!r}]")
            return groups[0][name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name in type(self).settings:
            if len(self.param_groups) != 1:
                raise AttributeError(f"this optimizer has {len(self.param_groups)} parameter groups: set param_groups[i][{name!r}]")
            self.param_groups[0][name] = value
        else:
            object.__setattr__(self, name, value)

    def zero_grad(self, set_to_none: bool = False) -> None:
        """Set every parameter's grad back to 0.0, or with ``set_to_none=True`` to None: "no
        gradient", which backward treats as 0 and `step` skips (PyTorch's default is True;
        chaingrad's is 0.0, so that a grad is always a number to look at)."""
        value = None if set_to_none else 0.0
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = value

    # What each optimizer defines:
    def _rule(self, settings: dict[str, Any]) -> UpdateRule:
        """The update rule for a group with these (checked) settings."""
        raise NotImplementedError

    def _selecting(self, settings: dict[str, Any]) -> tuple:
        """The settings that select the rule's statements (the rule is made again when they change)."""
        raise NotImplementedError

    def _check_together(self, settings: dict[str, Any], name: Callable[[str], str]) -> None:
        """Checks of settings that go together (SGD: nesterov needs momentum)."""

    def checked(self, group: dict, where: str | None = None) -> dict[str, Any]:
        """The group's settings, checked: ValueError naming a bad one (``lr``, or
        ``param_groups[1]['lr']`` when there are several groups; ``where`` names it otherwise)."""
        if where is None and len(self.param_groups) > 1:
            i = next(i for i, other in enumerate(self.param_groups) if other is group)
            where = f"param_groups[{i}]"

        def name(setting: str) -> str:
            return setting if where is None else f"{where}[{setting!r}]"

        for setting in self.settings:
            if setting not in group:
                raise ValueError(f"{name(setting)} is missing")
        settings = {setting: _check_setting(name(setting), kind, group[setting]) for setting, kind in self.settings.items()}
        self._check_together(settings, name)
        return settings

    def state_dict(self) -> dict:
        """The optimizer's settings and state as plain data, in PyTorch's shape: ``{'state': {i:
        {name: number}}, 'param_groups': [{settings..., 'params': [i, ...]}], 'group_state': [...]}``,
        parameters numbered 0, 1, ... in the order of ``opt.params`` (``state`` lists those that have
        state). ``group_state`` is chaingrad's own: each group's per-step state (Adam's t)."""
        index = {p: i for i, p in enumerate(self.params)}
        groups = [{**{k: v for k, v in group.items() if k != "params"}, "params": [index[p] for p in group["params"]]}
                  for group in self.param_groups]
        state = {index[p]: dict(s.items()) for p, s in sorted(self.state.items(), key=lambda item: index.get(item[0], -1))
                 if p in index}
        return {"state": state, "param_groups": groups, "group_state": [dict(s) for s in self.group_state]}

    def load_state_dict(self, state_dict: dict) -> None:
        """Set the settings and the state from a `state_dict` of an optimizer of this kind over as
        many parameters, in groups of the same sizes. Everything is checked first: ValueError naming
        what does not fit, and nothing changes."""
        groups, state, group_state = self._checked_state_dict(state_dict)
        self.param_groups[:] = groups
        self.state.clear()
        self.state.update(state)
        self.group_state[:] = group_state
        self._rules = [None] * len(groups)
        for i in range(len(groups)):
            self._prepare(i)

    def _checked_state_dict(self, state_dict: object) -> tuple[list, dict, list]:
        """What `load_state_dict` sets (the groups, the state, the group state), checked and new."""
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError("an optimizer state dict is a dict with 'state' and 'param_groups'")
        saved_groups, saved_state = state_dict["param_groups"], state_dict["state"]
        saved_group_state = state_dict.get("group_state", [{} for _ in self.param_groups])
        if not isinstance(saved_groups, list) or len(saved_groups) != len(self.param_groups):
            raise ValueError(f"the state dict has {_count(saved_groups)} parameter groups, the optimizer {len(self.param_groups)}")
        if not isinstance(saved_group_state, list) or len(saved_group_state) != len(saved_groups):
            raise ValueError("the state dict's 'group_state' must be a list with one dict per group")
        if not isinstance(saved_state, dict):
            raise ValueError("the state dict's 'state' must be a dict of parameter index -> state")
        groups, rules, params_of = [], [], {}
        for i, (saved, mine) in enumerate(zip(saved_groups, self.param_groups)):
            where = f"param_groups[{i}]"
            if not isinstance(saved, dict) or not isinstance(saved.get("params"), list):
                raise ValueError(f"the state dict's {where} must be a dict with a 'params' list")
            if len(saved["params"]) != len(mine["params"]):
                raise ValueError(f"the state dict's {where} has {len(saved['params'])} parameters, the optimizer's {len(mine['params'])}")
            for index, p in zip(saved["params"], mine["params"]):
                if type(index) is not int or index in params_of:
                    raise ValueError(f"the state dict's {where}['params'] must be distinct parameter numbers, got {index!r}")
                params_of[index] = p
            group = {**saved, "params": mine["params"]}
            settings = self.checked(group, where=f"the state dict's {where}")
            groups.append({**group, **settings})  # betas as a tuple, numbers as floats
            rules.append(self._rule(settings))
        state = {}
        for index, values in saved_state.items():
            if index not in params_of:
                raise ValueError(f"the state dict has state for parameter {index!r}, which no group holds")
            state[params_of[index]] = _checked_state(values, f"the state dict's state[{index!r}]")
        for rule, group, values in zip(rules, groups, saved_group_state):
            for p in group["params"]:
                missing = [name for name in rule.param_state if p in state and name not in state[p]]
                if missing:
                    raise ValueError(f"the state dict's state of a parameter lacks {missing}, which the update reads")
            missing = [name for name in rule.step_state if isinstance(values, dict) and name not in values]
            if missing:
                raise ValueError(f"the state dict's group_state lacks {missing}, which the update reads")
        group_state = [dict(_checked_state(values, f"the state dict's group_state[{i}]").items())
                       for i, values in enumerate(saved_group_state)]
        return groups, state, group_state


    def hypers(self, group: dict) -> tuple:
        """The checked values of ``update_rule(group).hyper``, in that order."""
        settings = self.checked(group)
        return tuple(settings[name] for name in self.hyper)

    def update_rule(self, group: dict) -> UpdateRule:
        """The `UpdateRule` for one of ``param_groups``, from its current settings."""
        return self._rule(self.checked(group))

    def step(self) -> None:
        """Update every parameter that has a gradient (grad None: skipped) by its group's rule. Every
        group's settings are checked first: a bad one is a ValueError and nothing moves."""
        groups = self.param_groups
        if len(groups) == 1:  # the common case, without the lists
            group = groups[0]
            prepared = self._rules[0]
            if prepared[0] != self._read(group):  # a setting changed since the last step: check them
                prepared = self._prepare(0)
            prepared[1](group["params"], self.state, self.group_state[0], prepared[2], *prepared[3])
            return
        if len(groups) != len(self._rules):  # groups appended to param_groups: taken in as add_param_group does
            extra = groups[len(self._rules):]
            del groups[len(self._rules):]
            for group in extra:
                self.add_param_group(group)
        ready = [self._rules[i] if self._rules[i][0] == self._read(group) else self._prepare(i) for i, group in enumerate(groups)]
        for i, (group, prepared) in enumerate(zip(groups, ready)):
            prepared[1](group["params"], self.state, self.group_state[i], prepared[2], *prepared[3])

    def _prepare(self, i: int) -> tuple:
        """Check group i's settings and keep (the settings as read, the compiled step, the initial
        parameter state, the checked values of ``hyper``, the settings that select statements) in
        ``_rules[i]``. The rule is made and compiled again only when those last settings change."""
        group = self.param_groups[i]
        settings = self.checked(group)
        hypers = tuple(settings[name] for name in self.hyper)
        selecting = self._selecting(settings)
        read = self._read(group)
        if not all(type(x) in (float, bool, tuple) for x in read):
            read = None  # e.g. betas as a list, which may change in place: checked at every step
        old = self._rules[i]
        if old is not None and old[4] == selecting:
            self._rules[i] = (read, old[1], old[2], hypers, selecting)
            return self._rules[i]
        rule = self._rule(settings)
        for name, value in rule.step_state.items():  # state that new statements read starts here
            self.group_state[i].setdefault(name, value)
        for p in group["params"]:  # a state made by other statements: kept, the new names added
            state = self.state.get(p)
            if state is not None and not set(rule.param_state) <= set(state.names):
                names = state.names + tuple(name for name in rule.param_state if name not in state.names)
                values = {**rule.param_state, **dict(state.items())}
                self.state[p] = state_class(names)(*[values[name] for name in names])
        fresh = state_class(tuple(rule.param_state))(*rule.param_state.values())
        self._rules[i] = (read, rule.compiled(), fresh, hypers, selecting)
        return self._rules[i]


class SGD(Optimizer):
    """Stochastic gradient descent, as torch.optim.SGD. Each step, for each parameter p with
    gradient g, weight decay wd, momentum mu and dampening d:

        g = -g                                  (if maximize: climb instead)
        g = g + wd * p                          (if wd != 0: an L2 penalty)
        b = g at p's first step, then b = mu * b + (1 - d) * g          (if mu != 0)
        g = g + mu * b if nesterov, else g = b                          (if mu != 0)
        p = p - lr * g

    Every setting may be changed between steps (``opt.lr = ...``, ``group['lr'] = ...``) and is
    checked when `step` runs.
    """

    settings = {"lr": NUMBER, "momentum": NUMBER, "dampening": NUMBER, "weight_decay": NUMBER, "nesterov": FLAG, "maximize": FLAG}
    hyper = ("lr", "momentum", "dampening", "weight_decay")

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict],
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ):
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                    "nesterov": nesterov, "maximize": maximize}
        super().__init__(params, defaults)

    def _check_together(self, settings: dict[str, Any], name: Callable[[str], str]) -> None:
        if settings["nesterov"] and (settings["momentum"] == 0.0 or settings["dampening"] != 0.0):
            raise ValueError(f"{name('nesterov')} needs a momentum > 0 and dampening 0")

    def _selecting(self, s: dict[str, Any]) -> tuple:
        return s["momentum"] != 0.0, s["dampening"] != 0.0, s["weight_decay"] != 0.0, s["nesterov"], s["maximize"]

    def _rule(self, s: dict[str, Any]) -> UpdateRule:
        per_param, state = [], {}
        if s["maximize"]:
            per_param.append("g = -g")
        if s["weight_decay"] != 0.0:
            per_param.append("g = g + weight_decay * p")
        if s["momentum"] == 0.0:
            per_param.append("p = p - lr * g")
        else:
            state["b"] = None  # the momentum buffer: none before p's first step
            damped = "(1.0 - dampening) * g" if s["dampening"] != 0.0 else "g"
            per_param.append(f"b = g if b is None else momentum * b + {damped}")
            if s["nesterov"]:
                per_param += ["g = g + momentum * b", "p = p - lr * g"]
            else:
                per_param.append("p = p - lr * b")
        return UpdateRule(self.hyper, per_param, state)


class Adam(Optimizer):
    """Adam, as torch.optim.Adam: moving averages of the gradient and its square, corrected for
    their start at zero. Each step t, for each parameter p with gradient g:

        g = -g                                             (if maximize: climb instead)
        g = g + wd * p                                     (if weight_decay wd != 0: an L2 penalty)
        m = b1*m + (1-b1)*g;   v = b2*v + (1-b2)*g**2
        v_max = max(v_max, v)                              (if amsgrad: and v_max below instead of v)
        p = p - (lr / (1 - b1**t)) * m / (sqrt(v) / sqrt(1 - b2**t) + eps)

    t counts the group's steps (PyTorch counts each parameter's own steps: the same numbers unless
    a parameter had no gradient (grad None) at some steps). Every setting may be changed between
    steps and is checked when `step` runs.
    """

    settings = {"lr": NUMBER, "betas": BETAS, "eps": NUMBER, "weight_decay": NUMBER, "amsgrad": FLAG, "maximize": FLAG}
    hyper = ("lr", "betas", "eps", "weight_decay")
    decoupled = False  # AdamW: the decay shrinks p directly instead of adding to g

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ):
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad, "maximize": maximize}
        super().__init__(params, defaults)

    def _selecting(self, s: dict[str, Any]) -> tuple:
        return s["weight_decay"] != 0.0, s["amsgrad"], s["maximize"]

    def _rule(self, s: dict[str, Any]) -> UpdateRule:
        per_param = ["g = -g"] if s["maximize"] else []
        if s["weight_decay"] != 0.0:
            per_param.append("p = p * (1.0 - lr * weight_decay)" if self.decoupled else "g = g + weight_decay * p")
        per_param += ["m = beta1 * m + (1.0 - beta1) * g", "v = beta2 * v + (1.0 - beta2) * g * g"]
        state = {"m": 0.0, "v": 0.0}
        if s["amsgrad"]:
            per_param += ["v_max = max(v_max, v)", "p = p - step_size * m / (sqrt(v_max) / v_correction + eps)"]
            state["v_max"] = 0.0
        else:
            per_param.append("p = p - step_size * m / (sqrt(v) / v_correction + eps)")
        per_step = [
            "beta1, beta2 = betas",
            "t = t + 1",
            "step_size = lr / (1.0 - beta1 ** t)",
            "v_correction = sqrt(1.0 - beta2 ** t)",
        ]
        functions = {"sqrt": math.sqrt, "max": max} if s["amsgrad"] else {"sqrt": math.sqrt}
        return UpdateRule(self.hyper, per_param, state, per_step=per_step, step_state={"t": 0}, functions=functions)


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
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)


class RMSprop(Optimizer):
    """RMSprop, as torch.optim.RMSprop: each gradient divided by the root of a moving average of
    its square. Each step, for each parameter p with gradient g:

        g = -g                                  (if maximize)
        g = g + wd * p                          (if weight_decay wd != 0)
        a = alpha * a + (1 - alpha) * g**2
        avg = sqrt(a) + eps,  or if centered:  ga = alpha * ga + (1 - alpha) * g;  avg = sqrt(a - ga**2) + eps
        b = mu * b + g / avg;  p = p - lr * b  (if momentum mu != 0; b starts at 0)
        p = p - lr * (g / avg)                  (else)
    """

    settings = {"lr": NUMBER, "alpha": NUMBER, "eps": NUMBER, "weight_decay": NUMBER, "momentum": NUMBER,
                "centered": FLAG, "maximize": FLAG}
    hyper = ("lr", "alpha", "eps", "weight_decay", "momentum")

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ):
        defaults = {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay, "momentum": momentum,
                    "centered": centered, "maximize": maximize}
        super().__init__(params, defaults)

    def _selecting(self, s: dict[str, Any]) -> tuple:
        return s["weight_decay"] != 0.0, s["momentum"] != 0.0, s["centered"], s["maximize"]

    def _rule(self, s: dict[str, Any]) -> UpdateRule:
        per_param = ["g = -g"] if s["maximize"] else []
        if s["weight_decay"] != 0.0:
            per_param.append("g = g + weight_decay * p")
        per_param.append("a = alpha * a + (1.0 - alpha) * g * g")
        state = {"a": 0.0}
        if s["centered"]:
            per_param += ["ga = alpha * ga + (1.0 - alpha) * g", "avg = sqrt(a - ga * ga) + eps"]
            state["ga"] = 0.0
        else:
            per_param.append("avg = sqrt(a) + eps")
        if s["momentum"] != 0.0:
            per_param += ["b = momentum * b + g / avg", "p = p - lr * b"]
            state["b"] = 0.0
        else:
            per_param.append("p = p - lr * (g / avg)")
        return UpdateRule(self.hyper, per_param, state, functions={"sqrt": math.sqrt})


class Adagrad(Optimizer):
    """Adagrad, as torch.optim.Adagrad: each gradient divided by the root of the sum of its squares
    so far. Each step t, for each parameter p with gradient g:

        g = -g                                  (if maximize)
        g = g + wd * p                          (if weight_decay wd != 0)
        s = s + g**2                            (s starts at initial_accumulator_value)
        p = p - (lr / (1 + (t - 1) * lr_decay)) * (g / (sqrt(s) + eps))

    t counts the group's steps (PyTorch: each parameter's own; the same unless a grad was None).
    """

    settings = {"lr": NUMBER, "lr_decay": NUMBER, "weight_decay": NUMBER, "initial_accumulator_value": NUMBER,
                "eps": NUMBER, "maximize": FLAG}
    hyper = ("lr", "lr_decay", "weight_decay", "eps")

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ):
        defaults = {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "eps": eps, "maximize": maximize}
        super().__init__(params, defaults)

    def _selecting(self, s: dict[str, Any]) -> tuple:
        return s["weight_decay"] != 0.0, s["maximize"], s["initial_accumulator_value"]

    def _rule(self, s: dict[str, Any]) -> UpdateRule:
        per_param = ["g = -g"] if s["maximize"] else []
        if s["weight_decay"] != 0.0:
            per_param.append("g = g + weight_decay * p")
        per_param += ["s = s + g * g", "p = p - clr * (g / (sqrt(s) + eps))"]
        per_step = ["t = t + 1", "clr = lr / (1.0 + (t - 1) * lr_decay)"]
        return UpdateRule(self.hyper, per_param, {"s": s["initial_accumulator_value"]}, per_step=per_step,
                          step_state={"t": 0}, functions={"sqrt": math.sqrt})
