"""CrateDB data types: ids, names, casts and how values are kept in SQLite.

Storage in SQLite: text/ip as TEXT, integer kinds, booleans (0/1) and
timestamps (epoch milliseconds) as INTEGER, double/real as REAL, and
object/array/geo_point values as compact JSON text.
"""

import datetime as _dt
import decimal
import ipaddress
import json
import math
import re
import struct
import unicodedata
from dataclasses import dataclass, field
from typing import Optional

from . import sqlast as ast
from .sqlerrors import cannot_cast, cannot_cast_element, column_unknown, invalid_column_name, sql_parse

TYPE_IDS = {
    "undefined": 0, "boolean": 3, "text": 4, "ip": 5, "double": 6, "real": 7, "smallint": 8,
    "integer": 9, "bigint": 10, "timestamptz": 11, "object": 12, "geo_point": 13, "timestamp": 15,
}
TYPE_NAMES = {
    "undefined": "undefined", "boolean": "boolean", "text": "text", "ip": "ip",
    "double": "double precision", "real": "real", "smallint": "smallint", "integer": "integer",
    "bigint": "bigint", "timestamptz": "timestamp with time zone", "object": "object",
    "geo_point": "geo_point", "timestamp": "timestamp without time zone",
}
INTEGER_KINDS = {"smallint": 2 ** 15, "integer": 2 ** 31, "bigint": 2 ** 63}
FLOAT_KINDS = ("real", "double")
NUMERIC_ORDER = ("smallint", "integer", "bigint", "real", "double")
JSON_KINDS = ("object", "array", "geo_point")
SQLITE_AFFINITY = {"text": "TEXT", "ip": "TEXT", "double": "REAL", "real": "REAL",
                   "object": "TEXT", "array": "TEXT", "geo_point": "TEXT"}

_TRUE_TEXT = {"t", "true", "y", "yes", "on", "1"}
_FALSE_TEXT = {"f", "false", "n", "no", "off", "0"}
_INT_TEXT = re.compile(r"[+-]?\d+")
_FLOAT_TEXT = re.compile(r"[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|NaN|Infinity)")
_POINT_TEXT = re.compile(r"\s*point\s*\(\s*(\S+)\s+(\S+)\s*\)\s*", re.IGNORECASE)
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
_SURROGATE = re.compile("[\ud800-\udfff]")
_SPACE_CATEGORIES = ("Zs", "Zl", "Zp")     # Java's Character.isSpaceChar


@dataclass
class CType:
    """A column or expression type. Objects carry their known sub-columns."""
    kind: str
    inner: Optional["CType"] = None                 # array element type
    policy: str = "dynamic"                         # object column policy
    children: dict = field(default_factory=dict)    # object: name -> CType
    learned: set = field(default_factory=set)       # children added by inserts (not declared)
    length: Optional[int] = None                    # VARCHAR(n): at most n characters are stored

    @property
    def type_id(self):
        if self.kind == "array":
            return [100, self.inner.type_id]
        return TYPE_IDS[self.kind]

    @property
    def name(self) -> str:
        if self.kind == "array":
            return f"{self.inner.name}_array"
        return TYPE_NAMES[self.kind]

    @property
    def affinity(self) -> str:
        return SQLITE_AFFINITY.get(self.kind, "INTEGER")

    def to_json(self) -> dict:
        data = {"kind": self.kind}
        if self.inner is not None:
            data["inner"] = self.inner.to_json()
        if self.kind == "object":
            data["policy"] = self.policy
            data["children"] = {k: v.to_json() for k, v in self.children.items()}
            data["learned"] = sorted(self.learned)
        if self.length is not None:
            data["length"] = self.length
        return data

    @staticmethod
    def from_json(data: dict) -> "CType":
        return CType(
            kind=data["kind"],
            inner=CType.from_json(data["inner"]) if "inner" in data else None,
            policy=data.get("policy", "dynamic"),
            children={k: CType.from_json(v) for k, v in data.get("children", {}).items()},
            learned=set(data.get("learned", ())),
            length=data.get("length"),
        )

    def clone(self) -> "CType":
        return CType.from_json(self.to_json())


