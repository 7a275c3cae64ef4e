"""Translate analysed expressions into SQLite SQL.

Every expression becomes a `Typed`: a SQL fragment, its CrateDB type and, for
constants, the Python value (so that a constant compared with a column is cast
to the column's type first, as CrateDB does). Values are bound as named
parameters (:p0, :p1, ...). Object and array columns hold JSON text; subscripts
go through the `standin_sub`/`standin_subj` functions registered by the engine,
which tolerate malformed JSON instead of failing the query.
"""

import functools
import json
import re
from dataclasses import dataclass
from typing import Optional

from . import sqlast as ast
from . import sqltypes as T
from .sqlcatalog import quote_ident
from .sqlerrors import CrateError, cannot_cast_literal, column_unknown, sql_parse, unknown_function, unsupported

AGGREGATES = frozenset({"count", "sum", "avg", "min", "max"})
TIMESTAMP_KINDS = ("timestamptz", "timestamp")
_NO_VALUE = object()


@dataclass(frozen=True)
class Typed:
    sql: str
    type: T.CType
    aggregate: bool = False
    value: object = _NO_VALUE          # Python value when the expression is a constant
    json_output: bool = False          # SQL yields JSON text to decode for the response

    @property
    def constant(self) -> bool:
        return self.value is not _NO_VALUE


class Scope:
    """The columns an expression may name.

    `relation` is a catalog Table (or a virtual relation with the same
    attributes); `qualifiers` are the names it may be prefixed with.
    In an upsert, `excluded.col` names the row that was about to be inserted.
    With `row_params`, columns are read from bound parameters (:r_<i>) instead:
    that is how generated columns are computed for a row before it is stored.
    """

    def __init__(self, relation=None, qualifiers=(), allow_excluded=False, row_params=False):
        self.relation = relation
        self.qualifiers = set(qualifiers)
        self.allow_excluded = allow_excluded
        self.row_params = row_params
        self.used_row_params: dict = {}    # parameter name -> column name

    @staticmethod
    def of(relation, alias=None, **options) -> "Scope":
        """Scope of a single relation, named by its alias or else by its (qualified) name."""
        if relation is None:
            return Scope()
        qualifiers = {alias} if alias else {relation.name, relation.fqn}
        return Scope(relation, qualifiers, **options)

    def resolve(self, parts: tuple) -> Optional[Typed]:
        prefix, name = parts[:-1], parts[-1]
        relation = self.relation
        if relation is None:
            return None
        column = relation.columns.get(name)
        if column is None:
            return None
        if prefix == ("excluded",) and self.allow_excluded:
            return Typed(f"excluded.{quote_ident(name)}", column.type)
        if prefix and ".".join(prefix) not in self.qualifiers:
            return None
        if self.row_params:
            param = f"r_{list(relation.columns).index(name)}"
            self.used_row_params[param] = name
            return Typed(f":{param}", column.type)
        return Typed(quote_ident(name), column.type)


