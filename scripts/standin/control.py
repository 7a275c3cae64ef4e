"""Control interface of the stand-in: plain JSON over HTTP, so Swift tests, Python tests and curl can all
switch fault modes and read counters.

    GET  /nodes                 -> [{"index":0,"url":"http://127.0.0.1:PORT","mode":"healthy","delay":0.0,
                                     "status":null}, ...]
    GET  /nodes/{i}             -> {"index":i,"url":...,"mode":...,"delay":...,"status":...}
    POST /nodes/{i}/mode        body {"mode":"healthy|refuse|unavailable|hang|drop|slow|redirect|status",
                                      "delay":S, "status":N}
                                -> the node's new state (as GET /nodes/{i}); "delay" is required for "slow",
                                   "status" (an HTTP status 400-599) for "status"
    GET  /counters              -> {"nodes":[{"index":i,"requests":n,"sql_requests":n,"bulk_requests":n,
                                     "rows_inserted":n,"blob_requests":n}, ...], "total":{...same names...}}
    POST /counters/reset        -> the counters, all zero

Mode "status" plays a proxy or load balancer in front of the node: every request is answered with that
status without reaching CrateDB (for 502/503/504 an HTML error page as nginx sends it, otherwise a line of
plain text), e.g. to test failover on 502, 504 and 509. "status" is null in every other mode.

Errors: 400 (bad JSON, unknown mode, bad delay, missing or bad status), 404 (unknown node or path),
500 (the port of a refusing node could not be bound again), each with body {"error":"<text>"}.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .server import MODES, STATUS_RANGE, Cluster

log = logging.getLogger("standin.control")

NODE_PATH = re.compile(r"^/nodes/(\d+)$")
MODE_PATH = re.compile(r"^/nodes/(\d+)/mode$")


class ControlError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class ControlServer:
    def __init__(self, cluster: Cluster, host: str, port: int):
        self.cluster = cluster
        handler = type("Handler", (_Handler,), {"cluster": cluster})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._thread: threading.Thread | None = None
        self.host = host

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._server.server_address[1]}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="control", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
        self._server.server_close()


def set_mode(cluster: Cluster, index: int, body: dict) -> dict:
    node = _node(cluster, index)
    mode = body.get("mode")
    if mode not in MODES:
        raise ControlError(400, f"mode must be one of {', '.join(MODES)}")
    delay = body.get("delay", 0.0)
    if mode == "slow" and "delay" not in body:
        raise ControlError(400, "mode slow needs a delay in seconds")
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
        raise ControlError(400, "delay must be a non-negative number of seconds")
    status = _status(body) if mode == "status" else None
    try:
        return node.set_mode(mode, float(delay) if mode == "slow" else 0.0, status)
    except OSError as exc:
        raise ControlError(500, f"cannot listen on port {node.port} again: {exc}") from exc


def _status(body: dict) -> int:
    status = body.get("status")
    # bool is an int in Python; `true` is no status.
    if isinstance(status, bool) or not isinstance(status, int) or status not in STATUS_RANGE:
        raise ControlError(400, f"mode status needs a status, an integer from {STATUS_RANGE.start} "
                                f"to {STATUS_RANGE.stop - 1}")
    return status


def _node(cluster: Cluster, index: int):
    try:
        return cluster.node(index)
    except IndexError:
        raise ControlError(404, f"no node {index}") from None


class _Handler(BaseHTTPRequestHandler):
    cluster: Cluster
    protocol_version = "HTTP/1.1"  # keep-alive for clients that poll counters in a loop

    def do_GET(self) -> None:
        self._answer(self._get)

    def do_POST(self) -> None:
        self._answer(self._post)

    def _get(self, path: str):
        if path == "/nodes":
            return [node.state() for node in self.cluster.nodes]
        if match := NODE_PATH.match(path):
            return _node(self.cluster, int(match.group(1))).state()
        if path == "/counters":
            return self.cluster.counters()
        raise ControlError(404, f"no such path {path}")

    def _post(self, path: str):
        body = self._json_body()
        if match := MODE_PATH.match(path):
            return set_mode(self.cluster, int(match.group(1)), body)
        if path == "/counters/reset":
            return self.cluster.reset_counters()
        raise ControlError(404, f"no such path {path}")

    def _json_body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise ControlError(400, f"body is not JSON: {exc}") from None
        if not isinstance(body, dict):
            raise ControlError(400, "body must be a JSON object")
        return body

    def _answer(self, route) -> None:
        path = self.path.split("?", 1)[0].rstrip("/") or "/"
        try:
            status, result = 200, route(path)
        except ControlError as exc:
            status, result = exc.status, {"error": str(exc)}
        data = json.dumps(result).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:  # keep stderr for real problems
        log.debug("control: " + format, *args)
