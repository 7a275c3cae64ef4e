"""Recursive-descent parser for the stand-in's SQL subset.

`parse(text)` returns a `Parsed` statement or raises a CrateError:
SQLParseException (4000) for text that is not valid SQL, and
UnsupportedFeatureException (4004) for valid CrateDB SQL the stand-in does not
implement (joins, subqueries, ALTER, COPY, ...).
"""

from . import sqlast as ast
from .sqlerrors import sql_parse, unsupported
from .sqllex import Token, position, tokenize

# Words that cannot be used unquoted as identifiers or implicit aliases.
RESERVED = frozenset("""
    all and any array as asc between by case cast create cross current_timestamp default delete
    desc distinct drop else end escape except exists false from full group having ilike in inner
    insert intersect into is join left like limit natural not null nulls offset on or order
    right select set then true try_cast union update using values when where with
""".split())

# Statements CrateDB has but the stand-in does not implement.
UNSUPPORTED_STATEMENTS = frozenset("""
    alter analyze close copy deallocate declare deny discard explain fetch grant kill open
    optimize reset restore revoke set show swap values with
""".split())


def parse(text: str) -> ast.Parsed:
    parser = _Parser(text)
    statement = parser.statement()
    parser.accept_op(";")
    parser.expect_eof()
    return ast.Parsed(statement, parser.param_count)