class Compiler:
    def __init__(self, scope: Scope, args: list, now_ms: int, session: dict):
        self.scope = scope
        self.args = args
        self.now_ms = now_ms
        self.session = session               # current_user / current_schema values
        self.params: dict = {}

    # ------------------------------------------------------------ helpers

    def bind(self, value) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = T.to_storage(value, T.TEXT) if isinstance(value, str) else value
        return f":{name}"

    def constant(self, value, ctype: T.CType) -> Typed:
        if value is None:
            return Typed("NULL", ctype, value=None)
        if ctype.kind in T.INTEGER_KINDS:
            value = T.cast(value, ctype)      # rejects numbers SQLite cannot hold
        return Typed(self.bind(T.to_storage(value, ctype)), ctype, value=value)

    def coerce(self, typed: Typed, target: T.CType) -> Typed:
        """Cast a constant to the type of what it is compared with or assigned to."""
        if not typed.constant or target.kind == "undefined" or typed.type == target:
            return typed
        return self.constant(T.cast(typed.value, target), target)

    def coerce_pair(self, left: Typed, right: Typed) -> tuple:
        if left.constant and not right.constant:
            return self.coerce(left, right.type), right
        if right.constant and not left.constant:
            return left, self.coerce(right, left.type)
        return left, right

    # ------------------------------------------------------------ entry points

    def value(self, expr) -> Typed:
        """SQL usable in WHERE / GROUP BY / ORDER BY (scalars, JSON text for containers)."""
        method = getattr(self, "_" + type(expr).__name__)
        return method(expr)

    def output(self, expr) -> Typed:
        """SQL for a select-list item; containers inside objects come back as JSON text."""
        if isinstance(expr, ast.Subscript):
            return self._subscript(expr, for_output=True)
        return self.value(expr)

    # ------------------------------------------------------------ leaves

    def _Literal(self, expr: ast.Literal) -> Typed:
        return self.constant(expr.value, T.guess_type(expr.value))

    def _Param(self, expr: ast.Param) -> Typed:
        if expr.index >= len(self.args):
            raise sql_parse(f"The query contains a parameter placeholder ${expr.index + 1}, "
                            f"but there are only {len(self.args)} parameter values")
        value = self.args[expr.index]
        return self.constant(value, T.guess_type(value))

    def _ColumnRef(self, expr: ast.ColumnRef) -> Typed:
        typed = self.scope.resolve(expr.parts)
        if typed is not None:
            return typed
        if len(expr.parts) == 1 and expr.parts[0] in self.session:
            return self.constant(self.session[expr.parts[0]], T.TEXT)
        raise column_unknown(".".join(expr.parts))

    def _Subscript(self, expr: ast.Subscript) -> Typed:
        return self._subscript(expr, for_output=False)

    def _subscript(self, expr: ast.Subscript, for_output: bool) -> Typed:
        root, path = expr, []
        while isinstance(root, ast.Subscript):
            path.append(root.key)
            root = root.base
        path.reverse()
        if not isinstance(root, ast.ColumnRef):
            raise unsupported("Subscripts are only supported on columns by the CrateDB stand-in")
        base = self.value(root)
        ctype = subscript_type(base.type, path, display(expr))
        keys = ", ".join(self.bind(key - 1 if isinstance(key, int) else key) for key in path)
        if for_output and ctype.kind in ("object", "array", "geo_point", "undefined"):
            return Typed(f"standin_subj({base.sql}, {keys})", ctype, json_output=True)
        return Typed(f"standin_sub({base.sql}, {keys})", ctype)

    def _ArrayLit(self, expr: ast.ArrayLit) -> Typed:
        items = [self.value(item) for item in expr.items]
        if not all(item.constant for item in items):
            raise unsupported("Array literals with non-constant elements are not supported by the CrateDB stand-in")
        value = [item.value for item in items]
        return self.constant(value, T.guess_type(value))

    def _ObjectLit(self, expr: ast.ObjectLit) -> Typed:
        items = {key: self.value(item) for key, item in expr.items}
        if not all(item.constant for item in items.values()):
            raise unsupported("Object literals with non-constant values are not supported by the CrateDB stand-in")
        return self.constant({key: item.value for key, item in items.items()}, T.CType("object"))

    # ------------------------------------------------------------ operators

    def _BinOp(self, expr: ast.BinOp) -> Typed:
        left, right = self.value(expr.left), self.value(expr.right)
        aggregate = left.aggregate or right.aggregate
        op = expr.op
        if op in ("and", "or"):
            left, right = self.coerce(left, T.BOOLEAN), self.coerce(right, T.BOOLEAN)
            return Typed(f"({left.sql} {op.upper()} {right.sql})", T.BOOLEAN, aggregate)
        if op in ("=", "!=", "<", "<=", ">", ">="):
            left, right = self.coerce_pair(left, right)
            return Typed(f"({left.sql} {op} {right.sql})", T.BOOLEAN, aggregate)
        if op == "||":
            return Typed(f"({left.sql} || {right.sql})", T.TEXT, aggregate)
        return self._arithmetic(expr, left, right)

    def _arithmetic(self, expr: ast.BinOp, left: Typed, right: Typed) -> Typed:
        """+ - * / % as CrateDB's arithmetic functions: overflow and integer division by zero fail,
        text operands are cast to the numeric side. Not SQLite's operators, which quietly turn
        overflows into floats and x/0 into NULL."""
        kinds = arithmetic_types(left.type, right.type)
        if kinds is None:
            raise unknown_function(f"Unknown function: {display(expr)}, no overload found for matching "
                                   f"argument types: ({left.type.name}, {right.type.name}).")
        kind, result = kinds
        left = self._numeric_operand(left, expr.left, kind)
        right = self._numeric_operand(right, expr.right, kind)
        if left.constant and right.constant:
            return self.constant(T.arithmetic(expr.op, kind, left.value, right.value), result)
        sql = f"standin_arith('{expr.op}', '{kind}', {left.sql}, {right.sql})"
        return Typed(sql, result, left.aggregate or right.aggregate)

    def _numeric_operand(self, operand: Typed, expr, kind: str) -> Typed:
        """A text operand cast to the arithmetic kind (CrateDB's implicit cast of the argument)."""
        if operand.type.kind != "text":
            return operand
        target = T.CType(kind)
        if not operand.constant:
            return Typed(self._cast_sql(operand, target, False), target, operand.aggregate)
        try:
            return self.constant(T.cast(operand.value, target), target)
        except CrateError:
            if isinstance(expr, ast.Literal):
                raise cannot_cast_literal(display(expr), operand.type.name, target.name) from None
            raise

    def _UnaryOp(self, expr: ast.UnaryOp) -> Typed:
        operand = self.value(expr.operand)
        if expr.op == "not":
            operand = self.coerce(operand, T.BOOLEAN)
            return Typed(f"(NOT {operand.sql})", T.BOOLEAN, operand.aggregate)
        if operand.type.kind in T.FLOAT_KINDS:
            # Negated as Java does (x * -1.0 is exact): SQLite reads a stored NaN as 0 and drops the sign of 0.0.
            kind = operand.type.kind
            return Typed(f"standin_arith('*', '{kind}', {operand.sql}, -1.0)", operand.type, operand.aggregate)
        return Typed(f"(-{operand.sql})", operand.type, operand.aggregate)

    def _IsNull(self, expr: ast.IsNull) -> Typed:
        operand = self.value(expr.operand)
        test = "IS NOT NULL" if expr.negated else "IS NULL"
        return Typed(f"({operand.sql} {test})", T.BOOLEAN, operand.aggregate)

    def _InList(self, expr: ast.InList) -> Typed:
        operand = self.value(expr.operand)
        items = [self.coerce(self.value(item), operand.type) for item in expr.items]
        test = "NOT IN" if expr.negated else "IN"
        return Typed(f"({operand.sql} {test} ({', '.join(i.sql for i in items)}))", T.BOOLEAN,
                     operand.aggregate)

    def _Like(self, expr: ast.Like) -> Typed:
        operand = self.value(expr.operand)
        pattern = self.coerce(self.value(expr.pattern), T.TEXT)
        sql = f"standin_like({operand.sql}, {pattern.sql}, {int(expr.case_insensitive)})"
        return Typed(f"(NOT {sql})" if expr.negated else sql, T.BOOLEAN, operand.aggregate)

    def _Between(self, expr: ast.Between) -> Typed:
        operand = self.value(expr.operand)
        low = self.coerce(self.value(expr.low), operand.type)
        high = self.coerce(self.value(expr.high), operand.type)
        test = "NOT BETWEEN" if expr.negated else "BETWEEN"
        return Typed(f"({operand.sql} {test} {low.sql} AND {high.sql})", T.BOOLEAN, operand.aggregate)

    def _Cast(self, expr: ast.Cast) -> Typed:
        operand = self.value(expr.operand)
        target = T.from_spec(expr.type)
        if operand.constant:
            try:
                return self.constant(T.cast_explicit(operand.value, target), target)
            except CrateError:
                if expr.is_try:
                    return self.constant(None, target)
                raise
        return Typed(self._cast_sql(operand, target, expr.is_try), target, operand.aggregate)

    def _cast_sql(self, operand: Typed, target: T.CType, is_try: bool) -> str:
        return (f"standin_cast({operand.sql}, {self.bind(json.dumps(operand.type.to_json()))}, "
                f"{self.bind(json.dumps(target.to_json()))}, {int(is_try)})")

    # ------------------------------------------------------------ functions

    def _FuncCall(self, expr: ast.FuncCall) -> Typed:
        name = expr.name.lower()
        if name in AGGREGATES:
            return self._aggregate(name, expr)
        handler = _SCALARS.get(name)
        if handler is None:
            raise unknown_function(f"Unknown function: {display(expr)}")
        args = [self.value(arg) for arg in expr.args]
        typed = handler(self, expr, args)
        return Typed(typed.sql, typed.type, any(a.aggregate for a in args), typed.value, typed.json_output)

    def _aggregate(self, name: str, expr: ast.FuncCall) -> Typed:
        if expr.star:
            if name != "count":
                raise unknown_function(f"Unknown function: {name}(*)")
            return Typed("count(*)", T.BIGINT, aggregate=True)
        if len(expr.args) != 1:
            raise unknown_function(f"Unknown function: {display(expr)}")
        arg = self.value(expr.args[0])
        if arg.aggregate:
            raise sql_parse("Aggregate function calls cannot be nested")
        distinct = "DISTINCT " if expr.distinct else ""
        sql = f"{name}({distinct}{arg.sql})"
        kind = arg.type.kind
        if name == "count":
            return Typed(sql, T.BIGINT, aggregate=True)
        if name in ("min", "max"):
            return Typed(sql, arg.type, aggregate=True)
        numeric = kind in T.NUMERIC_ORDER or kind == "undefined"
        if name == "avg" and (numeric or kind in ("timestamptz", "timestamp")):
            return Typed(sql, T.DOUBLE, aggregate=True)
        if name == "sum" and numeric:
            result = T.DOUBLE if kind in ("double", "undefined") else T.CType("real") if kind == "real" else T.BIGINT
            return Typed(sql, result, aggregate=True)
        raise unknown_function(f"Unknown function: {display(expr)}, no overload found for "
                               f"matching argument types: ({arg.type.name}).")


