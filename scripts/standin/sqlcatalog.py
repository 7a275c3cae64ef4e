"""Table definitions of the stand-in, persisted next to the rows in SQLite.

Each user table lives in its own SQLite table named "<schema>.<table>"; its
definition (columns with CrateDB types, learned object sub-columns, keys,
partitioning, WITH properties) is kept as JSON in `_standin_catalog` so that
re-opening the data directory restores everything.
"""

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Optional

from .sqlerrors import invalid_relation_name
from .sqltypes import CType

CATALOG_TABLE = "_standin_catalog"


_INVALID_RELATION_CHARS = set('\\/*?"<>| ,#.')


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def check_relation_name(schema: str, name: str) -> None:
    """CrateDB's rules for new table names (they also become folder names for blobs)."""
    for part in (schema, name):
        if not part or part.startswith("_") or _INVALID_RELATION_CHARS & set(part):
            raise invalid_relation_name(f"{schema}.{name}")


@dataclass
class Column:
    name: str
    type: CType
    not_null: bool = False
    default: Optional[str] = None      # DEFAULT expression source text
    generated: Optional[str] = None    # GENERATED ALWAYS AS expression source text
    learned: bool = False              # added by an INSERT into a dynamic table

    def to_json(self) -> dict:
        return {"name": self.name, "type": self.type.to_json(), "not_null": self.not_null,
                "default": self.default, "generated": self.generated, "learned": self.learned}

    @staticmethod
    def from_json(data: dict) -> "Column":
        return Column(data["name"], CType.from_json(data["type"]), data["not_null"],
                      data["default"], data["generated"], data["learned"])


@dataclass
class Table:
    schema: str
    name: str
    columns: dict                                   # name -> Column, in definition order
    primary_key: list = field(default_factory=list)
    partitioned_by: list = field(default_factory=list)
    clustered_by: Optional[str] = None
    shards: Optional[int] = None
    properties: dict = field(default_factory=dict)  # WITH (...) as written
    column_policy: str = "strict"                   # CrateDB's default for tables
    physical: set = field(default_factory=set)      # columns that exist in the SQLite table

    @property
    def fqn(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def sql_name(self) -> str:
        return quote_ident(self.fqn)

    def to_json(self) -> dict:
        return {"columns": [c.to_json() for c in self.columns.values()],
                "primary_key": self.primary_key, "partitioned_by": self.partitioned_by,
                "clustered_by": self.clustered_by, "shards": self.shards,
                "properties": self.properties, "column_policy": self.column_policy}

    @staticmethod
    def from_json(schema: str, name: str, data: dict) -> "Table":
        columns = {c["name"]: Column.from_json(c) for c in data["columns"]}
        return Table(schema, name, columns, data["primary_key"], data["partitioned_by"],
                     data["clustered_by"], data["shards"], data["properties"], data["column_policy"])


class Catalog:
    """In-memory view of the definitions, written through to SQLite."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        conn.execute(f"CREATE TABLE IF NOT EXISTS {CATALOG_TABLE} ("
                     "schema_name TEXT NOT NULL, table_name TEXT NOT NULL, kind TEXT NOT NULL, "
                     "definition TEXT NOT NULL, PRIMARY KEY (schema_name, table_name))")
        self.tables: dict = {}         # (schema, name) -> Table
        self.blob_tables: set = set()
        for schema, name, kind, definition in conn.execute(
                f"SELECT schema_name, table_name, kind, definition FROM {CATALOG_TABLE} ORDER BY rowid"):
            if kind == "blob":
                self.blob_tables.add(name)
            else:
                table = Table.from_json(schema, name, json.loads(definition))
                table.physical = self._physical_columns(table)
                self.tables[(schema, name)] = table

    def _physical_columns(self, table: Table) -> set:
        return {row[1] for row in self.conn.execute(f"PRAGMA table_info({table.sql_name})")}

    def table(self, schema: str, name: str) -> Optional[Table]:
        return self.tables.get((schema, name))

    def schemas(self) -> set:
        return {schema for schema, _ in self.tables}

    def save(self, table: Table) -> None:
        self.conn.execute(
            f"INSERT INTO {CATALOG_TABLE} VALUES (?, ?, 'table', ?) ON CONFLICT (schema_name, table_name) "
            "DO UPDATE SET definition = excluded.definition",
            (table.schema, table.name, json.dumps(table.to_json())))
        self.tables[(table.schema, table.name)] = table

    def drop(self, table: Table) -> None:
        self.conn.execute(f"DELETE FROM {CATALOG_TABLE} WHERE schema_name = ? AND table_name = ?",
                          (table.schema, table.name))
        self.tables.pop((table.schema, table.name), None)

    def add_blob_table(self, name: str) -> None:
        self.conn.execute(f"INSERT INTO {CATALOG_TABLE} VALUES ('blob', ?, 'blob', '{{}}')", (name,))
        self.blob_tables.add(name)

    def drop_blob_table(self, name: str) -> None:
        self.conn.execute(f"DELETE FROM {CATALOG_TABLE} WHERE schema_name = 'blob' AND table_name = ?",
                          (name,))
        self.blob_tables.discard(name)
