"""Conformance: the official CrateDB Python client against the stand-in.

Every test drives `crate.client` (the PyPI package `crate`, pinned in
scripts/test-standin) against `scripts/cratedb-standin`, written the way the
seed tutorial writes the calls. What is asserted is what the installed client
really does with what CrateDB 5.10 really answers (see
/work/shared/reference/cratedb-http.md and the client's source:
crate/client/http.py, cursor.py, blob.py, connection.py, exceptions.py).

Each test class starts its own stand-in on free ports in a temp dir through
Tests/StandIn/standin_process.py and stops it (and deletes the temp dir) in
a class cleanup, which runs after tearDownClass and also when setUpClass fails.
Nothing waits on a sleep: the helper reads the stand-in's printed lines, and
fault modes are switched synchronously through the control interface.

Run from the repo root with the venv's python:
    .build-venv/bin/python -m unittest discover -s Tests/StandIn -p 'test_conformance*.py'
"""

import datetime as dt
import hashlib
import io
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from crate import client  # noqa: E402
from crate.client.converter import Converter, DataType, DefaultTypeConverter  # noqa: E402
from crate.client.http import Client as HttpClient  # noqa: E402
from crate.client.exceptions import (  # noqa: E402
    BlobException,
    BlobLocationNotFoundException,
    ConnectionError as CrateConnectionError,
    DatabaseError,
    DigestNotFoundException,
    IntegrityError,
    OperationalError,
    ProgrammingError,
)

from urllib3.exceptions import InsecureRequestWarning  # noqa: E402
from verlib2 import Version  # noqa: E402  (the client's own version type)

from standin_process import StandIn  # noqa: E402

# The client logs "Removed server ... from active pool" as a warning on every
# failover; the failover tests provoke that on purpose.
logging.getLogger("crate.client").setLevel(logging.ERROR)


# ---------------------------------------------------------------------------
# Stand-in process handling (Tests/StandIn/standin_process.py)
# ---------------------------------------------------------------------------

def start_standin(nodes=1, user=None, tls_cert=None, tls_key=None):
    """A stand-in on free ports with a fresh temp data dir (deleted by close())."""
    return StandIn(nodes, users=[user] if user else (), tls_cert=tls_cert, tls_key=tls_key)


def healthy(standin):
    for i in range(len(standin.urls)):
        standin.control(i, "healthy")


class StandInCase(unittest.TestCase):
    """One stand-in per test class."""

    NODES = 1
    USER = None
    standin = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.standin = start_standin(nodes=cls.NODES, user=cls.USER)
        cls.addClassCleanup(cls.standin.close)
        cls.url = cls.standin.urls[0]

    def connect(self, servers=None, **kwargs):
        conn = client.connect(servers or self.url, **kwargs)
        self.addCleanup(conn.close)
        return conn

    def refresh(self, cursor, table):
        cursor.execute(f"REFRESH TABLE {table}")

    def count(self, cursor, table):
        self.refresh(cursor, table)
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


# ---------------------------------------------------------------------------
# Cursor: execute / fetch* / description / rowcount / duration / types
# ---------------------------------------------------------------------------

NAMES = ["Tong", "Ann", "Alissa Carl", "New World", "James Ben"]
SORTED = sorted(NAMES)

TS = 1373932800000  # 2013-07-16T00:00:00Z, the tutorial's first column