# Shared scalar types; never mutated (only object and array types change as inserts teach them).
UNDEFINED = CType("undefined")
BOOLEAN = CType("boolean")
TEXT = CType("text")
INTEGER = CType("integer")
BIGINT = CType("bigint")
DOUBLE = CType("double")
TIMESTAMPTZ = CType("timestamptz")


def check_column_name(name: str, top_level: bool = True) -> None:
    """CrateDB's rules for column and object key names."""
    if "." in name:
        raise invalid_column_name(name, "contains a dot")
    if "[" in name and "]" in name:
        raise invalid_column_name(name, "conflicts with subscript pattern, square brackets are not allowed")
    if top_level and name.startswith("_"):
        raise invalid_column_name(name, "conflicts with system column pattern")


def from_spec(spec: ast.TypeSpec) -> CType:
    """CType of a type written in SQL (object children declared with AS (...))."""
    if spec.name == "array":
        return CType("array", inner=from_spec(spec.inner))
    if spec.name == "object":
        children = {}
        for child in spec.children:
            check_column_name(child.name, top_level=False)
            if child.type is None:
                raise sql_parse("Generated columns are not supported inside objects by the CrateDB stand-in")
            children[child.name] = from_spec(child.type)
        return CType("object", policy=spec.policy, children=children)
    return CType(spec.name, length=spec.length)


def numeric_result(left: CType, right: CType) -> CType:
    """Result type of arithmetic: the wider of two numeric types."""
    kinds = [t.kind for t in (left, right) if t.kind in NUMERIC_ORDER]
    if not kinds:
        return left if left.kind != "undefined" else right
    return CType(max(kinds, key=NUMERIC_ORDER.index))


# ------------------------------------------------------------------ value text


def java_str(value) -> str:
    """A value as Java's toString renders it inside CrateDB error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _java_float(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(java_str(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={java_str(v)}" for k, v in value.items()) + "}"
    return str(value)


def _java_float(value: float) -> str:
    """Java's Double.toString: plain between 10^-3 and 10^7, else `1.0E39` style."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        return repr(value)               # shortest round-trip digits, as Java prints them
    sign, digits, exponent = decimal.Decimal(repr(value)).normalize().as_tuple()
    text = "".join(map(str, digits))
    mantissa = text[0] + "." + (text[1:] or "0")
    return f"{'-' if sign else ''}{mantissa}E{len(text) + exponent - 1}"


def guess_type(value, dynamic: bool = False) -> CType:
    """Type of a parameter or JSON value. Dynamic columns widen integers to bigint."""
    # Fresh instances: learned types end up inside table definitions that change later.
    if value is None:
        return CType("undefined")
    if isinstance(value, bool):
        return CType("boolean")
    if isinstance(value, int):
        if dynamic or not -2 ** 31 <= value < 2 ** 31:
            return CType("bigint")
        return CType("integer")
    if isinstance(value, float):
        return CType("double")
    if isinstance(value, str):
        return CType("text")
    if isinstance(value, dict):
        return CType("object")
    if isinstance(value, list):
        # The first non-null element decides; integers and floats together widen to double.
        inner = CType("undefined")
        for item in value:
            item_type = guess_type(item, dynamic)
            if inner.kind == "undefined":
                inner = item_type
            elif inner.kind in NUMERIC_ORDER and item_type.kind in NUMERIC_ORDER:
                inner = numeric_result(inner, item_type)
        return CType("array", inner=inner)
    return CType("undefined")


# ------------------------------------------------------------------ casts


class CastFailure(Exception):
    """Internal signal: the value does not fit the type (caller words the error)."""


def cast(value, ctype: CType, path: str = ""):
    """Cast a value as CrateDB's implicit cast does when binding it to a column.

    Raises a CrateError (`Cannot cast value ...`, or ColumnUnknownException for
    an unknown key of a STRICT object). `path` names the column for messages.
    """
    try:
        return _cast(value, ctype, path)
    except CastFailure:
        raise cannot_cast(java_str(value), ctype.name) from None


def cast_explicit(value, ctype: CType):
    """CAST(... AS t) / `::t`: the implicit cast, except that VARCHAR(n) cuts the text to n
    characters instead of failing (CrateDB's StringType.explicitCast)."""
    value = cast(value, ctype)
    if ctype.length is not None and isinstance(value, str):
        return value[:ctype.length]
    return value


