"""The expression and script sandbox every BPMN condition and script runs in.

Process definitions are uploaded by administrators, but they are data, not code: a
definition must never reach the operating system, the database or Django. Expressions
are therefore validated against a whitelist of Python syntax before they are stored
(``validate_expression`` / ``validate_script``) and executed with no builtins but a
handful of pure functions, with bounded work (see docs/decisions/0008-expression-sandbox.md).

Rules, in short:

- only the AST node types listed in ``_ALLOWED_NODES``; no attribute access at all
  (``x.y``), no names starting with an underscore, no imports, def, lambda, class,
  while, with, try, global, yield, generator expressions;
- calls only to the functions in ``SAFE_FUNCTIONS`` (by plain name);
- the names an expression sees are the task data and those functions, nothing else;
- work is bounded: source length and AST node count at upload; at run time every loop
  and comprehension iteration ticks a step budget, a time budget is checked on each
  tick, ``range`` is bounded, and ``*``, ``**``, ``+``, ``<<`` refuse results larger
  than the size limits; ``%`` formatting of strings and f-string format specs are
  refused (they can build huge strings);
- whatever a script leaves in the task data must be plain JSON values.
"""

from __future__ import annotations

import ast
import math
import time
from collections.abc import Callable, Mapping, MutableMapping
from functools import lru_cache
from types import CodeType
from typing import Any

from django.utils.translation import gettext as _

MAX_SOURCE_LENGTH = 10_000
MAX_AST_NODES = 2_000
MAX_STEPS = 100_000
MAX_SECONDS = 1.0
MAX_SEQUENCE_LENGTH = 100_000  # items of a list/tuple, characters of a string
MAX_INT_BITS = 4_096
MAX_RANGE = 10_000
MAX_DATA_DEPTH = 20
MAX_ALLOCATED = 1_000_000  # items/characters built by guarded operations in one run


class SandboxError(Exception):
    """An expression or script was refused, before or while it ran."""


class SandboxValidationError(SandboxError):
    """Refused at validation time: the source uses something the sandbox forbids."""


class SandboxSyntaxError(SandboxValidationError):
    """The source is not Python at all (e.g. a FEEL or JUEL expression)."""


class SandboxLimitError(SandboxError):
    """Refused at run time: the code exceeded a work or size limit."""


# --- the functions expressions may call --------------------------------------------------


def _safe_range(*args: int) -> list[int]:
    for arg in args:
        if not isinstance(arg, int) or isinstance(arg, bool):
            raise SandboxLimitError(_("range() accepts integers only."))
    r = range(*args)
    if len(r) > MAX_RANGE:
        raise SandboxLimitError(_("range() is limited to %(limit)d items.") % {"limit": MAX_RANGE})
    return list(r)


def _safe_str(value: Any = "") -> str:
    result = str(value)
    _check_size(result)
    return result


def _lower(value: str) -> str:
    return str(value).lower()


def _upper(value: str) -> str:
    return str(value).upper()


def _strip(value: str) -> str:
    return str(value).strip()


def _get(container: Any, key: Any, default: Any = None) -> Any:
    if isinstance(container, Mapping):
        return container.get(key, default)
    if isinstance(container, list | tuple) and isinstance(key, int):
        return container[key] if -len(container) <= key < len(container) else default
    return default


SAFE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len,
    "min": min,
    "max": max,
    "sum": sum,
    "abs": abs,
    "round": round,
    "int": int,
    "float": float,
    "str": _safe_str,
    "bool": bool,
    "sorted": sorted,
    "any": any,
    "all": all,
    "range": _safe_range,
    # Instead of methods (attribute access is not allowed at all):
    "lower": _lower,
    "upper": _upper,
    "strip": _strip,
    "get": _get,
}

# Named only to give a clearer message than "not an allowed function".
_DANGEROUS_NAMES = frozenset(
    {
        "eval",
        "exec",
        "compile",
        "open",
        "getattr",
        "setattr",
        "delattr",
        "hasattr",
        "globals",
        "locals",
        "vars",
        "dir",
        "type",
        "object",
        "input",
        "help",
        "breakpoint",
        "memoryview",
        "bytearray",
        "classmethod",
        "staticmethod",
        "property",
        "super",
        "exit",
        "quit",
        "print",
        "id",
        "hash",
        "iter",
        "next",
        "format",
    }
)

