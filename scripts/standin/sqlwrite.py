"""INSERT, UPDATE and DELETE.

An INSERT runs in two phases, mirroring where CrateDB fails:
  1. analysis and binding for the whole request: unknown table or column,
     wrong number of values, and values that cannot be cast to a column type
     known when the request starts. Any error fails the whole request and
     nothing is written (CrateDB >= 5.10.11).
  2. indexing, row by row: duplicate keys, NULL keys, NOT NULL columns,
     generated column mismatches and type conflicts on dynamically added
     columns or object sub-columns. Such a row fails alone (bulk item -2).
"""

import sqlite3
from dataclasses import dataclass, field
from typing import Optional

from . import sqlast as ast
from . import sqltypes as T
from .sqlcatalog import Column, Table, quote_ident
from .sqlcompile import Compiler, Scope, Typed, display
from .sqlerrors import CrateError, column_unknown, duplicate_key, must_not_be_null, sql_parse
from .sqlparse import parse_expression
from .sqlrelations import Context, writable_table


@dataclass
class RowResult:
    rowcount: int                       # INSERT: 1 written, 0 skipped (ON CONFLICT DO NOTHING); UPDATE: rows
                                        # updated; -2 failed (an INSERT row, an UPDATE by primary key)
    error: Optional[CrateError] = None


# ---------------------------------------------------------------- INSERT


@dataclass
class _InsertPlan:
    table: Table
    columns: list                                   # target column names
    start_columns: frozenset                        # columns the table had when the request began
    generated: dict = field(default_factory=dict)   # name -> (sql, params, row params, source)
    defaults: dict = field(default_factory=dict)    # name -> cast default value
    bounded: list = field(default_factory=list)     # columns with a VARCHAR(n) length limit
    dirty: bool = False                             # table definition changed


def run_insert(ctx: Context, stmt: ast.Insert, arg_rows: list) -> list:
    """Insert for every args row; returns one list of RowResult (one per VALUES tuple) per args row."""
    table = writable_table(ctx, stmt.table, "INSERT")
    plan = _InsertPlan(table, _target_columns(table, stmt), frozenset(table.columns))
    _check_on_conflict(table, stmt.on_conflict)
    bound = [_bind_values(ctx, plan, stmt, args) for args in arg_rows]
    _prepare_computed_columns(ctx, plan)
    plan.bounded = [c.name for c in table.columns.values() if T.has_length_limit(c.type)]

    results = []
    for args, rows in zip(arg_rows, bound):
        upsert_sql, upsert_params = _upsert_clause(ctx, table, stmt.on_conflict, args)
        results.append([_insert_row(ctx, plan, values, upsert_sql, upsert_params) for values in rows])
    if plan.dirty:
        ctx.catalog.save(table)
    return results


def _target_columns(table: Table, stmt: ast.Insert) -> list:
    if stmt.columns is None:
        columns = list(table.columns)
    else:
        columns = list(stmt.columns)
        seen = set()
        for name in columns:
            if name in seen:
                raise sql_parse(f'column "{name}" specified more than once')
            seen.add(name)
            if name not in table.columns:
                if table.column_policy == "strict":
                    raise column_unknown(name)
                T.check_column_name(name)
    for values in stmt.rows:
        # Without a column list, fewer values fill the leading columns.
        too_many = len(values) > len(columns)
        if too_many or (stmt.columns is not None and len(values) != len(columns)):
            raise sql_parse(f"Invalid number of values: Got {len(columns)} columns specified "
                            f"but {len(values)} values")
    return columns


def _check_on_conflict(table: Table, on_conflict: Optional[ast.OnConflict]) -> None:
    if on_conflict is None:
        return
    for name in on_conflict.targets:
        if name not in table.columns:
            raise column_unknown(name)
    if on_conflict.targets:
        if len(on_conflict.targets) != len(table.primary_key):
            raise sql_parse(f"Number of conflict targets ({_java_list(on_conflict.targets)}) did not match "
                            f"the number of primary key columns ({_java_list(table.primary_key)})")
        if set(on_conflict.targets) != set(table.primary_key):
            raise sql_parse(f"Conflict target ({_java_list(on_conflict.targets)}) did not match "
                            f"the primary key columns ({_java_list(table.primary_key)})")
    for name, _ in on_conflict.assignments or ():
        if name not in table.columns:
            raise column_unknown(name)
        if name in table.primary_key:
            raise sql_parse("Updating a primary key is not supported")


