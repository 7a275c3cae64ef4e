"""Unit tests of the stand-in's SQL engine (scripts/standin/engine.py).

Run from the repository root:
    python3 -m unittest discover -s Tests/StandIn -p 'test_engine*.py'
"""

import json
import os
import shutil
import sys
import tempfile
import threading
import unittest
from unittest import mock

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))

from standin import engine as engine_module  # noqa: E402
from standin.engine import Engine, SqlOutcome  # noqa: E402

DIGEST_A = "a" * 40
DIGEST_B = "0123456789abcdef0123456789abcdef01234567"


def body_of(stmt=None, args=None, bulk_args=None, **extra) -> bytes:
    data = dict(extra)
    if stmt is not None:
        data["stmt"] = stmt
    if args is not None:
        data["args"] = args
    if bulk_args is not None:
        data["bulk_args"] = bulk_args
    return json.dumps(data).encode()


class EngineCase(unittest.TestCase):
    """A fresh engine on a temporary data directory per test."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="standin-engine-test-")
        self.engine = Engine(self.dir)

    def tearDown(self):
        self.engine.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def reopen(self):
        self.engine.close()
        self.engine = Engine(self.dir)

    def sql(self, stmt, args=None, bulk_args=None, types=False, error_trace=False, schema=None,
            user="crate") -> SqlOutcome:
        outcome = self.engine.sql_request(body_of(stmt, args, bulk_args), types, error_trace, schema, user)
        json.dumps(outcome.body, allow_nan=False)      # every answer must be valid JSON
        return outcome

    def ok(self, stmt, args=None, bulk_args=None, **options) -> dict:
        outcome = self.sql(stmt, args, bulk_args, **options)
        self.assertEqual(outcome.status, 200, outcome.body)
        return outcome.body

    def rows(self, stmt, args=None, **options) -> list:
        return self.ok(stmt, args, **options)["rows"]

    def error(self, stmt, status, code, message=None, args=None, bulk_args=None, **options) -> dict:
        outcome = self.sql(stmt, args, bulk_args, **options)
        self.assertEqual((outcome.status, outcome.body.get("error", {}).get("code")), (status, code),
                         outcome.body)
        self.assertEqual(list(outcome.body["error"]), ["message", "code"])
        if message is not None:
            self.assertEqual(outcome.body["error"]["message"], message)
        return outcome.body

    def sensor_table(self):
        self.ok("CREATE TABLE readings (id INT PRIMARY KEY, name TEXT, value DOUBLE, "
                "payload OBJECT(DYNAMIC), ts TIMESTAMP WITH TIME ZONE)")


# ---------------------------------------------------------------- request validation


class RequestValidationTest(EngineCase):
    def raw(self, data: bytes) -> SqlOutcome:
        return self.engine.sql_request(data, False, False, None)

    def test_empty_body(self):
        outcome = self.raw(b"")
        self.assertEqual(outcome.status, 400)
        self.assertEqual(outcome.body, {"error": {"message": "SQLParseException[Missing request body]",
                                                  "code": 4000}})

    def test_invalid_json_unknown_key_missing_or_bad_stmt(self):
        for data in (b"{not json", b'{"foo": "bar"}', b'{"args": [1]}', b'{"stmt": 5}', b"[1]",
                     b'{"stmt": "select 1", "args": 5}', b'{"stmt": "select 1", "bulk_args": [1]}',
                     b'{"stmt": "select ?", "args": [NaN]}'):
            outcome = self.raw(data)
            self.assertEqual((outcome.status, outcome.body["error"]["code"]), (400, 4000), data)
            self.assertTrue(outcome.body["error"]["message"].startswith("SQLParseException[Failed to parse source ["))
        self.assertEqual(self.raw(b'{"foo": "bar"}').body["error"]["message"],
                         'SQLParseException[Failed to parse source [{"foo": "bar"}]]')

    def test_args_and_bulk_args_together(self):
        outcome = self.raw(body_of("INSERT INTO t (x) VALUES (?)", args=[0], bulk_args=[[0], [1]]))
        self.assertEqual(outcome.status, 400)
        self.assertEqual(outcome.body["error"], {
            "message": "SQLParseException[request body contains args and bulk_args. "
                       "It's forbidden to provide both]", "code": 4000})

    def test_empty_args_with_bulk_args_runs_as_simple_request(self):
        # CrateDB only takes the bulk path when `args` is absent.
        outcome = self.raw(body_of("SELECT 1", args=[], bulk_args=[[1]]))
        self.assertEqual(outcome.status, 200)
        self.assertEqual(outcome.body["rows"], [[1]])
        self.assertFalse(outcome.bulk)

    def test_more_than_one_statement(self):
        self.error("select 1; select 2;", 400, 4000,
                   "SQLParseException[line 1:11: mismatched input 'select' expecting <EOF>]")
        self.assertEqual(self.rows("select 1;"), [[1]])

    def test_error_trace_only_when_asked(self):
        body = self.error("SELECT * FROM missing", 404, 4041, error_trace=True)
        self.assertIsInstance(body["error_trace"], str)
        body = self.error("SELECT * FROM missing", 404, 4041)
        self.assertNotIn("error_trace", body)

    def test_internal_failure_is_a_cratedb_shaped_500(self):
        with mock.patch.object(engine_module, "run_select", side_effect=RuntimeError("boom")):
            outcome = self.sql("SELECT 1", error_trace=True)
        self.assertEqual(outcome.status, 500)
        self.assertEqual(outcome.body["error"]["code"], 5000)
        self.assertIn("boom", outcome.body["error"]["message"])
        self.assertIn("RuntimeError", outcome.body["error_trace"])


# ---------------------------------------------------------------- response shapes


class ResponseShapeTest(EngineCase):
    def test_select_shape_with_and_without_types(self):
        body = self.ok("SELECT 1, 'a' AS b", types=True)
        self.assertEqual(list(body), ["cols", "col_types", "rows", "rowcount", "duration"])
        self.assertEqual(body["cols"], ["1", "b"])
        self.assertEqual(body["col_types"], [9, 4])
        self.assertEqual(body["rows"], [[1, "a"]])
        self.assertEqual(body["rowcount"], 1)
        self.assertIsInstance(body["duration"], float)
        self.assertNotIn("col_types", self.ok("SELECT 1"))

    def test_dml_and_ddl_shape(self):
        body = self.ok("CREATE TABLE t (x INT)", types=True)
        self.assertEqual(list(body), ["cols", "col_types", "rows", "rowcount", "duration"])
        self.assertEqual((body["cols"], body["col_types"], body["rows"], body["rowcount"]), ([], [], [[]], 1))
        body = self.ok("INSERT INTO t (x) VALUES (1), (2)")
        self.assertEqual(list(body), ["cols", "rows", "rowcount", "duration"])
        self.assertEqual((body["cols"], body["rows"], body["rowcount"]), ([], [[]], 2))

    def test_bulk_shape_has_no_col_types(self):
        self.ok("CREATE TABLE t (x INT)")
        outcome = self.sql("INSERT INTO t (x) VALUES (?)", bulk_args=[[1], [2]], types=True)
        self.assertEqual(outcome.status, 200)
        self.assertTrue(outcome.bulk)
        self.assertEqual(list(outcome.body), ["cols", "duration", "results"])
        self.assertEqual(outcome.body["results"], [{"rowcount": 1}, {"rowcount": 1}])
        self.assertEqual(outcome.rows_inserted, 2)

    def test_empty_bulk_args(self):
        self.ok("CREATE TABLE t (id INT PRIMARY KEY)")
        body = self.ok("DELETE FROM t WHERE id = ?", bulk_args=[])
        self.assertEqual((body["cols"], body["results"]), ([], []))

    def test_select_in_bulk_fails(self):
        self.error("SELECT ?", 400, 4004, "UnsupportedFeatureException[Bulk operations for statements "
                                          "that return result sets is not supported]", bulk_args=[[1]])

    def test_col_types_of_arrays_and_aggregates(self):
        self.ok("CREATE TABLE t (i INT, s SMALLINT, b BIGINT, r REAL, d DOUBLE, tags TEXT[], "
                "nested ARRAY(ARRAY(INTEGER)), ts TIMESTAMP, o OBJECT, g GEO_POINT, ip IP, f BOOLEAN)")
        body = self.ok("SELECT * FROM t", types=True)
        self.assertEqual(body["col_types"], [9, 8, 10, 7, 6, [100, 4], [100, [100, 9]], 15, 12, 13, 5, 3])
        body = self.ok("SELECT count(*), count(i), avg(i), sum(i), sum(s), sum(d), sum(r), min(ts), max(tags) "
                       "FROM t", types=True)
        self.assertEqual(body["col_types"], [10, 10, 6, 10, 10, 6, 7, 15, [100, 4]])
        self.assertEqual(body["rows"], [[0, 0, None, None, None, None, None, None, None]])


# ---------------------------------------------------------------- parsing


class ParsingTest(EngineCase):
    def test_question_mark_and_numbered_placeholders(self):
        self.assertEqual(self.rows("SELECT ?, ?", [1, "x"]), [[1, "x"]])
        self.assertEqual(self.rows("SELECT $2, $1, $2", ["a", "b"]), [["b", "a", "b"]])
        body = self.ok("SELECT ?, ?, ?, ?, ?", [1, 2 ** 40, 1.5, True, None], types=True)
        self.assertEqual(body["col_types"], [9, 10, 6, 3, 0])

    def test_missing_parameter(self):
        self.error("SELECT $2", 400, 4000, "SQLParseException[The query contains a parameter placeholder $2, "
                                           "but there are only 1 parameter values]", args=[1])

    def test_identifier_folding_and_quoting(self):
        self.ok('CREATE TABLE "MyTable" ("Col" INT, other TEXT)')
        self.ok('INSERT INTO "MyTable" ("Col", OTHER) VALUES (1, \'it\'\'s\')')
        body = self.ok('SELECT "Col", Other FROM "MyTable"')
        self.assertEqual((body["cols"], body["rows"]), (["Col", "other"], [[1, "it's"]]))
        self.error("SELECT * FROM MyTable", 404, 4041, "RelationUnknown[Relation 'doc.mytable' unknown]")
        self.error('SELECT col FROM "MyTable"', 404, 4043, "ColumnUnknownException[Column col unknown]")

    def test_comments_and_schema_qualified_names(self):
        self.ok("CREATE TABLE custom.t (x INT) -- trailing comment")
        self.ok("INSERT INTO custom.t /* inline */ (x) VALUES (7)")
        self.assertEqual(self.rows("SELECT custom.t.x, t.x FROM custom.t"), [[7, 7]])

    def test_syntax_errors_are_4000(self):
        self.error("SELEC 1", 400, 4000)
        self.error("SELECT x FROM", 400, 4000, "SQLParseException[line 1:14: mismatched input '<EOF>' "
                                              "expecting an identifier]")
        self.error("SELECT 'unterminated", 400, 4000)
        self.error("SELECT 1 +", 400, 4000)
        self.error("", 400, 4000)
        self.error("SELECT a[?] FROM t", 400, 4000)

    def test_unsupported_but_valid_sql_is_4004(self):
        self.ok("CREATE TABLE a (x INT)")
        for stmt in ("SELECT * FROM a JOIN a b ON a.x = b.x", "SELECT * FROM a, a",
                     "SELECT * FROM (SELECT 1) s", "SELECT x FROM a WHERE x IN (SELECT 1)",
                     "SELECT 1 UNION SELECT 2", "ALTER TABLE a ADD COLUMN y INT", "SHOW TABLES",
                     "COPY a FROM 'file:///x'", "SELECT CASE WHEN x > 1 THEN 1 END FROM a"):
            self.error(stmt, 400, 4004)

    def test_unknown_function(self):
        self.error("SELECT no_such_fn(1)", 400, 4004, "UnsupportedFunctionException[Unknown function: "
                                                      "no_such_fn(1)]")

    def test_transaction_statements_are_accepted_and_ignored(self):
        self.assertEqual(self.ok("BEGIN")["rowcount"], 0)
        self.assertEqual(self.ok("COMMIT")["rowcount"], 0)

    def test_statement_parsed_once(self):
        with mock.patch.object(engine_module, "parse", wraps=engine_module.parse) as parse:
            for _ in range(3):
                self.ok("SELECT 42")
        self.assertEqual(parse.call_count, 1)


# ---------------------------------------------------------------- DDL


class DdlTest(EngineCase):
    def test_create_with_every_clause(self):
        body = self.ok("""
            CREATE TABLE IF NOT EXISTS doc.events (
                id TEXT NOT NULL,
                device VARCHAR(20),
                label STRING INDEX USING FULLTEXT WITH (analyzer = 'english'),
                n INTEGER DEFAULT 5,
                big LONG, small SHORT, r FLOAT, d DOUBLE PRECISION, flag BOOLEAN,
                ts TIMESTAMP WITH TIME ZONE,
                local_ts TIMESTAMP WITHOUT TIME ZONE,
                tz2 TIMESTAMPTZ,
                month TIMESTAMP WITH TIME ZONE GENERATED ALWAYS AS date_trunc('month', ts),
                day GENERATED ALWAYS AS date_trunc('day', ts),
                payload OBJECT(IGNORED),
                meta OBJECT(STRICT) AS (source TEXT, info OBJECT AS (level INT)),
                tags ARRAY(TEXT),
                scores INT[],
                location GEO_POINT,
                INDEX label_ft USING FULLTEXT (label, device) WITH (analyzer = 'standard'),
                PRIMARY KEY (id, month)
            ) PARTITIONED BY (month) CLUSTERED BY (id) INTO 4 SHARDS
              WITH (number_of_replicas = '0-1', "refresh_interval" = 1000)
        """)
        self.assertEqual(body["rowcount"], 1)
        rows = self.rows("SELECT column_name, data_type, is_generated FROM information_schema.columns "
                         "WHERE table_name = 'events' ORDER BY ordinal_position")
        self.assertEqual([r[0] for r in rows[:4]], ["id", "device", "label", "n"])
        types = {name: data_type for name, data_type, _ in rows}
        self.assertEqual(types["day"], "timestamp with time zone")
        self.assertEqual(types["local_ts"], "timestamp without time zone")
        self.assertEqual(types["r"], "real")
        self.assertEqual(types["scores"], "integer_array")
        self.assertEqual(types["meta['info']['level']"], "integer")
        self.assertEqual({name for name, _, generated in rows if generated == "ALWAYS"}, {"month", "day"})
        self.assertEqual(self.rows("SELECT table_schema, table_name, partitioned_by, number_of_shards, "
                                   "number_of_replicas FROM information_schema.tables"),
                         [["doc", "events", ["month"], 4, "0-1"]])

    def test_if_not_exists_and_already_exists(self):
        self.assertEqual(self.ok("CREATE TABLE t (x INT)")["rowcount"], 1)
        self.assertEqual(self.ok("CREATE TABLE IF NOT EXISTS t (x INT)")["rowcount"], 0)
        self.error("CREATE TABLE t (x INT)", 409, 4093, "RelationAlreadyExists[Relation 'doc.t' already exists.]")

    def test_drop_table(self):
        self.ok("CREATE TABLE t (x INT)")
        self.assertEqual(self.ok("DROP TABLE t")["rowcount"], 1)
        self.error("DROP TABLE t", 404, 4041, "RelationUnknown[Relation 'doc.t' unknown]")
        self.assertEqual(self.ok("DROP TABLE IF EXISTS t")["rowcount"], 0)
        self.error("DROP TABLE nowhere.t", 404, 4045, "SchemaUnknownException[Schema 'nowhere' unknown]")
        self.ok("CREATE TABLE t (y TEXT)")       # the name is free again
        self.assertEqual(self.rows("SELECT count(*) FROM t"), [[0]])

    def test_partition_column_must_be_in_primary_key(self):
        self.error("CREATE TABLE p (id INT PRIMARY KEY, day TIMESTAMPTZ) PARTITIONED BY (day)", 400, 4000,
                   "SQLParseException[Cannot use non primary key column 'day' in PARTITIONED BY clause "
                   "if primary key is set on table]")
        self.ok("CREATE TABLE p (id INT, day TIMESTAMPTZ, PRIMARY KEY (id, day)) PARTITIONED BY (day)")
        self.ok("CREATE TABLE q (id INT, day TIMESTAMPTZ) PARTITIONED BY (day)")

    def test_invalid_definitions(self):
        self.error("CREATE TABLE t (x INT, x TEXT)", 400, 4000)
        self.error("CREATE TABLE t (x NOPE)", 400, 4000, "SQLParseException[Cannot find data type: nope]")
        self.error("CREATE TABLE t (x INT, PRIMARY KEY (y))", 404, 4043)
        self.error("CREATE TABLE t (o OBJECT PRIMARY KEY)", 400, 4000)
        self.error("CREATE TABLE t (x INT) PARTITIONED BY (y)", 404, 4043)
        self.error("CREATE TABLE t (x INT, g GENERATED ALWAYS AS date_trunc('day', nope))", 404, 4043)
        self.error("CREATE TABLE sys.t (x INT)", 400, 4000)
        self.assertEqual(self.rows("SELECT count(*) FROM information_schema.tables"), [[0]])

    def test_invalid_relation_and_column_names(self):
        self.error('CREATE TABLE "a.b" (x INT)', 400, 4002, 'InvalidRelationName[Relation name "doc.a.b" is invalid.]')
        self.error('CREATE TABLE "_t" (x INT)', 400, 4002)
        self.error('CREATE BLOB TABLE "../escape"', 400, 4002)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "escape")))
        self.error('CREATE TABLE t ("a.b" INT)', 400, 4008, 'InvalidColumnNameException["a.b" contains a dot]')
        self.error('CREATE TABLE t ("_x" INT)', 400, 4008,
                   'InvalidColumnNameException["_x" conflicts with system column pattern]')
        self.error('CREATE TABLE t (o OBJECT AS ("a.b" INT))', 400, 4008)

    def test_refresh(self):
        self.ok("CREATE TABLE a (x INT)")
        self.ok("CREATE TABLE p (x INT, part TEXT) PARTITIONED BY (part)")
        self.ok("INSERT INTO p (x, part) VALUES (1, 'a'), (2, 'b'), (3, 'b')")
        self.assertEqual(self.ok("REFRESH TABLE a")["rowcount"], 1)
        self.assertEqual(self.ok("REFRESH TABLE a, doc.p")["rowcount"], 3)
        self.error("REFRESH TABLE missing", 404, 4041)

    def test_generated_date_trunc_units(self):
        units = ("second", "minute", "hour", "day", "week", "month", "quarter", "year")
        columns = ", ".join(f"{u} TIMESTAMPTZ GENERATED ALWAYS AS date_trunc('{u}', ts)" for u in units)
        self.ok(f"CREATE TABLE g (ts TIMESTAMPTZ, {columns})")
        self.ok("INSERT INTO g (ts) VALUES ('2024-05-15T13:45:30.250Z')")   # a Wednesday
        row = self.rows(f"SELECT {', '.join(units)} FROM g")[0]
        expected = ["2024-05-15T13:45:30Z", "2024-05-15T13:45:00Z", "2024-05-15T13:00:00Z", "2024-05-15T00:00:00Z",
                    "2024-05-13T00:00:00Z", "2024-05-01T00:00:00Z", "2024-04-01T00:00:00Z", "2024-01-01T00:00:00Z"]
        self.assertEqual(row, [self.rows("SELECT ?::timestamptz", [e])[0][0] for e in expected])

    def test_generated_value_given_must_match(self):
        self.ok("CREATE TABLE g (ts TIMESTAMPTZ, day TIMESTAMPTZ GENERATED ALWAYS AS date_trunc('day', ts))")
        self.ok("INSERT INTO g (ts, day) VALUES (86400001, 86400000)")
        self.error("INSERT INTO g (ts, day) VALUES (86400001, 5)", 400, 4000)

    def test_default_values(self):
        self.ok("CREATE TABLE d (id INT, status TEXT DEFAULT 'new', n INT DEFAULT 5, "
                "created TIMESTAMPTZ DEFAULT now())")
        self.ok("INSERT INTO d (id) VALUES (1)")
        self.ok("INSERT INTO d (id, status) VALUES (2, 'old')")
        rows = self.rows("SELECT id, status, n, created > 1600000000000 FROM d ORDER BY id")
        self.assertEqual(rows, [[1, "new", 5, True], [2, "old", 5, True]])

    def test_column_constraints_after_default_and_generated(self):
        # NOT NULL after an expression is a constraint, not the start of `NOT IN` / `NOT LIKE`.
        self.ok("CREATE TABLE c0 (x INTEGER DEFAULT 0 NOT NULL)")
        self.ok("CREATE TABLE c1 (ts TIMESTAMPTZ, day TIMESTAMPTZ GENERATED ALWAYS AS (date_trunc('day', ts)) "
                "NOT NULL, n INT DEFAULT 1 PRIMARY KEY, m INT DEFAULT 2 NULL)")
        self.assertEqual(self.rows("SELECT table_name, column_name, is_nullable FROM information_schema.columns "
                                   "WHERE column_name IN ('x', 'day', 'm') ORDER BY 1"),
                         [["c0", "x", False], ["c1", "day", False], ["c1", "m", True]])
        self.error("INSERT INTO c0 (x) VALUES (NULL)", 400, 4000, 'SQLParseException["x" must not be null]')
        self.ok("INSERT INTO c1 (ts) VALUES (86400005)")
        self.assertEqual(self.rows("SELECT day, n, m FROM c1"), [[86400000, 1, 2]])
        self.assertEqual(self.rows("SELECT x FROM c0 WHERE x NOT IN (1, 2) AND 'a' NOT LIKE 'b' "
                                   "AND x NOT BETWEEN 3 AND 4"), [])
        self.error("SELECT 1 NOT 2", 400, 4000)


# ---------------------------------------------------------------- blob tables


class BlobTableTest(EngineCase):
    def test_create_list_and_drop(self):
        self.assertEqual(self.ok("CREATE BLOB TABLE images CLUSTERED INTO 3 SHARDS "
                                 "WITH (number_of_replicas = 0)")["rowcount"], 1)
        self.assertTrue(self.engine.blob_table_exists("images"))
        self.assertFalse(self.engine.blob_table_exists("other"))
        folder = self.engine.blob_dir("images")
        self.assertEqual(folder, os.path.join(self.dir, "blobs", "images"))
        self.assertTrue(os.path.isdir(folder))
        for name in (DIGEST_A, DIGEST_B, "upload.tmp"):
            with open(os.path.join(folder, name), "wb") as handle:
                handle.write(b"x")
        os.utime(os.path.join(folder, DIGEST_A), (1_700_000_000, 1_700_000_000))
        body = self.ok("SELECT digest, last_modified FROM blob.images ORDER BY digest", types=True)
        self.assertEqual(body["col_types"], [4, 11])
        self.assertEqual(body["rows"][0], [DIGEST_B, body["rows"][0][1]])
        self.assertEqual(body["rows"][1], [DIGEST_A, 1_700_000_000_000])
        self.assertEqual(self.rows("SELECT count(*) FROM blob.images"), [[2]])
        self.assertIn(["blob", "images"], self.rows("SELECT table_schema, table_name FROM information_schema.tables"))

        self.error("CREATE BLOB TABLE images", 409, 4093, "RelationAlreadyExists[Relation 'blob.images' already exists.]")
        self.reopen()
        self.assertTrue(self.engine.blob_table_exists("images"))
        self.assertEqual(self.ok("DROP BLOB TABLE images")["rowcount"], 1)
        self.assertFalse(os.path.exists(folder))
        self.assertFalse(self.engine.blob_table_exists("images"))
        self.error("DROP BLOB TABLE images", 404, 4041, "RelationUnknown[Relation 'blob.images' unknown]")
        self.assertEqual(self.ok("DROP BLOB TABLE IF EXISTS images")["rowcount"], 0)
        self.error("SELECT * FROM blob.images", 404, 4041)

    def test_blob_schema_is_read_only(self):
        self.ok("CREATE BLOB TABLE b")
        self.error("INSERT INTO blob.b (digest) VALUES ('x')", 400, 4007)


# ---------------------------------------------------------------- casts on insert


class InsertCastTest(EngineCase):
    def setUp(self):
        super().setUp()
        self.ok("CREATE TABLE c (i INT, b BIGINT, s SMALLINT, d DOUBLE, f BOOLEAN, t TEXT, ts TIMESTAMPTZ, "
                "lts TIMESTAMP, g GEO_POINT, tags TEXT[], nums ARRAY(INTEGER), o OBJECT AS (x INT))")

    def insert_one(self, column, value):
        self.ok(f"DELETE FROM c")
        self.ok(f"INSERT INTO c ({column}) VALUES (?)", [value])
        return self.rows(f"SELECT {column} FROM c")[0][0]

    def test_numbers(self):
        self.assertEqual(self.insert_one("i", "12"), 12)
        self.assertEqual(self.insert_one("i", 1.7), 1)          # Java intValue() truncates
        self.assertEqual(self.insert_one("i", -1.7), -1)
        self.assertEqual(self.insert_one("b", "-9000000000"), -9000000000)
        self.assertEqual(self.insert_one("d", 3), 3.0)
        self.assertEqual(self.insert_one("d", "2.5"), 2.5)

    def test_booleans_and_text(self):
        self.assertIs(self.insert_one("f", True), True)
        self.assertIs(self.insert_one("f", "false"), False)
        self.assertIs(self.insert_one("f", "t"), True)
        self.assertEqual(self.insert_one("t", 12), "12")
        self.assertEqual(self.insert_one("t", 1.5), "1.5")
        self.assertEqual(self.insert_one("t", True), "t")

    def test_timestamps_round_trip_as_epoch_ms(self):
        cases = [
            (1700000000123, 1700000000123),
            ("1700000000123", 1700000000123),
            (1700000000.5, 1700000000500),                      # float = seconds with fraction
            ("2024-01-02T03:04:05.678Z", 1704164645678),
            ("2024-01-02T03:04:05.678+01:00", 1704161045678),
            ("2024-01-02T03:04:05", 1704164645000),             # no offset = UTC
            ("2024-01-02 03:04:05", 1704164645000),
            ("2024-01-02", 1704153600000),
        ]
        for given, expected in cases:
            self.assertEqual(self.insert_one("ts", given), expected, given)
        self.assertEqual(self.insert_one("lts", "2024-01-02T03:04:05+05:00"), 1704164645000)
        self.ok("INSERT INTO c (ts) VALUES ('2024-01-02T00:00:00Z')")
        self.assertEqual(self.rows("SELECT count(*) FROM c WHERE ts >= '2024-01-02' AND ts < 1704153600001"), [[1]])

    def test_geo_points(self):
        self.assertEqual(self.insert_one("g", [9.74, 47.41]), [9.74, 47.41])
        self.assertEqual(self.insert_one("g", "POINT(9.5 47)"), [9.5, 47.0])
        self.error("INSERT INTO c (g) VALUES (?)", 400, 4000, args=["POINT(x y)"])
        self.error("INSERT INTO c (g) VALUES (?)", 400, 4000, args=[[200, 0]])

    def test_arrays_and_objects(self):
        self.assertEqual(self.insert_one("tags", ["a", "b"]), ["a", "b"])
        self.assertEqual(self.insert_one("nums", ["1", 2]), [1, 2])
        self.assertEqual(self.insert_one("o", {"x": "5", "y": [1]}), {"x": 5, "y": [1]})
        self.assertEqual(self.insert_one("o", '{"x": 1}'), {"x": 1})    # JSON text is parsed
        self.error("INSERT INTO c (tags) VALUES (?)", 400, 4000,
                   "SQLParseException[Cannot cast value `a` to type `text_array`]", args=["a"])
        self.error("INSERT INTO c (o) VALUES (?)", 400, 4000,
                   "SQLParseException[Cannot cast object element `x` with value `abc` to type `integer`]",
                   args=[{"x": "abc"}])

    def test_values_clause_shapes(self):
        self.ok("CREATE TABLE v (a INT, b TEXT, c BOOLEAN)")
        self.assertEqual(self.ok("INSERT INTO v VALUES (1, 'x', true), (2, 'y')")["rowcount"], 2)
        self.assertEqual(self.rows("SELECT a, b, c FROM v ORDER BY a"), [[1, "x", True], [2, "y", None]])
        self.error("INSERT INTO v VALUES (1, 'x', true, 4)", 400, 4000)
        self.error("INSERT INTO v (a, b) VALUES (1)", 400, 4000)
        self.error("INSERT INTO v (a, a) VALUES (1, 2)", 400, 4000)
        self.ok("INSERT INTO v (a, b) VALUES (?, now()::text), (1 + 2, 'z' || 'z')", [10])
        self.assertEqual(self.rows("SELECT b FROM v WHERE a = 3"), [["zz"]])
        self.error("INSERT INTO v (a) VALUES (count(*))", 400, 4000)

    def test_numbers_sqlite_cannot_hold(self):
        self.error("SELECT ?", 400, 4000, args=[2 ** 70])
        self.error("INSERT INTO c (b) VALUES (?)", 400, 4000, args=[2 ** 64])
        self.error("INSERT INTO c (ts) VALUES (?)", 400, 4000, args=[1e308])

    def test_varchar_length_is_enforced(self):
        self.ok("CREATE TABLE vc (id INT, s VARCHAR(3), cv CHARACTER VARYING(2), tags ARRAY(VARCHAR(1)), "
                "o OBJECT AS (code VARCHAR(2)), free VARCHAR)")
        self.error("INSERT INTO vc (id, s) VALUES (1, 'abcdef')", 400, 4000,
                   "SQLParseException['abcdef' is too long for the text type of length: 3]")
        self.error("INSERT INTO vc (id, s) VALUES (1, ?)", 400, 4000,
                   "SQLParseException['abcdefghijklmnopqrst...' is too long for the text type of length: 3]",
                   args=["abcdefghijklmnopqrstuvwxyz"])
        # Only the too long row fails (CrateDB checks while indexing), and only spaces may be cut off.
        results = self.ok("INSERT INTO vc (id, s, cv) VALUES (?, ?, ?)",
                          bulk_args=[[2, "ab ", "x"], [3, "abc  \u3000", "yz "], [4, "abc d", "z"],
                                     [5, "a", "xyz"]])["results"]
        self.assertEqual([r["rowcount"] for r in results], [1, 1, -2, -2])
        self.assertEqual(results[3]["error"], {"code": 4000, "message": "SQLParseException['xyz' is too long for "
                                                                      "the text type of length: 2]"})
        self.error("INSERT INTO vc (id, tags) VALUES (6, ?)", 400, 4000,
                   "SQLParseException['aa' is too long for the text type of length: 1]", args=[["a", "aa"]])
        self.error("INSERT INTO vc (id, o) VALUES (6, ?)", 400, 4000,
                   "SQLParseException['abc' is too long for the text type of length: 2]", args=[{"code": "abc"}])
        self.ok("INSERT INTO vc (id, tags, o, free) VALUES (7, ['a', 'b'], {code = 'ab'}, ?)", ["x" * 1000])
        self.assertEqual(self.rows("SELECT id, s, cv, tags, o FROM vc ORDER BY id"),
                         [[2, "ab ", "x", None, None], [3, "abc", "yz", None, None],
                          [7, None, None, ["a", "b"], {"code": "ab"}]])
        # An explicit cast cuts instead of failing, as in CrateDB; the length survives a restart.
        self.assertEqual(self.rows("SELECT 'abcdef'::VARCHAR(3), CAST(s AS VARCHAR(1)) FROM vc WHERE id = 3"),
                         [["abc", "a"]])
        self.reopen()
        self.error("INSERT INTO vc (id, s) VALUES (8, 'abcd')", 400, 4000)
        self.error("CREATE TABLE bad (s VARCHAR(0))", 400, 4000,
                   "SQLParseException[The text type length must be at least 1, received: 0]")

    def test_real_out_of_range(self):
        # FloatType.implicitCast: a number that is finite as a double but not as a float is out of range.
        self.ok("CREATE TABLE r (id INT, f REAL, d DOUBLE)")
        self.error("INSERT INTO r (id, f) VALUES (1, ?)", 400, 4000,
                   "SQLParseException[Cannot cast value `1.0E39` to type `real`]", args=[1e39])
        self.error("INSERT INTO r (id, f) VALUES (1, ?)", 400, 4000, args=[-3.5e38])
        self.ok("INSERT INTO r (id, f, d) VALUES (1, ?, ?)", [3.4e38, 1e39])
        self.assertEqual(self.rows("SELECT f, d FROM r"), [[3.4e38, 1e39]])

    def test_uncastable_value_fails_the_whole_bulk_request(self):
        body = self.error("INSERT INTO c (i, t) VALUES (?, ?)", 400, 4000,
                          "SQLParseException[Cannot cast value `abc` to type `integer`]",
                          bulk_args=[[1, "ok"], ["abc", "bad"], [3, "ok"]])
        self.assertEqual(body, {"error": {"message": "SQLParseException[Cannot cast value `abc` to type `integer`]",
                                          "code": 4000}})
        self.assertEqual(self.rows("SELECT count(*) FROM c"), [[0]])

    def test_other_uncastable_values(self):
        for column, value in (("i", "1.5"), ("i", True), ("i", 2 ** 31), ("s", 40000), ("f", 1),
                              ("ts", "yesterday"), ("ts", False), ("d", "x"), ("t", [1])):
            self.error(f"INSERT INTO c ({column}) VALUES (?)", 400, 4000, args=[value])
        self.assertEqual(self.rows("SELECT count(*) FROM c"), [[0]])

    def test_explicit_casts(self):
        self.assertEqual(self.rows("SELECT '12'::int, CAST(1.9 AS BIGINT), TRY_CAST('x' AS INTEGER), "
                                   "CAST('2024-01-02' AS TIMESTAMP WITH TIME ZONE)"),
                         [[12, 1, None, 1704153600000]])
        self.error("SELECT CAST('abc' AS INTEGER)", 400, 4000, "SQLParseException[Cannot cast value `abc` to type `integer`]")
        self.ok("INSERT INTO c (t) VALUES ('7'), ('x')")
        self.error("SELECT t::int FROM c", 400, 4000, "SQLParseException[Cannot cast value `x` to type `integer`]")
        self.assertEqual(self.rows("SELECT try_cast(t AS int) FROM c ORDER BY 1"), [[7], [None]])


# ---------------------------------------------------------------- per-row failures and ON CONFLICT


class RowFailureTest(EngineCase):
    def setUp(self):
        super().setUp()
        self.sensor_table()

    def test_duplicate_key_in_bulk_is_a_row_failure(self):
        outcome = self.sql("INSERT INTO readings (id, name) VALUES (?, ?)",
                           bulk_args=[[1, "a"], [1, "b"], [2, "c"]])
        self.assertEqual(outcome.status, 200)
        self.assertEqual(outcome.body["results"], [
            {"rowcount": 1},
            {"rowcount": -2, "error": {"code": 4091, "message": "DuplicateKeyException[A document with the "
                                                                "same primary key exists already]"}},
            {"rowcount": 1}])
        self.assertEqual(outcome.rows_inserted, 2)
        self.assertEqual(self.rows("SELECT id, name FROM readings ORDER BY id"), [[1, "a"], [2, "c"]])

    def test_only_the_first_ten_errors_carry_a_message(self):
        self.ok("INSERT INTO readings (id) VALUES (1)")
        results = self.ok("INSERT INTO readings (id) VALUES (?)", bulk_args=[[1]] * 12)["results"]
        self.assertTrue(all("error" in item for item in results[:10]))
        self.assertEqual(results[10:], [{"rowcount": -2}, {"rowcount": -2}])

    def test_duplicate_key_without_bulk_is_409(self):
        self.ok("INSERT INTO readings (id) VALUES (1)")
        self.error("INSERT INTO readings (id) VALUES (1)", 409, 4091,
                   "DuplicateKeyException[A document with the same primary key exists already]")

    def test_multi_row_values_counts_successful_rows(self):
        self.ok("INSERT INTO readings (id) VALUES (1)")
        self.assertEqual(self.ok("INSERT INTO readings (id) VALUES (1), (2), (3)")["rowcount"], 2)

    def test_on_conflict_do_nothing(self):
        self.ok("INSERT INTO readings (id, name) VALUES (1, 'first')")
        self.assertEqual(self.ok("INSERT INTO readings (id, name) VALUES (1, 'x') ON CONFLICT (id) DO NOTHING")
                         ["rowcount"], 0)
        outcome = self.sql("INSERT INTO readings (id, name) VALUES (?, ?) ON CONFLICT DO NOTHING",
                           bulk_args=[[1, "x"], [2, "second"]])
        self.assertEqual(outcome.body["results"], [{"rowcount": 0}, {"rowcount": 1}])
        self.assertEqual(outcome.rows_inserted, 1)
        self.assertEqual(self.rows("SELECT name FROM readings ORDER BY id"), [["first"], ["second"]])

    def test_on_conflict_do_update(self):
        self.ok("INSERT INTO readings (id, name, value) VALUES (1, 'a', 1.0)")
        body = self.ok("INSERT INTO readings (id, name, value) VALUES (?, ?, ?) "
                       "ON CONFLICT (id) DO UPDATE SET name = excluded.name, value = value + excluded.value",
                       bulk_args=[[1, "b", 2.5], [2, "c", 1]])
        self.assertEqual(body["results"], [{"rowcount": 1}, {"rowcount": 1}])
        self.assertEqual(self.rows("SELECT id, name, value FROM readings ORDER BY id"), [[1, "b", 3.5], [2, "c", 1.0]])

    def test_on_conflict_validation(self):
        self.error("INSERT INTO readings (id) VALUES (1) ON CONFLICT (name) DO NOTHING", 400, 4000,
                   "SQLParseException[Conflict target ([name]) did not match the primary key columns ([id])]")
        self.error("INSERT INTO readings (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET id = 2", 400, 4000)
        self.error("INSERT INTO readings (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET nope = 2", 404, 4043)

    def test_null_primary_key_and_not_null(self):
        self.ok("CREATE TABLE nn (id INT PRIMARY KEY, name TEXT NOT NULL)")
        self.error("INSERT INTO nn (id, name) VALUES (NULL, 'x')", 400, 4000,
                   "SQLParseException[A primary key value must not be NULL]")
        self.error("INSERT INTO nn (id) VALUES (1)", 400, 4000, 'SQLParseException["name" must not be null]')
        results = self.ok("INSERT INTO nn (id, name) VALUES (?, ?)", bulk_args=[[1, None], [2, "ok"]])["results"]
        self.assertEqual(results[0]["rowcount"], -2)
        self.assertEqual(results[1], {"rowcount": 1})

    def test_dynamic_object_type_conflict_is_a_row_failure(self):
        outcome = self.sql("INSERT INTO readings (id, payload) VALUES (?, ?)", bulk_args=[
            [1, {"temperature": 21.5, "unit": "C"}],
            [2, {"temperature": "warm"}],
            [3, {"unit": 5}],
            [4, {"temperature": {"inner": 1}}],
            [5, {"temperature": 22}],
        ])
        self.assertEqual(outcome.status, 200)
        results = outcome.body["results"]
        self.assertEqual([r["rowcount"] for r in results], [1, -2, -2, -2, 1])
        self.assertEqual(results[1]["error"], {"code": 4000, "message": "SQLParseException[Cannot cast object "
                                               "element `temperature` with value `warm` to type `double precision`]"})
        self.assertEqual(results[2]["error"]["message"],
                         "SQLParseException[Cannot cast object element `unit` with value `5` to type `text`]")
        self.assertEqual(results[3]["error"]["message"], "SQLParseException[Cannot cast object element "
                         "`temperature` with value `{inner=1}` to type `double precision`]")
        self.assertEqual(self.rows("SELECT payload['temperature'] FROM readings ORDER BY id"), [[21.5], [22.0]])
        # the learned type survives the request and applies to later ones too
        results = self.ok("INSERT INTO readings (id, payload) VALUES (?, ?)",
                          bulk_args=[[6, {"temperature": "hot"}]])["results"]
        self.assertEqual(results[0]["rowcount"], -2)

    def test_later_float_into_learned_bigint_is_truncated(self):
        self.ok("INSERT INTO readings (id, payload) VALUES (1, ?)", [{"n": 20}])
        self.ok("INSERT INTO readings (id, payload) VALUES (2, ?)", [{"n": 20.9}])
        self.assertEqual(self.rows("SELECT payload['n'] FROM readings ORDER BY id", types=False), [[20], [20]])

    def test_array_mixing_objects_and_values_is_silently_not_stored(self):
        results = self.ok("INSERT INTO readings (id, payload) VALUES (?, ?)",
                          bulk_args=[[1, {"list": [{"a": 1}, 2]}], [2, {"list": [1, 2]}]])["results"]
        self.assertEqual(results, [{"rowcount": 0}, {"rowcount": 1}])
        self.assertEqual(self.rows("SELECT id FROM readings"), [[2]])


# ---------------------------------------------------------------- dynamic columns


class DynamicColumnTest(EngineCase):
    def test_unknown_column_is_added_to_dynamic_table(self):
        self.ok("CREATE TABLE d (id INT) WITH (column_policy = 'dynamic')")
        self.ok("INSERT INTO d (id, extra, nested, missing) VALUES (1, 'x', ?, NULL)", [{"a": {"b": 1.5}}])
        body = self.ok("SELECT extra, nested['a']['b'] FROM d", types=True)
        self.assertEqual((body["rows"], body["col_types"]), ([["x", 1.5]], [4, 6]))
        self.error("SELECT missing FROM d", 404, 4043)       # a NULL value adds no column
        names = self.rows("SELECT column_name FROM information_schema.columns WHERE table_name = 'd'")
        self.assertEqual([n[0] for n in names], ["id", "extra", "nested", "nested['a']", "nested['a']['b']"])

    def test_new_column_type_conflict_within_one_request(self):
        self.ok("CREATE TABLE d (id INT) WITH (column_policy = 'dynamic')")
        results = self.ok("INSERT INTO d (id, v) VALUES (?, ?)", bulk_args=[[1, 10], [2, "text"], [3, 11]])["results"]
        self.assertEqual([r["rowcount"] for r in results], [1, -2, 1])
        self.assertEqual(results[1]["error"]["message"], "SQLParseException[Cannot cast value `text` to type `bigint`]")
        # known before the request: the usual whole-request cast applies
        self.error("INSERT INTO d (id, v) VALUES (?, ?)", 400, 4000, bulk_args=[[4, "text"]])

    def test_invalid_new_column_names(self):
        self.ok("CREATE TABLE d (id INT, o OBJECT) WITH (column_policy = 'dynamic')")
        self.error('INSERT INTO d (id, "_hidden") VALUES (1, 2)', 400, 4008)
        results = self.ok("INSERT INTO d (id, o) VALUES (?, ?)",
                          bulk_args=[[1, {"a.b": 1}], [2, {"ok": {"x.y": 1}}], [3, {"ok": {"x": 1}}]])["results"]
        self.assertEqual([r["rowcount"] for r in results], [-2, -2, 1])
        self.assertEqual(results[0]["error"], {"code": 4008, "message": 'InvalidColumnNameException["a.b" contains a dot]'})

    def test_tables_are_strict_by_default(self):
        # CrateDB's default column policy for tables is strict; OBJECT columns stay dynamic.
        self.ok("CREATE TABLE plain (id INT, o OBJECT)")
        self.error("INSERT INTO plain (id, other) VALUES (1, 2)", 404, 4043,
                   "ColumnUnknownException[Column other unknown]")
        self.error("INSERT INTO plain (id, other) VALUES (?, ?)", 404, 4043, bulk_args=[[1, 2]])
        self.ok("INSERT INTO plain (id, o) VALUES (1, ?)", [{"new": {"key": 1}}])
        self.assertEqual(self.rows("SELECT o['new']['key'] FROM plain"), [[1]])
        self.ok("CREATE TABLE loose (id INT) WITH (column_policy = 'dynamic')")
        self.ok("INSERT INTO loose (id, other) VALUES (1, 2)")
        self.assertEqual(self.rows("SELECT table_name, column_policy FROM information_schema.tables ORDER BY 1"),
                         [["loose", "dynamic"], ["plain", "strict"]])

    def test_strict_table_and_strict_object(self):
        self.ok("CREATE TABLE s (id INT, o OBJECT(STRICT) AS (a INT)) WITH (column_policy = 'strict')")
        self.error("INSERT INTO s (id, other) VALUES (1, 2)", 404, 4043, "ColumnUnknownException[Column other unknown]")
        self.error("INSERT INTO s (id, o) VALUES (1, ?)", 404, 4043, "ColumnUnknownException[Column o['b'] unknown]",
                   args=[{"a": 1, "b": 2}])
        self.ok("INSERT INTO s (id, o) VALUES (1, ?)", [{"a": "2"}])
        self.assertEqual(self.rows("SELECT o FROM s"), [[{"a": 2}]])

    def test_ignored_object_accepts_anything(self):
        self.ok("CREATE TABLE i (id INT, o OBJECT(IGNORED))")
        self.ok("INSERT INTO i (id, o) VALUES (?, ?)", bulk_args=[[1, {"x": 1}], [2, {"x": "one"}]])
        self.assertEqual(self.rows("SELECT o['x'] FROM i ORDER BY id"), [[1], ["one"]])
        self.assertEqual(self.rows("SELECT o['missing'] FROM i WHERE id = 1"), [[None]])


# ---------------------------------------------------------------- queries


class QueryTest(EngineCase):
    def setUp(self):
        super().setUp()
        self.sensor_table()
        self.ok("INSERT INTO readings (id, name, value, payload, ts) VALUES (?, ?, ?, ?, ?)", bulk_args=[
            [1, "alpha", 1.5, {"temperature": 20.5, "room": "kitchen", "geo": {"floor": 1}}, "2024-01-01T00:00:00Z"],
            [2, "beta", None, {"temperature": 22.0, "room": "hall", "geo": {"floor": 2}}, "2024-01-02T00:00:00Z"],
            [3, "Gamma", 3.0, {"temperature": 23.5, "room": "kitchen", "geo": {"floor": 1}}, None],
            [4, None, 4.0, None, "2024-01-04T00:00:00Z"],
        ])

    def ids(self, where, args=None):
        return [r[0] for r in self.rows(f"SELECT id FROM readings WHERE {where} ORDER BY id", args)]

    def test_where_operators(self):
        self.assertEqual(self.ids("id = 2"), [2])
        self.assertEqual(self.ids("id != 2"), [1, 3, 4])
        self.assertEqual(self.ids("id <> 2 AND id < 4"), [1, 3])
        self.assertEqual(self.ids("id <= 1 OR id >= 4"), [1, 4])
        self.assertEqual(self.ids("NOT (id > 1)"), [1])
        self.assertEqual(self.ids("value IS NULL"), [2])
        self.assertEqual(self.ids("name IS NOT NULL"), [1, 2, 3])
        self.assertEqual(self.ids("id IN (1, 3, ?)", [4]), [1, 3, 4])
        self.assertEqual(self.ids("id NOT IN (1, 3)"), [2, 4])
        self.assertEqual(self.ids("name LIKE 'a%'"), [1])
        self.assertEqual(self.ids("name LIKE 'g%'"), [])            # LIKE is case sensitive
        self.assertEqual(self.ids("name ILIKE 'g%'"), [3])
        self.assertEqual(self.ids("name NOT LIKE '%a'"), [])
        self.assertEqual(self.ids("name LIKE '_eta'"), [2])
        self.assertEqual(self.ids("id BETWEEN 2 AND 3"), [2, 3])
        self.assertEqual(self.ids("id NOT BETWEEN 2 AND 3"), [1, 4])
        self.assertEqual(self.ids("id = '3'"), [3])                   # literal cast to the column type
        self.assertEqual(self.ids("ts > '2024-01-01T12:00:00Z'"), [2, 4])
        self.assertEqual(self.ids("$1 = $1 AND id = $2", ["x", 1]), [1])

    def test_subscripts_everywhere(self):
        self.assertEqual(self.ids("payload['temperature'] > 21"), [2, 3])
        self.assertEqual(self.ids("payload['geo']['floor'] = 1"), [1, 3])
        body = self.ok("SELECT payload['room'], count(*), avg(payload['temperature']) FROM readings "
                       "WHERE payload['room'] IS NOT NULL GROUP BY payload['room'] ORDER BY payload['room']",
                       types=True)
        self.assertEqual(body["cols"], ["payload['room']", "count(*)", "avg(payload['temperature'])"])
        self.assertEqual(body["col_types"], [4, 10, 6])
        self.assertEqual(body["rows"], [["hall", 1, 22.0], ["kitchen", 2, 22.0]])
        # DESC puts NULLs first, as in CrateDB
        self.assertEqual(self.rows("SELECT payload['geo'] FROM readings ORDER BY payload['temperature'] DESC "
                                   "LIMIT 2"), [[None], [{"floor": 1}]])
        self.error("SELECT payload['nope'] FROM readings", 404, 4043,
                   "ColumnUnknownException[Column payload['nope'] unknown]")

    def test_order_limit_offset(self):
        self.assertEqual(self.rows("SELECT id FROM readings ORDER BY value"), [[1], [3], [4], [2]])
        self.assertEqual(self.rows("SELECT id FROM readings ORDER BY value DESC"), [[2], [4], [3], [1]])
        self.assertEqual(self.rows("SELECT id FROM readings ORDER BY value NULLS FIRST"), [[2], [1], [3], [4]])
        self.assertEqual(self.rows("SELECT id FROM readings ORDER BY value DESC NULLS LAST LIMIT 2"), [[4], [3]])
        self.assertEqual(self.rows("SELECT id AS x FROM readings ORDER BY x DESC LIMIT ? OFFSET 1", [2]), [[3], [2]])
        self.assertEqual(self.rows("SELECT id, name FROM readings ORDER BY 2 ASC, 1 LIMIT 1"), [[3, "Gamma"]])
        self.assertEqual(self.rows("SELECT id FROM readings ORDER BY id OFFSET 3"), [[4]])

    def test_aggregates(self):
        body = self.ok("SELECT count(*), count(name), count(DISTINCT payload['room']), min(value), max(value), "
                       "avg(value), sum(id), sum(value), min(ts), max(name) FROM readings", types=True)
        self.assertEqual(body["rows"], [[4, 3, 2, 1.5, 4.0, 8.5 / 3, 10, 8.5, 1704067200000, "beta"]])
        self.assertEqual(body["col_types"], [10, 10, 10, 6, 6, 6, 10, 6, 11, 4])
        self.assertEqual(self.rows("SELECT count(*) FROM readings WHERE id > 10"), [[0]])
        self.assertEqual(self.rows("SELECT date_trunc('day', ts) AS day, count(*) FROM readings "
                                   "WHERE ts IS NOT NULL GROUP BY day ORDER BY day LIMIT 1"), [[1704067200000, 1]])
        self.assertEqual(self.rows("SELECT name IS NULL, count(*) FROM readings GROUP BY 1 ORDER BY 1"),
                         [[False, 3], [True, 1]])
        self.assertEqual(self.rows("SELECT payload['room'] AS room FROM readings GROUP BY room HAVING count(*) > 1"),
                         [["kitchen"]])

    def test_grouping_errors(self):
        self.error("SELECT count(*) FROM readings GROUP BY count(*)", 400, 4000)
        self.error("SELECT name, count(*) FROM readings", 400, 4000,
                   "SQLParseException['name' must appear in the GROUP BY clause or be used in an aggregation function]")
        self.error("SELECT id FROM readings WHERE count(*) > 1", 400, 4000)
        self.error("SELECT count(max(id)) FROM readings", 400, 4000)
        self.error("SELECT sum(name) FROM readings", 400, 4004)

    def test_expressions_and_output_forms(self):
        body = self.ok("SELECT id + 1, value * 2, name || '!', lower(name), upper(name), char_length(name), "
                       "coalesce(value, 0), value > 2, abs(-id), round(value), concat(name, '-', id) "
                       "FROM readings WHERE id = 1", types=True)
        self.assertEqual(body["rows"], [[2, 3.0, "alpha!", "alpha", "ALPHA", 5, 1.5, False, 1, 2, "alpha-1"]])
        self.assertEqual(body["cols"][0], "(id + 1)")
        self.assertEqual(body["col_types"][:2], [9, 6])
        self.assertEqual(self.rows("SELECT DISTINCT payload['room'] FROM readings ORDER BY 1"),
                         [["hall"], ["kitchen"], [None]])
        self.assertEqual(self.rows("SELECT [1, 2], {a = 1}, -3, 'a''b', 2.5e3"), [[[1, 2], {"a": 1}, -3, "a'b", 2500.0]])

    def test_select_star_and_qualified_names(self):
        body = self.ok("SELECT * FROM doc.readings WHERE id = 4", types=True)
        self.assertEqual(body["cols"], ["id", "name", "value", "payload", "ts"])
        self.assertEqual(body["col_types"], [9, 4, 6, 12, 11])
        self.assertEqual(body["rows"], [[4, None, 4.0, None, 1704326400000]])
        self.assertEqual(self.rows("SELECT r.id FROM readings AS r WHERE r.id = 4"), [[4]])
        self.error("SELECT *", 400, 4000)

    def test_default_schema_and_session(self):
        self.ok("CREATE TABLE t (x INT)", schema="custom")
        self.ok("INSERT INTO t (x) VALUES (1)", schema="custom")
        self.assertEqual(self.rows("SELECT x FROM custom.t"), [[1]])
        self.error("SELECT x FROM t", 404, 4041, "RelationUnknown[Relation 'doc.t' unknown]")
        self.error("SELECT x FROM t", 404, 4041, "RelationUnknown[Relation 'other.t' unknown]", schema="other")
        self.assertEqual(self.rows("SELECT current_user, current_schema", schema="custom", user="writer"),
                         [["writer", "custom"]])

    def test_system_relations(self):
        body = self.ok("SELECT name FROM sys.cluster", types=True)
        self.assertEqual((body["rows"], body["col_types"]), ([["standin"]], [4]))
        self.assertEqual(self.rows("SELECT table_schema, table_name FROM information_schema.tables "
                                   "WHERE table_schema = 'doc'"), [["doc", "readings"]])
        rows = self.rows("SELECT table_name, column_name, data_type FROM information_schema.columns "
                         "WHERE column_name IN ('id', 'ts', 'payload')")
        self.assertEqual(rows, [["readings", "id", "integer"], ["readings", "payload", "object"],
                                ["readings", "ts", "timestamp with time zone"]])
        self.error("SELECT * FROM sys.nope", 404, 4041, "RelationUnknown[Relation 'sys.nope' unknown]")
        self.error("INSERT INTO sys.cluster (name) VALUES ('x')", 400, 4007)
        self.error("SELECT * FROM nowhere.t", 404, 4045, "SchemaUnknownException[Schema 'nowhere' unknown]")

    def test_array_subscripts(self):
        self.ok("CREATE TABLE a (tags TEXT[], items ARRAY(OBJECT AS (n INT)))")
        self.ok("INSERT INTO a (tags, items) VALUES (?, ?)", [["x", "y"], [{"n": 1}, {"n": 2}]])
        body = self.ok("SELECT tags[2], items['n'], items[1]['n'] FROM a", types=True)
        self.assertEqual(body["rows"], [["y", [1, 2], 1]])
        self.assertEqual(body["col_types"], [4, [100, 9], 9])


# ---------------------------------------------------------------- UPDATE / DELETE


class ArithmeticTest(EngineCase):
    """Arithmetic follows CrateDB (Java), not SQLite, which returns NULL for x/0, turns an overflow into a
    float and reads 'a' as 0. Messages: ArithmeticException texts wrapped into SQLParseException by
    CrateDB's BinaryScalar; ConversionException for operands that cannot be cast."""

    def setUp(self):
        super().setUp()
        self.ok("CREATE TABLE n (i INT, b BIGINT, s SMALLINT, d DOUBLE, f REAL, t TEXT, ts TIMESTAMPTZ)")
        self.ok("INSERT INTO n (i, b, s, d, f, t, ts) VALUES (2147483647, 9223372036854775807, 7, 1.5, 2.5, '12', 1000)")

    def test_division_by_zero(self):
        for stmt in ("SELECT 1/0", "SELECT 1 % 0", "SELECT i / 0 FROM n", "SELECT b % (s - 7) FROM n"):
            self.error(stmt, 400, 4000, "SQLParseException[/ by zero]")
        self.assertEqual(self.rows("SELECT d / 0, -d / 0, 1.0 / 2 FROM n"), [["Infinity", "-Infinity", 0.5]])

    def test_floating_point_division_by_zero_is_nan_or_infinity(self):
        # Java's double and float division never fails; CrateDB's JSON writer (Jackson) quotes NaN and
        # Infinity. SQLite would make a NaN NULL: 0.0 / 0 IS NULL must stay false.
        self.assertEqual(self.rows("SELECT 0.0 / 0, 1.0 / 0, -1.0 / 0, 1.0 / -0.0, 0.0 / 0 IS NULL, -(0.0 / 0)"),
                         [["NaN", "Infinity", "-Infinity", "-Infinity", False, "NaN"]])
        self.assertEqual(self.rows("SELECT d * 0 / 0, d % 0, f / 0, f % 0, (d - d) / 0 IS NULL FROM n"),
                         [["NaN", "NaN", "Infinity", "NaN", False]])

    def test_nan_is_stored_and_computed_with(self):
        self.ok("CREATE TABLE nan (id INT, d DOUBLE, f REAL)")
        self.ok("INSERT INTO nan (id, d, f) VALUES (1, 0.0 / 0, 'NaN'), (2, 1.5, 2.5), (3, NULL, NULL)")
        self.assertEqual(self.ok("UPDATE nan SET f = f % 0 WHERE id = 2")["rowcount"], 1)
        self.assertEqual(self.rows("SELECT id, d, f, -d, d + 1, d IS NULL FROM nan ORDER BY id"),
                         [[1, "NaN", "NaN", "NaN", "NaN", False], [2, 1.5, "NaN", -1.5, 2.5, False],
                          [3, None, None, None, None, True]])
        self.assertEqual(self.rows("SELECT count(d), count(f) FROM nan"), [[2, 2]])

    def test_overflow(self):
        self.error("SELECT 9223372036854775807 + 1", 400, 4000, "SQLParseException[long overflow]")
        self.error("SELECT 2147483647 + 1", 400, 4000, "SQLParseException[integer overflow]")
        self.error("SELECT -2147483647 - 2", 400, 4000, "SQLParseException[integer overflow]")
        self.error("SELECT i * 2 FROM n", 400, 4000, "SQLParseException[integer overflow]")
        self.error("SELECT b + 1 FROM n", 400, 4000, "SQLParseException[long overflow]")
        self.assertEqual(self.ok("UPDATE n SET i = i + 1")["rowcount"], 0)    # the row fails alone (see below)
        self.assertEqual(self.rows("SELECT i FROM n"), [[2147483647]])
        body = self.ok("SELECT i + 1::BIGINT, b - 1, s + s, f * 2, ts + 1 FROM n", types=True)
        self.assertEqual(body["rows"], [[2147483648, 9223372036854775806, 14, 5.0, 1001]])
        self.assertEqual(body["col_types"], [10, 10, 9, 7, 11])

    def test_update_goes_on_past_a_row_whose_value_fails(self):
        # CrateDB computes a row's new values on its shard (UpdateToInsert), where an overflow fails that row alone
        # (BinaryScalar: IllegalArgumentException), and since 5.5 an UPDATE goes on past it
        # (UpdateIntegrationTest.test_update_continues_on_error). By primary key the failed row is reported.
        self.ok("CREATE TABLE ov (id INT PRIMARY KEY, i INT)")
        self.ok("INSERT INTO ov (id, i) VALUES (1, 1), (2, 2147483647), (3, 3)")
        self.assertEqual(self.ok("UPDATE ov SET i = i + 1")["rowcount"], 2)
        self.assertEqual(self.rows("SELECT id, i FROM ov ORDER BY id"), [[1, 2], [2, 2147483647], [3, 4]])
        self.error("UPDATE ov SET i = i + 1 WHERE id = 2", 400, 4000, "SQLParseException[integer overflow]")
        results = self.ok("UPDATE ov SET i = i + ? WHERE id = ?", bulk_args=[[1, 1], [1, 2]])["results"]
        overflow = {"code": 4000, "message": "SQLParseException[integer overflow]"}
        self.assertEqual(results, [{"rowcount": 1}, {"rowcount": -2, "error": overflow}])
        # A failing WHERE clause fails the request (the collect phase), a failing constant the analysis.
        self.error("UPDATE ov SET i = 0 WHERE i / (id - 2) > 0", 400, 4000, "SQLParseException[/ by zero]")
        self.error("UPDATE ov SET i = 2147483647 + 1", 400, 4000, "SQLParseException[integer overflow]")
        self.assertEqual(self.rows("SELECT id, i FROM ov ORDER BY id"), [[1, 3], [2, 2147483647], [3, 4]])

    def test_integer_division_and_modulo_as_java(self):
        self.assertEqual(self.rows("SELECT 7 / 2, -7 / 2, 7 % -2, -7 % 2, 7.0 / 2, s / 2, s % 4 FROM n"),
                         [[3, -3, 1, -1, 3.5, 3, 3]])

    def test_text_operands_are_cast(self):
        self.error("SELECT 1 + 'a'", 400, 4000, "SQLParseException[Cannot cast `'a'` of type `text` to type `integer`]")
        self.error("SELECT 1 + ?", 400, 4000, "SQLParseException[Cannot cast value `a` to type `integer`]", args=["a"])
        self.error("SELECT d * ? FROM n", 400, 4000, "SQLParseException[Cannot cast value `x` to type `double precision`]",
                   args=["x"])
        self.assertEqual(self.rows("SELECT 1 + '2', t + 1, t * 0.5 FROM n"), [[3, 13, 6.0]])
        self.ok("UPDATE n SET t = 'twelve'")
        self.error("SELECT t + 1 FROM n", 400, 4000, "SQLParseException[Cannot cast value `twelve` to type `integer`]")
        self.error("SELECT 'a' + 'b'", 400, 4004)
        self.error("SELECT true + 1", 400, 4004)
        self.assertEqual(self.rows("SELECT NULL + 1, i + NULL FROM n"), [[None, None]])