# ---------------------------------------------------------------- scalar functions


def _arity(expr: ast.FuncCall, args: list, *counts: int) -> None:
    if len(args) not in counts:
        raise unknown_function(f"Unknown function: {display(expr)}")


def _fn_now(c: Compiler, expr, args) -> Typed:
    _arity(expr, args, 0)
    return c.constant(c.now_ms, T.TIMESTAMPTZ)


def _fn_date_trunc(c: Compiler, expr, args) -> Typed:
    _arity(expr, args, 2)
    unit, moment = c.coerce(args[0], T.TEXT), args[1]
    if moment.type.kind not in ("timestamptz", "timestamp"):
        moment = c.coerce(moment, T.TIMESTAMPTZ)
    result = moment.type if moment.type.kind == "timestamp" else T.TIMESTAMPTZ
    if unit.constant:
        T.date_trunc(unit.value, 0)      # reject an unknown unit while analysing
    return Typed(f"standin_date_trunc({unit.sql}, {moment.sql})", result)


def _fn_text(sql_name: str):
    def handler(c: Compiler, expr, args) -> Typed:
        _arity(expr, args, 1)
        arg = c.coerce(args[0], T.TEXT)
        return Typed(f"{sql_name}({arg.sql})", T.TEXT)
    return handler


def _fn_length(c: Compiler, expr, args) -> Typed:
    _arity(expr, args, 1)
    return Typed(f"length({c.coerce(args[0], T.TEXT).sql})", T.INTEGER)