_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression,
    ast.Module,
    ast.Expr,
    ast.Assign,
    ast.AugAssign,
    ast.Delete,
    ast.If,
    ast.For,
    ast.Pass,
    ast.Break,
    ast.Continue,
    ast.Name,
    ast.Load,
    ast.Store,
    ast.Del,
    ast.Constant,
    ast.BinOp,
    ast.UnaryOp,
    ast.BoolOp,
    ast.Compare,
    ast.IfExp,
    ast.Call,
    ast.keyword,
    ast.List,
    ast.Tuple,
    ast.Dict,
    ast.Set,
    ast.Subscript,
    ast.Slice,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.comprehension,
    ast.JoinedStr,
    ast.FormattedValue,
    # operators
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.Pow,
    ast.LShift,
    ast.RShift,
    ast.BitAnd,
    ast.BitOr,
    ast.BitXor,
    ast.USub,
    ast.UAdd,
    ast.Not,
    ast.Invert,
    ast.And,
    ast.Or,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Is,
    ast.IsNot,
)

_NODE_LABELS: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access (x.y)",
    ast.Import: "import",
    ast.ImportFrom: "import",
    ast.Lambda: "lambda",
    ast.FunctionDef: "def",
    ast.AsyncFunctionDef: "def",
    ast.ClassDef: "class",
    ast.While: "while loop",
    ast.With: "with",
    ast.Try: "try",
    ast.Raise: "raise",
    ast.Global: "global",
    ast.Nonlocal: "nonlocal",
    ast.GeneratorExp: "generator expression",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Await: "await",
    ast.NamedExpr: "assignment expression (:=)",
    ast.Starred: "starred expression (*x)",
    ast.Assert: "assert",
    ast.Return: "return",
}

# Names the sandbox injects for its guards; user code cannot spell them (no leading _).
_GUARD_TICK = "_sb_tick"
_GUARD_BINOP = "_sb_binop"


def _describe(node: ast.AST) -> str:
    label = _NODE_LABELS.get(type(node))
    return label or type(node).__name__


def _check_tree(tree: ast.AST) -> None:
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_AST_NODES:
        raise SandboxValidationError(
            _("The code is too long (more than %(limit)d syntax nodes).") % {"limit": MAX_AST_NODES}
        )
    # Forbidden constructs first, so the message names the real problem (x.y, import…)
    # rather than the call that happens to contain it.
    for node in nodes:
        if not isinstance(node, _ALLOWED_NODES):
            raise SandboxValidationError(
                _("%(construct)s is not allowed in process expressions.")
                % {"construct": _describe(node)}
            )
        if isinstance(node, ast.Name):
            if node.id.startswith("_"):
                raise SandboxValidationError(
                    _("The name '%(name)s' is not allowed (names may not start with '_').")
                    % {"name": node.id}
                )
            if node.id in _DANGEROUS_NAMES:
                raise SandboxValidationError(
                    _("The name '%(name)s' is not allowed in process expressions.")
                    % {"name": node.id}
                )
            if isinstance(node.ctx, ast.Store | ast.Del) and node.id in SAFE_FUNCTIONS:
                raise SandboxValidationError(
                    _("The built-in function '%(name)s' cannot be reassigned.") % {"name": node.id}
                )
    for node in nodes:
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in SAFE_FUNCTIONS:
                name = node.func.id if isinstance(node.func, ast.Name) else _describe(node.func)
                raise SandboxValidationError(
                    _("Calling '%(name)s' is not allowed; allowed functions: %(allowed)s.")
                    % {"name": name, "allowed": ", ".join(sorted(SAFE_FUNCTIONS))}
                )
            for kw in node.keywords:
                if kw.arg is None:
                    raise SandboxValidationError(_("**keyword arguments are not allowed."))
        elif isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            raise SandboxValidationError(_("Format specifications in f-strings are not allowed."))
        elif isinstance(node, ast.Constant) and isinstance(node.value, bytes | complex):
            raise SandboxValidationError(_("Bytes and complex literals are not allowed."))
        elif isinstance(node, ast.Constant) and node.value is Ellipsis:
            raise SandboxValidationError(_("'...' is not allowed."))