def has_length_limit(ctype: CType) -> bool:
    """Whether values of this type need `value_for_insert` (a VARCHAR(n) anywhere inside)."""
    if ctype.length is not None:
        return True
    if ctype.kind == "array":
        return has_length_limit(ctype.inner)
    return any(has_length_limit(child) for child in ctype.children.values())


def value_for_insert(value, ctype: CType):
    """A cast value as CrateDB's indexer stores it (StringType.valueForInsert): text longer than
    VARCHAR(n) fails the row, unless the excess is only spaces, which are cut off."""
    if value is None:
        return None
    if ctype.length is not None and isinstance(value, str):
        return _fit_length(value, ctype.length)
    if ctype.kind == "array" and isinstance(value, list):
        return [value_for_insert(item, ctype.inner) for item in value]
    if ctype.kind == "object" and isinstance(value, dict):
        return {key: value_for_insert(item, ctype.children[key]) if key in ctype.children else item
                for key, item in value.items()}
    return value


def _fit_length(text: str, length: int) -> str:
    if len(text) <= length:
        return text
    if all(unicodedata.category(ch) in _SPACE_CATEGORIES for ch in text[length:]):
        return text[:length]
    shown = text[:20] + "..." if len(text) > 20 else text
    # Wording of CrateDB's StringType.valueForInsert (an IllegalArgumentException: SQLParseException).
    raise sql_parse(f"'{shown}' is too long for the text type of length: {length}")


def _cast(value, ctype: CType, path: str):
    if value is None or ctype.kind == "undefined":
        return value
    caster = _CASTERS.get(ctype.kind)
    if caster is not None:
        return caster(value, ctype)
    if ctype.kind == "object":
        return _cast_object(value, ctype, path)
    if ctype.kind == "array":
        if not isinstance(value, list):
            raise CastFailure()
        return [_cast(item, ctype.inner, path) for item in value]
    raise CastFailure()


def _cast_integer(value, ctype: CType):
    if isinstance(value, bool):
        raise CastFailure()
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise CastFailure()
        value = int(value)          # Java's Number.intValue()/longValue() truncates
    elif isinstance(value, str):
        if not _INT_TEXT.fullmatch(value):
            raise CastFailure()
        value = int(value)
    elif not isinstance(value, int):
        raise CastFailure()
    limit = INTEGER_KINDS[ctype.kind]
    if not -limit <= value < limit:
        raise CastFailure()
    return value


def _cast_float(value, ctype: CType):
    if isinstance(value, bool):
        raise CastFailure()
    if isinstance(value, (int, float)):
        if ctype.kind == "real":
            _check_real_range(float(value))
        return float(value)
    if isinstance(value, str) and _FLOAT_TEXT.fullmatch(value.strip()):
        return float(value)
    raise CastFailure()


def _check_real_range(value: float) -> None:
    # Java's FloatType.implicitCast: a finite number that becomes infinite as a float is out of range.
    if overflows_real(value):
        raise CastFailure()


def overflows_real(value: float) -> bool:
    """Whether a finite double becomes Infinity as a Java float (REAL)."""
    try:
        struct.pack("<f", value)         # standard size: fails exactly when (float) value overflows
    except OverflowError:
        return True
    return False


def _cast_boolean(value, ctype: CType):
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE_TEXT:
            return True
        if lowered in _FALSE_TEXT:
            return False
    raise CastFailure()


def _cast_text(value, ctype: CType):
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "t" if value else "f"       # CrateDB renders booleans as t/f text
    if isinstance(value, (int, float)):
        return java_str(value)
    if isinstance(value, dict):
        return dump_json(value)
    raise CastFailure()


def _cast_timestamp(value, ctype: CType):
    if isinstance(value, bool):
        raise CastFailure()
    if isinstance(value, float):
        # CrateDB reads floating point timestamps as seconds with a fraction.
        if math.isnan(value) or math.isinf(value * 1000):
            raise CastFailure()
        value = int(value * 1000)
    elif isinstance(value, str):
        value = parse_timestamp(value, ctype.kind == "timestamptz")
    elif not isinstance(value, int):
        raise CastFailure()
    if not -2 ** 63 <= value < 2 ** 63:
        raise CastFailure()
    return value