class SurrogateTest(EngineCase):
    """JSON can carry an unpaired UTF-16 surrogate (the escape \\ud800), which CrateDB (Java strings)
    takes as text; SQLite and UTF-8 cannot hold one. body_of sends such text escaped, as JSON allows."""

    def test_lone_surrogate_in_a_literal_and_an_argument(self):
        body = self.ok("SELECT '\ud800' AS s, ?", ["x\udc00"])
        self.assertEqual(body["rows"], [["\ud800", "x\udc00"]])

    def test_lone_surrogate_stored_and_read_back(self):
        self.ok("CREATE TABLE s (id INT, t TEXT, o OBJECT(IGNORED), tags ARRAY(TEXT))")
        self.ok("INSERT INTO s (id, t, o, tags) VALUES (1, ?, ?, ?)", ["a\ud83d", {"k": "\udfff"}, ["\ud800"]])
        self.assertEqual(self.rows("SELECT t, o, o['k'], tags, o['\ud800'] FROM s"),
                         [["a\ud83d", {"k": "\udfff"}, "\udfff", ["\ud800"], None]])
        self.assertEqual(self.rows("SELECT id FROM s WHERE t = 'a\ud83d'"), [[1]])

    def test_what_sqlite_cannot_carry_is_a_cratedb_shaped_400(self):
        with mock.patch.object(engine_module, "run_select", side_effect=UnicodeEncodeError("utf-8", "\ud800", 0, 1,
                                                                                       "surrogates not allowed")):
            self.error("SELECT 1", 400, 4000)