def _java_list(names) -> str:
    return "[" + ", ".join(names) + "]"


def _bind_values(ctx: Context, plan: _InsertPlan, stmt: ast.Insert, args: list) -> list:
    """Phase 1 for one args row: evaluate every VALUES tuple and cast to known column types."""
    compiler = Compiler(Scope(), args, ctx.now_ms, ctx.session)
    rows = []
    for tuple_exprs in stmt.rows:
        values = {}
        for name, expr in zip(plan.columns, tuple_exprs):
            value = evaluate(ctx, compiler, expr)
            column = plan.table.columns.get(name)
            values[name] = T.cast(value, column.type, name) if column is not None else value
        rows.append(values)
    return rows


def evaluate(ctx: Context, compiler: Compiler, expr):
    """Python value of a VALUES or DEFAULT expression; non-constant ones are run through SQLite."""
    if isinstance(expr, ast.Param) and expr.index < len(compiler.args):
        return compiler.args[expr.index]      # the hot path of bulk inserts
    if isinstance(expr, ast.Literal):
        return expr.value
    typed = compiler.value(expr)
    if typed.aggregate:
        raise sql_parse("Aggregate functions are not allowed in VALUES")
    if typed.constant:
        return typed.value
    row = ctx.conn.execute(f"SELECT {typed.sql}", compiler.params).fetchone()
    return T.from_storage(row[0], typed.type)


def _prepare_computed_columns(ctx: Context, plan: _InsertPlan) -> None:
    """Compile generated column expressions once per request and evaluate defaults."""
    for column in plan.table.columns.values():
        if column.generated:
            scope = Scope(plan.table, row_params=True)
            compiler = Compiler(scope, [], ctx.now_ms, ctx.session)
            typed = compiler.value(parse_expression(column.generated))
            plan.generated[column.name] = (typed.sql, compiler.params, scope.used_row_params, column.generated)
        elif column.default is not None:
            compiler = Compiler(Scope(), [], ctx.now_ms, ctx.session)
            value = evaluate(ctx, compiler, parse_expression(column.default))
            plan.defaults[column.name] = T.cast(value, column.type, column.name)


def _upsert_clause(ctx: Context, table: Table, on_conflict, args: list) -> tuple:
    if on_conflict is None:
        return "", {}
    if not table.primary_key:
        return " ON CONFLICT DO NOTHING", {}
    target = ", ".join(quote_ident(c) for c in table.primary_key)
    if on_conflict.assignments is None:
        return f" ON CONFLICT ({target}) DO NOTHING", {}
    compiler = Compiler(Scope.of(table, allow_excluded=True), args, ctx.now_ms, ctx.session)
    sets = []
    for name, expr in on_conflict.assignments:
        typed = compiler.coerce(compiler.value(expr), table.columns[name].type)
        if typed.aggregate:
            raise sql_parse("Aggregate functions are not allowed in ON CONFLICT DO UPDATE")
        sets.append(f"{quote_ident(name)} = {typed.sql}")
    return f" ON CONFLICT ({target}) DO UPDATE SET {', '.join(sets)}", compiler.params


def _insert_row(ctx: Context, plan: _InsertPlan, values: dict, upsert_sql: str, upsert_params: dict) -> RowResult:
    """Phase 2 for one row: the outcome CrateDB reports for it."""
    try:
        return _write_row(ctx, plan, dict(values), upsert_sql, upsert_params)
    except T.RowRejected:
        return RowResult(0)
    except CrateError as error:
        return RowResult(-2, error)