def _fn_abs(c: Compiler, expr, args) -> Typed:
    _arity(expr, args, 1)
    return Typed(f"abs({args[0].sql})", args[0].type)


def _fn_round(c: Compiler, expr, args) -> Typed:
    _arity(expr, args, 1, 2)
    if len(args) == 2:
        return Typed(f"round({args[0].sql}, {args[1].sql})", T.DOUBLE)
    kind = args[0].type.kind
    result = T.INTEGER if kind == "real" else T.BIGINT if kind == "double" else args[0].type
    return Typed(f"CAST(round({args[0].sql}) AS INTEGER)", result)


def _fn_coalesce(c: Compiler, expr, args) -> Typed:
    if not args:
        raise unknown_function(f"Unknown function: {display(expr)}")
    target = next((a.type for a in args if not a.constant), args[0].type)
    args = [c.coerce(a, target) for a in args]
    return Typed(f"coalesce({', '.join(a.sql for a in args)}, NULL)", target)


def _fn_concat(c: Compiler, expr, args) -> Typed:
    parts = [f"coalesce({c.coerce(a, T.TEXT).sql}, '')" for a in args] or ["''"]
    return Typed("(" + " || ".join(parts) + ")", T.TEXT)


_SCALARS = {
    "now": _fn_now, "current_timestamp": _fn_now, "date_trunc": _fn_date_trunc,
    "lower": _fn_text("lower"), "upper": _fn_text("upper"), "length": _fn_length,
    "char_length": _fn_length, "abs": _fn_abs, "round": _fn_round, "coalesce": _fn_coalesce,
    "concat": _fn_concat,
}


# ---------------------------------------------------------------- analysis helpers