class UpdateDeleteTest(EngineCase):
    def setUp(self):
        super().setUp()
        self.sensor_table()
        self.ok("INSERT INTO readings (id, name, value) VALUES (1, 'a', 1), (2, 'b', 2), (3, 'c', 3)")

    def test_update(self):
        self.assertEqual(self.ok("UPDATE readings SET name = ?, value = value * 10 WHERE id >= ?", ["z", 2])
                         ["rowcount"], 2)
        self.assertEqual(self.rows("SELECT id, name, value FROM readings ORDER BY id"),
                         [[1, "a", 1.0], [2, "z", 20.0], [3, "z", 30.0]])
        self.assertEqual(self.ok("UPDATE readings SET ts = '2024-01-01'")["rowcount"], 3)
        self.assertEqual(self.rows("SELECT DISTINCT ts FROM readings"), [[1704067200000]])
        self.error("UPDATE readings SET id = 5", 400, 4000)
        self.error("UPDATE readings SET nope = 5", 404, 4043)
        self.error("UPDATE readings SET value = 'abc'", 400, 4000)

    def test_update_checks_varchar_length_per_row(self):
        # CrateDB >= 5.5 indexes each updated row again with INSERT's length check, and an UPDATE goes on past
        # a failing row: it keeps its value and is not counted. An UPDATE by primary key reports the row instead.
        self.ok("CREATE TABLE vu (id INT PRIMARY KEY, s VARCHAR(3), o OBJECT AS (code VARCHAR(2)))")
        self.ok("INSERT INTO vu (id, s) VALUES (1, 'a'), (2, 'ab'), (3, 'abc')")
        self.assertEqual(self.ok("UPDATE vu SET s = s || 'x'")["rowcount"], 2)
        self.assertEqual(self.rows("SELECT id, s FROM vu ORDER BY id"), [[1, "ax"], [2, "abx"], [3, "abc"]])
        self.error("UPDATE vu SET s = 'abcdef' WHERE id = 1", 400, 4000,
                   "SQLParseException['abcdef' is too long for the text type of length: 3]")
        self.error("UPDATE vu SET o = ? WHERE id = 2", 400, 4000,
                   "SQLParseException['abc' is too long for the text type of length: 2]", args=[{"code": "abc"}])
        self.assertEqual(self.ok("UPDATE vu SET s = 'xy   '")["rowcount"], 3)     # excess spaces are cut off
        self.assertEqual(self.rows("SELECT id, s, o FROM vu ORDER BY id"),
                         [[1, "xy ", None], [2, "xy ", None], [3, "xy ", None]])
        too_long = {"code": 4000, "message": "SQLParseException['abcd' is too long for the text type of length: 3]"}
        results = self.ok("UPDATE vu SET s = ? WHERE id = ?", bulk_args=[["abcd", 1], ["b", 2], ["abcd", 9]])["results"]
        self.assertEqual(results, [{"rowcount": -2, "error": too_long}, {"rowcount": 1}, {"rowcount": 0}])
        results = self.ok("UPDATE vu SET s = ? WHERE s = ?", bulk_args=[["abcd", "xy "], ["c", "b"]])["results"]
        self.assertEqual(results, [{"rowcount": 0}, {"rowcount": 1}])
        self.assertEqual(self.rows("SELECT id, s FROM vu ORDER BY id"), [[1, "xy "], [2, "c"], [3, "xy "]])
        # A number is cast to text per row, then checked like any text.
        self.ok("CREATE TABLE vn (id INT PRIMARY KEY, n INT, s VARCHAR(3))")
        self.ok("INSERT INTO vn (id, n, s) VALUES (1, 123456, 'a'), (2, 12, 'b')")
        self.assertEqual(self.ok("UPDATE vn SET s = n")["rowcount"], 1)
        self.assertEqual(self.rows("SELECT id, s FROM vn ORDER BY id"), [[1, "a"], [2, "12"]])

    def test_update_by_id_fails_on_a_failed_row(self):
        # Outside bulk requests CrateDB's UpdateById fails on the error of a row (ShardRequestExecutor.updateOrFail;
        # UpdateIntegrationTest.testUpdateNotNullSourceGeneratedColumn: HTTP 400, 4000), except for a missing row.
        # An UPDATE by query skips the failed row instead.
        self.ok("CREATE TABLE vi (id INT PRIMARY KEY, s VARCHAR(2))")
        self.ok("INSERT INTO vi (id, s) VALUES (1, 'a'), (2, 'b')")
        self.error("UPDATE vi SET s = s || 'yz' WHERE id = 1", 400, 4000,
                   "SQLParseException['ayz' is too long for the text type of length: 2]")
        self.assertEqual(self.ok("UPDATE vi SET s = 'xyz' WHERE id = 9")["rowcount"], 0)
        self.assertEqual(self.ok("UPDATE vi SET s = s || 'yz' WHERE id > 0")["rowcount"], 0)
        self.assertEqual(self.rows("SELECT id, s FROM vi ORDER BY id"), [[1, "a"], [2, "b"]])

    def test_update_checks_not_null(self):
        # A NULL literal or parameter fails the request before any row is read (Assignments.bindSources;
        # UpdateIntegrationTest.testUpdateNotNullColumn), in bulk requests too; a NULL computed for a row fails that
        # row while indexing (Indexer): skipped by query, the error by primary key, -2 in bulk by primary key.
        must_not_be_null = 'SQLParseException["name" must not be null]'
        self.ok("CREATE TABLE nn (id INT PRIMARY KEY, name TEXT NOT NULL, other TEXT)")
        self.ok("INSERT INTO nn (id, name, other) VALUES (1, 'a', 'x'), (2, 'b', NULL), (3, 'c', NULL)")
        self.error("UPDATE nn SET name = NULL WHERE id = 1", 400, 4000, must_not_be_null)
        self.error("UPDATE nn SET other = 'y', name = ?", 400, 4000, must_not_be_null, args=[None])
        self.error("UPDATE nn SET name = ? WHERE id = ?", 400, 4000, must_not_be_null, bulk_args=[["z", 1], [None, 2]])
        self.assertEqual(self.ok("UPDATE nn SET name = other")["rowcount"], 1)
        self.error("UPDATE nn SET name = other WHERE id = 2", 400, 4000, must_not_be_null)
        results = self.ok("UPDATE nn SET name = other WHERE id = ?", bulk_args=[[1], [2]])["results"]
        self.assertEqual(results, [{"rowcount": 1}, {"rowcount": -2, "error": {"code": 4000, "message": must_not_be_null}}])
        self.assertEqual(self.rows("SELECT id, name, other FROM nn ORDER BY id"),
                         [[1, "x", "x"], [2, "b", None], [3, "c", None]])

    def test_update_by_ids_in_a_list_or_alternatives(self):
        # CrateDB plans `pk IN (literals)` and ORs of `pk = value` as UpdateById (UpdatePlannerTest
        # .testUpdatePlanWithMultiplePrimaryKeyValues), so a failed row is reported; a list with parameters
        # (a function to CrateDB) or another column makes it an update by query, which skips the row.
        too_long = {"code": 4000, "message": "SQLParseException['abc' is too long for the text type of length: 2]"}
        self.ok("CREATE TABLE vb (id INT PRIMARY KEY, s VARCHAR(2))")
        self.ok("INSERT INTO vb (id, s) VALUES (1, 'a'), (2, 'b'), (3, 'c')")
        results = self.ok("UPDATE vb SET s = ? WHERE id IN (1, 2)", bulk_args=[["abc"], ["x"]])["results"]
        self.assertEqual(results, [{"rowcount": -2, "error": too_long}, {"rowcount": 2}])
        results = self.ok("UPDATE vb SET s = ? WHERE id = ? OR (id = ?)", bulk_args=[["abc", 1, 2], ["y", 2, 3]])["results"]
        self.assertEqual(results, [{"rowcount": -2, "error": too_long}, {"rowcount": 2}])
        for where in ("id IN (?, ?)", "id IN (1, 2) AND s = 'x'", "id = 1 OR s = 'x'"):
            results = self.ok(f"UPDATE vb SET s = 'abc' WHERE {where}", bulk_args=[[1, 2]])["results"]
            self.assertEqual(results, [{"rowcount": 0}], where)
        self.ok("UPDATE vb SET s = 'yy' WHERE id = 2")
        self.error("UPDATE vb SET s = s || 'z' WHERE id IN (1, 2)", 400, 4000)      # the row written stays
        self.assertEqual(self.rows("SELECT id, s FROM vb ORDER BY id"), [[1, "xz"], [2, "yy"], [3, "y"]])

    def test_update_by_ids_gives_up_past_10000_key_combinations(self):
        # EqualityExtractor tries each combination of the values per key column and NULL, at most 10,000.
        self.ok("CREATE TABLE vc (a INT, b INT, s VARCHAR(2), PRIMARY KEY (a, b))")
        self.ok("INSERT INTO vc (a, b, s) VALUES (1, 1, 'a')")
        a_values = ", ".join(str(i) for i in range(1, 100))                      # 99 values, 100 tries with NULL
        for b_count, rowcount in ((98, -2), (99, 0)):                           # 100 * 99, then 100 * 100 tries
            b_values = ", ".join(str(i) for i in range(1, b_count + 1))
            results = self.ok(f"UPDATE vc SET s = 'abc' WHERE a IN ({a_values}) AND b IN ({b_values})",
                              bulk_args=[[]])["results"]
            self.assertEqual(results[0]["rowcount"], rowcount, b_count)

    def test_delete(self):
        self.assertEqual(self.ok("DELETE FROM readings WHERE name = 'b'")["rowcount"], 1)
        self.assertEqual(self.ok("DELETE FROM readings")["rowcount"], 2)
        self.error("DELETE FROM nope", 404, 4041)

    def test_bulk_update_and_delete(self):
        body = self.ok("UPDATE readings SET name = ? WHERE id = ?", bulk_args=[["x", 1], ["y", 9]])
        self.assertEqual(body["results"], [{"rowcount": 1}, {"rowcount": 0}])
        body = self.ok("DELETE FROM readings WHERE id = ?", bulk_args=[[1], [2], [2]])
        self.assertEqual(body["results"], [{"rowcount": 1}, {"rowcount": 1}, {"rowcount": 0}])