class CursorTest(StandInCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        conn = client.connect(cls.url)
        try:
            c = conn.cursor()
            c.execute("CREATE TABLE locations (id INTEGER PRIMARY KEY, name TEXT, kind TEXT)")
            c.executemany(
                "INSERT INTO locations (id, name, kind) VALUES (?, ?, ?)",
                [(i + 1, n, "Planet" if i % 2 else "Galaxy") for i, n in enumerate(NAMES)],
            )
            c.execute(
                "CREATE TABLE typed ("
                " id INTEGER PRIMARY KEY,"
                " details OBJECT(DYNAMIC),"
                " more_details ARRAY(OBJECT),"
                " event_time TIMESTAMP WITH TIME ZONE,"
                " location GEO_POINT)"
            )
            c.execute(
                "INSERT INTO typed (id, details, more_details, event_time, location)"
                " VALUES (?, ?, ?, ?, ?)",
                (1, {"a": 1, "b": {"c": "x"}}, [{"k": 1}, {"k": 2}], TS, [9.74, 47.41]),
            )
            # a datetime parameter: the client sends it as epoch ms
            c.execute(
                "INSERT INTO typed (id, details, more_details, event_time, location)"
                " VALUES (?, ?, ?, ?, ?)",
                (2, {}, [], dt.datetime(2013, 7, 16, 12, 30, tzinfo=dt.timezone.utc),
                 "POINT(13.4 52.5)"),
            )
            c.execute(
                "INSERT INTO typed (id, details, more_details, event_time, location)"
                " VALUES (?, ?, ?, ?, ?)",
                (3, None, None, None, None),
            )
            c.execute("REFRESH TABLE locations")
            c.execute("REFRESH TABLE typed")
        finally:
            conn.close()

    def setUp(self):
        self.conn = self.connect()
        self.cursor = self.conn.cursor()

    def test_execute_qmark_parameter_fetchone(self):
        c = self.cursor
        c.execute("SELECT name FROM locations WHERE name = ?", ("Ann",))
        self.assertEqual(c.fetchone(), ["Ann"])
        self.assertIsNone(c.fetchone())
        self.assertEqual(c.rowcount, 1)

    def test_dollar_placeholders(self):
        c = self.cursor
        c.execute("SELECT name FROM locations WHERE name = $1 OR name = $2 ORDER BY name",
                  ("Tong", "Ann"))
        self.assertEqual(c.fetchall(), [["Ann"], ["Tong"]])

    def test_fetchmany_counts(self):
        c = self.cursor
        c.execute("SELECT name FROM locations ORDER BY name")
        self.assertEqual(c.arraysize, 1)
        self.assertEqual(c.fetchmany(2), [[SORTED[0]], [SORTED[1]]])
        # no argument: arraysize (1) rows
        self.assertEqual(c.fetchmany(), [[SORTED[2]]])
        # 0: the client returns all remaining rows (fetchall)
        self.assertEqual(c.fetchmany(0), [[n] for n in SORTED[3:]])
        self.assertEqual(c.fetchmany(2), [])
        self.assertEqual(c.fetchmany(0), [])
        self.assertIsNone(c.fetchone())

    def test_fetchmany_more_than_available(self):
        c = self.cursor
        c.execute("SELECT name FROM locations ORDER BY name")
        self.assertEqual(c.fetchmany(100), [[n] for n in SORTED])

    def test_fetchall(self):
        c = self.cursor
        c.execute("SELECT name FROM locations ORDER BY name")
        self.assertEqual(c.fetchall(), [[n] for n in SORTED])
        self.assertEqual(c.fetchall(), [])
        self.assertEqual(c.rowcount, len(NAMES))

    def test_description_is_seven_tuples_of_names(self):
        c = self.cursor
        c.execute("SELECT name, kind, id FROM locations ORDER BY id")
        self.assertEqual(
            c.description,
            (("name", None, None, None, None, None, None),
             ("kind", None, None, None, None, None, None),
             ("id", None, None, None, None, None, None)),
        )
        self.assertEqual([col[0] for col in c.description], ["name", "kind", "id"])

    def test_iteration(self):
        c = self.cursor
        c.execute("SELECT name FROM locations ORDER BY name")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            rows = [row for row in c]
        self.assertEqual(rows, [[n] for n in SORTED])
        # the client flags __iter__ as a DB-API extension
        self.assertTrue(any("__iter__" in str(w.message) for w in caught))

    def test_rowcount_and_duration(self):
        c = self.cursor
        c.execute("SELECT id FROM locations WHERE id > ?", (2,))
        self.assertEqual(c.rowcount, 3)
        self.assertIsInstance(c.duration, (int, float))
        self.assertGreaterEqual(c.duration, 0)
        c.execute("UPDATE locations SET kind = ? WHERE id = ?", ("Moon", 5))
        self.assertEqual(c.rowcount, 1)
        self.assertEqual(c.description, ())
        c.execute("UPDATE locations SET kind = ? WHERE id = ?", ("Galaxy", 5))
        c.execute("UPDATE locations SET kind = kind WHERE id = ?", (999,))
        self.assertEqual(c.rowcount, 0)

    def test_nan_and_infinity_arrive_as_strings(self):
        # CrateDB's JSON writer (Jackson) quotes NaN and Infinity; orjson would refuse them bare, and the
        # client has no converter for DOUBLE, so the strings are what a caller gets.
        c = self.cursor
        c.execute("SELECT 0.0 / 0, 1.0 / 0, -1.0 / 0, id / 0.0 FROM locations WHERE id = 1")
        self.assertEqual(c.fetchone(), ["NaN", "Infinity", "-Infinity", "Infinity"])

    def test_insert_rowcount_and_delete(self):
        c = self.cursor
        c.execute("INSERT INTO locations (id, name, kind) VALUES (?, ?, ?)", (100, "Tmp", "X"))
        self.assertEqual(c.rowcount, 1)
        self.assertEqual(c.fetchall(), [[]])  # DML answers rows [[]]
        self.refresh(c, "locations")
        c.execute("DELETE FROM locations WHERE id = ?", (100,))
        self.assertEqual(c.rowcount, 1)
        self.refresh(c, "locations")
        c.execute("SELECT count(*) FROM locations WHERE id = 100")
        self.assertEqual(c.fetchone(), [0])

    def test_fetch_before_execute(self):
        with self.assertRaises(ProgrammingError) as cm:
            self.cursor.fetchone()
        self.assertIn("No result available", str(cm.exception))

    def test_select_star_object_array_timestamp_geopoint_raw(self):
        c = self.cursor
        c.execute("SELECT * FROM typed ORDER BY id")
        self.assertEqual(
            [d[0] for d in c.description],
            ["id", "details", "more_details", "event_time", "location"],
        )
        rows = c.fetchall()
        self.assertEqual(len(rows), 3)
        r1, r2, r3 = rows
        self.assertEqual(r1[0], 1)
        self.assertEqual(r1[1], {"a": 1, "b": {"c": "x"}})
        self.assertEqual(r1[2], [{"k": 1}, {"k": 2}])
        # without a converter TIMESTAMP stays epoch milliseconds (an int)
        self.assertEqual(r1[3], TS)
        self.assertIsInstance(r1[3], int)
        self.assertEqual(len(r1[4]), 2)
        self.assertAlmostEqual(r1[4][0], 9.74, places=5)
        self.assertAlmostEqual(r1[4][1], 47.41, places=5)
        self.assertEqual(r2[1], {})
        self.assertEqual(r2[2], [])
        self.assertEqual(r2[3], TS + (12 * 3600 + 30 * 60) * 1000)
        self.assertAlmostEqual(r2[4][0], 13.4, places=5)
        self.assertAlmostEqual(r2[4][1], 52.5, places=5)
        self.assertEqual(r3, [3, None, None, None, None])

    def test_default_type_converter_makes_aware_utc_datetimes(self):
        conn = self.connect(converter=DefaultTypeConverter())
        c = conn.cursor()
        c.execute("SELECT id, event_time FROM typed ORDER BY id")
        self.assertEqual(c.fetchall(), [
            [1, dt.datetime(2013, 7, 16, 0, 0, tzinfo=dt.timezone.utc)],
            [2, dt.datetime(2013, 7, 16, 12, 30, tzinfo=dt.timezone.utc)],
            [3, None],
        ])

    def test_time_zone_converts_timestamps(self):
        tz = dt.timezone(dt.timedelta(hours=5, minutes=30), name="+0530")
        conn = self.connect(time_zone="+0530")
        c = conn.cursor()
        c.execute("SELECT event_time FROM typed WHERE id = 1")
        value = c.fetchone()[0]
        self.assertEqual(value.utcoffset(), dt.timedelta(hours=5, minutes=30))
        self.assertEqual(value, dt.datetime(2013, 7, 16, 5, 30, tzinfo=tz))
        # per cursor as well
        c2 = self.conn.cursor(time_zone=dt.timezone.utc)
        c2.execute("SELECT event_time FROM typed WHERE id = 1")
        self.assertEqual(c2.fetchone()[0], dt.datetime(2013, 7, 16, tzinfo=dt.timezone.utc))

    def test_col_types_drive_converters_for_object_array_geopoint(self):
        # The client asks for ?types=true; the converters are chosen from
        # col_types: OBJECT 12, ARRAY(OBJECT) [100, 12], GEO_POINT 13,
        # TIMESTAMP WITH TIME ZONE 11, INTEGER 9.
        conv = Converter({
            DataType.OBJECT: lambda v: None if v is None else ("object", v),
            DataType.GEOPOINT: lambda v: None if v is None else ("geo", tuple(v)),
            DataType.TIMESTAMP_WITH_TZ: lambda v: None if v is None else ("ts", v),
            DataType.INTEGER: lambda v: None if v is None else ("int", v),
        })
        conn = self.connect(converter=conv)
        c = conn.cursor()
        c.execute("SELECT id, details, more_details, event_time, location FROM typed WHERE id = 1")
        row = c.fetchone()
        self.assertEqual(row[0], ("int", 1))
        self.assertEqual(row[1], ("object", {"a": 1, "b": {"c": "x"}}))
        self.assertEqual(row[2], [("object", {"k": 1}), ("object", {"k": 2})])
        self.assertEqual(row[3], ("ts", TS))
        self.assertEqual(row[4][0], "geo")

    def test_default_schema_header(self):
        conn = self.connect(schema="custom")
        c = conn.cursor()
        c.execute("CREATE TABLE in_custom (id INTEGER PRIMARY KEY)")
        c.execute("INSERT INTO in_custom (id) VALUES (?)", (7,))
        c.execute("REFRESH TABLE in_custom")
        c2 = self.conn.cursor()
        c2.execute("SELECT id FROM custom.in_custom")
        self.assertEqual(c2.fetchall(), [[7]])
        with self.assertRaises(ProgrammingError):
            c2.execute("SELECT id FROM in_custom")  # doc.in_custom does not exist

    def test_large_request_is_gzipped_by_the_client(self):
        # bodies >= 8 KiB are sent with Content-Encoding: gzip
        c = self.cursor
        c.execute("CREATE TABLE big (id INTEGER PRIMARY KEY, payload TEXT)")
        rows = [(i, "p" * 200 + str(i)) for i in range(200)]
        results = c.executemany("INSERT INTO big (id, payload) VALUES (?, ?)", rows)
        self.assertEqual(results, [{"rowcount": 1}] * 200)
        self.assertEqual(self.count(c, "big"), 200)
        c.execute("SELECT payload FROM big WHERE id = ?", (199,))
        self.assertEqual(c.fetchone(), ["p" * 200 + "199"])

    def test_compress_every_request(self):
        conn = self.connect(compress=True)
        c = conn.cursor()
        c.execute("SELECT name FROM locations WHERE name = ?", ("Tong",))
        self.assertEqual(c.fetchall(), [["Tong"]])


# ---------------------------------------------------------------------------
# executemany (bulk_args)
# ---------------------------------------------------------------------------

class ExecutemanyTest(StandInCase):

    def setUp(self):
        self.conn = self.connect()
        self.cursor = self.conn.cursor()
        self.table = f"readings_{self._testMethodName[5:]}"
        self.cursor.execute(
            f"CREATE TABLE {self.table} (id INTEGER PRIMARY KEY, value INTEGER, name TEXT)"
        )

    def insert_sql(self, suffix=""):
        return f"INSERT INTO {self.table} (id, value, name) VALUES (?, ?, ?){suffix}"

    def test_results_per_row_and_rowcount_sum(self):
        c = self.cursor
        results = c.executemany(self.insert_sql(), [(1, 10, "a"), (2, 20, "b"), (3, 30, "c")])
        self.assertEqual(results, [{"rowcount": 1}, {"rowcount": 1}, {"rowcount": 1}])
        self.assertEqual(c.rowcount, 3)
        self.assertGreaterEqual(c.duration, 0)
        self.assertEqual(c.description, ())
        self.assertEqual(c.fetchall(), [])
        self.assertEqual(self.count(c, self.table), 3)

    def test_bulk_update_rowcounts(self):
        c = self.cursor
        c.executemany(self.insert_sql(), [(1, 10, "a"), (2, 20, "a"), (3, 30, "b")])
        self.refresh(c, self.table)
        results = c.executemany(
            f"UPDATE {self.table} SET value = value + 1 WHERE name = ?", [("a",), ("b",), ("zz",)]
        )
        self.assertEqual(results, [{"rowcount": 2}, {"rowcount": 1}, {"rowcount": 0}])
        self.assertEqual(c.rowcount, 3)

    def test_on_conflict_do_nothing_duplicates_are_zero(self):
        c = self.cursor
        c.executemany(self.insert_sql(), [(1, 10, "a"), (2, 20, "b")])
        self.refresh(c, self.table)
        results = c.executemany(
            self.insert_sql(" ON CONFLICT (id) DO NOTHING"),
            [(1, 11, "a2"), (10, 100, "new"), (2, 22, "b2")],
        )
        self.assertEqual(results, [{"rowcount": 0}, {"rowcount": 1}, {"rowcount": 0}])
        self.assertEqual(c.rowcount, 1)
        self.refresh(c, self.table)
        c.execute(f"SELECT id, value FROM {self.table} ORDER BY id")
        self.assertEqual(c.fetchall(), [[1, 10], [2, 20], [10, 100]])

    def test_duplicate_without_on_conflict_is_minus_two_with_error(self):
        c = self.cursor
        c.execute(self.insert_sql(), (2, 20, "b"))
        self.refresh(c, self.table)
        # 5.10: HTTP 200, the failed item carries rowcount -2 and an error
        results = c.executemany(self.insert_sql(), [(1, 10, "a"), (2, 21, "dup"), (3, 30, "c")])
        self.assertEqual(len(results), 3)
        self.assertEqual(results[0], {"rowcount": 1})
        self.assertEqual(results[2], {"rowcount": 1})
        failed = results[1]
        self.assertEqual(failed["rowcount"], -2)
        self.assertEqual(failed["error"]["code"], 4091)
        self.assertIn("DuplicateKeyException", failed["error"]["message"])
        # the client's rowcount sums the non-negative counts only
        self.assertEqual(c.rowcount, 2)
        self.refresh(c, self.table)
        c.execute(f"SELECT id, value FROM {self.table} ORDER BY id")
        self.assertEqual(c.fetchall(), [[1, 10], [2, 20], [3, 30]])

    def test_cast_error_fails_whole_request_nothing_inserted(self):
        c = self.cursor
        with self.assertRaises(ProgrammingError) as cm:
            c.executemany(self.insert_sql(), [(1, 10, "a"), (2, "abc", "b"), (3, 30, "c")])
        self.assertNotIsInstance(cm.exception, IntegrityError)
        self.assertIn("Cannot cast value", cm.exception.message)
        self.assertIn("abc", cm.exception.message)
        self.assertEqual(self.count(c, self.table), 0)

    def test_select_in_bulk_fails(self):
        with self.assertRaises(ProgrammingError):
            self.cursor.executemany(f"SELECT * FROM {self.table} WHERE id = ?", [(1,), (2,)])


# ---------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------

class ErrorTest(StandInCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        conn = client.connect(cls.url)
        try:
            c = conn.cursor()
            c.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, age INTEGER)")
            c.execute("INSERT INTO people (id, age) VALUES (?, ?)", (1, 30))
            c.execute("REFRESH TABLE people")
        finally:
            conn.close()

    def setUp(self):
        self.conn = self.connect()
        self.cursor = self.conn.cursor()

    def test_duplicate_key_raises_integrity_error(self):
        # HTTP 409 / code 4091; crate 2.3.0 maps any message containing
        # DuplicateKeyException to IntegrityError (not a ProgrammingError).
        with self.assertRaises(IntegrityError) as cm:
            self.cursor.execute("INSERT INTO people (id, age) VALUES (?, ?)", (1, 31))
        ex = cm.exception
        self.assertIsInstance(ex, DatabaseError)
        self.assertNotIsInstance(ex, ProgrammingError)
        self.assertIsInstance(ex.__cause__, ProgrammingError)
        self.assertTrue(ex.message.startswith("DuplicateKeyException["), ex.message)

    def test_unknown_table(self):
        with self.assertRaises(ProgrammingError) as cm:
            self.cursor.execute("SELECT * FROM no_such_table")
        msg = cm.exception.message
        self.assertTrue(msg.startswith("RelationUnknown["), msg)
        self.assertIn("no_such_table", msg)

    def test_unknown_column(self):
        with self.assertRaises(ProgrammingError) as cm:
            self.cursor.execute("SELECT no_such_column FROM people")
        msg = cm.exception.message
        self.assertTrue(msg.startswith("ColumnUnknownException["), msg)
        self.assertIn("no_such_column", msg)

    def test_table_exists(self):
        with self.assertRaises(ProgrammingError) as cm:
            self.cursor.execute("CREATE TABLE people (id INTEGER)")
        self.assertTrue(cm.exception.message.startswith("RelationAlreadyExists["),
                        cm.exception.message)

    def test_syntax_error(self):
        with self.assertRaises(ProgrammingError) as cm:
            self.cursor.execute("SELEC name FROM people")
        self.assertTrue(cm.exception.message.startswith("SQLParseException["),
                        cm.exception.message)

    def test_two_statements_rejected(self):
        with self.assertRaises(ProgrammingError) as cm:
            self.cursor.execute("SELECT 1; SELECT 2;")
        self.assertTrue(cm.exception.message.startswith("SQLParseException["),
                        cm.exception.message)

    def test_cast_error_single_insert_inserts_nothing(self):
        c = self.cursor
        with self.assertRaises(ProgrammingError) as cm:
            c.execute("INSERT INTO people (id, age) VALUES (?, ?)", (2, "abc"))
        self.assertIn("Cannot cast value", cm.exception.message)
        self.assertEqual(self.count(c, "people"), 1)

    def test_error_trace(self):
        conn = self.connect(error_trace=True)
        with self.assertRaises(ProgrammingError) as cm:
            conn.cursor().execute("SELECT * FROM no_such_table")
        self.assertIsInstance(cm.exception.error_trace, str)
        self.assertTrue(cm.exception.error_trace)
        # without the flag no trace comes back
        with self.assertRaises(ProgrammingError) as cm:
            self.cursor.execute("SELECT * FROM no_such_table")
        self.assertIsNone(cm.exception.error_trace)


class AuthTest(StandInCase):
    USER = "alice:s3cret"

    def test_right_password(self):
        conn = self.connect(username="alice", password="s3cret")
        c = conn.cursor()
        c.execute("CREATE TABLE t_auth (id INTEGER PRIMARY KEY)")
        c.execute("INSERT INTO t_auth (id) VALUES (?)", (1,))
        self.assertEqual(c.rowcount, 1)
        self.assertTrue(str(conn.lowest_server_version).startswith("5.10"))

    def test_credentials_in_url(self):
        host = self.url.split("://", 1)[1]
        conn = self.connect(f"http://alice:s3cret@{host}")
        c = conn.cursor()
        c.execute("SELECT 1")
        self.assertEqual(c.fetchall(), [[1]])

    def test_wrong_password_is_401(self):
        # CrateDB authenticates every HTTP request, GET / included, so the
        # client's connect() (which reads GET / for the server version) fails.
        # The 401 body is plain text, so the client raises
        # ProgrammingError("401 Client Error: Unauthorized").
        with self.assertRaises(ProgrammingError) as cm:
            client.connect(self.url, username="alice", password="wrong")
        self.assertTrue(str(cm.exception).startswith("401 Client Error"), str(cm.exception))

    def test_unknown_user_is_401(self):
        with self.assertRaises(ProgrammingError) as cm:
            client.connect(self.url, username="mallory", password="s3cret")
        self.assertTrue(str(cm.exception).startswith("401 Client Error"), str(cm.exception))

    def test_wrong_password_on_sql(self):
        conn = self.connect(username="alice", password="s3cret")
        conn.client.password = "wrong"
        with self.assertRaises(ProgrammingError) as cm:
            conn.cursor().execute("SELECT 1")
        self.assertTrue(str(cm.exception).startswith("401 Client Error"), str(cm.exception))


# ---------------------------------------------------------------------------
# blobs, as the tutorial uses them
# ---------------------------------------------------------------------------

class BlobTest(StandInCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        conn = client.connect(cls.url)
        try:
            conn.cursor().execute("CREATE BLOB TABLE myblobs")
        finally:
            conn.close()

    def setUp(self):
        self.conn = self.connect()
        self.container = self.conn.get_blob_container("myblobs")

    def content(self, extra=b""):
        return f"This is an example from {self._testMethodName}.".encode("utf8") + extra

    def test_container_repr(self):
        self.assertEqual(repr(self.container), "<BlobContainer 'myblobs'>")

    def test_tutorial_flow(self):
        bytestream = "This is an example.".encode("utf8")
        file = io.BytesIO(bytestream)
        digest = self.container.put(file)
        self.assertEqual(digest, hashlib.sha1(bytestream).hexdigest())
        self.assertEqual(digest, "3ed84790d068ba7ca4fbf8bf737e4a9a368c600f")

        file.seek(0)  # seek to the beginning before attempting to re-upload
        self.assertIs(self.container.put(file, digest=digest), False)

        bytestream2 = self.content()
        digest2 = hashlib.sha1(bytestream2).hexdigest()
        another = io.BytesIO(bytestream2)
        self.assertIs(self.container.put(another, digest2), True)
        self.assertIs(self.container.exists(digest2), True)

        blob_content = b""
        for chunk in self.container.get(digest2):
            blob_content += chunk
        self.assertEqual(blob_content, bytestream2)
        res = self.container.get(digest2, 1024 * 128)
        self.assertEqual(b"".join(res), bytestream2)

        self.assertIs(self.container.delete(digest2), True)
        self.assertIs(self.container.exists(digest2), False)
        self.assertIs(self.container.delete(digest2), False)

        self.assertIs(self.container.delete(digest), True)

    def test_get_is_a_generator_of_chunks(self):
        data = os.urandom(300 * 1024 + 17)
        digest = self.container.put(io.BytesIO(data))
        gen = self.container.get(digest, 1024 * 128)
        first = next(gen)
        self.assertLessEqual(len(first), 1024 * 128)
        rest = list(gen)
        self.assertGreaterEqual(len(rest), 2)
        self.assertTrue(all(len(ch) <= 1024 * 128 for ch in rest))
        self.assertEqual(first + b"".join(rest), data)
        small = list(self.container.get(digest, 4096))
        self.assertGreaterEqual(len(small), len(data) // 4096)
        self.assertEqual(b"".join(small), data)
        self.assertTrue(self.container.delete(digest))

    def test_put_from_a_real_file(self):
        data = self.content(os.urandom(5000))
        with tempfile.TemporaryFile() as f:
            f.write(data)
            f.seek(0)
            digest = self.container.put(f)
        self.assertEqual(digest, hashlib.sha1(data).hexdigest())
        self.assertEqual(b"".join(self.container.get(digest)), data)

    def test_get_missing_raises_digest_not_found(self):
        digest = hashlib.sha1(self.content()).hexdigest()
        with self.assertRaises(DigestNotFoundException) as cm:
            self.container.get(digest)
        self.assertIsInstance(cm.exception, BlobException)
        self.assertEqual(cm.exception.table, "myblobs")
        self.assertEqual(cm.exception.digest, digest)
        self.assertIs(self.container.exists(digest), False)

    def test_digest_mismatch_raises_blob_location_not_found(self):
        # PUT with a digest that is not the SHA-1 of the body: CrateDB answers
        # 400, which crate 2.3.0 turns into BlobLocationNotFoundException.
        data = self.content()
        wrong = hashlib.sha1(b"something else").hexdigest()
        with self.assertRaises(BlobLocationNotFoundException) as cm:
            self.container.put(io.BytesIO(data), digest=wrong)
        self.assertIsInstance(cm.exception, BlobException)
        self.assertIs(self.container.exists(wrong), False)
        self.assertIs(self.container.exists(hashlib.sha1(data).hexdigest()), False)

    def test_unknown_blob_table(self):
        other = self.conn.get_blob_container("no_such_blobs")
        data = self.content()
        with self.assertRaises(BlobLocationNotFoundException):
            other.put(io.BytesIO(data))
        self.assertIs(other.exists(hashlib.sha1(data).hexdigest()), False)

    def test_invalid_digest_is_not_found(self):
        self.assertIs(self.container.exists("not-a-digest"), False)
        with self.assertRaises(DigestNotFoundException):
            self.container.get("ABC")

    def test_blob_table_is_queryable_in_blob_schema(self):
        data = self.content()
        digest = self.container.put(io.BytesIO(data))
        c = self.conn.cursor()
        c.execute("SELECT digest FROM blob.myblobs WHERE digest = ?", (digest,))
        self.assertEqual(c.fetchall(), [[digest]])


# ---------------------------------------------------------------------------
# failover across nodes, driven by the control interface
# ---------------------------------------------------------------------------

class FailoverTest(StandInCase):
    NODES = 3

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        conn = client.connect(cls.standin.urls)
        try:
            c = conn.cursor()
            c.execute("CREATE TABLE shared (id INTEGER PRIMARY KEY)")
            c.executemany("INSERT INTO shared (id) VALUES (?)", [(1,), (2,), (3,)])
            c.execute("REFRESH TABLE shared")
        finally:
            conn.close()

    def setUp(self):
        self.urls = self.standin.urls
        self.addCleanup(healthy, self.standin)

    def query_many(self, conn, times=6):
        c = conn.cursor()
        for _ in range(times):
            c.execute("SELECT count(*) FROM shared")
            self.assertEqual(c.fetchone(), [3])

    def test_all_nodes_share_the_cluster_state(self):
        for url in self.urls:
            conn = self.connect(url)
            self.query_many(conn, times=1)

    def sql_requests(self):
        return [n["sql_requests"] for n in self.standin.counters()["nodes"]]

    def test_round_robin_over_healthy_nodes(self):
        conn = self.connect(self.urls)
        self.standin.reset_counters()
        self.query_many(conn)
        self.assertEqual(sorted(conn.client.active_servers), sorted(self.urls))
        # each request takes the first active server and rotates the list
        self.assertEqual(self.sql_requests(), [2, 2, 2])

    def test_refused_node_before_connect(self):
        self.standin.control(0, "refuse")
        conn = self.connect(self.urls)
        self.query_many(conn)
        self.assertNotIn(self.urls[0], conn.client.active_servers)

    def test_refused_node_after_connect(self):
        conn = self.connect(self.urls)
        self.standin.control(0, "refuse")
        self.standin.reset_counters()
        self.query_many(conn)
        self.assertEqual(self.sql_requests(), [0, 3, 3])
        self.assertNotIn(self.urls[0], conn.client.active_servers)
        self.assertEqual(len(conn.client.active_servers), 2)

    def test_unavailable_node_503(self):
        self.standin.control(0, "unavailable")
        conn = self.connect(self.urls)
        self.standin.reset_counters()
        self.query_many(conn)
        self.assertNotIn(self.urls[0], conn.client.active_servers)
        # node 0 answered the first request with 503, then was left out
        self.assertEqual(self.sql_requests(), [1, 3, 3])

    def test_unavailable_everywhere_raises_programming_error(self):
        # crate 2.3.0 quirk: for a 502/503/504/509 answer, Client._request
        # calls _drop_server inside its try block, so the "No more Servers
        # available" ConnectionError raised for the last server is caught by
        # the generic `except Exception` and re-raised as ProgrammingError
        # (the ConnectionError is its __cause__). A refused connection, in
        # contrast, surfaces as ConnectionError (see the refuse tests).
        conn = self.connect(self.urls[1])
        self.standin.control(1, "unavailable")
        with self.assertRaises(ProgrammingError) as cm:
            conn.cursor().execute("SELECT 1")
        self.assertTrue(str(cm.exception).startswith(
            "No more Servers available, exception from last server: Service Unavailable"),
            str(cm.exception))
        self.assertIsInstance(cm.exception.__cause__, CrateConnectionError)

    def test_dropped_connections(self):
        # the answer is cut off mid-way: urllib3 raises ProtocolError
        # (IncompleteRead), the client drops the node and resends elsewhere
        conn = self.connect(self.urls)
        self.standin.control(0, "drop")
        self.standin.reset_counters()
        self.query_many(conn)
        self.assertNotIn(self.urls[0], conn.client.active_servers)
        self.assertEqual(self.sql_requests(), [1, 3, 3])

    def test_hanging_node_times_out_and_fails_over(self):
        conn = self.connect(self.urls, timeout=1)
        self.standin.control(0, "hang")
        start = time.monotonic()
        self.query_many(conn)
        self.assertNotIn(self.urls[0], conn.client.active_servers)
        self.assertLess(time.monotonic() - start, 15)

    def test_slow_node_still_answers(self):
        conn = self.connect(self.urls[0], timeout=10)
        self.standin.control(0, "slow", delay=0.3)
        start = time.monotonic()
        self.query_many(conn, times=1)
        self.assertGreaterEqual(time.monotonic() - start, 0.3)

    def test_all_refused_after_connect_raises_no_more_servers(self):
        conn = self.connect(self.urls)
        for i in range(len(self.urls)):
            self.standin.control(i, "refuse")
        with self.assertRaises(CrateConnectionError) as cm:
            conn.cursor().execute("SELECT count(*) FROM shared")
        self.assertIsInstance(cm.exception, OperationalError)
        self.assertTrue(
            str(cm.exception).startswith("No more Servers available, exception from last server:"),
            str(cm.exception),
        )
        self.assertEqual(conn.client.active_servers, [])
        # once the nodes are back, the client retries the oldest inactive one
        healthy(self.standin)
        self.query_many(conn, times=1)

    def test_all_refused_before_connect(self):
        for i in range(len(self.urls)):
            self.standin.control(i, "refuse")
        # connect() reads GET / from each server; with none reachable the
        # collected errors are raised as ConnectionError
        with self.assertRaises(CrateConnectionError) as cm:
            client.connect(self.urls)
        self.assertIn("Server not available", str(cm.exception))

    def test_lowest_server_version_over_nodes(self):
        conn = self.connect(self.urls)
        versions = {conn.client.server_infos(u)[2] for u in self.urls}
        self.assertEqual(len(versions), 1)
        self.assertEqual(str(conn.lowest_server_version), versions.pop())

    def test_blob_redirect_is_followed(self):
        conn = self.connect(self.urls[0])
        conn.cursor().execute("CREATE BLOB TABLE redirblobs")
        container = conn.get_blob_container("redirblobs")
        data = b"redirect me"
        digest = container.put(io.BytesIO(data))
        self.standin.control(0, "redirect")
        self.standin.reset_counters()
        self.assertTrue(container.exists(digest))
        self.assertEqual(b"".join(container.get(digest)), data)
        self.assertTrue(container.delete(digest))
        self.assertFalse(container.exists(digest))
        blob_requests = [n["blob_requests"] for n in self.standin.counters()["nodes"]]
        # each request went to node 0 first, then to node 1 (next healthy node)
        self.assertEqual(blob_requests, [4, 4, 0])


# ---------------------------------------------------------------------------
# GET /: server_infos, lowest_server_version
# ---------------------------------------------------------------------------

class ServerInfoTest(StandInCase):

    def test_server_infos(self):
        conn = self.connect()
        server, name, version = conn.client.server_infos(self.url)
        self.assertEqual(server, self.url)
        self.assertIsInstance(name, str)
        self.assertTrue(name)
        self.assertTrue(version.startswith("5.10."), version)

    def test_lowest_server_version(self):
        conn = self.connect()
        v = conn.lowest_server_version
        self.assertEqual(str(v), conn.client.server_infos(self.url)[2])
        self.assertIsInstance(v, Version)
        self.assertGreaterEqual(v, Version("5.10.0"))
        self.assertLess(v, Version("5.11.0"))


# ---------------------------------------------------------------------------
# HTTPS
# ---------------------------------------------------------------------------

def _openssl(*args, cwd):
    subprocess.run(("openssl",) + args, cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_ca(directory, name):
    key = os.path.join(directory, f"{name}.key")
    cert = os.path.join(directory, f"{name}.pem")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256",
             "-keyout", key, "-out", cert, "-days", "2",
             "-subj", f"/CN=cratefeed test {name}",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             cwd=directory)
    return cert, key


def make_server_cert(directory, ca_cert, ca_key):
    key = os.path.join(directory, "server.key")
    csr = os.path.join(directory, "server.csr")
    cert = os.path.join(directory, "server.pem")
    ext = os.path.join(directory, "server.ext")
    with open(ext, "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n"
                "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                "subjectKeyIdentifier=hash\n"
                "authorityKeyIdentifier=keyid,issuer\n")
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-sha256",
             "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1", cwd=directory)
    _openssl("x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key,
             "-set_serial", "0x5eed", "-days", "2", "-sha256",
             "-extfile", ext, "-out", cert, cwd=directory)
    return cert, key


@unittest.skipUnless(shutil.which("openssl"), "needs the openssl command line")
class TLSTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.certs = tempfile.mkdtemp(prefix="cratefeed-tls-")
        cls.addClassCleanup(shutil.rmtree, cls.certs, True)
        cls.ca_cert, ca_key = make_ca(cls.certs, "ca")
        cls.other_ca, _ = make_ca(cls.certs, "otherca")
        cert, key = make_server_cert(cls.certs, cls.ca_cert, ca_key)
        cls.standin = start_standin(nodes=1, tls_cert=cert, tls_key=key)
        cls.addClassCleanup(cls.standin.close)
        cls.url = cls.standin.urls[0]

    def connect(self, **kwargs):
        conn = client.connect(self.url, **kwargs)
        self.addCleanup(conn.close)
        return conn

    def test_url_is_https(self):
        self.assertTrue(self.url.startswith("https://127.0.0.1:"), self.url)

    def test_verified_with_ca(self):
        conn = self.connect(verify_ssl_cert=True, ca_cert=self.ca_cert)
        self.assertTrue(str(conn.lowest_server_version).startswith("5.10"))
        c = conn.cursor()
        c.execute("CREATE TABLE tls_t (id INTEGER PRIMARY KEY, name TEXT)")
        c.execute("INSERT INTO tls_t (id, name) VALUES (?, ?)", (1, "Ann"))
        c.execute("REFRESH TABLE tls_t")
        c.execute("SELECT name FROM tls_t WHERE name = ?", ("Ann",))
        self.assertEqual(c.fetchall(), [["Ann"]])

    def test_blobs_over_tls(self):
        conn = self.connect(verify_ssl_cert=True, ca_cert=self.ca_cert)
        conn.cursor().execute("CREATE BLOB TABLE tlsblobs")
        container = conn.get_blob_container("tlsblobs")
        digest = container.put(io.BytesIO(b"over tls"))
        self.assertEqual(b"".join(container.get(digest)), b"over tls")

    def test_other_ca_fails_verification(self):
        with self.assertRaises(CrateConnectionError) as cm:
            client.connect(self.url, verify_ssl_cert=True, ca_cert=self.other_ca)
        self.assertIn("CERTIFICATE_VERIFY_FAILED", str(cm.exception))

    def test_other_ca_fails_on_query_too(self):
        # the HTTP client alone (no GET / probe): the SQL request itself fails
        http = HttpClient([self.url], verify_ssl_cert=True, ca_cert=self.other_ca)
        self.addCleanup(http.close)
        with self.assertRaises(CrateConnectionError) as cm:
            http.sql("SELECT 1")
        self.assertIn("No more Servers available", str(cm.exception))
        self.assertIn("CERTIFICATE_VERIFY_FAILED", str(cm.exception))

    def test_unverified(self):
        # verify_ssl_cert=False works without a CA; urllib3 warns about it
        with self.assertWarns(InsecureRequestWarning):
            conn = self.connect(verify_ssl_cert=False)
            c = conn.cursor()
            c.execute("SELECT 1")
        self.assertEqual(c.fetchall(), [[1]])

if __name__ == "__main__":
    unittest.main()