def arithmetic_types(left: T.CType, right: T.CType):
    """(kind the values are computed in, result type) of `left op right`, or None when CrateDB has
    no such arithmetic function. There is none for smallint: it is widened to integer. Timestamps
    are computed as bigint (epoch milliseconds)."""
    pair = (left.kind, right.kind)
    allowed = T.NUMERIC_ORDER + TIMESTAMP_KINDS + ("undefined", "text")
    if any(kind not in allowed for kind in pair):
        return None
    timestamps = [kind for kind in pair if kind in TIMESTAMP_KINDS]
    if timestamps:
        return "bigint", T.CType(timestamps[0])
    numeric = [kind for kind in pair if kind in T.NUMERIC_ORDER]
    if not numeric:
        # NULL op NULL is NULL; text has no arithmetic of its own.
        return None if "text" in pair else ("bigint", T.UNDEFINED)
    widest = max(numeric, key=T.NUMERIC_ORDER.index)
    kind = "integer" if widest == "smallint" else widest
    return kind, T.CType(kind)


def subscript_type(ctype: T.CType, path: list, shown: str) -> T.CType:
    """Type of `column[...][...]`; unknown keys of known-shape objects are errors."""
    for key in path:
        if ctype.kind == "array":
            if isinstance(key, int):
                ctype = ctype.inner
                continue
            element = subscript_type(ctype.inner, [key], shown)
            ctype = T.CType("array", inner=element)
            continue
        if ctype.kind == "undefined" or (ctype.kind == "object" and ctype.policy == "ignored"
                                         and key not in ctype.children):
            return T.UNDEFINED
        if ctype.kind != "object" or isinstance(key, int) or key not in ctype.children:
            raise column_unknown(shown)
        ctype = ctype.children[key]
    return ctype


def contains_aggregate(expr) -> bool:
    if isinstance(expr, ast.FuncCall) and expr.name.lower() in AGGREGATES:
        return True
    return any(contains_aggregate(child) for child in _children(expr))


def references_columns(expr) -> bool:
    if isinstance(expr, ast.ColumnRef):
        return True
    return any(references_columns(child) for child in _children(expr))


def _children(expr) -> list:
    if isinstance(expr, (ast.Literal, ast.Param, ast.ColumnRef)) or expr is None:
        return []
    if isinstance(expr, ast.Subscript):
        return [expr.base]
    if isinstance(expr, (ast.FuncCall, ast.ArrayLit)):
        return list(expr.args if isinstance(expr, ast.FuncCall) else expr.items)
    if isinstance(expr, ast.BinOp):
        return [expr.left, expr.right]
    if isinstance(expr, (ast.UnaryOp, ast.IsNull, ast.Cast)):
        return [expr.operand]
    if isinstance(expr, ast.InList):
        return [expr.operand, *expr.items]
    if isinstance(expr, ast.Like):
        return [expr.operand, expr.pattern]
    if isinstance(expr, ast.Between):
        return [expr.operand, expr.low, expr.high]
    if isinstance(expr, ast.ObjectLit):
        return [value for _, value in expr.items]
    return []


def display(expr) -> str:
    """Column name CrateDB shows for an unaliased select item."""
    if isinstance(expr, ast.Literal):
        value = expr.value
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str):
            return "'" + value.replace("'", "''") + "'"
        return T.java_str(value)
    if isinstance(expr, ast.Param):
        return f"${expr.index + 1}"
    if isinstance(expr, ast.ColumnRef):
        return expr.parts[-1]
    if isinstance(expr, ast.Subscript):
        key = expr.key if isinstance(expr.key, int) else "'" + expr.key.replace("'", "''") + "'"
        return f"{display(expr.base)}[{key}]"
    if isinstance(expr, ast.FuncCall):
        if expr.star:
            return f"{expr.name.lower()}(*)"
        inner = ", ".join(display(a) for a in expr.args)
        return f"{expr.name.lower()}({'DISTINCT ' if expr.distinct else ''}{inner})"
    if isinstance(expr, ast.BinOp):
        op = expr.op.upper() if expr.op in ("and", "or") else expr.op
        return f"({display(expr.left)} {op} {display(expr.right)})"
    if isinstance(expr, ast.UnaryOp):
        return f"(NOT {display(expr.operand)})" if expr.op == "not" else f"- {display(expr.operand)}"
    if isinstance(expr, ast.IsNull):
        return f"({display(expr.operand)} IS {'NOT ' if expr.negated else ''}NULL)"
    if isinstance(expr, ast.InList):
        items = ", ".join(display(i) for i in expr.items)
        return f"({display(expr.operand)} {'NOT ' if expr.negated else ''}IN ({items}))"
    if isinstance(expr, ast.Like):
        word = "ILIKE" if expr.case_insensitive else "LIKE"
        return f"({display(expr.operand)} {'NOT ' if expr.negated else ''}{word} {display(expr.pattern)})"
    if isinstance(expr, ast.Between):
        return (f"({display(expr.operand)} {'NOT ' if expr.negated else ''}BETWEEN "
                f"{display(expr.low)} AND {display(expr.high)})")
    if isinstance(expr, ast.Cast):
        return f"CAST({display(expr.operand)} AS {T.from_spec(expr.type).name})"
    if isinstance(expr, ast.ArrayLit):
        return "[" + ", ".join(display(i) for i in expr.items) + "]"
    if isinstance(expr, ast.ObjectLit):
        return "{" + ", ".join(f"{k}={display(v)}" for k, v in expr.items) + "}"
    return "?"