def _cast_geo_point(value, ctype: CType):
    if isinstance(value, str):
        match = _POINT_TEXT.fullmatch(value)
        if not match:
            raise CastFailure()
        value = [match.group(1), match.group(2)]
        try:
            value = [float(v) for v in value]
        except ValueError:
            raise CastFailure() from None
    if not isinstance(value, list) or len(value) != 2 or \
            not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        raise CastFailure()
    lon, lat = float(value[0]), float(value[1])
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise CastFailure()
    return [lon, lat]


def _cast_ip(value, ctype: CType):
    if not isinstance(value, str):
        raise CastFailure()
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise CastFailure() from None


_CASTERS = {
    "smallint": _cast_integer, "integer": _cast_integer, "bigint": _cast_integer,
    "real": _cast_float, "double": _cast_float, "boolean": _cast_boolean, "text": _cast_text,
    "timestamptz": _cast_timestamp, "timestamp": _cast_timestamp, "geo_point": _cast_geo_point,
    "ip": _cast_ip,
}


def _cast_object(value, ctype: CType, path: str):
    if isinstance(value, str):
        try:
            value = load_json(value)
        except ValueError:
            raise CastFailure() from None
    if not isinstance(value, dict):
        raise CastFailure()
    result = {}
    for key, item in value.items():
        child = ctype.children.get(key)
        if child is None:
            if ctype.policy == "strict":
                raise column_unknown(f"{path}['{key}']")
            result[key] = item
        elif key in ctype.learned:
            result[key] = item          # dynamic sub-columns are checked per row at write time
        else:
            try:
                result[key] = _cast(item, child, f"{path}['{key}']")
            except CastFailure:
                raise cannot_cast_element(key, java_str(item), child.name) from None
    return result


def parse_timestamp(text: str, with_zone: bool) -> int:
    """ISO 8601 text (or a number of epoch ms) to epoch milliseconds.

    Without an offset the time is UTC. For TIMESTAMP WITHOUT TIME ZONE an
    offset is ignored, as CrateDB does.
    """
    text = text.strip()
    if _INT_TEXT.fullmatch(text):
        return int(text)
    candidate = text
    if len(candidate) > 10 and candidate[10] in " t":
        candidate = candidate[:10] + "T" + candidate[11:]
    if candidate.endswith(("z", "Z")):
        candidate = candidate[:-1] + "+00:00"
    try:
        moment = _dt.datetime.fromisoformat(candidate)
    except ValueError:
        raise CastFailure() from None
    if moment.tzinfo is None or not with_zone:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    delta = moment - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000


_TRUNC_UNITS = ("millisecond", "second", "minute", "hour", "day", "week", "month", "quarter", "year")


