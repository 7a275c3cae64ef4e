"""Syntax tree of the statements the stand-in understands.

Nodes are frozen dataclasses: parsed statements are cached per statement text
and shared between threads, so nothing may mutate them after parsing.
"""

from dataclasses import dataclass
from typing import Optional, Union

# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Literal:
    value: object            # int, float, str, bool or None


@dataclass(frozen=True)
class Param:
    index: int               # 0-based position in args / a bulk_args row


@dataclass(frozen=True)
class ColumnRef:
    parts: tuple             # ("x",), ("t", "x"), ("doc", "t", "x"), ("excluded", "x")


@dataclass(frozen=True)
class Subscript:
    base: "Expr"
    key: Union[str, int]     # object key, or 1-based array index


@dataclass(frozen=True)
class FuncCall:
    name: str
    args: tuple
    distinct: bool = False
    star: bool = False       # count(*)


@dataclass(frozen=True)
class BinOp:
    op: str                  # or and = != < <= > >= + - * / % ||
    left: "Expr"
    right: "Expr"


@dataclass(frozen=True)
class UnaryOp:
    op: str                  # not, -
    operand: "Expr"


@dataclass(frozen=True)
class IsNull:
    operand: "Expr"
    negated: bool


@dataclass(frozen=True)
class InList:
    operand: "Expr"
    items: tuple
    negated: bool


@dataclass(frozen=True)
class Like:
    operand: "Expr"
    pattern: "Expr"
    negated: bool
    case_insensitive: bool


@dataclass(frozen=True)
class Between:
    operand: "Expr"
    low: "Expr"
    high: "Expr"
    negated: bool


@dataclass(frozen=True)
class Cast:
    operand: "Expr"
    type: "TypeSpec"
    is_try: bool = False


@dataclass(frozen=True)
class ArrayLit:
    items: tuple


@dataclass(frozen=True)
class ObjectLit:
    items: tuple             # ((key, Expr), ...)


Expr = Union[Literal, Param, ColumnRef, Subscript, FuncCall, BinOp, UnaryOp, IsNull,
             InList, Like, Between, Cast, ArrayLit, ObjectLit]

# ---------------------------------------------------------------- types


@dataclass(frozen=True)
class TypeSpec:
    """A type as written in SQL; turned into a CType by sqltypes.from_spec."""
    name: str                          # canonical name, e.g. "integer", "object", "array"
    inner: Optional["TypeSpec"] = None     # element type of an array
    policy: str = "dynamic"            # object column policy
    children: tuple = ()               # object: (ColumnDef, ...)
    length: Optional[int] = None       # VARCHAR(n): the n

# ---------------------------------------------------------------- statements


@dataclass(frozen=True)
class TableName:
    schema: Optional[str]
    name: str


@dataclass(frozen=True)
class SelectItem:
    expr: Optional[Expr]               # None for `*`
    alias: Optional[str] = None


@dataclass(frozen=True)
class OrderItem:
    expr: Expr
    descending: bool = False
    nulls_first: Optional[bool] = None


@dataclass(frozen=True)
class Select:
    items: tuple
    table: Optional[TableName]
    alias: Optional[str] = None
    where: Optional[Expr] = None
    group_by: tuple = ()
    having: Optional[Expr] = None
    order_by: tuple = ()
    limit: Optional[Expr] = None
    offset: Optional[Expr] = None
    distinct: bool = False


@dataclass(frozen=True)
class OnConflict:
    targets: tuple                     # column names (may be empty for DO NOTHING)
    assignments: Optional[tuple]       # None = DO NOTHING, else ((column, Expr), ...)


@dataclass(frozen=True)
class Insert:
    table: TableName
    columns: Optional[tuple]           # None when the statement has no column list
    rows: tuple                        # ((Expr, ...), ...)
    on_conflict: Optional[OnConflict] = None


@dataclass(frozen=True)
class Update:
    table: TableName
    alias: Optional[str]
    assignments: tuple                 # ((column, Expr), ...)
    where: Optional[Expr]


@dataclass(frozen=True)
class Delete:
    table: TableName
    alias: Optional[str]
    where: Optional[Expr]


@dataclass(frozen=True)
class ColumnDef:
    name: str
    type: Optional[TypeSpec]           # None: taken from the generation expression
    primary_key: bool = False
    not_null: bool = False
    default: Optional[str] = None      # expression source text
    generated: Optional[str] = None    # expression source text


@dataclass(frozen=True)
class CreateTable:
    table: TableName
    if_not_exists: bool
    columns: tuple                     # (ColumnDef, ...)
    primary_key: tuple                 # table-level PRIMARY KEY (cols)
    partitioned_by: tuple
    clustered_by: Optional[str]
    shards: Optional[int]
    properties: tuple                  # ((key, value), ...)


@dataclass(frozen=True)
class DropTable:
    table: TableName
    if_exists: bool


@dataclass(frozen=True)
class CreateBlobTable:
    name: str
    shards: Optional[int]
    properties: tuple


@dataclass(frozen=True)
class DropBlobTable:
    name: str
    if_exists: bool


@dataclass(frozen=True)
class Refresh:
    tables: tuple                      # (TableName, ...)


@dataclass(frozen=True)
class NoOp:
    """Statements CrateDB accepts and ignores (BEGIN, COMMIT)."""
    keyword: str


Statement = Union[Select, Insert, Update, Delete, CreateTable, DropTable, CreateBlobTable,
                  DropBlobTable, Refresh, NoOp]


@dataclass(frozen=True)
class Parsed:
    statement: Statement
    param_count: int                   # highest placeholder number used