# ---------------------------------------------------------------- SQLite functions


class UdfErrors:
    """Carries a CrateError out of a SQLite user function (SQLite only keeps a
    generic 'user-defined function raised exception')."""

    def __init__(self):
        self.pending: Optional[CrateError] = None

    def take(self) -> Optional[CrateError]:
        error, self.pending = self.pending, None
        return error


@functools.lru_cache(maxsize=1024)
def _parsed_json(text: str):
    try:
        return T.load_json(text)
    except ValueError:
        return None


def _walk(document, path):
    if not isinstance(document, str):
        return None
    node = _parsed_json(document)
    for key in path:
        if isinstance(key, int):
            node = node[key] if isinstance(node, list) and 0 <= key < len(node) else None
        elif isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list):
            node = [item.get(key) if isinstance(item, dict) else None for item in node]
        else:
            return None
        if node is None:
            return None
    return node


def sql_sub(document, *path):
    node = _walk(document, path)
    if isinstance(node, bool):
        return int(node)
    if isinstance(node, (dict, list)):
        node = json.dumps(node, separators=(",", ":"), ensure_ascii=False)
    return _sqlite_text(node)


def sql_subj(document, *path):
    node = _walk(document, path)
    if node is None:
        return None
    return _sqlite_text(json.dumps(node, separators=(",", ":"), ensure_ascii=False))


def _sqlite_text(value):
    # Text with a lone surrogate goes back to SQLite as a BLOB (see sqltypes.to_storage).
    return T.to_storage(value, T.TEXT) if isinstance(value, str) else value


@functools.lru_cache(maxsize=256)
def _like_regex(pattern: str, case_insensitive: bool):
    # CrateDB LIKE: % any run, _ one character, backslash escapes the next character.
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.DOTALL | (re.IGNORECASE if case_insensitive else 0))


def sql_like(value, pattern, case_insensitive):
    if value is None or pattern is None:
        return None
    return int(_like_regex(str(pattern), bool(case_insensitive)).fullmatch(str(value)) is not None)


def make_sql_cast(errors: UdfErrors):
    def sql_cast(value, source_json, target_json, is_try):
        source = T.CType.from_json(json.loads(source_json))
        target = T.CType.from_json(json.loads(target_json))
        try:
            cast_value = T.cast_explicit(T.from_storage(value, source), target)
        except CrateError as error:
            if is_try:
                return None
            errors.pending = error
            raise
        return T.to_storage(cast_value, target)
    return sql_cast


def make_sql_date_trunc(errors: UdfErrors):
    def sql_date_trunc(unit, moment):
        try:
            return T.date_trunc(unit, moment)
        except CrateError as error:
            errors.pending = error
            raise
    return sql_date_trunc


def make_sql_arith(errors: UdfErrors):
    def sql_arith(op, kind, left, right):
        try:
            return T.storable_number(T.arithmetic(op, kind, left, right))
        except CrateError as error:
            errors.pending = error
            raise
    return sql_arith


def register_functions(conn, errors: UdfErrors) -> None:
    conn.create_function("standin_sub", -1, sql_sub, deterministic=True)
    conn.create_function("standin_subj", -1, sql_subj, deterministic=True)
    conn.create_function("standin_like", 3, sql_like, deterministic=True)
    conn.create_function("standin_cast", 4, make_sql_cast(errors), deterministic=True)
    conn.create_function("standin_date_trunc", 2, make_sql_date_trunc(errors), deterministic=True)
    conn.create_function("standin_arith", 4, make_sql_arith(errors), deterministic=True)
