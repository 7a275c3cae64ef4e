"""SELECT: analyse against one relation, run as SQLite SQL, shape the rows."""

from dataclasses import dataclass

from . import sqlast as ast
from . import sqltypes as T
from .sqlcatalog import quote_ident
from .sqlcompile import Compiler, Scope, Typed, contains_aggregate, display, references_columns
from .sqlerrors import CrateError, sql_parse
from .sqlrelations import Context, relation_for_select


@dataclass
class ResultSet:
    cols: list
    types: list        # CType per column
    rows: list


def run_select(ctx: Context, stmt: ast.Select, args: list) -> ResultSet:
    relation = relation_for_select(ctx, stmt.table) if stmt.table else None
    scope = Scope.of(relation, stmt.alias)
    compiler = Compiler(scope, args, ctx.now_ms, ctx.session)

    items = _expand(stmt.items, relation)
    outputs = [compiler.output(expr) for expr, _ in items]
    clauses = []
    if stmt.where is not None:
        if contains_aggregate(stmt.where):
            raise sql_parse("Aggregate functions are not allowed in WHERE")
        clauses.append("WHERE " + compiler.coerce(compiler.value(stmt.where), T.BOOLEAN).sql)

    group_exprs = [_group_target(expr, items, relation) for expr in stmt.group_by]
    if any(contains_aggregate(expr) for expr in group_exprs):
        raise sql_parse("Aggregate functions are not allowed in GROUP BY")
    if group_exprs:
        clauses.append("GROUP BY " + ", ".join(compiler.value(e).sql for e in group_exprs))
    if stmt.having is not None:
        clauses.append("HAVING " + compiler.coerce(compiler.value(stmt.having), T.BOOLEAN).sql)
    if group_exprs or stmt.having is not None or any(o.aggregate for o in outputs):
        _check_grouping(items, outputs, group_exprs)

    if stmt.order_by:
        clauses.append("ORDER BY " + ", ".join(_order_term(compiler, item, items) for item in stmt.order_by))
    clauses.append(_limit_clause(compiler, stmt))

    select_list = ", ".join(f"{o.sql} AS {quote_ident(f'_c{i}')}" for i, o in enumerate(outputs))
    sql = f"SELECT {'DISTINCT ' if stmt.distinct else ''}{select_list}"
    if relation is not None:
        sql += f" FROM {relation.sql_name}"
    sql += " " + " ".join(c for c in clauses if c)
    rows = [[_decode(value, typed) for value, typed in zip(row, outputs)]
            for row in ctx.conn.execute(sql, compiler.params)]
    return ResultSet([name for _, name in items], [o.type for o in outputs], rows)


def _expand(items: tuple, relation) -> list:
    """(expression, column name) per output column; `*` becomes every column."""
    expanded = []
    for item in items:
        if item.expr is None:
            if relation is None:
                raise sql_parse("SELECT * with no tables specified is not valid")
            expanded.extend((ast.ColumnRef((name,)), name) for name in relation.columns)
        else:
            expanded.append((item.expr, item.alias or display(item.expr)))
    return expanded


def _ordinal(expr, items: list):
    """The select item a `GROUP BY 2` / `ORDER BY 2` refers to, else None."""
    if isinstance(expr, ast.Literal) and isinstance(expr.value, int) and not isinstance(expr.value, bool):
        if not 1 <= expr.value <= len(items):
            raise sql_parse(f"ORDER BY position {expr.value} is not in select list")
        return items[expr.value - 1][0]
    return None


def _alias_target(expr, items: list):
    if isinstance(expr, ast.ColumnRef) and len(expr.parts) == 1:
        for item_expr, name in items:
            if name == expr.parts[0] and item_expr != expr:
                return item_expr
    return None


def _group_target(expr, items: list, relation):
    # GROUP BY prefers input columns over output aliases (as PostgreSQL and CrateDB do).
    target = _ordinal(expr, items)
    if target is not None:
        return target
    if isinstance(expr, ast.ColumnRef) and relation is not None and expr.parts[-1] in relation.columns:
        return expr
    return _alias_target(expr, items) or expr


def _check_grouping(items: list, outputs: list, group_exprs: list) -> None:
    for (expr, _), output in zip(items, outputs):
        if output.aggregate or expr in group_exprs or not references_columns(expr):
            continue
        raise sql_parse(f"'{display(expr)}' must appear in the GROUP BY clause "
                        f"or be used in an aggregation function")


def _order_term(compiler: Compiler, item: ast.OrderItem, items: list) -> str:
    # ORDER BY prefers output aliases; ordering uses SQL values, not the JSON text shown.
    expr = _ordinal(item.expr, items) or _alias_target(item.expr, items) or item.expr
    typed = compiler.value(expr)
    nulls_first = item.nulls_first if item.nulls_first is not None else item.descending
    return f"{typed.sql} {'DESC' if item.descending else 'ASC'} NULLS {'FIRST' if nulls_first else 'LAST'}"


def _limit_clause(compiler: Compiler, stmt: ast.Select) -> str:
    limit = _row_count(compiler, stmt.limit, "LIMIT")
    offset = _row_count(compiler, stmt.offset, "OFFSET")
    if limit is None and offset is None:
        return ""
    return f"LIMIT {-1 if limit is None else limit} OFFSET {offset or 0}"


def _row_count(compiler: Compiler, expr, clause: str):
    if expr is None:
        return None
    typed = compiler.value(expr)
    if not typed.constant:
        raise sql_parse(f"{clause} must be a constant integer")
    try:
        value = T.cast(typed.value, T.BIGINT)
    except CrateError:
        raise sql_parse(f"{clause} must be a constant integer") from None
    if value is None or value < 0:
        raise sql_parse(f"{clause} must not be negative")
    return value


def _decode(value, typed: Typed):
    if typed.json_output and isinstance(value, bytes):
        value = T.from_storage(value, T.TEXT)        # JSON text holding a lone surrogate
    if typed.json_output and isinstance(value, str):
        try:
            value = T.load_json(value)
        except ValueError:
            return value
        if typed.type.kind in T.FLOAT_KINDS and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        return value
    return T.from_storage(value, typed.type)
