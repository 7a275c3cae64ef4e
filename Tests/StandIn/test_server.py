"""Tests of the CrateDB stand-in (scripts/cratedb-standin), seen from plain HTTP clients.

Run from the repository root:
    python3 -m unittest discover -s Tests/StandIn -p 'test_server*.py'

Every test starts the stand-in as a subprocess on free ports (StandIn in standin_process.py), waits for
its printed lines, and stops it (SIGTERM) afterwards. The SQL engine is scripts/standin/engine.py when it
exists; until then (or with STANDIN_TEST_FAKE_ENGINE=1) the small FakeEngine below stands in for it.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import zlib
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from standin_process import REPO_ROOT, StandIn, StandInError  # noqa: E402

USE_REAL_ENGINE = ((REPO_ROOT / "scripts" / "standin" / "engine.py").exists()
                   and os.environ.get("STANDIN_TEST_FAKE_ENGINE") != "1")
ENGINE_ARGS = {} if USE_REAL_ENGINE else {"engine": "test_server:FakeEngine", "python_path": [HERE]}

TIMEOUT = 10  # seconds for any single client operation that should succeed


# ----------------------------------------------------------------------------------------------------
# A tiny engine for the time before scripts/standin/engine.py exists (loaded by the stand-in through
# --engine test_server:FakeEngine). It knows just the statements these tests send.


class FakeOutcome(NamedTuple):
    status: int
    body: dict
    rows_inserted: int
    bulk: bool


class FakeEngine:
    thread_safe = False  # the stand-in then makes every call from one thread
    def __init__(self, data_dir: str):
        self._state_path = os.path.join(data_dir, "fake-engine.json")
        self._blob_root = os.path.join(data_dir, "fake-blobs")
        self._tables: dict[str, int] = {}
        if os.path.exists(self._state_path):
            with open(self._state_path) as f:
                self._tables = json.load(f)

    def sql_request(self, body, types, error_trace, default_schema, user="crate") -> FakeOutcome:
        request = self._parse(body)
        if isinstance(request, FakeOutcome):
            return request
        try:
            return self._execute(request, default_schema or "doc", user, types)
        except LookupError as exc:
            return self._error(404, f"RelationUnknown[Relation '{exc.args[0]}' unknown]", 4041, error_trace)
        except ValueError as exc:
            return self._error(400, f"SQLParseException[{exc}]", 4000, error_trace)

    def sink_request(self, body, types=False, error_trace=False, default_schema=None, user="crate") -> FakeOutcome:
        request = self._parse(body)
        if isinstance(request, FakeOutcome):
            return request
        if not re.match(r"(?is)\s*insert\s+into", request["stmt"]):
            return self.sql_request(body, types, error_trace, default_schema, user)
        return self._inserted(request.get("bulk_args"))

    def blob_table_exists(self, name: str) -> bool:
        return os.path.isdir(os.path.join(self._blob_root, name))

    def blob_dir(self, name: str) -> str:
        return os.path.join(self._blob_root, name)

    def close(self) -> None:
        pass

    def _parse(self, body: bytes):
        if not body:
            return self._error(400, "SQLParseException[Missing request body]", 4000, False)
        try:
            request = json.loads(body)
        except ValueError:
            return self._error(400, "SQLParseException[Failed to parse source]", 4000, False)
        if not isinstance(request, dict) or not isinstance(request.get("stmt"), str):
            return self._error(400, "SQLParseException[Field [stmt] was not found]", 4000, False)
        return request

    def _execute(self, request: dict, schema: str, user: str, types: bool) -> FakeOutcome:
        stmt = request["stmt"].strip().rstrip(";")
        qualified = lambda name: name if "." in name else f"{schema}.{name}"  # noqa: E731
        if m := re.fullmatch(r"(?is)create\s+blob\s+table\s+(\w+).*", stmt):
            os.makedirs(self.blob_dir(m.group(1)), exist_ok=True)
            return self._ok(cols=[], rows=[[]], rowcount=1)
        if m := re.fullmatch(r"(?is)create\s+table\s+(?:if\s+not\s+exists\s+)?([\w.]+).*", stmt):
            self._tables.setdefault(qualified(m.group(1)), 0)
            self._save()
            return self._ok(cols=[], rows=[[]], rowcount=1)
        if m := re.fullmatch(r"(?is)insert\s+into\s+([\w.]+).*", stmt):
            table = self._table(qualified(m.group(1)))
            outcome = self._inserted(request.get("bulk_args"))
            self._tables[table] += outcome.rows_inserted
            self._save()
            return outcome
        if m := re.fullmatch(r"(?is)refresh\s+table\s+([\w.]+)", stmt):
            self._table(qualified(m.group(1)))
            return self._ok(cols=[], rows=[[]], rowcount=1)
        if m := re.fullmatch(r"(?is)select\s+count\(\*\)\s+from\s+([\w.]+)", stmt):
            count = self._tables[self._table(qualified(m.group(1)))]
            return self._ok(cols=["count(*)"], rows=[[count]], rowcount=1, col_types=[10] if types else None)
        if re.fullmatch(r"(?is)select\s+current_user", stmt):
            return self._ok(cols=["current_user"], rows=[[user]], rowcount=1, col_types=[4] if types else None)
        raise ValueError(f"line 1:1: mismatched input '{stmt.split()[0]}'")

    def _table(self, name: str) -> str:
        if name not in self._tables:
            raise LookupError(name)
        return name

    def _inserted(self, bulk_args) -> FakeOutcome:
        if bulk_args is None:
            return FakeOutcome(200, {"cols": [], "rows": [[]], "rowcount": 1, "duration": 0.1}, 1, False)
        body = {"cols": [], "duration": 0.1, "results": [{"rowcount": 1} for _ in bulk_args]}
        return FakeOutcome(200, body, len(bulk_args), True)

    def _save(self) -> None:
        with open(self._state_path, "w") as f:
            json.dump(self._tables, f)

    @staticmethod
    def _ok(cols, rows, rowcount, col_types=None) -> FakeOutcome:
        body = {"cols": cols, "rows": rows, "rowcount": rowcount, "duration": 0.1}
        if col_types is not None:
            body["col_types"] = col_types
        return FakeOutcome(200, body, 0, False)

    @staticmethod
    def _error(status, message, code, error_trace) -> FakeOutcome:
        body = {"error": {"message": message, "code": code}}
        if error_trace:
            body["error_trace"] = f"{message}\n\tat fake.Engine"
        return FakeOutcome(status, body, 0, False)


# ----------------------------------------------------------------------------------------------------
# Client helpers: only http.client, ssl and raw sockets.


class Reply(NamedTuple):
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


def split_url(url: str) -> tuple[str, str, int]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme, parts.hostname, parts.port


def connect(url: str, context: ssl.SSLContext | None = None, timeout: float = TIMEOUT) -> http.client.HTTPConnection:
    scheme, host, port = split_url(url)
    if scheme == "https":
        return http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
    return http.client.HTTPConnection(host, port, timeout=timeout)


def call(url: str, method: str, path: str, body=None, headers=None, *, context=None, timeout=TIMEOUT,
         encode_chunked=False) -> Reply:
    conn = connect(url, context, timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {}, encode_chunked=encode_chunked)
        response = conn.getresponse()
        data = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    finally:
        conn.close()


def sql(url: str, stmt: str, args=None, bulk_args=None, *, query: str = "", headers=None, context=None,
        timeout=TIMEOUT) -> Reply:
    payload = {"stmt": stmt}
    if args is not None:
        payload["args"] = args
    if bulk_args is not None:
        payload["bulk_args"] = bulk_args
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return call(url, "POST", "/_sql" + query, json.dumps(payload).encode(), all_headers, context=context,
                timeout=timeout)


def basic(user: str, password: str) -> dict:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def raw_exchange(url: str, data: bytes, timeout: float = TIMEOUT) -> bytes:
    """Sends raw bytes and reads until the server closes the connection."""
    _, host, port = split_url(url)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(data)
        return read_until_closed(sock)


def read_until_closed(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


class StandInTestCase(unittest.TestCase):
    def start_standin(self, nodes: int = 1, **kwargs) -> StandIn:
        standin = StandIn(nodes, **ENGINE_ARGS, **kwargs)
        self.addCleanup(standin.close)
        return standin

    def create_table(self, url: str, name: str = "t", **kwargs) -> None:
        reply = sql(url, f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, v TEXT)", **kwargs)
        self.assertEqual(reply.status, 200, reply.body)

    def count_rows(self, url: str, name: str = "t", **kwargs) -> int:
        self.assertEqual(sql(url, f"REFRESH TABLE {name}", **kwargs).status, 200)
        reply = sql(url, f"SELECT count(*) FROM {name}", **kwargs)
        self.assertEqual(reply.status, 200, reply.body)
        return reply.json()["rows"][0][0]

    def create_blob_table(self, url: str, name: str = "files", **kwargs) -> None:
        reply = sql(url, f"CREATE BLOB TABLE {name}", **kwargs)
        self.assertEqual(reply.status, 200, reply.body)


# ----------------------------------------------------------------------------------------------------
# HTTP behaviour


class HttpBehaviourTest(StandInTestCase):
    @classmethod
    def setUpClass(cls):
        cls.standin = StandIn(1, **ENGINE_ARGS)
        cls.url = cls.standin.url(0)

    @classmethod
    def tearDownClass(cls):
        cls.standin.close()

    def test_printed_lines_name_every_node_and_the_control_port(self):
        self.assertRegex(self.standin.url(0), r"^http://127\.0\.0\.1:\d+$")
        self.assertRegex(self.standin.control_url, r"^http://127\.0\.0\.1:\d+$")

    def test_root_looks_like_cratedb(self):
        reply = call(self.url, "GET", "/")
        self.assertEqual(reply.status, 200)
        self.assertEqual(reply.headers["content-type"], "application/json")
        root = reply.json()
        self.assertIs(root["ok"], True)
        self.assertEqual(root["status"], 200)
        self.assertEqual(root["cluster_name"], "standin")
        self.assertEqual(root["version"]["number"], "5.10.11")
        self.assertIn("name", root)
        head = call(self.url, "HEAD", "/")
        self.assertEqual(head.status, 200)
        self.assertEqual(head.body, b"")
        self.assertEqual(int(head.headers["content-length"]), len(reply.body))

    def test_sql_statement_args_bulk_types_and_schema(self):
        self.create_table(self.url, "sqlflags")
        reply = sql(self.url, "INSERT INTO sqlflags (id, v) VALUES (?, ?)", args=[1, "a"])
        self.assertEqual(reply.status, 200)
        self.assertEqual(reply.headers["content-type"], "application/json")
        self.assertEqual(reply.json()["rowcount"], 1)
        bulk = sql(self.url, "INSERT INTO sqlflags (id, v) VALUES (?, ?)", bulk_args=[[2, "b"], [3, "c"]])
        self.assertEqual([r["rowcount"] for r in bulk.json()["results"]], [1, 1])
        self.assertEqual(self.count_rows(self.url, "sqlflags"), 3)

        typed = sql(self.url, "SELECT count(*) FROM sqlflags", query="?types")
        self.assertEqual(typed.json()["col_types"], [10])
        typed = sql(self.url, "SELECT count(*) FROM sqlflags", query="?types=true")
        self.assertEqual(typed.json()["col_types"], [10])
        self.assertNotIn("col_types", sql(self.url, "SELECT count(*) FROM sqlflags").json())

        self.create_table(self.url, "inschema", headers={"Default-Schema": "other"})
        self.assertEqual(sql(self.url, "SELECT count(*) FROM other.inschema").status, 200)
        self.assertEqual(sql(self.url, "SELECT count(*) FROM inschema").status, 404)

    def test_errors_and_error_trace(self):
        empty = call(self.url, "POST", "/_sql", b"", {"Content-Type": "application/json"})
        self.assertEqual(empty.status, 400)
        self.assertEqual(empty.json()["error"]["code"], 4000)
        bad = sql(self.url, "SELEKT nonsense")
        self.assertEqual(bad.status, 400)
        self.assertNotIn("error_trace", bad.json())
        traced = sql(self.url, "SELEKT nonsense", query="?error_trace=true")
        self.assertEqual(traced.json()["error"]["code"], 4000)
        self.assertIsInstance(traced.json()["error_trace"], str)

    def test_keep_alive_until_connection_close(self):
        _, host, port = split_url(self.url)
        with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
            reader = sock.makefile("rb")
            for _ in range(3):  # one connection, several requests
                sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                status, headers = self._read_head(reader)
                self.assertEqual(status, b"HTTP/1.1 200 OK")
                self.assertNotIn("connection", headers)
                self.assertEqual(len(reader.read(int(headers["content-length"]))), int(headers["content-length"]))
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            status, headers = self._read_head(reader)
            self.assertEqual(headers["connection"], "close")
            reader.read(int(headers["content-length"]))
            self.assertEqual(reader.read(), b"")  # the server closed its end

    @staticmethod
    def _read_head(reader) -> tuple[bytes, dict]:
        status = reader.readline().rstrip(b"\r\n")
        headers = {}
        while (line := reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        return status, headers

    def test_gzip_and_deflate_request_bodies(self):
        payload = json.dumps({"stmt": "SELECT current_user"}).encode()
        raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        bodies = {"gzip": gzip.compress(payload), "deflate": zlib.compress(payload)}
        for encoding, body in bodies.items():
            reply = call(self.url, "POST", "/_sql", body, {"Content-Encoding": encoding})
            self.assertEqual(reply.status, 200, encoding)
            self.assertEqual(reply.json()["rows"], [["crate"]])
        raw_deflate = raw.compress(payload) + raw.flush()
        self.assertEqual(call(self.url, "POST", "/_sql", raw_deflate, {"Content-Encoding": "deflate"}).status, 200)

    def test_chunked_request_body(self):
        payload = json.dumps({"stmt": "SELECT current_user"}).encode()
        pieces = iter([payload[:5], payload[5:9], payload[9:]])
        reply = call(self.url, "POST", "/_sql", pieces, {"Content-Type": "application/json"}, encode_chunked=True)
        self.assertEqual(reply.status, 200)
        self.assertEqual(reply.json()["rows"], [["crate"]])

    def test_expect_100_continue_is_answered_before_the_body(self):
        payload = json.dumps({"stmt": "SELECT current_user"}).encode()
        _, host, port = split_url(self.url)
        with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
            sock.sendall(b"POST /_sql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Expect: 100-continue\r\nConnection: close\r\n"
                         b"Content-Length: %d\r\n\r\n" % len(payload))
            self.assertEqual(sock.recv(25), b"HTTP/1.1 100 Continue\r\n\r\n")
            sock.sendall(payload)
            answer = read_until_closed(sock)
        self.assertTrue(answer.startswith(b"HTTP/1.1 200 OK\r\n"), answer)
        self.assertIn(b'[["crate"]]', answer)

    def test_body_above_100_mb_is_413(self):
        head = (b"POST /_sql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n" % (100 * 1024 * 1024 + 1))
        answer = raw_exchange(self.url, head)  # the body is never sent: the server answers and closes
        self.assertTrue(answer.startswith(b"HTTP/1.1 413 "), answer)
        # A client already sending its body still reads the 413 (no connection reset).
        answer = raw_exchange(self.url, head + b"x" * (4 * 1024 * 1024))
        self.assertTrue(answer.startswith(b"HTTP/1.1 413 "), answer)

    def test_unknown_path_is_404_json(self):
        reply = call(self.url, "GET", "/_nope")
        self.assertEqual(reply.status, 404)
        self.assertIn("error", reply.json())

    @unittest.skipUnless(USE_REAL_ENGINE, "needs the SQL engine")
    def test_lone_surrogate_is_answered_as_escaped_json(self):
        # "\ud800" is valid JSON; the answer must be JSON too (escaped), never a 500 about UTF-8.
        payload = b'{"stmt": "SELECT \'\\ud800\' AS s, ?", "args": ["x\\udc00"]}'
        reply = call(self.url, "POST", "/_sql", payload, {"Content-Type": "application/json"})
        self.assertEqual(reply.status, 200, reply.body)
        self.assertTrue(reply.body.isascii(), reply.body)
        self.assertEqual(reply.json()["rows"], [["\ud800", "x\udc00"]])
        self.assertEqual(reply.json()["cols"], ["s", "$1"])

    def test_garbage_request_is_400_and_closed(self):
        answer = raw_exchange(self.url, b"this is not http\r\n\r\n")
        self.assertTrue(answer.startswith(b"HTTP/1.1 400 "), answer)


class HeadTest(StandInTestCase):
    """A HEAD answer never has a body, whatever the answer: its Content-Length is that of the GET answer."""

    @staticmethod
    def head(url: str, path: str, headers: bytes = b"") -> tuple[bytes, dict, bytes]:
        answer = raw_exchange(url, b"HEAD %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s\r\n"
                              % (path.encode(), headers))
        head, _, rest = answer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        return lines[0].encode(), fields, rest

    def test_no_body_on_any_head_answer(self):
        standin = self.start_standin(users=["alice:secret"])
        url = standin.url(0)
        auth = b"Authorization: %s\r\n" % basic("alice", "secret")["Authorization"].encode()
        for path, headers, status in (("/", auth, b"200"), ("/_nope", auth, b"404"), ("/_sql", auth, b"405"),
                                      ("/", b"", b"401")):
            line, fields, rest = self.head(url, path, headers)
            self.assertTrue(line.startswith(b"HTTP/1.1 " + status), (path, line))
            self.assertEqual(rest, b"", path)
            self.assertGreater(int(fields["content-length"]), 0, path)
        standin.control(0, "unavailable")
        line, fields, rest = self.head(url, "/", auth)
        self.assertEqual((line, rest), (b"HTTP/1.1 503 Service Unavailable", b""))
        self.assertEqual(int(fields["content-length"]), len(json.dumps(
            {"error": {"message": "ClusterBlockException[blocked by: [SERVICE_UNAVAILABLE/1/state not recovered "
                                  "/ initialized];]", "code": 5030}}, separators=(",", ":"))))


# ----------------------------------------------------------------------------------------------------
# Fault modes


class FaultModeTest(StandInTestCase):
    @classmethod
    def setUpClass(cls):
        cls.standin = StandIn(3, **ENGINE_ARGS)
        sql(cls.standin.url(0), "CREATE TABLE faults (id INTEGER PRIMARY KEY, v TEXT)")
        sql(cls.standin.url(0), "CREATE BLOB TABLE faultblobs")

    @classmethod
    def tearDownClass(cls):
        cls.standin.close()

    def tearDown(self):
        for node in range(3):
            self.standin.control(node, "healthy")

    def test_refuse_closes_the_port_and_healthy_reopens_it(self):
        url = self.standin.url(0)
        _, host, port = split_url(url)
        idle = socket.create_connection((host, port), timeout=TIMEOUT)  # a pooled keep-alive connection
        self.addCleanup(idle.close)
        self.assertEqual(self.standin.control(0, "refuse")["mode"], "refuse")
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection((host, port), timeout=TIMEOUT).close()
        # The node went down with its connections: the client sees an orderly close or a reset.
        try:
            self.assertEqual(idle.recv(1), b"")
        except ConnectionResetError:
            pass
        self.assertEqual(call(self.standin.url(1), "GET", "/").status, 200)  # the others keep serving
        state = self.standin.control(0, "healthy")
        self.assertEqual((state["mode"], state["url"]), ("healthy", url))
        self.assertEqual(call(url, "GET", "/").status, 200)

    def test_unavailable_answers_503_with_cratedb_body(self):
        self.standin.control(1, "unavailable")
        reply = sql(self.standin.url(1), "SELECT current_user")
        self.assertEqual(reply.status, 503)
        self.assertEqual(reply.headers["content-type"], "application/json")
        error = reply.json()["error"]
        self.assertEqual(error["code"], 5030)
        self.assertIn("ClusterBlockException", error["message"])
        self.assertEqual(call(self.standin.url(1), "GET", "/").status, 503)
        self.assertEqual(sql(self.standin.url(2), "SELECT current_user").status, 200)

    def test_hang_never_answers_until_the_mode_changes(self):
        self.standin.control(2, "hang")
        self.standin.reset_counters()
        conn = connect(self.standin.url(2), timeout=0.5)
        self.addCleanup(conn.close)
        conn.request("POST", "/_sql", json.dumps({"stmt": "SELECT current_user"}))
        with self.assertRaises(TimeoutError):
            conn.getresponse()
        self.assertEqual(self.standin.counters()["nodes"][2]["requests"], 1)  # received, counted, unanswered
        hung = conn.sock
        hung.settimeout(TIMEOUT)
        self.standin.control(2, "healthy")  # releases the hung request by closing it
        self.assertEqual(hung.recv(1), b"")
        self.assertEqual(sql(self.standin.url(2), "SELECT current_user").status, 200)

    def test_drop_applies_the_insert_but_cuts_the_answer(self):
        self.create_table(self.standin.url(0), "dropped")
        self.standin.control(0, "drop")
        conn = connect(self.standin.url(0))
        self.addCleanup(conn.close)
        conn.request("POST", "/_sql", json.dumps({"stmt": "INSERT INTO dropped (id, v) VALUES (?, ?)",
                                                  "args": [42, "dropped"]}))
        response = conn.getresponse()
        self.assertEqual(response.status, 200)  # the status line arrives ...
        with self.assertRaises(http.client.IncompleteRead):
            response.read()  # ... the body does not
        self.standin.control(0, "healthy")
        self.assertEqual(self.count_rows(self.standin.url(0), "dropped"), 1)

    def test_drop_of_an_answer_without_body_cuts_the_status_line(self):
        self.standin.control(0, "drop")
        path = "/_blobs/faultblobs/" + "0" * 40
        answer = raw_exchange(self.standin.url(0), b"DELETE %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
        self.assertTrue(answer and b"HTTP/1.1 404 Not Found".startswith(answer), answer)
        with self.assertRaises(http.client.HTTPException):
            call(self.standin.url(0), "DELETE", path)

    def test_slow_answers_after_the_delay(self):
        self.assertEqual(self.standin.control(1, "slow", delay=0.6)["delay"], 0.6)
        started = time.monotonic()
        reply = sql(self.standin.url(1), "SELECT current_user")
        self.assertGreaterEqual(time.monotonic() - started, 0.6)
        self.assertEqual(reply.status, 200)

    def test_redirect_sends_blob_requests_to_the_next_healthy_node(self):
        data = b"redirected blob"
        path = f"/_blobs/faultblobs/{sha1(data)}"
        self.assertIn(call(self.standin.url(1), "PUT", path, data).status, (201, 409))
        self.standin.control(0, "redirect")
        self.standin.control(1, "unavailable")  # not healthy: skipped
        for method in ("GET", "HEAD", "DELETE"):
            reply = call(self.standin.url(0), method, path)
            self.assertEqual(reply.status, 307, method)
            self.assertEqual(reply.headers["location"], self.standin.url(2) + path)
        self.standin.control(1, "healthy")
        self.assertEqual(call(self.standin.url(0), "GET", path).headers["location"], self.standin.url(1) + path)

        # PUT: redirected only when the client waits for 100 Continue (the body is then never sent).
        _, host, port = split_url(self.standin.url(0))
        with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
            sock.sendall(b"PUT %s HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n"
                         % (path.encode(), len(data)))
            answer = read_until_closed(sock)
        self.assertTrue(answer.startswith(b"HTTP/1.1 307 "), answer)
        self.assertIn(f"location: {self.standin.url(1)}{path}".encode(), answer)
        self.assertEqual(call(self.standin.url(0), "PUT", path, data).status, 409)  # served here

        self.assertEqual(sql(self.standin.url(0), "SELECT current_user").status, 200)  # SQL is not redirected

    def test_counters_count_every_request(self):
        url = self.standin.url(1)
        self.standin.reset_counters()
        sql(url, "INSERT INTO faults (id, v) VALUES (?, ?)", bulk_args=[[100, "a"], [101, "b"], [102, "c"]])
        sql(url, "INSERT INTO faults (id, v) VALUES (?, ?)", args=[103, "d"])
        call(url, "HEAD", "/_blobs/faultblobs/" + "1" * 40)
        call(url, "GET", "/")
        self.standin.control(1, "hang")
        conn = connect(url, timeout=0.3)
        self.addCleanup(conn.close)
        conn.request("GET", "/")
        with self.assertRaises(TimeoutError):
            conn.getresponse()
        counters = self.standin.counters()
        expected = {"index": 1, "requests": 5, "sql_requests": 2, "bulk_requests": 1, "rows_inserted": 4,
                    "blob_requests": 1}
        self.assertEqual(counters["nodes"][1], expected)
        self.assertEqual(counters["total"]["rows_inserted"], 4)
        zero = self.standin.reset_counters()
        self.assertEqual(zero["total"], dict.fromkeys(zero["total"], 0))

    def test_status_mode_answers_every_request_like_a_proxy(self):
        control = self.standin.control_url
        url = self.standin.url(0)

        def set_status(body) -> Reply:
            return call(control, "POST", "/nodes/0/mode", json.dumps(body).encode(), {"Content-Type": "application/json"})

        reply = set_status({"mode": "status", "status": 502})
        self.assertEqual(reply.status, 200, reply.body)
        self.assertEqual((reply.json()["mode"], reply.json()["status"]), ("status", 502))
        state = call(control, "GET", "/nodes/0").json()
        self.assertEqual((state["mode"], state["status"], state["delay"]), ("status", 502, 0.0))
        self.standin.reset_counters()
        for answer in (sql(url, "SELECT current_user"), call(url, "GET", "/"),
                       call(url, "GET", "/_blobs/faultblobs/" + "0" * 40)):
            self.assertEqual(answer.status, 502)
            self.assertEqual(answer.headers["content-type"], "text/html")
            self.assertIn(b"<h1>502 Bad Gateway</h1>", answer.body)
        self.assertEqual(self.standin.counters()["nodes"][0]["requests"], 3)
        self.assertEqual(sql(self.standin.url(1), "SELECT current_user").status, 200)  # only node 0 is behind it

        self.assertEqual(set_status({"mode": "status", "status": 504}).status, 200)
        answer = sql(url, "SELECT current_user")
        self.assertEqual((answer.status, answer.headers["content-type"]), (504, "text/html"))
        self.assertIn(b"504 Gateway Timeout", answer.body)

        self.assertEqual(set_status({"mode": "status", "status": 509}).status, 200)
        answer = call(url, "GET", "/")
        self.assertEqual(answer.status, 509)
        self.assertTrue(answer.headers["content-type"].startswith("text/plain"))
        self.assertEqual(answer.body, b"509 Bandwidth Limit Exceeded\n")
        head = raw_exchange(url, b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 509 Bandwidth Limit Exceeded\r\n"), head)
        self.assertTrue(head.endswith(b"\r\n\r\n"), head)  # no body after the headers

        for bad in ({"mode": "status"}, {"mode": "status", "status": "502"}, {"mode": "status", "status": True},
                    {"mode": "status", "status": 200}, {"mode": "status", "status": 600},
                    {"mode": "status", "status": 502.0}):
            reply = set_status(bad)
            self.assertEqual(reply.status, 400, bad)
            self.assertIn("status", reply.json()["error"])
        self.assertEqual(call(control, "GET", "/nodes/0").json()["status"], 509)  # a refused change changes nothing

        reply = set_status({"mode": "healthy"})
        self.assertEqual((reply.json()["mode"], reply.json()["status"]), ("healthy", None))
        self.assertEqual(sql(url, "SELECT current_user").status, 200)

    def test_control_interface_rejects_bad_requests(self):
        nodes = self.standin.nodes()
        self.assertEqual([n["index"] for n in nodes], [0, 1, 2])
        self.assertEqual([n["url"] for n in nodes], self.standin.urls)
        with self.assertRaisesRegex(StandInError, "400"):
            self.standin.control(0, "sleepy")
        with self.assertRaisesRegex(StandInError, "400"):
            self.standin.control(0, "slow")  # needs a delay
        with self.assertRaisesRegex(StandInError, "404"):
            self.standin.control(7, "healthy")


# ----------------------------------------------------------------------------------------------------
# Authentication and TLS


class AuthTest(StandInTestCase):
    def test_basic_auth_as_cratedb(self):
        standin = self.start_standin(users=["alice:secret", ("bob", "")])
        url = standin.url(0)
        _, host, port = split_url(url)
        with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = read_until_closed(sock)  # returns: the server closes after a 401
        head, _, body = answer.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 401 Unauthorized"), head)
        self.assertIn(b'www-authenticate: Basic realm="CrateDB Authenticator"', head)
        self.assertEqual(body, b'password authentication failed for user "crate"\n')

        wrong = sql(url, "SELECT current_user", headers=basic("alice", "nope"))
        self.assertEqual((wrong.status, wrong.body), (401, b'password authentication failed for user "alice"\n'))
        self.assertEqual(call(url, "GET", "/_blobs/x/" + "a" * 40).status, 401)

        alice = sql(url, "SELECT current_user", headers=basic("alice", "secret"))
        self.assertEqual(alice.status, 200)
        self.assertEqual(alice.json()["rows"], [["alice"]])
        bob = sql(url, "SELECT current_user", headers=basic("bob", ""))
        self.assertEqual(bob.json()["rows"], [["bob"]])

    def test_without_users_everyone_is_crate(self):
        url = self.start_standin().url(0)
        self.assertEqual(sql(url, "SELECT current_user").json()["rows"], [["crate"]])
        self.assertEqual(sql(url, "SELECT current_user", headers=basic("crate", "")).json()["rows"], [["crate"]])


def make_certificates(folder: str) -> tuple[str, str, str]:
    """A CA and a server certificate for 127.0.0.1 (subjectAltName IP) signed by it, made with openssl."""
    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=standin test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    Path(folder, "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "server.ext")
    return tuple(os.path.join(folder, name) for name in ("ca.pem", "server.pem", "server.key"))


class TlsTest(StandInTestCase):
    def test_https_with_verification(self):
        folder = tempfile.mkdtemp(prefix="standin-tls-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", folder]))
        ca, cert, key = make_certificates(folder)
        standin = self.start_standin(2, tls_cert=cert, tls_key=key, users=["alice:secret"])
        self.assertTrue(all(u.startswith("https://127.0.0.1:") for u in standin.urls), standin.urls)

        context = ssl.create_default_context(cafile=ca)  # verification and host name check on
        url = standin.url(1)
        auth = basic("alice", "secret")
        self.assertEqual(call(url, "GET", "/", headers=auth, context=context).json()["version"]["number"], "5.10.11")
        self.assertEqual(sql(url, "SELECT current_user", headers=auth, context=context).json()["rows"], [["alice"]])

        self.create_blob_table(url, headers=auth, context=context)
        data = os.urandom(300_000)
        path = f"/_blobs/files/{sha1(data)}"
        self.assertEqual(call(url, "PUT", path, data, auth, context=context).status, 201)
        self.assertEqual(call(url, "GET", path, headers=auth, context=context).body, data)

        with self.assertRaises(ssl.SSLCertVerificationError):
            call(url, "GET", "/", context=ssl.create_default_context())  # the system CAs do not know ours
        with self.assertRaises((ConnectionError, http.client.HTTPException, OSError)):
            call(url.replace("https", "http"), "GET", "/", timeout=3)  # plain HTTP to a TLS port


# ----------------------------------------------------------------------------------------------------
# Blobs


class BlobTest(StandInTestCase):
    @classmethod
    def setUpClass(cls):
        cls.standin = StandIn(1, **ENGINE_ARGS)
        cls.url = cls.standin.url(0)
        sql(cls.url, "CREATE BLOB TABLE files")

    @classmethod
    def tearDownClass(cls):
        cls.standin.close()

    def test_every_status_code(self):
        data = b"hello blob"
        digest = sha1(data)
        path = f"/_blobs/files/{digest}"
        self.assertEqual(call(self.url, "HEAD", path).status, 404)
        self.assertEqual(call(self.url, "GET", path).status, 404)
        created = call(self.url, "PUT", path, data)
        self.assertEqual((created.status, created.body), (201, b""))
        self.assertEqual(call(self.url, "PUT", path, data).status, 409)
        self.assertEqual(call(self.url, "PUT", f"/_blobs/files/{sha1(b'other')}", data).status, 400)
        self.assertEqual(call(self.url, "PUT", f"/_blobs/nosuchtable/{digest}", data).status, 404)
        self.assertEqual(call(self.url, "GET", f"/_blobs/files/{digest.upper()}").status, 404)
        self.assertEqual(call(self.url, "GET", "/_blobs/files/abc").status, 404)
        self.assertEqual(call(self.url, "POST", path, data).status, 405)

        got = call(self.url, "GET", path)
        self.assertEqual((got.status, got.body), (200, data))
        self.assertEqual(got.headers["content-length"], str(len(data)))
        self.assertEqual(got.headers["accept-ranges"], "bytes")
        head = call(self.url, "HEAD", path)
        self.assertEqual((head.status, head.headers["content-length"], head.body), (200, str(len(data)), b""))

        part = call(self.url, "GET", path, headers={"Range": "bytes=6-"})
        self.assertEqual((part.status, part.body, part.headers["content-range"]), (206, b"blob", "bytes 6-9/10"))
        part = call(self.url, "GET", path, headers={"Range": "bytes=0-4"})
        self.assertEqual((part.status, part.body, part.headers["content-range"]), (206, b"hello", "bytes 0-4/10"))
        self.assertEqual(call(self.url, "GET", path, headers={"Range": "bytes=10-"}).status, 416)

        self.assertEqual(call(self.url, "DELETE", path).status, 204)
        self.assertEqual(call(self.url, "DELETE", path).status, 404)
        self.assertEqual(call(self.url, "HEAD", path).status, 404)

    def test_chunked_upload_and_100_continue_upload(self):
        data = os.urandom(1_000_000)
        path = f"/_blobs/files/{sha1(data)}"
        pieces = (data[i:i + 70_000] for i in range(0, len(data), 70_000))
        self.assertEqual(call(self.url, "PUT", path, pieces, encode_chunked=True).status, 201)
        self.assertEqual(call(self.url, "GET", path).body, data)

        data = os.urandom(200_000)
        path = f"/_blobs/files/{sha1(data)}"
        _, host, port = split_url(self.url)
        with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
            sock.sendall(b"PUT %s HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n"
                         % (path.encode(), len(data)))
            self.assertEqual(sock.recv(25), b"HTTP/1.1 100 Continue\r\n\r\n")
            sock.sendall(data)
            self.assertTrue(sock.recv(100).startswith(b"HTTP/1.1 201 Created\r\n"))

    def test_50_mb_blob_streams_both_ways(self):
        size = 50 * 1024 * 1024
        folder = tempfile.mkdtemp(prefix="standin-blob-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", folder]))
        source = os.path.join(folder, "big")
        digest = hashlib.sha1()
        with open(source, "wb") as f:
            block = os.urandom(1024 * 1024)
            for i in range(50):
                piece = bytes([i]) + block[1:]  # 50 different megabytes
                digest.update(piece)
                f.write(piece)
        path = f"/_blobs/files/{digest.hexdigest()}"
        peak_before = self._server_peak_memory()
        with open(source, "rb") as f:
            reply = call(self.url, "PUT", path, f, {"Content-Length": str(size)}, timeout=120)
        self.assertEqual(reply.status, 201)
        # Holding the blob would raise the server's peak memory by 50 MB at least.
        self.assertLess(self._server_peak_memory() - peak_before, 20 * 1024 * 1024)

        conn = connect(self.url, timeout=120)
        self.addCleanup(conn.close)
        conn.request("GET", path)
        response = conn.getresponse()
        self.assertEqual(int(response.getheader("content-length")), size)
        streamed = hashlib.sha1()
        while chunk := response.read(1024 * 1024):
            streamed.update(chunk)
        self.assertEqual(streamed.hexdigest(), digest.hexdigest())

        with open(source, "rb") as f:
            for start, end in ((0, 999), (size // 2, size // 2 + 5 * 1024 * 1024 - 1), (size - 10, None)):
                wanted = f"bytes={start}-{'' if end is None else end}"
                conn.request("GET", path, headers={"Range": wanted})
                response = conn.getresponse()
                self.assertEqual(response.status, 206)
                last = size - 1 if end is None else end
                self.assertEqual(response.getheader("content-range"), f"bytes {start}-{last}/{size}")
                f.seek(start)
                self.assertEqual(response.read(), f.read(last - start + 1))
        conn.request("GET", path, headers={"Range": f"bytes={size}-"})
        response = conn.getresponse()
        response.read()
        self.assertEqual(response.status, 416)
        self.assertLess(self._server_peak_memory() - peak_before, 20 * 1024 * 1024)

    def _server_peak_memory(self) -> int:
        with open(f"/proc/{self.standin.process.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        return 0


# ----------------------------------------------------------------------------------------------------
# Sink mode


class SinkTest(StandInTestCase):
    def test_sink_counts_inserts(self):
        standin = self.start_standin(2, sink=True)
        url = standin.url(0)
        sql(url, "CREATE TABLE readings (id INTEGER, v TEXT)")  # whatever the sink makes of DDL
        standin.reset_counters()
        conn = connect(url)
        self.addCleanup(conn.close)
        stmt = "INSERT INTO readings (id, v) VALUES (?, ?)"
        for batch in range(3):
            rows = [[batch * 1000 + i, "x"] for i in range(1000)]
            conn.request("POST", "/_sql", json.dumps({"stmt": stmt, "bulk_args": rows}),
                         {"Content-Type": "application/json"})
            response = conn.getresponse()
            self.assertEqual(response.status, 200)
            self.assertEqual(len(json.loads(response.read())["results"]), 1000)
        self.assertEqual(sql(standin.url(1), stmt, args=[1, "one"]).status, 200)
        total = standin.counters()["total"]
        self.assertEqual((total["sql_requests"], total["bulk_requests"], total["rows_inserted"]), (4, 3, 3001))

    @unittest.skipUnless(USE_REAL_ENGINE, "needs the SQL engine")
    def test_sink_keeps_types_error_trace_schema_and_user_of_other_statements(self):
        standin = self.start_standin(sink=True, users=["alice:secret"])
        url = standin.url(0)
        alice = {**basic("alice", "secret"), "Default-Schema": "other"}
        self.assertEqual(sql(url, "CREATE TABLE sunk (id INTEGER)", headers=alice).status, 200)
        typed = sql(url, "SELECT count(*) FROM other.sunk", query="?types", headers=alice)
        self.assertEqual((typed.status, typed.json().get("col_types")), (200, [10]))
        self.assertEqual(sql(url, "SELECT count(*) FROM sunk", headers=alice).json()["rows"], [[0]])
        self.assertEqual(sql(url, "SELECT current_user, current_schema", headers=alice).json()["rows"],
                         [["alice", "other"]])
        traced = sql(url, "SELECT nope FROM sunk", query="?error_trace=true", headers=alice)
        self.assertEqual(traced.status, 404)
        self.assertIsInstance(traced.json().get("error_trace"), str)
        insert = sql(url, "INSERT INTO sunk (id) VALUES (?)", args=[1], query="?types", headers=alice)
        self.assertEqual(insert.json()["col_types"], [])


# ----------------------------------------------------------------------------------------------------
# Life cycle


class LifecycleTest(StandInTestCase):
    def test_restart_on_the_same_data_dir_keeps_rows_and_blobs(self):
        data_dir = tempfile.mkdtemp(prefix="standin-restart-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", data_dir]))
        standin = self.start_standin(2, data_dir=data_dir)
        url = standin.url(0)
        self.create_table(url)
        sql(url, "INSERT INTO t (id, v) VALUES (?, ?)", bulk_args=[[1, "a"], [2, "b"]])
        self.create_blob_table(url)
        data = b"kept across restarts"
        path = f"/_blobs/files/{sha1(data)}"
        self.assertEqual(call(url, "PUT", path, data).status, 201)
        self.assertEqual(self.count_rows(url), 2)

        standin.restart()
        self.assertEqual(standin.last_status, 0)
        self.assertEqual(self.count_rows(standin.url(1)), 2)
        self.assertEqual(call(standin.url(1), "GET", path).body, data)

    def test_sigterm_exits_zero_promptly_with_open_connections(self):
        standin = self.start_standin(2)
        standin.control(1, "hang")
        idle = socket.create_connection(split_url(standin.url(0))[1:], timeout=TIMEOUT)
        self.addCleanup(idle.close)
        hung = connect(standin.url(1), timeout=0.3)
        self.addCleanup(hung.close)
        hung.request("GET", "/")
        with self.assertRaises(TimeoutError):
            hung.getresponse()
        started = time.monotonic()
        self.assertEqual(standin.stop(), 0)
        self.assertLess(time.monotonic() - started, 5)

    def test_sigint_exits_zero(self):
        standin = self.start_standin()
        standin.process.send_signal(signal.SIGINT)
        self.assertEqual(standin.process.wait(TIMEOUT), 0)

    def test_a_taken_port_fails_the_start(self):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            with self.assertRaisesRegex(StandInError, "exited with 1"):
                self.start_standin(extra_args=["--port", str(port)])

    def test_fixed_ports_follow_each_other(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base > 65000:
            self.skipTest("free port too close to the end of the range")
        try:
            standin = self.start_standin(2, extra_args=["--port", str(base)])
        except StandInError:
            self.skipTest("the neighbouring port was taken")
        self.assertEqual(standin.urls, [f"http://127.0.0.1:{base}", f"http://127.0.0.1:{base + 1}"])


if __name__ == "__main__":
    unittest.main()