def date_trunc(unit, ms):
    """date_trunc(unit, ts) on epoch milliseconds, in UTC."""
    if ms is None:
        return None
    if not isinstance(unit, str) or unit.lower() not in _TRUNC_UNITS:
        raise sql_parse(f"Invalid interval '{unit}' for scalar 'date_trunc'")
    unit = unit.lower()
    ms = int(ms)
    if unit == "millisecond":
        return ms
    try:
        moment = _EPOCH + _dt.timedelta(milliseconds=ms)
    except OverflowError:
        raise sql_parse(f"Timestamp {ms} is out of the range date_trunc supports") from None
    if unit == "second":
        moment = moment.replace(microsecond=0)
    elif unit == "minute":
        moment = moment.replace(second=0, microsecond=0)
    elif unit == "hour":
        moment = moment.replace(minute=0, second=0, microsecond=0)
    else:
        moment = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        if unit == "week":
            moment -= _dt.timedelta(days=moment.weekday())
        elif unit == "month":
            moment = moment.replace(day=1)
        elif unit == "quarter":
            moment = moment.replace(day=1, month=(moment.month - 1) // 3 * 3 + 1)
        elif unit == "year":
            moment = moment.replace(day=1, month=1)
    delta = moment - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1000


# ------------------------------------------------------------------ dynamic sub-columns


class RowRejected(Exception):
    """CrateDB silently does not store such a row (rowcount 0), e.g. an array that
    mixes objects and other values inside a dynamic object (cratedb-toolkit#286)."""


def check_dynamic(value, ctype: CType, learn: bool):
    """Check a value against the learned (dynamic) part of an object/array type.

    Returns the value with learned sub-columns converted. With learn=False an
    unknown key raises NeedsLearning (the caller retries on a clone with
    learn=True, so the common case of a known shape copies nothing).
    Conflicts raise a CrateError (per-row failure, code 4000).
    """
    if value is None:
        return None
    if ctype.kind == "object":
        return _check_object(value, ctype, learn)
    if ctype.kind == "array" and isinstance(value, list):
        return [check_dynamic(v, ctype.inner, learn) for v in value]
    return value


class NeedsLearning(Exception):
    """Internal signal: the value has sub-columns the type does not know yet."""


def _check_object(value: dict, ctype: CType, learn: bool) -> dict:
    if ctype.policy == "ignored" or not isinstance(value, dict):
        return value
    result = {}
    for key, item in value.items():
        child = ctype.children.get(key)
        if child is None:
            if item is None:
                result[key] = None
                continue
            if not learn:
                raise NeedsLearning()
            check_column_name(key, top_level=False)
            child = guess_type(item, dynamic=True)
            ctype.children[key] = child
            ctype.learned.add(key)
        if key in ctype.learned:
            item = conform(key, item, child, learn)
        result[key] = check_dynamic(item, child, learn) if child.kind in ("object", "array") else item
    return result


def conform(key, item, child: CType, learn: bool):
    """Fit a value to a learned (dynamically added) column type, strictly as CrateDB's
    indexer does: text stays text, numbers stay numbers (a later float into a
    bigint sub-column is truncated). `key` None means a top-level column."""
    if item is None:
        return None
    try:
        return _conform(key, item, child, learn)
    except CastFailure:
        pass
    if key is None:
        raise cannot_cast(java_str(item), child.name)
    raise cannot_cast_element(key, java_str(item), child.name)


def _conform(key, item, child: CType, learn: bool):
    kind = child.kind
    if kind in INTEGER_KINDS or kind in FLOAT_KINDS:
        numeric_text = _INT_TEXT if kind in INTEGER_KINDS else _FLOAT_TEXT
        if (isinstance(item, (int, float)) and not isinstance(item, bool)) or \
                (isinstance(item, str) and numeric_text.fullmatch(item)):
            return _cast(item, child, key or "")
    elif kind == "text":
        if isinstance(item, str):
            return item
    elif kind == "boolean":
        if isinstance(item, bool):
            return item
    elif kind == "object":
        if isinstance(item, dict):
            return item
    elif kind == "array":
        if isinstance(item, list):
            return _conform_array(key, item, child, learn)
    elif kind == "undefined":
        return item
    else:
        # Declared types such as timestamps or geo points use the regular cast.
        return _cast(item, child, key or "")
    raise CastFailure()


def _conform_array(key, items: list, child: CType, learn: bool) -> list:
    if len({type(v) is dict for v in items if v is not None}) > 1:
        raise RowRejected()
    if child.inner.kind == "undefined":
        guessed = guess_type(items, dynamic=True).inner
        if guessed.kind == "undefined":
            return items
        if not learn:
            raise NeedsLearning()
        child.inner = guessed
    return [conform(key, v, child.inner, learn) for v in items]


# ------------------------------------------------------------------ storage

# SQLite turns a NaN REAL into NULL, but NaN is a value in CrateDB (IEEE 754; 0.0 / 0 is NaN) and comes back
# as the JSON string "NaN". So a NaN is kept in SQLite as that text: it reads back as CrateDB writes it and
# sorts above every number, where Java's Double.compare puts NaN. (SQLite's own abs/sum/avg read it as 0.)
NAN_TEXT = "NaN"


def _json_constant(name: str):
    # NaN/Infinity inside stored JSON come back as CrateDB writes them: as strings.
    return name


def load_json(text: str):
    return json.loads(text, parse_constant=_json_constant)


def dump_json(value) -> str:
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError:
        raise sql_parse("NaN and Infinity cannot be stored inside object or array values") from None
    if has_lone_surrogate(text):
        # SQLite only takes valid UTF-8; \uXXXX escapes keep the same JSON value.
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=True)
    return text