def parse_expression(text: str) -> ast.Expr:
    """Parse a stored expression (DEFAULT / GENERATED ALWAYS AS source text)."""
    parser = _Parser(text)
    expr = parser.expression()
    parser.expect_eof()
    return expr


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.param_count = 0

    # ------------------------------------------------------------ token helpers

    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tok
        if token.kind != "eof":
            self.pos += 1
        return token

    def accept_word(self, *words: str) -> bool:
        if self.tok.is_word(*words):
            self.advance()
            return True
        return False

    def expect_word(self, *words: str) -> str:
        if not self.tok.is_word(*words):
            self.fail(" or ".join(w.upper() for w in words))
        return self.advance().value

    def accept_op(self, op: str) -> bool:
        if self.tok.is_op(op):
            self.advance()
            return True
        return False

    def expect_op(self, op: str) -> None:
        if not self.accept_op(op):
            self.fail(f"'{op}'")

    def expect_eof(self) -> None:
        if self.tok.kind != "eof":
            self.fail("<EOF>")

    def fail(self, expected: str):
        token = self.tok
        shown = "<EOF>" if token.kind == "eof" else self.text[token.start:token.end]
        raise sql_parse(f"{position(self.text, token.start)}: mismatched input '{shown}' "
                        f"expecting {expected}")

    def identifier(self) -> str:
        token = self.tok
        if token.kind != "ident" or (not token.quoted and token.value in RESERVED):
            self.fail("an identifier")
        return self.advance().value

    def identifier_list(self) -> tuple:
        self.expect_op("(")
        names = [self.identifier()]
        while self.accept_op(","):
            names.append(self.identifier())
        self.expect_op(")")
        return tuple(names)

    def table_name(self) -> ast.TableName:
        first = self.identifier()
        if self.accept_op("."):
            return ast.TableName(first, self.identifier())
        return ast.TableName(None, first)

    def integer(self) -> int:
        token = self.tok
        if token.kind != "number" or not isinstance(token.value, int):
            self.fail("an integer")
        return self.advance().value

    def source_since(self, start_index: int) -> str:
        """Statement text from token `start_index` to the last consumed token."""
        return self.text[self.tokens[start_index].start:self.tokens[self.pos - 1].end]

    # ------------------------------------------------------------ statements

    def statement(self) -> ast.Statement:
        token = self.tok
        if token.is_word("select"):
            return self.select()
        if token.is_word("insert"):
            return self.insert()
        if token.is_word("update"):
            return self.update()
        if token.is_word("delete"):
            return self.delete()
        if token.is_word("create"):
            return self.create()
        if token.is_word("drop"):
            return self.drop()
        if token.is_word("refresh"):
            return self.refresh()
        if token.is_word("begin", "commit", "start", "end"):
            return self.transaction_noop()
        if token.kind == "ident" and not token.quoted and token.value in UNSUPPORTED_STATEMENTS:
            raise unsupported(f"{token.value.upper()} statements are not supported by the CrateDB stand-in")
        if token.is_op("("):
            raise unsupported("Parenthesised queries are not supported by the CrateDB stand-in")
        self.fail("SELECT, INSERT, UPDATE, DELETE, CREATE, DROP or REFRESH")

    def transaction_noop(self) -> ast.NoOp:
        # CrateDB has no transactions; it accepts these and does nothing.
        keyword = self.advance().value
        if keyword == "start":
            self.expect_word("transaction")
        else:
            self.accept_word("transaction", "work")
        return ast.NoOp(keyword)

    def select(self) -> ast.Select:
        self.expect_word("select")
        distinct = self.accept_word("distinct")
        if not distinct:
            self.accept_word("all")
        items = [self.select_item()]
        while self.accept_op(","):
            items.append(self.select_item())
        table = alias = None
        if self.accept_word("from"):
            if self.tok.is_op("("):
                raise unsupported("Subqueries are not supported by the CrateDB stand-in")
            table = self.table_name()
            alias = self.optional_alias()
            if self.tok.is_op(",") or self.tok.is_word("join", "inner", "left", "right", "full",
                                                         "cross", "natural"):
                raise unsupported("Joins are not supported by the CrateDB stand-in")
        where = self.expression() if self.accept_word("where") else None
        group_by = ()
        if self.accept_word("group"):
            self.expect_word("by")
            group_by = self.expression_list()
        having = self.expression() if self.accept_word("having") else None
        order_by = self.order_by() if self.accept_word("order") else ()
        limit = offset = None
        for _ in range(2):   # LIMIT and OFFSET may come in either order
            if limit is None and self.accept_word("limit"):
                limit = self.expression()
            elif offset is None and self.accept_word("offset"):
                offset = self.expression()
                self.accept_word("row", "rows")
        if self.tok.is_word("union", "intersect", "except"):
            raise unsupported("Set operations (UNION, INTERSECT, EXCEPT) are not supported by the CrateDB stand-in")
        return ast.Select(tuple(items), table, alias, where, group_by, having, order_by,
                          limit, offset, distinct)

    def select_item(self) -> ast.SelectItem:
        if self.accept_op("*"):
            return ast.SelectItem(None)
        if self.tok.kind == "ident" and self.peek().is_op(".") and self.peek(2).is_op("*"):
            self.pos += 3                  # t.* is the same as * on a single relation
            return ast.SelectItem(None)
        expr = self.expression()
        return ast.SelectItem(expr, self.optional_alias())

    def optional_alias(self):
        if self.accept_word("as"):
            return self.identifier()
        token = self.tok
        if token.kind == "ident" and (token.quoted or token.value not in RESERVED):
            return self.advance().value
        return None

    def order_by(self) -> tuple:
        self.expect_word("by")
        items = []
        while True:
            expr = self.expression()
            descending = False
            if self.accept_word("desc"):
                descending = True
            else:
                self.accept_word("asc")
            nulls_first = None
            if self.accept_word("nulls"):
                nulls_first = self.expect_word("first", "last") == "first"
            items.append(ast.OrderItem(expr, descending, nulls_first))
            if not self.accept_op(","):
                return tuple(items)

    def insert(self) -> ast.Insert:
        self.expect_word("insert")
        self.expect_word("into")
        table = self.table_name()
        columns = None
        if self.tok.is_op("(") and not self.peek().is_word("select"):
            columns = self.insert_columns()
        if self.tok.is_word("select") or self.tok.is_op("("):
            raise unsupported("INSERT INTO ... SELECT is not supported by the CrateDB stand-in")
        self.expect_word("values")
        rows = [self.value_tuple()]
        while self.accept_op(","):
            rows.append(self.value_tuple())
        on_conflict = self.on_conflict() if self.accept_word("on") else None
        self.reject_returning()
        return ast.Insert(table, columns, tuple(rows), on_conflict)

    def insert_columns(self) -> tuple:
        self.expect_op("(")
        names = [self.assignment_target()]
        while self.accept_op(","):
            names.append(self.assignment_target())
        self.expect_op(")")
        return tuple(names)

    def assignment_target(self) -> str:
        name = self.identifier()
        if self.tok.is_op("["):
            raise unsupported("Writing object sub-columns by subscript is not supported by the CrateDB stand-in")
        return name

    def value_tuple(self) -> tuple:
        self.expect_op("(")
        values = self.expression_list()
        self.expect_op(")")
        return values

    def on_conflict(self) -> ast.OnConflict:
        self.expect_word("conflict")
        targets = self.identifier_list() if self.tok.is_op("(") else ()
        self.expect_word("do")
        if self.expect_word("nothing", "update") == "nothing":
            return ast.OnConflict(targets, None)
        self.expect_word("set")
        return ast.OnConflict(targets, self.assignments())

    def assignments(self) -> tuple:
        pairs = []
        while True:
            name = self.assignment_target()
            self.expect_op("=")
            pairs.append((name, self.expression()))
            if not self.accept_op(","):
                return tuple(pairs)

    def reject_returning(self) -> None:
        if self.tok.is_word("returning"):
            raise unsupported("RETURNING is not supported by the CrateDB stand-in")

    def update(self) -> ast.Update:
        self.expect_word("update")
        table = self.table_name()
        alias = self.optional_alias()
        self.expect_word("set")
        assignments = self.assignments()
        where = self.expression() if self.accept_word("where") else None
        self.reject_returning()
        return ast.Update(table, alias, assignments, where)

    def delete(self) -> ast.Delete:
        self.expect_word("delete")
        self.expect_word("from")
        table = self.table_name()
        alias = self.optional_alias()
        where = self.expression() if self.accept_word("where") else None
        self.reject_returning()
        return ast.Delete(table, alias, where)

    def refresh(self) -> ast.Refresh:
        self.expect_word("refresh")
        self.expect_word("table")
        tables = []
        while True:
            tables.append(self.table_name())
            if self.accept_word("partition"):
                self.skip_parenthesised()
            if not self.accept_op(","):
                return ast.Refresh(tuple(tables))

    def drop(self):
        self.expect_word("drop")
        blob = self.accept_word("blob")
        self.expect_word("table")
        if_exists = False
        if self.accept_word("if"):
            self.expect_word("exists")
            if_exists = True
        if blob:
            return ast.DropBlobTable(self.identifier(), if_exists)
        return ast.DropTable(self.table_name(), if_exists)

    # ------------------------------------------------------------ CREATE

    def create(self):
        self.expect_word("create")
        if self.accept_word("blob"):
            return self.create_blob_table()
        if not self.tok.is_word("table"):
            token = self.tok
            if token.kind == "ident" and not token.quoted:
                raise unsupported(f"CREATE {token.value.upper()} is not supported by the CrateDB stand-in")
            self.fail("TABLE")
        self.advance()
        if_not_exists = False
        if self.accept_word("if"):
            self.expect_word("not")
            self.expect_word("exists")
            if_not_exists = True
        table = self.table_name()
        self.expect_op("(")
        columns, primary_key = [], []
        while True:
            self.table_element(columns, primary_key)
            if not self.accept_op(","):
                break
        self.expect_op(")")
        partitioned_by, clustered_by, shards, properties = (), None, None, ()
        while True:
            if self.accept_word("partitioned"):
                self.expect_word("by")
                partitioned_by = self.identifier_list()
            elif self.accept_word("clustered"):
                clustered_by, shards = self.clustered_clause()
            elif self.accept_word("with"):
                properties = self.properties()
            else:
                break
        return ast.CreateTable(table, if_not_exists, tuple(columns), tuple(primary_key),
                               partitioned_by, clustered_by, shards, properties)

    def create_blob_table(self) -> ast.CreateBlobTable:
        self.expect_word("table")
        name = self.identifier()
        shards, properties = None, ()
        if self.accept_word("clustered"):
            _, shards = self.clustered_clause()
        if self.accept_word("with"):
            properties = self.properties()
        return ast.CreateBlobTable(name, shards, properties)

    def clustered_clause(self) -> tuple:
        column = shards = None
        if self.accept_word("by"):
            self.expect_op("(")
            column = self.identifier()
            self.expect_op(")")
        if self.accept_word("into"):
            shards = self.integer()
            self.expect_word("shards")
        return column, shards

    def table_element(self, columns: list, primary_key: list) -> None:
        if self.accept_word("primary"):
            self.expect_word("key")
            primary_key.extend(self.identifier_list())
        elif self.tok.is_word("index") and not self.peek().is_op("("):
            # INDEX name USING FULLTEXT (cols) [WITH (...)]: full-text indexes are not emulated.
            self.advance()
            self.identifier()
            self.expect_word("using")
            self.identifier()
            self.skip_parenthesised()
            if self.accept_word("with"):
                self.properties()
        elif self.accept_word("constraint"):
            self.identifier()
            if self.accept_word("primary"):
                self.expect_word("key")
                primary_key.extend(self.identifier_list())
            else:
                self.expect_word("check")
                self.skip_parenthesised()
        elif self.accept_word("check"):
            self.skip_parenthesised()
        else:
            columns.append(self.column_definition())

    def column_definition(self) -> ast.ColumnDef:
        name = self.identifier()
        type_spec = None
        if not self.tok.is_word("generated", "as"):
            type_spec = self.type_spec()
        primary_key = not_null = False
        default = generated = None
        while True:
            if self.accept_word("primary"):
                self.expect_word("key")
                primary_key = True
            elif self.accept_word("not"):
                self.expect_word("null")
                not_null = True
            elif self.accept_word("null"):
                pass
            elif self.accept_word("default"):
                default = self.expression_source()
            elif self.accept_word("generated"):
                self.expect_word("always")
                self.expect_word("as")
                generated = self.expression_source()
            elif self.accept_word("as"):
                generated = self.expression_source()
            elif self.accept_word("index"):
                self.skip_index_constraint()
            elif self.accept_word("storage"):
                self.expect_word("with")
                self.properties()
            elif self.accept_word("constraint"):
                self.identifier()
                self.expect_word("check")
                self.skip_parenthesised()
            elif self.accept_word("check"):
                self.skip_parenthesised()
            else:
                return ast.ColumnDef(name, type_spec, primary_key, not_null, default, generated)

    def skip_index_constraint(self) -> None:
        # INDEX OFF | INDEX USING method [WITH (...)]: indexing options have no effect here.
        if self.accept_word("off"):
            return
        self.expect_word("using")
        self.identifier()
        if self.accept_word("with"):
            self.properties()

    def expression_source(self) -> str:
        start = self.pos
        self.expression()
        return self.source_since(start)

    def skip_parenthesised(self) -> None:
        self.expect_op("(")
        depth = 1
        while depth:
            token = self.advance()
            if token.kind == "eof":
                self.fail("')'")
            if token.is_op("("):
                depth += 1
            elif token.is_op(")"):
                depth -= 1

    def properties(self) -> tuple:
        """`(key = value, ...)` of WITH clauses; values kept as written."""
        self.expect_op("(")
        pairs = []
        while True:
            key = self.identifier()
            while self.accept_op("."):
                key += "." + self.identifier()
            self.expect_op("=")
            pairs.append((key, self.expression_source()))
            if not self.accept_op(","):
                break
        self.expect_op(")")
        return tuple(pairs)

    def type_spec(self) -> ast.TypeSpec:
        token = self.tok
        if token.kind != "ident":
            self.fail("a data type")
        word = self.advance().value
        spec = self.base_type(word)
        while self.tok.is_op("[") and self.peek().is_op("]"):
            self.pos += 2
            spec = ast.TypeSpec("array", inner=spec)
        return spec

    def base_type(self, word: str) -> ast.TypeSpec:
        simple = {
            "text": "text", "string": "text", "varchar": "text",
            "int": "integer", "integer": "integer", "int4": "integer",
            "bigint": "bigint", "long": "bigint", "int8": "bigint",
            "smallint": "smallint", "short": "smallint", "int2": "smallint",
            "float8": "double", "real": "real", "float": "real", "float4": "real",
            "boolean": "boolean", "bool": "boolean", "timestamptz": "timestamptz",
            "geo_point": "geo_point", "ip": "ip",
        }
        if word in simple:
            if word == "varchar":
                return ast.TypeSpec("text", length=self.optional_length())
            return ast.TypeSpec(simple[word])
        if word == "double":
            self.accept_word("precision")
            return ast.TypeSpec("double")
        if word == "character":
            # CHARACTER(n) (blank-padded) is not emulated; it is kept as plain text.
            varying = self.accept_word("varying")
            length = self.optional_length()
            return ast.TypeSpec("text", length=length if varying else None)
        if word == "timestamp":
            return ast.TypeSpec(self.timestamp_zone())
        if word == "object":
            return self.object_type()
        if word == "array":
            self.expect_op("(")
            inner = self.type_spec()
            self.expect_op(")")
            return ast.TypeSpec("array", inner=inner)
        raise sql_parse(f"Cannot find data type: {word}")

    def optional_length(self):
        """`(n)` after a character type, or None."""
        if not self.accept_op("("):
            return None
        length = self.integer()
        self.expect_op(")")
        if length < 1:
            # Wording of CrateDB's StringType.of.
            raise sql_parse(f"The text type length must be at least 1, received: {length}")
        return length

    def timestamp_zone(self) -> str:
        # Bare TIMESTAMP is TIMESTAMP WITHOUT TIME ZONE in CrateDB 5.
        if self.tok.is_word("with", "without") and self.peek().is_word("time"):
            with_zone = self.advance().value == "with"
            self.expect_word("time")
            self.expect_word("zone")
            return "timestamptz" if with_zone else "timestamp"
        return "timestamp"

    def object_type(self) -> ast.TypeSpec:
        policy = "dynamic"
        if self.accept_op("("):
            policy = self.expect_word("dynamic", "strict", "ignored")
            self.expect_op(")")
        children = ()
        if self.tok.is_word("as") and self.peek().is_op("("):
            self.advance()
            self.expect_op("(")
            items = [self.column_definition()]
            while self.accept_op(","):
                items.append(self.column_definition())
            self.expect_op(")")
            children = tuple(items)
        return ast.TypeSpec("object", policy=policy, children=children)

    # ------------------------------------------------------------ expressions

    def expression_list(self) -> tuple:
        items = [self.expression()]
        while self.accept_op(","):
            items.append(self.expression())
        return tuple(items)

    def expression(self) -> ast.Expr:
        left = self.and_expression()
        while self.accept_word("or"):
            left = ast.BinOp("or", left, self.and_expression())
        return left

    def and_expression(self) -> ast.Expr:
        left = self.not_expression()
        while self.accept_word("and"):
            left = ast.BinOp("and", left, self.not_expression())
        return left

    def not_expression(self) -> ast.Expr:
        if self.accept_word("not"):
            return ast.UnaryOp("not", self.not_expression())
        return self.predicate()

    def predicate(self) -> ast.Expr:
        left = self.concat()
        token = self.tok
        if token.is_op("=", "!=", "<>", "<", "<=", ">", ">="):
            op = "!=" if token.value == "<>" else token.value
            self.advance()
            if self.tok.is_word("any", "all", "some"):
                raise unsupported("ANY/ALL comparisons are not supported by the CrateDB stand-in")
            return ast.BinOp(op, left, self.concat())
        if self.accept_word("is"):
            negated = self.accept_word("not")
            self.expect_word("null")
            return ast.IsNull(left, negated)
        # NOT belongs to this predicate only before IN/LIKE/ILIKE/BETWEEN; otherwise it is the
        # caller's (e.g. `DEFAULT 0 NOT NULL` in a column definition).
        negated = self.tok.is_word("not") and self.peek().is_word("in", "like", "ilike", "between")
        if negated:
            self.advance()
        if self.accept_word("in"):
            self.expect_op("(")
            if self.tok.is_word("select"):
                raise unsupported("Subqueries are not supported by the CrateDB stand-in")
            items = self.expression_list()
            self.expect_op(")")
            return ast.InList(left, items, negated)
        if self.tok.is_word("like", "ilike"):
            case_insensitive = self.advance().value == "ilike"
            pattern = self.concat()
            if self.accept_word("escape"):
                raise unsupported("LIKE ... ESCAPE is not supported by the CrateDB stand-in")
            return ast.Like(left, pattern, negated, case_insensitive)
        if self.accept_word("between"):
            low = self.concat()
            self.expect_word("and")
            return ast.Between(left, low, self.concat(), negated)
        return left

    def concat(self) -> ast.Expr:
        left = self.additive()
        while self.accept_op("||"):
            left = ast.BinOp("||", left, self.additive())
        return left

    def additive(self) -> ast.Expr:
        left = self.multiplicative()
        while self.tok.is_op("+", "-"):
            op = self.advance().value
            left = ast.BinOp(op, left, self.multiplicative())
        return left

    def multiplicative(self) -> ast.Expr:
        left = self.unary()
        while self.tok.is_op("*", "/", "%"):
            op = self.advance().value
            left = ast.BinOp(op, left, self.unary())
        return left

    def unary(self) -> ast.Expr:
        if self.accept_op("-"):
            operand = self.unary()
            if isinstance(operand, ast.Literal) and isinstance(operand.value, (int, float)) \
                    and not isinstance(operand.value, bool):
                return ast.Literal(-operand.value)
            return ast.UnaryOp("-", operand)
        if self.accept_op("+"):
            return self.unary()
        return self.postfix()

    def postfix(self) -> ast.Expr:
        expr = self.primary()
        while True:
            if self.accept_op("::"):
                expr = ast.Cast(expr, self.type_spec())
            elif self.tok.is_op("["):
                expr = ast.Subscript(expr, self.subscript_key())
            else:
                return expr

    def subscript_key(self):
        self.expect_op("[")
        token = self.tok
        if token.kind == "param":
            raise sql_parse("Parameter substitution is not supported in subscript")
        if token.kind == "string" or (token.kind == "number" and isinstance(token.value, int)):
            self.advance()
        else:
            self.fail("a string or integer subscript")
        self.expect_op("]")
        return token.value

    def primary(self) -> ast.Expr:
        token = self.tok
        if token.kind in ("number", "string"):
            self.advance()
            return ast.Literal(token.value)
        if token.kind == "param":
            self.advance()
            self.param_count = max(self.param_count, token.value + 1)
            return ast.Param(token.value)
        if token.is_op("("):
            self.advance()
            if self.tok.is_word("select"):
                raise unsupported("Subqueries are not supported by the CrateDB stand-in")
            expr = self.expression()
            self.expect_op(")")
            return expr
        if token.is_op("["):
            return self.array_literal()
        if token.is_op("{"):
            return self.object_literal()
        if token.kind != "ident":
            self.fail("an expression")
        if not token.quoted:
            keyword = self.keyword_expression(token.value)
            if keyword is not None:
                return keyword
        return self.name_or_call()

    def keyword_expression(self, word: str):
        if word in ("true", "false"):
            self.advance()
            return ast.Literal(word == "true")
        if word == "null":
            self.advance()
            return ast.Literal(None)
        if word in ("cast", "try_cast"):
            self.advance()
            self.expect_op("(")
            operand = self.expression()
            self.expect_word("as")
            type_spec = self.type_spec()
            self.expect_op(")")
            return ast.Cast(operand, type_spec, is_try=word == "try_cast")
        if word == "array" and self.peek().is_op("["):
            self.advance()
            return self.array_literal()
        if word == "current_timestamp":
            self.advance()
            if self.accept_op("("):
                self.integer()
                self.expect_op(")")
            return ast.FuncCall("current_timestamp", ())
        if word in ("case", "exists", "extract", "interval"):
            raise unsupported(f"{word.upper()} expressions are not supported by the CrateDB stand-in")
        return None

    def name_or_call(self) -> ast.Expr:
        parts = [self.identifier()]
        while self.tok.is_op(".") and self.peek().kind == "ident":
            self.advance()
            parts.append(self.identifier())
        if self.tok.is_op("("):
            return self.function_call(".".join(parts))
        return ast.ColumnRef(tuple(parts))

    def function_call(self, name: str) -> ast.FuncCall:
        self.expect_op("(")
        if self.accept_op("*"):
            self.expect_op(")")
            return ast.FuncCall(name, (), star=True)
        distinct = self.accept_word("distinct")
        args = () if self.tok.is_op(")") else self.expression_list()
        self.expect_op(")")
        if self.tok.is_word("over", "filter"):
            raise unsupported("Window functions and aggregate filters are not supported by the CrateDB stand-in")
        return ast.FuncCall(name, args, distinct=distinct)

    def array_literal(self) -> ast.ArrayLit:
        self.expect_op("[")
        items = () if self.tok.is_op("]") else self.expression_list()
        self.expect_op("]")
        return ast.ArrayLit(items)

    def object_literal(self) -> ast.ObjectLit:
        # CrateDB object literal: {key = value, ...}
        self.expect_op("{")
        pairs = []
        while not self.tok.is_op("}"):
            key = self.identifier()
            self.expect_op("=")
            pairs.append((key, self.expression()))
            if not self.accept_op(","):
                break
        self.expect_op("}")
        return ast.ObjectLit(tuple(pairs))