def _write_row(ctx: Context, plan: _InsertPlan, values: dict, upsert_sql: str, upsert_params: dict) -> RowResult:
    table = plan.table
    for name, default in plan.defaults.items():
        values.setdefault(name, default)
    types = _dynamic_types(plan, values)
    _compute_generated(ctx, plan, values, types)
    for name in plan.bounded:
        # A length violation fails the row while indexing, as in CrateDB (not the whole request).
        if name in values:
            values[name] = T.value_for_insert(values[name], table.columns[name].type)
    for name in table.primary_key:
        if values.get(name) is None:
            raise sql_parse("A primary key value must not be NULL")
    for column in table.columns.values():
        if column.not_null and values.get(column.name) is None:
            raise must_not_be_null(column.name)

    for name in values:
        if name not in table.physical:
            ctx.conn.execute(f"ALTER TABLE {table.sql_name} ADD COLUMN {quote_ident(name)} {types[name].affinity}")
            table.physical.add(name)
    names = list(values)
    params = {f"v{i}": T.to_storage(values[name], types[name]) for i, name in enumerate(names)}
    params.update(upsert_params)
    placeholders = ", ".join(f":v{i}" for i in range(len(names)))
    sql = (f"INSERT INTO {table.sql_name} ({', '.join(quote_ident(n) for n in names)}) "
           f"VALUES ({placeholders}){upsert_sql}")
    try:
        cursor = ctx.conn.execute(sql, params)
    except sqlite3.IntegrityError as error:
        if "UNIQUE" in str(error):
            raise duplicate_key() from None
        raise sql_parse(str(error)) from None

    for name, ctype in types.items():
        column = table.columns.get(name)
        if column is None:
            table.columns[name] = Column(name, ctype, learned=True)
            plan.dirty = True
        elif column.type is not ctype:
            column.type = ctype
            plan.dirty = True
    return RowResult(cursor.rowcount)


def _dynamic_types(plan: _InsertPlan, values: dict) -> dict:
    """Type per value; checks values of dynamic columns and sub-columns.

    Returns the column types to use for this row: for columns whose type
    learned something new, a modified copy that only replaces the table's
    type once the row is stored.
    """
    types = {}
    for name in list(values):
        value = values[name]
        column = plan.table.columns.get(name)
        if column is None:
            if value is None:
                del values[name]        # CrateDB adds no column for a NULL value
                continue
            ctype = T.guess_type(value, dynamic=True)
            values[name] = T.check_dynamic(T.conform(None, value, ctype, True), ctype, True)
            types[name] = ctype
            continue
        ctype = column.type
        new_in_request = name not in plan.start_columns
        if ctype.kind in ("object", "array") or new_in_request:
            try:
                values[name] = _check_learned(value, ctype, False, new_in_request)
            except T.NeedsLearning:
                ctype = ctype.clone()
                values[name] = _check_learned(value, ctype, True, new_in_request)
        types[name] = ctype
    return types


def _check_learned(value, ctype: T.CType, learn: bool, new_in_request: bool):
    if new_in_request:
        value = T.conform(None, value, ctype, learn)
    return T.check_dynamic(value, ctype, learn)


def _compute_generated(ctx: Context, plan: _InsertPlan, values: dict, types: dict) -> None:
    for name, (sql, params, row_params, source) in plan.generated.items():
        column = plan.table.columns[name]
        bound = dict(params)
        for param, column_name in row_params.items():
            source_type = types.get(column_name) or plan.table.columns[column_name].type
            bound[param] = T.to_storage(values.get(column_name), source_type)
        result = ctx.conn.execute(f"SELECT {sql}", bound).fetchone()[0]
        computed = T.cast(T.from_storage(result, column.type), column.type, name)
        given = values.get(name)
        if given is not None and given != computed:
            raise sql_parse(f"Given value {T.java_str(given)} for generated column {name} does not match "
                            f"calculation {source} = {T.java_str(computed)}")
        values[name] = computed
        types[name] = column.type


# ---------------------------------------------------------------- UPDATE / DELETE


def run_update(ctx: Context, stmt: ast.Update, args: list) -> RowResult:
    """The rows updated, or -2 and the error for a failed UPDATE by primary key (a bulk item, else an error)."""
    table = writable_table(ctx, stmt.table, "UPDATE")
    compiler = Compiler(Scope.of(table, stmt.alias), args, ctx.now_ms, ctx.session)
    sets = [(name, _assignment(compiler, table, name, expr)) for name, expr in stmt.assignments]
    where = _where(compiler, stmt.where)
    _check_null_constants(table, sets)
    sets, prechecked = _prechecked_constants(compiler, table, sets)
    if all(name in prechecked or not _checked_per_row(table.columns[name]) for name, _ in sets):
        assignments = ", ".join(f"{quote_ident(name)} = {typed.sql}" for name, typed in sets)
        try:
            return RowResult(_execute(ctx, f"UPDATE {table.sql_name} SET {assignments}{where}",
                                      compiler.params).rowcount)
        except sqlite3.Error as error:
            # A function failed for some row: SQLite undid the statement, so run it row by row (where a
            # failing WHERE clause fails again, for the whole request).
            _function_error(ctx, error)
    return _update_row_by_row(ctx, table, sets, where, compiler.params, _by_id(table, stmt.where))


