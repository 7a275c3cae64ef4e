"""CREATE / DROP TABLE, CREATE / DROP BLOB TABLE and REFRESH TABLE."""

import os
import shutil

from . import sqlast as ast
from . import sqltypes as T
from .sqlcatalog import Column, Table, check_relation_name, quote_ident
from .sqlcompile import Compiler, Scope
from .sqlerrors import column_unknown, relation_exists, relation_unknown, sql_parse
from .sqlparse import parse_expression
from .sqlrelations import SYSTEM_SCHEMAS, Context, existing_table, qualify

# Types CrateDB cannot use as a primary key or partition column.
_NON_PRIMITIVE = ("object", "array", "geo_point")


def create_table(ctx: Context, stmt: ast.CreateTable) -> int:
    schema, name = qualify(ctx, stmt.table.schema, stmt.table.name)
    if schema in SYSTEM_SCHEMAS:
        raise sql_parse(f"Cannot create relation in read-only schema: {schema}")
    if ctx.catalog.table(schema, name) is not None:
        if stmt.if_not_exists:
            return 0
        raise relation_exists(f"{schema}.{name}")

    check_relation_name(schema, name)
    table = Table(schema, name, {})
    for definition in stmt.columns:
        T.check_column_name(definition.name)
        if definition.name in table.columns:
            raise sql_parse(f'column "{definition.name}" specified more than once')
        ctype = T.from_spec(definition.type) if definition.type is not None else T.UNDEFINED
        table.columns[definition.name] = Column(definition.name, ctype, definition.not_null,
                                                definition.default, definition.generated)
    for column in table.columns.values():
        _analyse_expressions(ctx, table, column)
    table.primary_key = list(dict.fromkeys([d.name for d in stmt.columns if d.primary_key]
                                           + list(stmt.primary_key)))
    table.partitioned_by = list(stmt.partitioned_by)
    table.clustered_by = stmt.clustered_by
    table.shards = stmt.shards
    table.properties = dict(stmt.properties)
    # CrateDB's default column policy for tables is strict (OBJECT columns default to dynamic).
    table.column_policy = _unquote(table.properties.get("column_policy", "'strict'")).lower()
    _validate_keys(table)

    columns = [f"{quote_ident(c.name)} {c.type.affinity}" for c in table.columns.values()]
    if table.primary_key:
        columns.append(f"UNIQUE ({', '.join(quote_ident(c) for c in table.primary_key)})")
    ctx.conn.execute(f"CREATE TABLE {table.sql_name} ({', '.join(columns)})")
    table.physical = set(table.columns)
    ctx.catalog.save(table)
    return 1


def _analyse_expressions(ctx: Context, table: Table, column: Column) -> None:
    """Check GENERATED / DEFAULT expressions now, so that unknown columns or
    functions fail CREATE TABLE as in CrateDB; an untyped generated column
    takes the type of its expression."""
    if column.generated is not None:
        compiler = Compiler(Scope(table, row_params=True), [], ctx.now_ms, ctx.session)
        typed = compiler.value(parse_expression(column.generated))
        if column.type.kind == "undefined":
            column.type = typed.type
    if column.default is not None:
        compiler = Compiler(Scope(), [], ctx.now_ms, ctx.session)
        default = compiler.value(parse_expression(column.default))
        if default.constant:
            T.cast(default.value, column.type, column.name)


def _validate_keys(table: Table) -> None:
    for name in table.primary_key:
        column = table.columns.get(name)
        if column is None:
            raise column_unknown(name)
        if column.type.kind in _NON_PRIMITIVE:
            raise sql_parse(f'Cannot use columns of type "{column.type.name}" as primary key')
    for name in table.partitioned_by:
        column = table.columns.get(name)
        if column is None:
            raise column_unknown(name)
        if table.primary_key and name not in table.primary_key:
            raise sql_parse(f"Cannot use non primary key column '{name}' in PARTITIONED BY clause "
                            f"if primary key is set on table")
        if column.type.kind in _NON_PRIMITIVE:
            raise sql_parse(f"Cannot use column {name} of type {column.type.name} in PARTITIONED BY clause")
    if table.clustered_by is not None and table.clustered_by not in table.columns:
        raise column_unknown(table.clustered_by)
    if table.column_policy not in ("dynamic", "strict"):
        raise sql_parse(f"Invalid value for argument 'column_policy': {table.column_policy}")


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    return text


def drop_table(ctx: Context, stmt: ast.DropTable) -> int:
    schema, name = qualify(ctx, stmt.table.schema, stmt.table.name)
    table = ctx.catalog.table(schema, name)
    if table is None:
        if stmt.if_exists:
            return 0
        existing_table(ctx, stmt.table)     # raises the CrateDB error (unknown schema or relation)
    ctx.conn.execute(f"DROP TABLE IF EXISTS {table.sql_name}")
    ctx.catalog.drop(table)
    return 1


def create_blob_table(ctx: Context, stmt: ast.CreateBlobTable) -> int:
    check_relation_name("blob", stmt.name)
    if stmt.name in ctx.catalog.blob_tables:
        raise relation_exists(f"blob.{stmt.name}")
    os.makedirs(os.path.join(ctx.blob_root, stmt.name), exist_ok=True)
    ctx.catalog.add_blob_table(stmt.name)
    return 1


def drop_blob_table(ctx: Context, stmt: ast.DropBlobTable) -> int:
    if stmt.name not in ctx.catalog.blob_tables:
        if stmt.if_exists:
            return 0
        raise relation_unknown(f"blob.{stmt.name}")
    ctx.catalog.drop_blob_table(stmt.name)
    shutil.rmtree(os.path.join(ctx.blob_root, stmt.name), ignore_errors=True)
    return 1


def refresh(ctx: Context, stmt: ast.Refresh) -> int:
    """A no-op (rows are visible at once); rowcount as CrateDB: one per table or partition."""
    count = 0
    for table_name in stmt.tables:
        table = existing_table(ctx, table_name)
        if table.partitioned_by:
            columns = ", ".join(quote_ident(c) for c in table.partitioned_by)
            count += ctx.conn.execute(
                f"SELECT count(*) FROM (SELECT DISTINCT {columns} FROM {table.sql_name})").fetchone()[0]
        else:
            count += 1
    return count