class _GuardTransformer(ast.NodeTransformer):
    """Rewrites size-sensitive operators into guarded calls and ticks every loop."""

    _GUARDED = (ast.Add, ast.Mult, ast.Pow, ast.LShift, ast.Mod)

    def _tick_call(self) -> ast.Call:
        return ast.Call(func=ast.Name(id=_GUARD_TICK, ctx=ast.Load()), args=[], keywords=[])

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, self._GUARDED):
            return ast.Call(
                func=ast.Name(id=_GUARD_BINOP, ctx=ast.Load()),
                args=[ast.Constant(type(node.op).__name__), node.left, node.right],
                keywords=[],
            )
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        if not isinstance(node.op, self._GUARDED):
            return node
        # x op= y  ->  x = _sb_binop("Op", x, y); the target is a Name or Subscript.
        load_target = _as_load(node.target)
        return ast.Assign(
            targets=[node.target],
            value=ast.Call(
                func=ast.Name(id=_GUARD_BINOP, ctx=ast.Load()),
                args=[ast.Constant(type(node.op).__name__), load_target, node.value],
                keywords=[],
            ),
        )

    def visit_For(self, node: ast.For) -> ast.AST:
        self.generic_visit(node)
        node.body.insert(0, ast.Expr(self._tick_call()))
        return node

    def visit_comprehension(self, node: ast.comprehension) -> ast.AST:
        self.generic_visit(node)
        node.ifs.insert(0, self._tick_call())
        return node


def _as_load(target: ast.expr) -> ast.expr:
    clone = ast.parse(ast.unparse(target), mode="eval").body
    return clone


@lru_cache(maxsize=2048)
def _compile(source: str, mode: str) -> CodeType:
    if len(source) > MAX_SOURCE_LENGTH:
        raise SandboxValidationError(
            _("The code is too long (more than %(limit)d characters).")
            % {"limit": MAX_SOURCE_LENGTH}
        )
    try:
        tree = ast.parse(source.strip() if mode == "eval" else source, mode=mode)
    except SyntaxError as exc:
        raise SandboxSyntaxError(
            _("Syntax error: %(message)s (line %(line)s).")
            % {"message": exc.msg, "line": exc.lineno}
        ) from None
    _check_tree(tree)
    tree = ast.fix_missing_locations(_GuardTransformer().visit(tree))
    return compile(tree, "<sandbox>", mode)


def validate_expression(source: str) -> None:
    """Raise SandboxValidationError unless ``source`` is an allowed expression."""
    _compile(source, "eval")


def validate_script(source: str) -> None:
    """Raise SandboxValidationError unless ``source`` is an allowed script."""
    _compile(source, "exec")


# --- run time -----------------------------------------------------------------------------


def _check_size(value: Any) -> None:
    if isinstance(value, str | list | tuple | dict | set) and len(value) > MAX_SEQUENCE_LENGTH:
        raise SandboxLimitError(
            _("A value exceeded the size limit of %(limit)d items.")
            % {"limit": MAX_SEQUENCE_LENGTH}
        )
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise SandboxLimitError(_("A number exceeded the size limit."))


def _sized(value: Any) -> int:
    if isinstance(value, str | list | tuple):
        return len(value)
    return -1