def _assignment(compiler: Compiler, table: Table, name: str, expr) -> Typed:
    column = table.columns.get(name)
    if column is None:
        raise column_unknown(name)
    if name in table.primary_key:
        raise sql_parse("Updating a primary key is not supported")
    if column.generated:
        raise sql_parse(f"Cannot update generated column {name}; it is computed on insert")
    typed = compiler.coerce(compiler.value(expr), column.type)
    if typed.aggregate:
        raise sql_parse("Aggregate functions are not allowed in UPDATE")
    return typed


def _check_null_constants(table: Table, sets: list) -> None:
    """A NULL literal or parameter for a NOT NULL column fails the whole request before any row is read, as
    CrateDB's Assignments.bindSources checks the bound values (UpdateIntegrationTest.testUpdateNotNullColumn),
    also for one args row of a bulk request (bulkExec binds every row before it executes)."""
    for name, typed in sets:
        if table.columns[name].not_null and typed.constant and typed.value is None:
            raise must_not_be_null(name)


def _prechecked_constants(compiler: Compiler, table: Table, sets: list) -> tuple:
    """The assignments with each constant value of a checked column put through INSERT's checks once (they
    cannot come out differently per row), and the names of those columns. A constant that fails them stays as
    it is: every row fails it, which the row-by-row path reports as CrateDB does."""
    checked, prechecked = [], set()
    for name, typed in sets:
        column = table.columns[name]
        if _checked_per_row(column) and typed.constant:
            try:
                typed = compiler.constant(T.value_for_insert(typed.value, column.type), column.type)
                prechecked.add(name)
            except CrateError:
                pass
        checked.append((name, typed))
    return checked, prechecked


def _checked_per_row(column: Column) -> bool:
    """Whether a new value of this column needs a check of INSERT's that SQLite does not make."""
    return column.not_null or T.has_length_limit(column.type)


def _update_row_by_row(ctx: Context, table: Table, sets: list, where: str, params: dict, by_id: bool) -> RowResult:
    """An UPDATE that sets a NOT NULL or VARCHAR(n) column, or whose values fail for some row. CrateDB computes
    the new values of each row on its shard (UpdateToInsert) and indexes the row again, with INSERT's NOT NULL
    and length checks (Indexer); since 5.5 an UPDATE goes on past a row that fails (its shard requests continue
    on error): that row keeps its values and is not counted. SQLite cannot skip a row inside one UPDATE, so the
    new values are read row by row and each row that passes the checks is written by its rowid."""
    assignments = ", ".join(f"{quote_ident(name)} = :v{i}" for i, (name, _) in enumerate(sets))
    sql = f"UPDATE {table.sql_name} SET {assignments} WHERE rowid = :rowid"
    updated, failure = 0, None
    for rowid, values, error in _new_values(ctx, table, sets, where, params):
        try:
            if error is not None:
                raise error
            bound = {f"v{i}": _checked_value(value, table.columns[name])
                     for i, ((name, _), value) in enumerate(zip(sets, values))}
        except CrateError as row_error:
            failure = row_error
            continue
        bound["rowid"] = rowid
        updated += _execute(ctx, sql, bound).rowcount
    if by_id and failure is not None:
        return RowResult(-2, failure)      # UpdateById reports the failed item; an update by query only counts
    return RowResult(updated)


def _new_values(ctx: Context, table: Table, sets: list, where: str, params: dict) -> list:
    """(rowid, new values, None) or (rowid, None, error) for each row WHERE selects. The WHERE clause runs
    once, so its failure fails the request (as in CrateDB's collect phase); the values are computed row by row,
    so that one failing (integer overflow, a failed cast) fails its row alone."""
    rowids = [rowid for rowid, in ctx.conn.execute(f"SELECT rowid FROM {table.sql_name}{where}", params)]
    select = f"SELECT {', '.join(typed.sql for _, typed in sets)} FROM {table.sql_name} WHERE rowid = :rowid"
    rows = []
    for rowid in rowids:
        try:
            rows.append((rowid, ctx.conn.execute(select, {**params, "rowid": rowid}).fetchone(), None))
        except sqlite3.Error as error:
            rows.append((rowid, None, _function_error(ctx, error)))
    return rows


