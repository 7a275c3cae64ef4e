"""CrateDB-shaped errors raised by the SQL half of the stand-in.

CrateDB answers every failed request with
``{"error": {"message": "<Exception>[<text>]", "code": N}}``; the HTTP status
follows from the code (first three digits, except the 500/503 families).
"""


class CrateError(Exception):
    """An error CrateDB would report: exception class name, text and code."""

    def __init__(self, kind: str, text: str, code: int):
        super().__init__(text)
        self.kind = kind
        self.text = text
        self.code = code

    @property
    def status(self) -> int:
        return status_for_code(self.code)

    @property
    def message(self) -> str:
        return f"{self.kind}[{self.text}]"


def status_for_code(code: int) -> int:
    """HTTP status CrateDB uses for an error code (4041 -> 404, 40411 -> 404)."""
    return int(str(code)[:3])


def sql_parse(text: str) -> CrateError:
    # CrateDB reports IllegalArgumentException and parser errors as SQLParseException.
    return CrateError("SQLParseException", text, 4000)


def unsupported(text: str) -> CrateError:
    return CrateError("UnsupportedFeatureException", text, 4004)


def unknown_function(text: str) -> CrateError:
    return CrateError("UnsupportedFunctionException", text, 4004)


def cannot_cast(value_text: str, type_name: str) -> CrateError:
    return sql_parse(f"Cannot cast value `{value_text}` to type `{type_name}`")


def cannot_cast_literal(shown: str, source_type: str, type_name: str) -> CrateError:
    # ConversionException for a literal written in the statement (CrateDB shows the symbol).
    return sql_parse(f"Cannot cast `{shown}` of type `{source_type}` to type `{type_name}`")


def cannot_cast_element(key: str, value_text: str, type_name: str) -> CrateError:
    return sql_parse(
        f"Cannot cast object element `{key}` with value `{value_text}` to type `{type_name}`")


def invalid_relation_name(fqn: str) -> CrateError:
    return CrateError("InvalidRelationName", f'Relation name "{fqn}" is invalid.', 4002)


def invalid_column_name(name: str, problem: str) -> CrateError:
    return CrateError("InvalidColumnNameException", f'"{name}" {problem}', 4008)


def relation_unknown(fqn: str) -> CrateError:
    return CrateError("RelationUnknown", f"Relation '{fqn}' unknown", 4041)


def column_unknown(name: str) -> CrateError:
    return CrateError("ColumnUnknownException", f"Column {name} unknown", 4043)


def schema_unknown(schema: str) -> CrateError:
    return CrateError("SchemaUnknownException", f"Schema '{schema}' unknown", 4045)


def relation_exists(fqn: str) -> CrateError:
    return CrateError("RelationAlreadyExists", f"Relation '{fqn}' already exists.", 4093)


def duplicate_key() -> CrateError:
    return CrateError("DuplicateKeyException",
                      "A document with the same primary key exists already", 4091)


def must_not_be_null(column: str) -> CrateError:
    # A NOT NULL constraint (ConstraintsValidator on analysis, Indexer per row): IllegalArgumentException.
    return sql_parse(f'"{column}" must not be null')


def read_only_relation(fqn: str, operation: str) -> CrateError:
    return CrateError(
        "OperationOnInaccessibleRelationException",
        f'The relation "{fqn}" doesn\'t support or allow {operation} operations, as it is read-only.',
        4007)


def internal(exc: BaseException) -> CrateError:
    return CrateError(type(exc).__name__, str(exc) or type(exc).__name__, 5000)
