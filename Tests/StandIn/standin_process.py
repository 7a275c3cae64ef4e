"""Start and drive the CrateDB stand-in (scripts/cratedb-standin) from Python tests.

Typical use::

    from standin_process import StandIn

    with StandIn(nodes=3) as cluster:              # free ports, fresh temp data dir
        url = cluster.url(0)                        # "http://127.0.0.1:PORT"
        cluster.control(1, "unavailable")           # node 1 answers 503
        cluster.control(2, "slow", delay=0.5)       # node 2 answers after 0.5 s
        ...
        cluster.control(1, "healthy")
        print(cluster.counters()["total"]["rows_inserted"])
    # leaving the block stops the process (SIGTERM, then kill after a timeout)

Or without `with`: ``cluster = StandIn(...)``, then ``self.addCleanup(cluster.stop)``.

Constructor arguments (all keyword except `nodes`):
    nodes        number of nodes (default 1)
    data_dir     data folder; default: a temp folder created here and deleted by stop().
                 Pass your own to restart on the same data (see restart()).
    users        iterable of (name, password) or "name:password": Basic auth becomes mandatory
    tls_cert, tls_key   PEM files: every node speaks HTTPS
    sink         True: /_sql only validates and counts INSERTs (benchmarks)
    host         listen address (default 127.0.0.1)
    engine       "module:Class" for --engine (a stand-in engine for tests); python_path: folders to
                 put on the child's PYTHONPATH so that module can be found
    extra_args   more command-line arguments
    start_timeout  seconds to wait for the printed lines (default 30)

Attributes after start: `urls` (one per node, index = node number), `control_url`, `data_dir`,
`process` (subprocess.Popen), `log_path` (the stand-in's stderr, for debugging failed tests).

Control (JSON over HTTP, see scripts/standin/control.py):
    control(node, mode, **params) -> the node's new state dict; modes: healthy, refuse, unavailable,
                                     hang, drop, slow (delay=seconds), redirect,
                                     status (status=502|504|509|...: a proxy's answer to every request)
    nodes()                       -> [{"index", "url", "mode", "delay", "status"}, ...]
    counters()                    -> {"nodes": [{"index", "requests", "sql_requests", "bulk_requests",
                                      "rows_inserted", "blob_requests"}, ...], "total": {...}}
    reset_counters()              -> the same, zeroed
    stop(timeout=10)              -> exit status (0 = clean SIGTERM exit); safe to call twice
    restart()                     -> stop, then start again on the same data dir (new ports)
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = REPO_ROOT / "scripts" / "cratedb-standin"


class StandInError(RuntimeError):
    pass


class StandIn:
    def __init__(self, nodes: int = 1, *, data_dir: str | os.PathLike | None = None, users=(),
                 tls_cert: str | None = None, tls_key: str | None = None, sink: bool = False,
                 host: str = "127.0.0.1", engine: str | None = None, python_path=(), extra_args=(),
                 start_timeout: float = 30.0):
        self.node_count = nodes
        self._own_data_dir = data_dir is None
        self.data_dir = str(data_dir) if data_dir is not None else tempfile.mkdtemp(prefix="standin-data-")
        self._args = self._command_args(nodes, users, tls_cert, tls_key, sink, host, engine, extra_args)
        self._python_path = [str(p) for p in python_path]
        self._start_timeout = start_timeout
        self.process: subprocess.Popen | None = None
        self.urls: list[str] = []
        self.control_url = ""
        log_fd, self.log_path = tempfile.mkstemp(prefix="standin-", suffix=".log")  # one log across restarts
        os.close(log_fd)
        self._log_file = None
        self.last_status: int | None = None
        try:
            self.start()
        except BaseException:
            self.close()  # the caller never gets the object, so nothing else would clean up
            raise

    # -- life cycle ------------------------------------------------------------------------------

    def _command_args(self, nodes, users, tls_cert, tls_key, sink, host, engine, extra_args) -> list[str]:
        args = ["--nodes", str(nodes), "--port", "0", "--control-port", "0", "--host", host,
                "--data-dir", self.data_dir]
        for user in users:
            args += ["--user", user if isinstance(user, str) else f"{user[0]}:{user[1]}"]
        if tls_cert:
            args += ["--tls-cert", str(tls_cert), "--tls-key", str(tls_key)]
        if sink:
            args.append("--sink")
        if engine:
            args += ["--engine", engine]
        return args + list(extra_args)

    def start(self) -> None:
        """Starts the process and waits for its printed lines (never on a sleep)."""
        env = dict(os.environ)
        if self._python_path:
            env["PYTHONPATH"] = os.pathsep.join(self._python_path + [env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        self._log_file = open(self.log_path, "ab")
        self.process = subprocess.Popen([sys.executable, str(LAUNCHER), *self._args], stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=self._log_file, env=env)
        try:
            lines = self._read_lines(self.node_count + 1)
        except BaseException:
            self.stop()
            raise
        self.urls = lines[: self.node_count]
        if not lines[-1].startswith("control "):
            self.stop()
            raise StandInError(f"unexpected line from the stand-in: {lines[-1]!r}")
        self.control_url = lines[-1].split(" ", 1)[1]

    def _read_lines(self, count: int) -> list[str]:
        deadline = time.monotonic() + self._start_timeout
        buffer = b""
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            while buffer.count(b"\n") < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise StandInError(f"stand-in did not start in {self._start_timeout}s\n{self.log()}")
                if not selector.select(remaining):
                    continue
                data = os.read(self.process.stdout.fileno(), 4096)
                if not data:
                    self.process.wait()
                    raise StandInError(f"stand-in exited with {self.process.returncode}\n{self.log()}")
                buffer += data
        return buffer.decode().splitlines()[:count]

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, wait up to `timeout`, then SIGKILL. Returns the exit status (0 = clean)."""
        process, self.process = self.process, None
        status = None
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            status = process.returncode
            process.stdout.close()
            self.last_status = status
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        return status

    def restart(self) -> None:
        """Stops and starts again on the same data dir; urls and control_url change."""
        self.stop()
        self.start()

    def close(self) -> int | None:
        """stop(), then delete the data dir if this object created it."""
        status = self.stop()
        if self._own_data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
        if self.log_path:
            try:
                os.unlink(self.log_path)
            except FileNotFoundError:
                pass
            self.log_path = ""
        return status

    def __enter__(self) -> "StandIn":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def log(self) -> str:
        """The stand-in's stderr so far."""
        if self._log_file is not None:
            self._log_file.flush()
        try:
            return Path(self.log_path).read_text(errors="replace")
        except OSError:
            return ""

    # -- nodes and control ------------------------------------------------------------------------

    def url(self, node: int = 0) -> str:
        return self.urls[node]

    def port(self, node: int = 0) -> int:
        return int(self.urls[node].rsplit(":", 1)[1])

    def control(self, node: int, mode: str, **params) -> dict:
        return self._control("POST", f"/nodes/{node}/mode", {"mode": mode, **params})

    def nodes(self) -> list[dict]:
        return self._control("GET", "/nodes")

    def counters(self) -> dict:
        return self._control("GET", "/counters")

    def reset_counters(self) -> dict:
        return self._control("POST", "/counters/reset", {})

    def _control(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.control_url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            raise StandInError(f"control {method} {path}: {exc.code} {exc.read().decode()}") from None