class _Budget:
    """Work and allocation budget of one evaluation."""

    def __init__(self) -> None:
        self.steps = 0
        self.allocated = 0
        self.deadline = time.monotonic() + MAX_SECONDS

    def tick(self) -> bool:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise SandboxLimitError(
                _("The code exceeded the limit of %(limit)d loop iterations.")
                % {"limit": MAX_STEPS}
            )
        if time.monotonic() > self.deadline:
            raise SandboxLimitError(_("The code exceeded its time budget."))
        return True

    def charge(self, size: int) -> None:
        if size > MAX_SEQUENCE_LENGTH:
            raise SandboxLimitError(
                _("A value exceeded the size limit of %(limit)d items.")
                % {"limit": MAX_SEQUENCE_LENGTH}
            )
        self.allocated += max(size, 0)
        if self.allocated > MAX_ALLOCATED:
            raise SandboxLimitError(_("The code exceeded its memory budget."))
        self.tick()

    def bounded_range(self, *args: int) -> list[int]:
        result = _safe_range(*args)
        self.charge(len(result))
        return result

    def bounded_str(self, value: Any = "") -> str:
        result = _safe_str(value)
        self.charge(len(result))
        return result

    def binop(self, op: str, left: Any, right: Any) -> Any:
        if op == "Mult":
            for seq, n in ((left, right), (right, left)):
                if _sized(seq) >= 0 and isinstance(n, int):
                    self.charge(len(seq) * max(n, 0))
                    return seq * n
            both_int = isinstance(left, int) and isinstance(right, int)
            if both_int and left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise SandboxLimitError(_("A number exceeded the size limit."))
            return left * right
        if op == "Pow":
            big_base = isinstance(left, int) and isinstance(right, int) and abs(left) > 1
            if big_base and right * math.log2(abs(left)) > MAX_INT_BITS:
                raise SandboxLimitError(_("A number exceeded the size limit."))
            return left**right
        if op == "LShift":
            both_int = isinstance(left, int) and isinstance(right, int)
            if both_int and left.bit_length() + right > MAX_INT_BITS:
                raise SandboxLimitError(_("A number exceeded the size limit."))
            return left << right
        if op == "Add":
            if _sized(left) >= 0 and _sized(right) >= 0:
                self.charge(len(left) + len(right))
            return left + right
        if op == "Mod":
            if isinstance(left, str):
                raise SandboxLimitError(_("'%' string formatting is not allowed."))
            return left % right
        raise SandboxLimitError(f"unknown operator {op}")  # pragma: no cover


def _globals(context: Mapping[str, Any]) -> dict[str, Any]:
    budget = _Budget()
    env: dict[str, Any] = {}
    for key, value in context.items():
        if isinstance(key, str) and not key.startswith("_"):
            env[key] = value
    env.update(SAFE_FUNCTIONS)
    env["range"] = budget.bounded_range
    env["str"] = budget.bounded_str
    env[_GUARD_TICK] = budget.tick
    env[_GUARD_BINOP] = budget.binop
    env["__builtins__"] = {}
    return env


_RESERVED = frozenset(SAFE_FUNCTIONS) | {_GUARD_TICK, _GUARD_BINOP, "__builtins__"}


def evaluate(source: str, context: Mapping[str, Any]) -> Any:
    """Evaluate an expression against ``context`` (the task data)."""
    code = _compile(source, "eval")
    result = eval(code, _globals(context))  # noqa: S307 - validated, no builtins, bounded
    check_json_value(result)
    return result


def execute(source: str, context: MutableMapping[str, Any]) -> None:
    """Run a script; its assignments update ``context`` (the task data) in place."""
    code = _compile(source, "exec")
    env = _globals(context)
    before = {k for k in env if k not in _RESERVED}
    exec(code, env)  # noqa: S102 - validated, no builtins, bounded
    after = {k: v for k, v in env.items() if k not in _RESERVED}
    for key, value in after.items():
        check_json_value(value)
        context[key] = value
    for key in before - set(after):
        context.pop(key, None)


def check_json_value(value: Any, depth: int = 0) -> None:
    """Task data must stay plain JSON: refuse anything else a script produced."""
    if depth > MAX_DATA_DEPTH:
        raise SandboxLimitError(_("A value is nested too deeply."))
    if value is None or isinstance(value, bool | int | float | str):
        _check_size(value)
        return
    if isinstance(value, list | tuple):
        _check_size(value)
        for item in value:
            check_json_value(item, depth + 1)
        return
    if isinstance(value, dict):
        _check_size(value)
        for key, item in value.items():
            if not isinstance(key, str):
                raise SandboxLimitError(_("Dictionary keys must be strings."))
            check_json_value(item, depth + 1)
        return
    raise SandboxLimitError(
        _("A value of type %(type)s cannot be stored in process data.")
        % {"type": type(value).__name__}
    )
