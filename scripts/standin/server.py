"""The HTTP side of the CrateDB stand-in: N nodes in one process, sharing one SQL engine.

Every node is a listening socket with an accept thread; every client connection gets its own thread,
which reads HTTP/1.1 requests one after the other (keep-alive) and answers them the way CrateDB does
(see /work/shared/reference/cratedb-http.md). The HTTP parsing is hand-written on purpose: fault modes
(hang, drop mid-response, refused connections), `Expect: 100-continue` and streamed blob bodies need
control over the raw socket that http.server does not give, and the sink benchmarks need a lean path.

Fault modes are switched per node through the control interface (control.py) and read once at the
start of every request, so a change applies to the next request immediately.
"""

from __future__ import annotations

import base64
import hmac
import http
import json
import logging
import queue
import socket
import ssl
import threading
import time
import urllib.parse
import zlib
from concurrent.futures import Future
from typing import Any, Callable

from . import blobs

log = logging.getLogger("standin")

MAX_CONTENT_LENGTH = 100 * 1024 * 1024  # CrateDB's http.max_content_length default
MAX_LINE = 64 * 1024  # request line and each header line
MAX_HEADERS = 200
STREAM_CHUNK = 256 * 1024  # read/write unit for bodies we never hold whole (blobs)

MODES = ("healthy", "refuse", "unavailable", "hang", "drop", "slow", "redirect", "status")
STATUS_RANGE = range(400, 600)  # what mode "status" may answer: errors only, so every answer has a body
# Reasons http.HTTPStatus does not know; 509 is what some proxies and hosters send.
EXTRA_REASONS = {509: "Bandwidth Limit Exceeded"}
COUNTER_NAMES = ("requests", "sql_requests", "bulk_requests", "rows_inserted", "blob_requests")

VERSION = {
    "number": "5.10.11",
    "build_hash": "5f1c2e3b9d7a4c6e8f0a1b2c3d4e5f6a7b8c9d0e",
    "build_timestamp": "2025-07-01T09:00:00Z",
    "build_snapshot": False,
    "lucene_version": "9.12.0",
}

# What CrateDB answers while the cluster state is not recovered or no master is elected.
UNAVAILABLE_BODY = {
    "error": {
        "message": "ClusterBlockException[blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];]",
        "code": 5030,
    }
}


# Compact UTF-8 JSON as CrateDB sends it; one encoder for all responses saves building one per request.
_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
_JSON_ASCII = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True)


class BadRequest(Exception):
    """The client sent something that is not HTTP/1.x; answered with 400 and the connection closed."""


class BodyTooLarge(Exception):
    """A /_sql body above http.max_content_length; answered with 413 and the connection closed."""


# --------------------------------------------------------------------------------------------------
# Requests and their bodies


class Request:
    __slots__ = ("method", "target", "path", "query", "version", "headers", "keep_alive",
                 "expect_continue", "body", "user")

    def __init__(self, method: str, target: str, version: str, headers: dict[str, str]):
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        path, _, query = _origin_form(target).partition("?")
        self.path = path
        self.query = query
        tokens = {t.strip() for t in headers.get("connection", "").lower().split(",")}
        # HTTP/1.1 keeps the connection unless told otherwise; HTTP/1.0 only when asked to.
        self.keep_alive = "close" not in tokens if version == "HTTP/1.1" else "keep-alive" in tokens
        self.expect_continue = version == "HTTP/1.1" and headers.get("expect", "").lower() == "100-continue"
        self.body: Body | None = None
        self.user = "crate"

    def flag(self, name: str) -> bool:
        """A query flag such as `?types` or `?error_trace=true` (present without value, or =true)."""
        if not self.query:
            return False
        for key, value in urllib.parse.parse_qsl(self.query, keep_blank_values=True):
            if key == name and value.lower() in ("", "true"):
                return True
        return False