# ---------------------------------------------------------------- persistence and robustness


class PersistenceTest(EngineCase):
    def test_reopen_keeps_tables_rows_and_learned_types(self):
        self.ok("CREATE TABLE p (id INT PRIMARY KEY, ts TIMESTAMPTZ, "
                "day TIMESTAMPTZ GENERATED ALWAYS AS date_trunc('day', ts), payload OBJECT, flag BOOLEAN) "
                "WITH (column_policy = 'dynamic')")
        self.ok("INSERT INTO p (id, ts, payload, flag, extra) VALUES (1, 86400005, ?, true, 'e')", [{"t": 1}])
        self.reopen()
        body = self.ok("SELECT id, day, payload, flag, extra FROM p", types=True)
        self.assertEqual(body["rows"], [[1, 86400000, {"t": 1}, True, "e"]])
        self.assertEqual(body["col_types"], [9, 11, 12, 3, 4])
        self.error("INSERT INTO p (id) VALUES (1)", 409, 4091)
        results = self.ok("INSERT INTO p (id, ts, payload) VALUES (?, ?, ?)",
                          bulk_args=[[2, 0, {"t": "text"}], [3, 90000000, {"t": 2}]])["results"]
        self.assertEqual([r["rowcount"] for r in results], [-2, 1])
        self.assertEqual(self.rows("SELECT day FROM p WHERE id = 3"), [[86400000]])


