"""Finding the relation a statement names: user tables, blob tables and the
read-only system relations (sys.cluster, information_schema.*), which are
materialised into temporary SQLite tables so one query path serves them all.
"""

import os
import sqlite3
from dataclasses import dataclass, field

from . import sqltypes as T
from .sqlcatalog import Catalog, Column, Table, quote_ident
from .sqlcompile import UdfErrors
from .sqlerrors import read_only_relation, relation_unknown, schema_unknown

SYSTEM_SCHEMAS = frozenset({"sys", "information_schema", "pg_catalog", "blob"})
BUILTIN_SCHEMAS = SYSTEM_SCHEMAS | {"doc"}
DIGEST_LENGTH = 40


@dataclass
class Context:
    """What executing one statement needs from the engine."""
    conn: sqlite3.Connection
    catalog: Catalog
    default_schema: str
    now_ms: int
    session: dict                # values of current_user, current_schema, ...
    blob_root: str
    cluster_name: str
    udf_errors: UdfErrors        # the CrateError a stand-in function raised inside SQLite


@dataclass
class VirtualRelation:
    schema: str
    name: str
    columns: dict                                  # name -> Column
    rows: list = field(default_factory=list)       # tuples of Python values

    @property
    def fqn(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def sql_name(self) -> str:
        return "temp." + quote_ident(f"_standin_{self.schema}_{self.name}")

    def materialize(self, conn: sqlite3.Connection) -> None:
        conn.execute(f"DROP TABLE IF EXISTS {self.sql_name}")
        definition = ", ".join(f"{quote_ident(c.name)} {c.type.affinity}" for c in self.columns.values())
        conn.execute(f"CREATE TABLE {self.sql_name} ({definition})")
        types = [c.type for c in self.columns.values()]
        placeholders = ", ".join("?" * len(types))
        conn.executemany(f"INSERT INTO {self.sql_name} VALUES ({placeholders})",
                         [[T.to_storage(v, t) for v, t in zip(row, types)] for row in self.rows])


def _columns(**types) -> dict:
    return {name: Column(name, ctype) for name, ctype in types.items()}


def qualify(ctx: Context, schema, name: str) -> tuple:
    return (schema or ctx.default_schema), name


def known_schema(ctx: Context, schema: str) -> bool:
    return schema in BUILTIN_SCHEMAS or schema in ctx.catalog.schemas()


def writable_table(ctx: Context, table_name, operation: str) -> Table:
    """The user table an INSERT/UPDATE/DELETE targets."""
    schema, name = qualify(ctx, table_name.schema, table_name.name)
    table = ctx.catalog.table(schema, name)
    if table is not None:
        return table
    if schema in SYSTEM_SCHEMAS and readable_relation(ctx, table_name) is not None:
        raise read_only_relation(f"{schema}.{name}", operation)
    raise _missing(ctx, table_name)


def existing_table(ctx: Context, table_name) -> Table:
    schema, name = qualify(ctx, table_name.schema, table_name.name)
    table = ctx.catalog.table(schema, name)
    if table is None:
        raise _missing(ctx, table_name)
    return table


def _missing(ctx: Context, table_name):
    """The error for a relation that does not exist. Only an explicitly written
    schema can be unknown; an unqualified name just misses in the default schema."""
    schema, name = qualify(ctx, table_name.schema, table_name.name)
    if table_name.schema is not None and not known_schema(ctx, schema):
        return schema_unknown(schema)
    return relation_unknown(f"{schema}.{name}")


def readable_relation(ctx: Context, table_name):
    """A user table or a materialised system relation, or None."""
    schema, name = qualify(ctx, table_name.schema, table_name.name)
    table = ctx.catalog.table(schema, name)
    if table is not None:
        return table
    builder = _VIRTUAL.get((schema, name))
    if builder is not None:
        return builder(ctx)
    if schema == "blob" and name in ctx.catalog.blob_tables:
        return _blob_listing(ctx, name)
    return None


def relation_for_select(ctx: Context, table_name):
    relation = readable_relation(ctx, table_name)
    if relation is None:
        raise _missing(ctx, table_name)
    if isinstance(relation, VirtualRelation):
        relation.materialize(ctx.conn)
    return relation


def _sys_cluster(ctx: Context) -> VirtualRelation:
    relation = VirtualRelation("sys", "cluster", _columns(id=T.TEXT, name=T.TEXT, master_node=T.TEXT))
    relation.rows.append(("standin-cluster", ctx.cluster_name, "standin-node"))
    return relation


def _user_tables(ctx: Context) -> list:
    return sorted(ctx.catalog.tables.values(), key=lambda t: (t.schema, t.name))


def _information_schema_tables(ctx: Context) -> VirtualRelation:
    relation = VirtualRelation("information_schema", "tables", _columns(
        table_catalog=T.TEXT, table_schema=T.TEXT, table_name=T.TEXT, table_type=T.TEXT,
        number_of_shards=T.INTEGER, number_of_replicas=T.TEXT, clustered_by=T.TEXT,
        partitioned_by=T.CType("array", inner=T.TEXT), column_policy=T.TEXT))
    for table in _user_tables(ctx):
        replicas = table.properties.get("number_of_replicas", "'0-1'").strip("'")
        relation.rows.append(("crate", table.schema, table.name, "BASE TABLE", table.shards or 4, replicas,
                              table.clustered_by or "_id", list(table.partitioned_by) or None,
                              table.column_policy))
    for name in sorted(ctx.catalog.blob_tables):
        relation.rows.append(("crate", "blob", name, "BASE TABLE", 4, "0-1", "digest", None, "strict"))
    return relation


def _information_schema_columns(ctx: Context) -> VirtualRelation:
    relation = VirtualRelation("information_schema", "columns", _columns(
        table_catalog=T.TEXT, table_schema=T.TEXT, table_name=T.TEXT, column_name=T.TEXT,
        ordinal_position=T.INTEGER, data_type=T.TEXT, is_nullable=T.BOOLEAN, column_default=T.TEXT,
        is_generated=T.TEXT, generation_expression=T.TEXT))
    for table in _user_tables(ctx):
        position = 0
        for column in table.columns.values():
            for name, ctype in _column_paths(column.name, column.type):
                position += 1
                top_level = name == column.name
                not_null = top_level and (column.not_null or column.name in table.primary_key)
                generated = column.generated if top_level else None
                relation.rows.append((
                    "crate", table.schema, table.name, name, position, ctype.name, not not_null,
                    column.default if top_level else None, "ALWAYS" if generated else "NEVER", generated))
    return relation


def _column_paths(name: str, ctype: T.CType):
    """A column and its known object sub-columns, named as CrateDB lists them."""
    yield name, ctype
    if ctype.kind == "object":
        for key, child in ctype.children.items():
            yield from _column_paths(f"{name}['{key}']", child)


def _information_schema_schemata(ctx: Context) -> VirtualRelation:
    relation = VirtualRelation("information_schema", "schemata", _columns(schema_name=T.TEXT))
    for schema in sorted(BUILTIN_SCHEMAS | ctx.catalog.schemas()):
        relation.rows.append((schema,))
    return relation


def _blob_listing(ctx: Context, name: str) -> VirtualRelation:
    relation = VirtualRelation("blob", name, _columns(digest=T.TEXT, last_modified=T.TIMESTAMPTZ))
    folder = os.path.join(ctx.blob_root, name)
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        entries = []
    for entry in entries:
        # Only complete blobs are named by their digest; anything else is a temp file.
        if len(entry.name) == DIGEST_LENGTH and all(c in "0123456789abcdef" for c in entry.name):
            try:
                modified = int(entry.stat().st_mtime * 1000)
            except FileNotFoundError:
                continue
            relation.rows.append((entry.name, modified))
    return relation


_VIRTUAL = {
    ("sys", "cluster"): _sys_cluster,
    ("information_schema", "tables"): _information_schema_tables,
    ("information_schema", "columns"): _information_schema_columns,
    ("information_schema", "schemata"): _information_schema_schemata,
}