def _origin_form(target: str) -> str:
    # A proxy-style absolute target (http://host/path) is reduced to its path.
    if target.startswith(("http://", "https://")):
        rest = target.split("://", 1)[1]
        slash = rest.find("/")
        return rest[slash:] if slash >= 0 else "/"
    return target


def read_request(reader) -> Request | None:
    """Reads one request head; None when the client closed the connection between requests."""
    line = reader.readline(MAX_LINE + 1)
    while line in (b"\r\n", b"\n"):  # stray empty lines before a request are allowed (RFC 9112 2.2)
        line = reader.readline(MAX_LINE + 1)
    if not line:
        return None
    if len(line) > MAX_LINE or not line.endswith(b"\n"):
        raise BadRequest("request line too long or cut")
    parts = line.decode("latin-1").rstrip("\r\n").split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequest("malformed request line")
    method, target, version = parts
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADERS):
        raw = reader.readline(MAX_LINE + 1)
        if raw in (b"\r\n", b"\n"):
            break
        if not raw:
            raise ConnectionError("client closed inside the request head")
        name, sep, value = raw.decode("latin-1").partition(":")
        if not sep or not name.strip():
            raise BadRequest("malformed header line")
        key = name.strip().lower()
        value = value.strip()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    else:
        raise BadRequest("too many headers")
    return Request(method, target, version, headers)


class Body:
    """The request body, read lazily so that a handler can answer before reading it (401, 413, 307)
    and so that blobs can be streamed. Sends `100 Continue` the moment someone starts reading."""

    def __init__(self, conn: "Connection", request: Request):
        self._conn = conn
        self._expect_continue = request.expect_continue
        self.continue_sent = False
        self.started = False
        encoding = request.headers.get("transfer-encoding")
        self.chunked = encoding is not None and encoding.lower().rsplit(",", 1)[-1].strip() == "chunked"
        if encoding is not None and not self.chunked:
            raise BadRequest(f"unsupported transfer-encoding {encoding}")
        self.declared_length: int | None = None
        if not self.chunked:
            self.declared_length = _content_length(request.headers.get("content-length"))
        self.consumed = not self.chunked and self.declared_length == 0

    def chunks(self, size: int = STREAM_CHUNK):
        """Yields the body piece by piece (never more than `size` bytes at once)."""
        if self.consumed:
            return
        self.started = True
        self._send_continue()
        pieces = self._chunked_pieces(size) if self.chunked else self._fixed_pieces(self.declared_length, size)
        yield from pieces
        self.consumed = True

    def read_all(self, limit: int) -> bytes:
        if self.consumed:
            return b""
        if not self.chunked:
            if self.declared_length > limit:
                raise BodyTooLarge()
            # One read of the whole length: the fast path for /_sql (sink benchmarks).
            self.started = True
            self._send_continue()
            data = self._conn.reader.read(self.declared_length)
            if len(data) != self.declared_length:
                raise ConnectionError("client closed inside the request body")
            self.consumed = True
            return data
        parts, total = [], 0
        for piece in self.chunks():
            total += len(piece)
            if total > limit:
                raise BodyTooLarge()
            parts.append(piece)
        return b"".join(parts)

    def drain(self) -> None:
        for _ in self.chunks():
            pass

    def _send_continue(self) -> None:
        if self._expect_continue and not self.continue_sent:
            self.continue_sent = True
            self._conn.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")

    def _fixed_pieces(self, length: int, size: int):
        reader = self._conn.reader
        remaining = length
        while remaining:
            data = reader.read(min(size, remaining))
            if not data:
                raise ConnectionError("client closed inside the request body")
            remaining -= len(data)
            yield data

    def _chunked_pieces(self, size: int):
        reader = self._conn.reader
        while True:
            line = reader.readline(MAX_LINE + 1)
            if not line:
                raise ConnectionError("client closed inside a chunked body")
            try:
                length = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise BadRequest("malformed chunk size") from None
            if length == 0:
                break
            yield from self._fixed_pieces(length, size)
            reader.readline(MAX_LINE + 1)  # the CRLF closing the chunk
        # Trailer fields, up to the empty line.
        while reader.readline(MAX_LINE + 1) not in (b"\r\n", b"\n", b""):
            pass