class RobustnessTest(EngineCase):
    def test_bad_stored_data_does_not_crash_queries(self):
        self.ok("CREATE TABLE r (id INT, o OBJECT, d DOUBLE)")
        self.ok("INSERT INTO r (id, o, d) VALUES (1, ?, 1.5)", [{"a": 1}])
        # Simulate rows written by something else: broken JSON, NaN inside JSON, non-finite doubles.
        self.engine._conn.execute("""INSERT INTO "doc.r" VALUES (2, '{broken', 'x'), (3, '{"a": NaN}', 9e999)""")
        body = self.ok("SELECT id, o, o['a'], d FROM r ORDER BY id")
        self.assertEqual(body["rows"], [[1, {"a": 1}, 1, 1.5], [2, "{broken", None, "x"], [3, {"a": "NaN"}, "NaN", "Infinity"]])
        self.assertEqual(self.rows("SELECT count(*) FROM r WHERE o['a'] = 1"), [[1]])

    def test_nan_cannot_be_stored_in_objects(self):
        self.ok("CREATE TABLE r (o OBJECT(IGNORED), d DOUBLE)")
        self.ok("INSERT INTO r (d) VALUES ('NaN')")
        self.assertEqual(self.rows("SELECT count(*) FROM r"), [[1]])


# ---------------------------------------------------------------- threads