def _function_error(ctx: Context, error: sqlite3.Error) -> CrateError:
    """The CrateError a stand-in function raised inside SQLite; re-raises any other SQLite error."""
    pending = ctx.udf_errors.take()
    if pending is None:
        raise error
    return pending


def _checked_value(stored, column: Column):
    """A stored value through INSERT's NOT NULL and length checks (T.value_for_insert: fails, or cuts off
    spaces)."""
    if stored is None and column.not_null:
        raise must_not_be_null(column.name)
    if not T.has_length_limit(column.type):
        return stored
    value = T.cast(T.from_storage(stored, column.type), column.type, column.name)  # a number into VARCHAR(n) too
    return T.to_storage(T.value_for_insert(value, column.type), column.type)


# EqualityExtractor.MAX_ITERATIONS: CrateDB tries this many combinations of key values at most.
_MAX_KEY_COMBINATIONS = 10_000


def _by_id(table: Table, where) -> bool:
    """Whether CrateDB plans this UPDATE as UpdateById (UpdatePlanner): WhereClauseOptimizer finds DocKeys and
    the query names no other column. Its EqualityExtractor finds them when every alternative of WHERE pins
    each primary key column, by `pk = value` and `pk IN (literals)` joined by AND and OR (UpdatePlannerTest:
    `id in (1,2,3)`, `(id=2 and date=0) OR (id=3 and date=123)`). It tries each combination of the values
    found per column (and none), and gives up at the limit. This only changes how a failed row shows."""
    if where is None or not table.primary_key:
        return False
    alternatives = _key_alternatives(where)
    if alternatives is None:
        return False
    if any(sorted(column for column, _ in pinned) != sorted(table.primary_key) for pinned in alternatives):
        return False
    combinations = 1
    for name in table.primary_key:
        combinations *= len({value for pinned in alternatives for column, value in pinned if column == name}) + 1
    return combinations < _MAX_KEY_COMBINATIONS


def _key_alternatives(expr) -> Optional[list]:
    """The (column, value) pairs each alternative of `column = value`, `column IN (...)`, AND and OR pins;
    None for any other condition."""
    if isinstance(expr, ast.BinOp) and expr.op in ("and", "or"):
        left, right = _key_alternatives(expr.left), _key_alternatives(expr.right)
        if left is None or right is None:
            return None
        if expr.op == "or":
            return left + right
        if len(left) * len(right) >= _MAX_KEY_COMBINATIONS:
            return None                 # as many combinations of distinct values: CrateDB gives up too
        return [a + b for a in left for b in right]
    if isinstance(expr, ast.BinOp) and expr.op == "=":
        for column, value in ((expr.left, expr.right), (expr.right, expr.left)):
            if isinstance(column, ast.ColumnRef) and isinstance(value, (ast.Literal, ast.Param)):
                return [((column.parts[-1], value),)]
    # Only a list of literals: with a parameter in it the list is a function (`_array($1, ...)`) to CrateDB.
    if isinstance(expr, ast.InList) and not expr.negated and isinstance(expr.operand, ast.ColumnRef) \
            and all(isinstance(item, ast.Literal) for item in expr.items):
        return [((expr.operand.parts[-1], item),) for item in expr.items]
    return None


def _execute(ctx: Context, sql: str, params: dict) -> sqlite3.Cursor:
    try:
        return ctx.conn.execute(sql, params)
    except sqlite3.IntegrityError as error:
        raise sql_parse(str(error)) from None


def run_delete(ctx: Context, stmt: ast.Delete, args: list) -> int:
    table = writable_table(ctx, stmt.table, "DELETE")
    compiler = Compiler(Scope.of(table, stmt.alias), args, ctx.now_ms, ctx.session)
    return ctx.conn.execute(f"DELETE FROM {table.sql_name}{_where(compiler, stmt.where)}",
                            compiler.params).rowcount


def _where(compiler: Compiler, where) -> str:
    if where is None:
        return ""
    typed = compiler.coerce(compiler.value(where), T.BOOLEAN)
    if typed.aggregate:
        raise sql_parse(f"Aggregate functions are not allowed in WHERE: {display(where)}")
    return " WHERE " + typed.sql