def _content_length(value: str | None) -> int:
    if value is None:
        return 0  # a request without Content-Length or chunking has no body (RFC 9112 6.3)
    try:
        length = int(value.split(",")[0].strip())
    except ValueError:
        raise BadRequest("malformed content-length") from None
    if length < 0:
        raise BadRequest("negative content-length")
    return length


def decode_content(data: bytes, encoding: str | None, limit: int) -> bytes:
    """Undoes `Content-Encoding: gzip|deflate` (CrateDB accepts both), refusing to inflate past limit."""
    encoding = (encoding or "identity").strip().lower()
    if encoding == "identity":
        return data
    if encoding in ("gzip", "x-gzip"):
        return _inflate(data, 16 + zlib.MAX_WBITS, limit)
    if encoding == "deflate":
        try:
            return _inflate(data, zlib.MAX_WBITS, limit)  # zlib-wrapped, what the RFC means
        except zlib.error:
            return _inflate(data, -zlib.MAX_WBITS, limit)  # raw deflate, what some clients send
    raise ValueError(f"unsupported content-encoding {encoding}")


def _inflate(data: bytes, wbits: int, limit: int) -> bytes:
    inflater = zlib.decompressobj(wbits)
    out = inflater.decompress(data, limit + 1)
    if len(out) > limit:
        raise BodyTooLarge()
    return out + inflater.flush()


# --------------------------------------------------------------------------------------------------
# Responses


class Response:
    """A response to write: bytes, or an open file slice streamed from disk (blob GET)."""

    __slots__ = ("status", "headers", "body", "file", "length", "send_body", "close")

    def __init__(self, status: int, body: bytes = b"", headers: tuple = (), *, file=None,
                 length: int | None = None, send_body: bool = True, close: bool = False):
        self.status = status
        self.headers = headers
        self.body = body
        self.file = file  # (fileobj, offset, count) or None
        self.length = len(body) if length is None else length
        self.send_body = send_body  # False for HEAD: announce the length, send nothing
        self.close = close  # close the connection after this response

    @classmethod
    def json(cls, status: int, obj: Any, **kw) -> "Response":
        text = _JSON.encode(obj)
        try:
            body = text.encode("utf-8")
        except UnicodeEncodeError:
            # A lone surrogate from a "\ud800" escape: UTF-8 cannot hold it, so escape every non-ASCII
            # character (the same JSON value), as CrateDB's JSON writer escapes surrogates.
            body = _JSON_ASCII.encode(obj).encode("ascii")
        return cls(status, body, (("content-type", "application/json"),), **kw)

    @classmethod
    def error(cls, status: int, message: str, code: int, **kw) -> "Response":
        return cls.json(status, {"error": {"message": message, "code": code}}, **kw)

    def head_bytes(self, keep_alive: bool) -> bytes:
        # Lower-case header names, as CrateDB's netty stack sends them.
        lines = [f"HTTP/1.1 {self.status} {_reason(self.status)}"]
        lines.extend(f"{name}: {value}" for name, value in self.headers)
        lines.append(f"content-length: {self.length}")
        if not keep_alive:
            lines.append("connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def release(self) -> None:
        if self.file is not None:
            self.file[0].close()
            self.file = None


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return EXTRA_REASONS.get(status, "Unknown")


# --------------------------------------------------------------------------------------------------
# Engine access


class EngineThread:
    """Runs engine calls on one dedicated thread.

    The engine is called straight from the connection threads (the fast path: the sink benchmarks must
    not pay a thread switch per request), which needs an engine that locks for itself. An engine class
    that says `thread_safe = False` gets all its calls, constructor and close included, funnelled
    through this one thread instead: then even SQLite connections bound to their thread work.
    """

    def __init__(self):
        self._calls: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._run, name="engine", daemon=True).start()

    def call(self, fn: Callable, *args, timeout: float | None = None):
        future: Future = Future()
        self._calls.put((future, fn, args))
        return future.result(timeout)

    def stop(self) -> None:
        self._calls.put(None)

    def _run(self) -> None:
        while True:
            item = self._calls.get()
            if item is None:
                return
            future, fn, args = item
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # handed to the caller, which decides
                future.set_exception(exc)


