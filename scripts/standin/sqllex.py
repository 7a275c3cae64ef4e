"""Tokenizer for the SQL dialect the stand-in understands.

Unquoted identifiers are case-folded to lower case (as CrateDB does);
double-quoted identifiers keep their case and may contain anything
(`""` escapes a quote). String literals use single quotes with `''` escaping.
Placeholders are `?` (numbered in order of appearance) or `$n`.
"""

from dataclasses import dataclass

from .sqlerrors import sql_parse

# Longest operators first so that e.g. `<=` wins over `<`.
_OPERATORS = ("::", "<=", ">=", "<>", "!=", "||",
              "=", "<", ">", "+", "-", "*", "/", "%", "(", ")", ",", ".", "[", "]", ";", "{", "}")


@dataclass(frozen=True)
class Token:
    kind: str          # ident | string | number | param | op | eof
    value: object      # folded identifier, literal value, param index (0-based) or operator
    start: int         # offset of the first character in the statement
    end: int           # offset just past the token
    quoted: bool = False   # identifier written in double quotes

    def is_word(self, *words: str) -> bool:
        """True for an unquoted identifier spelling one of the given keywords."""
        return self.kind == "ident" and not self.quoted and self.value in words

    def is_op(self, *ops: str) -> bool:
        return self.kind == "op" and self.value in ops


def position(text: str, offset: int) -> str:
    """CrateDB-style `line L:C` (1-based line, 1-based column) for an offset."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}:{column}"


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    next_param = 0
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise sql_parse(f"{position(text, i)}: unterminated comment")
            i = end + 2
        elif ch == "'":
            value, end = _quoted(text, i, "'")
            tokens.append(Token("string", value, i, end))
            i = end
        elif ch == '"':
            value, end = _quoted(text, i, '"')
            if not value:
                raise sql_parse(f"{position(text, i)}: zero-length delimited identifier")
            tokens.append(Token("ident", value, i, end, quoted=True))
            i = end
        elif ch.isdigit() or (ch == "." and i + 1 < n and text[i + 1].isdigit()):
            value, end = _number(text, i)
            tokens.append(Token("number", value, i, end))
            i = end
        elif ch.isalpha() or ch == "_":
            end = i + 1
            while end < n and (text[end].isalnum() or text[end] == "_"):
                end += 1
            tokens.append(Token("ident", text[i:end].lower(), i, end))
            i = end
        elif ch == "?":
            tokens.append(Token("param", next_param, i, i + 1))
            next_param += 1
            i += 1
        elif ch == "$" and i + 1 < n and text[i + 1].isdigit():
            end = i + 1
            while end < n and text[end].isdigit():
                end += 1
            index = int(text[i + 1:end])
            if index < 1:
                raise sql_parse(f"{position(text, i)}: invalid parameter placeholder ${index}")
            tokens.append(Token("param", index - 1, i, end))
            i = end
        else:
            op = next((o for o in _OPERATORS if text.startswith(o, i)), None)
            if op is None:
                raise sql_parse(f"{position(text, i)}: token recognition error at: '{ch}'")
            tokens.append(Token("op", op, i, i + len(op)))
            i += len(op)
    tokens.append(Token("eof", None, n, n))
    return tokens


def _quoted(text: str, start: int, quote: str) -> tuple[str, int]:
    """Read a quoted literal/identifier starting at `start`; doubled quotes escape."""
    parts = []
    i = start + 1
    while True:
        end = text.find(quote, i)
        if end < 0:
            raise sql_parse(f"{position(text, start)}: unterminated quoted text")
        parts.append(text[i:end])
        if text.startswith(quote * 2, end):
            parts.append(quote)
            i = end + 2
        else:
            return "".join(parts), end + 1


def _number(text: str, start: int) -> tuple[object, int]:
    i, n = start, len(text)
    while i < n and text[i].isdigit():
        i += 1
    is_float = False
    if i < n and text[i] == ".":
        is_float = True
        i += 1
        while i < n and text[i].isdigit():
            i += 1
    if i < n and text[i] in "eE":
        j = i + 1
        if j < n and text[j] in "+-":
            j += 1
        if j < n and text[j].isdigit():
            is_float = True
            i = j
            while i < n and text[i].isdigit():
                i += 1
    literal = text[start:i]
    return (float(literal) if is_float else int(literal)), i