def has_lone_surrogate(text: str) -> bool:
    """JSON may carry an unpaired UTF-16 surrogate (`"\\ud800"`); UTF-8 cannot."""
    return not text.isascii() and _SURROGATE.search(text) is not None


def to_storage(value, ctype: CType):
    """A cast value as SQLite keeps it."""
    if value is None:
        return None
    if ctype.kind == "boolean":
        return 1 if value else 0
    if ctype.kind in JSON_KINDS or isinstance(value, (dict, list)):
        return dump_json(value)
    if isinstance(value, str) and has_lone_surrogate(value):
        # Such text cannot be bound as SQLite TEXT: kept as a BLOB that from_storage turns back.
        return value.encode("utf-8", "surrogatepass")
    return storable_number(value)


def storable_number(value):
    """A number as SQLite keeps it: NaN as NAN_TEXT, which from_storage passes on as CrateDB's "NaN"."""
    if isinstance(value, float) and math.isnan(value):
        return NAN_TEXT
    return value


def from_storage(value, ctype: CType):
    """A SQLite value as CrateDB returns it in JSON; never raises on odd data."""
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):      # text with a lone surrogate, or a foreign BLOB
        value = _decode_blob(bytes(value))
    if isinstance(value, float) and not math.isfinite(value):
        return _java_float(value)                   # CrateDB writes NaN/Infinity as strings
    kind = ctype.kind
    if kind == "boolean" and isinstance(value, (int, float)):
        return bool(value)
    if kind in JSON_KINDS and isinstance(value, str):
        try:
            return load_json(value)
        except ValueError:
            return value
    if kind in FLOAT_KINDS and isinstance(value, int):
        return float(value)
    return value


def _decode_blob(data: bytes) -> str:
    try:
        return data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace")


# ------------------------------------------------------------------ arithmetic

# Math.addExact / subtractExact / multiplyExact messages; CrateDB's BinaryScalar turns the
# ArithmeticException into an IllegalArgumentException, reported as SQLParseException (4000).
_OVERFLOW = {"integer": "integer overflow", "bigint": "long overflow"}


def arithmetic(op: str, kind: str, left, right):
    """`left op right` as CrateDB's arithmetic functions compute it (Java semantics) for `kind`,
    one of integer, bigint, real, double. NULL in, NULL out."""
    if left is None or right is None:
        return None
    if kind in _OVERFLOW and isinstance(left, int) and isinstance(right, int):
        return _integer_arithmetic(op, kind, left, right)
    # Floats in an integer kind only come from untyped operands (ignored objects): computed as double.
    return _float_arithmetic(op, kind, float(left), float(right))


def _integer_arithmetic(op: str, kind: str, left: int, right: int) -> int:
    limit = INTEGER_KINDS[kind]
    if op in ("/", "%"):
        if right == 0:
            raise sql_parse("/ by zero")             # java.lang.ArithmeticException's message
        quotient = abs(left) // abs(right)           # Java truncates towards zero
        if (left < 0) != (right < 0):
            quotient = -quotient
        if op == "%":
            return left - right * quotient           # the sign follows the dividend, as in Java
        return (quotient + limit) % (2 * limit) - limit   # MIN_VALUE / -1 wraps around in Java
    result = left + right if op == "+" else left - right if op == "-" else left * right
    if not -limit <= result < limit:
        raise sql_parse(_OVERFLOW[kind])
    return result


def _float_arithmetic(op: str, kind: str, left: float, right: float) -> float:
    if op == "/":
        result = _ieee_divide(left, right)
    elif op == "%":
        result = math.fmod(left, right) if right != 0 and math.isfinite(left) else math.nan
    else:
        result = left + right if op == "+" else left - right if op == "-" else left * right
    if kind == "real" and overflows_real(result):
        return math.copysign(math.inf, result)       # a Java float overflows to Infinity
    return result


def _ieee_divide(left: float, right: float) -> float:
    # Java never fails on floating point division: x/0 is +-Infinity, 0/0 is NaN.
    if right != 0:
        return left / right
    if left == 0 or math.isnan(left):
        return math.nan
    return math.copysign(math.inf, left) * math.copysign(1.0, right)