# --------------------------------------------------------------------------------------------------
# Nodes


class Node:
    """One CrateDB node: a port, a fault mode, its open connections and counters."""

    def __init__(self, cluster: "Cluster", index: int, port: int):
        self.cluster = cluster
        self.index = index
        self.port = port
        self.mode = "healthy"
        self.delay = 0.0
        self.status: int | None = None  # the HTTP status every request gets in mode "status"
        self._lock = threading.Lock()
        self._mode_changed = threading.Event()  # set (and replaced) on every mode change
        self._listener: socket.socket | None = None
        self._connections: set[Connection] = set()
        self._hung: set[Connection] = set()
        self._counters = dict.fromkeys(COUNTER_NAMES, 0)

    @property
    def name(self) -> str:
        return f"standin-{self.index}"

    @property
    def url(self) -> str:
        scheme = "https" if self.cluster.tls else "http"
        host = self.cluster.host
        host = f"[{host}]" if ":" in host else host
        return f"{scheme}://{host}:{self.port}"

    def state(self) -> dict:
        return {"index": self.index, "url": self.url, "mode": self.mode, "delay": self.delay,
                "status": self.status}

    # -- listening ------------------------------------------------------------------------------

    def open(self) -> None:
        with self._lock:
            self._open_listener()

    def _open_listener(self) -> None:
        self._release_port()
        family = socket.AF_INET6 if ":" in self.cluster.host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            # Re-binding the same port after `refuse` must work despite connections in TIME_WAIT.
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((self.cluster.host, self.port))
            listener.listen(1024)
        except OSError:
            listener.close()
            raise
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept_loop, args=(listener,), name=f"accept-{self.index}",
                         daemon=True).start()

    def _close_listener(self) -> None:
        if self._listener is None:
            return
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        except OSError:
            pass
        self._listener.close()
        self._listener = None

    def _hold_port(self) -> None:
        """While refusing, keep the port bound but not listening: connections are refused (RST) as on a
        closed port, and no other program (another test's server on an ephemeral port) can take it meanwhile."""
        family = socket.AF_INET6 if ":" in self.cluster.host else socket.AF_INET
        holder = socket.socket(family, socket.SOCK_STREAM)
        try:
            holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            holder.bind((self.cluster.host, self.port))
        except OSError:
            holder.close()
            return
        self._port_holder = holder

    def _release_port(self) -> None:
        holder = getattr(self, "_port_holder", None)
        if holder is not None:
            holder.close()
            self._port_holder = None

    def _accept_loop(self, listener: socket.socket) -> None:
        while True:
            try:
                sock, _ = listener.accept()
            except OSError:
                return  # listener closed: refuse mode or shutdown
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=Connection(self, sock).run, name=f"conn-{self.index}", daemon=True).start()

    def close(self) -> None:
        with self._lock:
            self._close_listener()
            self._release_port()
            connections = list(self._connections)
            self._mode_changed.set()
        for conn in connections:
            conn.abort()

    # -- modes ----------------------------------------------------------------------------------

    def set_mode(self, mode: str, delay: float, status: int | None = None) -> dict:
        with self._lock:
            if mode == "refuse":
                self._close_listener()
                self._hold_port()
                # A refusing node is a node that is down: its open connections die with it.
                to_abort = list(self._connections)
            else:
                if self._listener is None:
                    self._open_listener()  # may raise OSError: then the mode stays as it was
                to_abort = list(self._hung) if mode != "hang" else []
            self.mode, self.delay = mode, delay
            self.status = status if mode == "status" else None
            changed, self._mode_changed = self._mode_changed, threading.Event()
        changed.set()  # wakes requests sleeping in `slow`
        for conn in to_abort:
            conn.abort()
        detail = f" ({delay}s)" if mode == "slow" else f" ({status})" if mode == "status" else ""
        log.info("node %d -> %s%s", self.index, mode, detail)
        return self.state()

    def mode_snapshot(self) -> tuple[str, float, int | None, threading.Event]:
        with self._lock:
            return self.mode, self.delay, self.status, self._mode_changed

    def register(self, conn: "Connection") -> bool:
        with self._lock:
            if self._listener is None:  # accepted just before `refuse` closed the listener
                return False
            self._connections.add(conn)
            return True

    def unregister(self, conn: "Connection") -> None:
        with self._lock:
            self._connections.discard(conn)
            self._hung.discard(conn)

    def begin_hang(self, conn: "Connection") -> bool:
        # Checked under the lock so that a mode change racing with this request cannot strand it.
        with self._lock:
            if self.mode != "hang":
                return False
            self._hung.add(conn)
            return True

    # -- counters -------------------------------------------------------------------------------

    def count(self, **deltas: int) -> None:
        with self._lock:
            for name, delta in deltas.items():
                self._counters[name] += delta

    def counters(self) -> dict:
        with self._lock:
            return dict(self._counters)

    def reset_counters(self) -> None:
        with self._lock:
            self._counters = dict.fromkeys(COUNTER_NAMES, 0)