class ConcurrencyTest(EngineCase):
    def test_parallel_bulk_inserts_and_reads(self):
        self.ok("CREATE TABLE c (id TEXT PRIMARY KEY, n INT, payload OBJECT)")
        failures = []

        def writer(worker):
            for batch in range(5):
                rows = [[f"{worker}-{batch}-{i}", i, {"k": i, f"w{worker}": True}] for i in range(50)]
                outcome = self.engine.sql_request(body_of("INSERT INTO c (id, n, payload) VALUES (?, ?, ?)",
                                                          bulk_args=rows), False, False, None)
                if outcome.status != 200 or outcome.rows_inserted != 50:
                    failures.append(outcome.body)
                reader = self.engine.sql_request(body_of("SELECT count(*) FROM c"), False, False, None)
                if reader.status != 200:
                    failures.append(reader.body)

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(failures, [])
        self.assertEqual(self.rows("SELECT count(*), count(DISTINCT id) FROM c"), [[1500, 1500]])
        columns = self.rows("SELECT column_name FROM information_schema.columns WHERE column_name LIKE 'payload[%'")
        self.assertEqual(len(columns), 7)   # k and w0..w5 learned despite the races


# ---------------------------------------------------------------- sink mode


class SinkTest(EngineCase):
    STMT = "INSERT INTO anywhere (a, b) VALUES (?, ?)"

    def sink(self, data: bytes) -> SqlOutcome:
        outcome = self.engine.sink_request(data)
        json.dumps(outcome.body, allow_nan=False)
        if outcome.encoded is not None:  # what the server sends: the same object as the body
            self.assertEqual(json.loads(outcome.encoded), outcome.body)
        return outcome

    def test_bulk_insert_is_counted_not_stored(self):
        outcome = self.sink(body_of(self.STMT, bulk_args=[[1, 2], [3, 4], [5, 6]]))
        self.assertEqual(outcome.status, 200)
        self.assertEqual(list(outcome.body), ["cols", "duration", "results"])
        self.assertEqual(outcome.body["results"], [{"rowcount": 1}] * 3)
        self.assertEqual((outcome.rows_inserted, outcome.bulk), (3, True))
        self.assertEqual(self.rows("SELECT count(*) FROM information_schema.tables"), [[0]])

    def test_multi_row_values_and_plain_args(self):
        outcome = self.sink(body_of("INSERT INTO t (a) VALUES ($1), ($2)", bulk_args=[[1, 2]]))
        self.assertEqual((outcome.body["results"], outcome.rows_inserted), ([{"rowcount": 2}], 2))
        outcome = self.sink(body_of(self.STMT, args=[1, 2]))
        self.assertEqual(outcome.body["rowcount"], 1)
        self.assertFalse(outcome.bulk)

    def test_other_statements_run_as_usual(self):
        outcome = self.sink(body_of("CREATE TABLE IF NOT EXISTS sunk (a INTEGER)"))
        self.assertEqual(outcome.status, 200)
        self.assertEqual(self.sink(body_of("SELECT count(*) FROM sunk")).body["rows"], [[0]])
        outcome = self.sink(body_of("SELECT 1", bulk_args=[[]]))
        self.assertEqual((outcome.status, outcome.body["error"]["code"]), (400, 4004))

    def test_other_statements_keep_the_requests_options(self):
        outcome = self.engine.sink_request(body_of("CREATE TABLE t (a INT)"), True, True, "other", "alice")
        self.assertEqual((outcome.status, outcome.body["col_types"]), (200, []))
        outcome = self.engine.sink_request(body_of("SELECT count(*) FROM t"), True, False, "other", "alice")
        self.assertEqual((outcome.body["rows"], outcome.body["col_types"]), ([[0]], [10]))
        outcome = self.engine.sink_request(body_of("SELECT current_user, current_schema"), False, False, "other", "alice")
        self.assertEqual(outcome.body["rows"], [["alice", "other"]])
        outcome = self.engine.sink_request(body_of("SELECT nope"), False, True)
        self.assertIn("error_trace", outcome.body)
        self.assertNotIn("col_types", self.engine.sink_request(body_of("SELECT 1")).body)
        outcome = self.engine.sink_request(body_of(self.STMT, args=[1, 2]), True, False)
        self.assertEqual(outcome.body["col_types"], [])
        self.assertIn("error_trace", self.engine.sink_request(body_of(self.STMT, args=[1]), False, True).body)

    def test_rejects_malformed_inserts(self):
        for data in (body_of(self.STMT, bulk_args=[[1]]),
                     body_of(self.STMT, bulk_args=[[1, 2, 3]]), b"", b"{oops", body_of("INSERT INTO", bulk_args=[])):
            outcome = self.sink(data)
            self.assertEqual(outcome.status, 400, data)
            self.assertEqual(list(outcome.body), ["error"])
            self.assertEqual(outcome.body["error"]["code"], 4000)

    def test_statement_parsed_once(self):
        data = body_of(self.STMT, bulk_args=[[1, 2]])
        with mock.patch.object(engine_module, "parse", wraps=engine_module.parse) as parse:
            for _ in range(5):
                self.assertEqual(self.sink(data).status, 200)
        self.assertEqual(parse.call_count, 1)


if __name__ == "__main__":
    unittest.main()