class Cluster:
    """All nodes, the shared engine, and the settings every node applies (users, TLS, sink)."""

    def __init__(self, engine_factory: Callable[[str], Any], data_dir: str, *, nodes: int, port: int,
                 host: str = "127.0.0.1", tls: ssl.SSLContext | None = None,
                 users: dict[str, str] | None = None, sink: bool = False):
        self.host = host
        self.tls = tls
        self.users = users or {}
        self.sink = sink
        self._engine_factory = engine_factory
        self._data_dir = data_dir
        self._engine_thread: EngineThread | None = None
        self.engine = None
        # --port 0: every node takes its own free port; otherwise P, P+1, ...
        self.nodes = [Node(self, i, port + i if port else 0) for i in range(nodes)]

    def start(self) -> None:
        self._engine_thread = EngineThread()
        self.engine = self._engine_thread.call(self._engine_factory, self._data_dir)
        if getattr(self.engine, "thread_safe", True):
            self._call = _direct_call
        for node in self.nodes:
            node.open()

    def wait_until_answering(self, timeout: float = 10.0) -> None:
        # The listeners are open, so a TCP connect succeeding proves the node takes connections.
        for node in self.nodes:
            with socket.create_connection((self.host, node.port), timeout=timeout):
                pass

    def stop(self) -> None:
        for node in self.nodes:
            node.close()
        if self._engine_thread is not None:
            if self.engine is not None:
                try:
                    self._engine_thread.call(self.engine.close, timeout=10)
                except Exception:
                    log.exception("closing the engine failed")
            self._engine_thread.stop()

    def node(self, index: int) -> Node:
        if not 0 <= index < len(self.nodes):
            raise IndexError(f"no node {index}")
        return self.nodes[index]

    def redirect_target(self, node: Node) -> Node | None:
        """The next healthy node after `node` (wrapping), where `redirect` sends blob requests."""
        count = len(self.nodes)
        for step in range(1, count):
            other = self.nodes[(node.index + step) % count]
            if other.mode == "healthy":
                return other
        return None

    def authenticate(self, request: Request) -> tuple[bool, str]:
        """(accepted, user name). Without --user every request runs as `crate`, as with trust auth."""
        if not self.users:
            return True, "crate"
        name, password = _basic_credentials(request.headers.get("authorization"))
        if name is None:
            return False, "crate"  # CrateDB falls back to its default user, which then fails
        expected = self.users.get(name)
        ok = expected is not None and hmac.compare_digest(expected.encode(), password.encode())
        return ok, name

    def _call(self, fn: Callable, *args):
        return self._engine_thread.call(fn, *args)

    def run_sql(self, body: bytes, types: bool, error_trace: bool, schema: str | None, user: str):
        method = self.engine.sink_request if self.sink else self.engine.sql_request
        return self._call(method, body, types, error_trace, schema, user)

    def blob_table_exists(self, name: str) -> bool:
        return self._call(self.engine.blob_table_exists, name)

    def blob_dir(self, name: str) -> str:
        return self._call(self.engine.blob_dir, name)

    def counters(self) -> dict:
        per_node = [{"index": n.index, **n.counters()} for n in self.nodes]
        total = {name: sum(c[name] for c in per_node) for name in COUNTER_NAMES}
        return {"nodes": per_node, "total": total}

    def reset_counters(self) -> dict:
        for node in self.nodes:
            node.reset_counters()
        return self.counters()


def _direct_call(fn: Callable, *args):
    return fn(*args)


def _basic_credentials(header: str | None) -> tuple[str | None, str | None]:
    if not header:
        return None, None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None, None
    name, _, password = decoded.partition(":")
    return name, password


# --------------------------------------------------------------------------------------------------
# Connections


class Connection:
    """One client connection: reads requests in a loop and answers each according to the node's mode."""

    def __init__(self, node: Node, sock: socket.socket):
        self.node = node
        self.cluster = node.cluster
        self.sock = sock
        self.reader = None
        self._unread_body = False  # the last answer closes the connection with request bytes still coming

    def run(self) -> None:
        if not self.node.register(self):
            self.sock.close()
            return
        try:
            if self.cluster.tls is not None:
                self._handshake()
            self.reader = self.sock.makefile("rb", buffering=STREAM_CHUNK)
            while self._serve_one():
                pass
        except (OSError, ValueError, BadRequest):  # client went away, TLS failed, or we were aborted
            pass
        except Exception:
            log.exception("node %d: request failed", self.node.index)
        finally:
            self.node.unregister(self)
            self._close()

    def abort(self) -> None:
        """Called from other threads (control interface, shutdown): ends this connection now."""
        try:
            # The plain-socket shutdown also works under TLS and wakes the thread blocked in a read.
            socket.socket.shutdown(self.sock, socket.SHUT_RDWR)
        except OSError:
            pass

    def _handshake(self) -> None:
        self.sock.settimeout(10)  # a client that never completes the handshake must not pin a thread
        self.sock = self.cluster.tls.wrap_socket(self.sock, server_side=True)
        self.sock.settimeout(None)

    def _close(self) -> None:
        if self._unread_body:
            self._lingering_close()
        try:
            if self.reader is not None:
                self.reader.close()
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass

    def _lingering_close(self, seconds: float = 2.0) -> None:
        """Closing a socket with unread input makes the kernel send a reset, which can destroy our answer
        (401, 413, 409...) before the client reads it. So: stop writing, swallow what the client still
        sends for a moment, then close. The plain-socket calls work on the raw bytes under TLS too."""
        try:
            socket.socket.shutdown(self.sock, socket.SHUT_WR)
            deadline = time.monotonic() + seconds
            while (left := deadline - time.monotonic()) > 0:
                self.sock.settimeout(min(left, 0.5))
                if not socket.socket.recv(self.sock, STREAM_CHUNK):
                    break
        except OSError:
            pass

    # -- one request ----------------------------------------------------------------------------

    def _serve_one(self) -> bool:
        """Reads and answers one request; False when the connection must end."""
        try:
            request = read_request(self.reader)
            if request is None:
                return False
            request.body = Body(self, request)
        except BadRequest as exc:
            self._send_plain(Response(400, f"{exc}\n".encode(), close=True))
            return False
        self._count_received(request)
        mode, delay, status, mode_changed = self.node.mode_snapshot()
        if mode == "status":
            # A proxy in front of the node answers, before CrateDB could look at auth or the path.
            return self._send(request, _proxy_answer(status))

        accepted, user = self.cluster.authenticate(request)
        if not accepted:
            return self._send(request, _unauthorized(user))
        request.user = user

        if mode == "hang":
            request.body.drain()  # "accept and read the request", then never answer
            return self._hang()
        try:
            response = self._dispatch(request, mode)
        except BadRequest as exc:
            response = Response(400, f"{exc}\n".encode(), close=True)
        except BodyTooLarge:
            response = Response(413, close=True)  # what netty's aggregator answers: empty, then close
        if mode == "slow":
            mode_changed.wait(delay)  # the work is done, only the answer is late (a mode change cuts it short)
        if mode == "drop":
            if request.method == "HEAD":
                response.send_body = False
            self._send_partial(response)
            return False
        return self._send(request, response)

    def _count_received(self, request: Request) -> None:
        path = request.path
        self.node.count(requests=1, sql_requests=int(path == "/_sql"),
                        blob_requests=int(path == "/_blobs" or path.startswith("/_blobs/")))

    def _dispatch(self, request: Request, mode: str) -> Response:
        if mode == "unavailable":
            return Response.json(503, UNAVAILABLE_BODY)
        path = request.path
        if path == "/_sql":
            return self._sql(request)
        if path == "/_blobs" or path.startswith("/_blobs/"):
            return self._blob(request, mode)
        if path == "/":
            return self._root(request)
        return Response.error(404, f"No handler found for uri [{path}] and method [{request.method}]", 4040)

    def _root(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return Response.error(405, f"Method [{request.method}] is not allowed on [/]", 4050)
        return Response.json(200, {
            "ok": True,
            "status": 200,
            "name": self.node.name,
            "cluster_name": "standin",
            "version": VERSION,
        })

    def _sql(self, request: Request) -> Response:
        if request.method != "POST":
            return Response.error(405, f"Method [{request.method}] is not allowed on [/_sql]", 4050)
        raw = request.body.read_all(MAX_CONTENT_LENGTH)
        try:
            raw = decode_content(raw, request.headers.get("content-encoding"), MAX_CONTENT_LENGTH)
        except (ValueError, zlib.error) as exc:
            return Response.error(400, f"SQLParseException[Failed to decode the request body: {exc}]", 4000)
        schema = request.headers.get("default-schema") or None
        try:
            outcome = self.cluster.run_sql(raw, request.flag("types"), request.flag("error_trace"),
                                           schema, request.user)
        except Exception as exc:  # the engine promises not to raise; if it does, answer like CrateDB would
            log.exception("engine failed")
            return Response.error(500, f"{type(exc).__name__}[{exc}]", 5000)
        self.node.count(bulk_requests=int(bool(outcome.bulk)), rows_inserted=int(outcome.rows_inserted))
        if getattr(outcome, "encoded", None) is not None:
            return Response(outcome.status, outcome.encoded, (("content-type", "application/json"),))
        try:
            return Response.json(outcome.status, outcome.body)
        except (TypeError, ValueError) as exc:  # a value JSON cannot carry: still answer, as CrateDB would
            log.exception("engine answer is not JSON")
            return Response.error(500, f"{type(exc).__name__}[{exc}]", 5000)

    def _blob(self, request: Request, mode: str) -> Response:
        redirect_base = None
        if mode == "redirect":
            target = self.cluster.redirect_target(self.node)
            redirect_base = target.url if target is not None else None
        return blobs.respond(request, self.cluster, redirect_base)

    # -- answering ------------------------------------------------------------------------------

    def _send(self, request: Request, response: Response) -> bool:
        """Writes the whole response; True when the connection stays open for the next request."""
        if request.method == "HEAD":
            response.send_body = False  # whatever the answer: headers (and Content-Length) only
        try:
            keep_alive = request.keep_alive and not response.close and self._settle_body(request)
            self._unread_body = not keep_alive and not request.body.consumed
            head = response.head_bytes(keep_alive)
            if response.file is not None and response.send_body:
                self.sock.sendall(head)
                fileobj, offset, count = response.file
                self.sock.sendfile(fileobj, offset, count)
            elif response.send_body and response.body:
                self.sock.sendall(head + response.body)
            else:
                self.sock.sendall(head)
            return keep_alive
        finally:
            response.release()

    def _settle_body(self, request: Request) -> bool:
        """Makes sure the request body is off the wire before the next request; False = must close.

        A handler may answer without reading the body (401, 404, 503...). If the client is waiting for
        `100 Continue` it will not send the body (or sends it after a timeout), so the only safe end is
        to close; a body that was started but not finished cannot be skipped either. Otherwise it is
        read and thrown away so the connection can be kept.
        """
        body = request.body
        if body is None or body.consumed:
            return True
        if body.started or (request.expect_continue and not body.continue_sent):
            return False
        body.drain()
        return True

    def _send_partial(self, response: Response) -> None:
        """`drop`: the response cut in the middle, then the connection closed.

        With a body: status line and headers complete, half the body. Without one: half the status line.
        """
        try:
            head = response.head_bytes(keep_alive=True)
            if response.file is not None and response.send_body and response.length >= 2:
                self.sock.sendall(head)
                fileobj, offset, count = response.file
                self.sock.sendfile(fileobj, offset, count // 2)
            elif response.send_body and len(response.body) >= 2:
                self.sock.sendall(head + response.body[: len(response.body) // 2])
            else:
                # Nothing to cut in the body. Cut headers would not do: curl and http.client take a header
                # block ended by EOF as a complete answer. Half a status line is an error to every client.
                self.sock.sendall(head[: head.index(b"\r\n") // 2])
        finally:
            response.release()
            self.abort()

    def _send_plain(self, response: Response) -> None:
        try:
            self.sock.sendall(response.head_bytes(keep_alive=False) + response.body)
        except OSError:
            pass

    def _hang(self) -> bool:
        """`hang`: keep the socket open, answer nothing, until the mode changes or the client leaves."""
        if not self.node.begin_hang(self):
            return False  # the mode changed while the request was being read: release it at once
        while self.reader.read1(STREAM_CHUNK):
            pass  # whatever the client sends now is ignored; b"" = client closed or abort()
        return False


_PROXY_PAGE = """<html>
<head><title>{status} {reason}</title></head>
<body>
<center><h1>{status} {reason}</h1></center>
<hr><center>standin-proxy</center>
</body>
</html>
"""


def _proxy_answer(status: int) -> Response:
    """Mode `status`: what a load balancer or proxy sends instead of CrateDB's JSON. Gateway errors come
    as an HTML page (as nginx or an ELB sends them), anything else (509 ...) as a line of plain text."""
    reason = _reason(status)
    if status in (502, 503, 504):
        body = _PROXY_PAGE.format(status=status, reason=reason).encode()
        return Response(status, body, (("content-type", "text/html"),))
    return Response(status, f"{status} {reason}\n".encode(), (("content-type", "text/plain; charset=UTF-8"),))


def _unauthorized(user: str) -> Response:
    # CrateDB: plain text message + newline, the realm header, then the connection is closed.
    body = f'password authentication failed for user "{user}"\n'.encode()
    return Response(401, body, (("www-authenticate", 'Basic realm="CrateDB Authenticator"'),
                                ("content-type", "text/plain; charset=UTF-8")), close=True)
