"""Command line of the CrateDB stand-in (scripts/cratedb-standin).

    cratedb-standin --nodes N --port P --data-dir DIR [--tls-cert FILE --tls-key FILE]
                    [--user NAME:PASSWORD ...] [--sink] [--control-port C] [--host 127.0.0.1]

Once every node takes connections it prints one line per node, its URL (http://HOST:PORT or https://...),
then `control http://HOST:CPORT`, and flushes stdout; logs go to stderr. SIGTERM or SIGINT stops it
with exit status 0.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import os
import signal
import ssl
import sys

from .control import ControlServer
from .server import Cluster

log = logging.getLogger("standin")

STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="cratedb-standin",
                                     description="A small CrateDB cluster over HTTP for tests, demo and benchmarks.")
    parser.add_argument("--nodes", type=_positive, default=1, help="number of nodes (default 1)")
    parser.add_argument("--port", type=_port, default=4200,
                        help="port of the first node, the others follow; 0 = a free port for each (default 4200)")
    parser.add_argument("--data-dir", required=True, help="where tables and blobs live; kept across restarts")
    parser.add_argument("--tls-cert", help="PEM certificate (chain): serve HTTPS on every node")
    parser.add_argument("--tls-key", help="PEM private key for --tls-cert")
    parser.add_argument("--user", action="append", type=_user, default=[], metavar="NAME:PASSWORD",
                        help="require Basic auth as one of these users (repeatable; the password may be empty)")
    parser.add_argument("--sink", action="store_true",
                        help="validate and count INSERTs without storing them (benchmarks)")
    parser.add_argument("--control-port", type=_port, default=0, help="control interface port (default: a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--engine", default="standin.engine:Engine", metavar="MODULE:CLASS",
                        help="SQL engine to load (testing hook; default standin.engine:Engine)")
    parser.add_argument("--verbose", action="store_true", help="debug logging on stderr")
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    return args


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("not a port")
    return value


def _user(text: str) -> tuple[str, str]:
    name, sep, password = text.partition(":")
    if not sep or not name:
        raise argparse.ArgumentTypeError("expected NAME:PASSWORD")
    return name, password


def _load_engine(spec: str):
    module_name, _, class_name = spec.partition(":")
    return getattr(importlib.import_module(module_name), class_name or "Engine")


def _tls_context(args: argparse.Namespace) -> ssl.SSLContext | None:
    if not args.tls_cert:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.tls_cert, args.tls_key)
    return context


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.DEBUG if args.verbose else logging.INFO,
                        format="cratedb-standin %(levelname)s %(message)s")
    # Block the stop signals before any thread exists (threads inherit the mask), then collect them
    # with sigwait in the main thread: no handler can interrupt a half-done operation.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)

    if args.sink:
        # A bulk INSERT parses into thousands of lists and dicts per request, which set off the cyclic garbage
        # collector over and over; none of them form cycles (reference counting frees them), and the sink's
        # CPU time is taken from cratefeed in the benchmark. So: a collection only every 100,000 allocations.
        gc.freeze()
        gc.set_threshold(100_000, 50, 100)
    cluster = control = None
    try:
        os.makedirs(args.data_dir, exist_ok=True)
        cluster = Cluster(_load_engine(args.engine), args.data_dir, nodes=args.nodes, port=args.port,
                          host=args.host, tls=_tls_context(args), users=dict(args.user), sink=args.sink)
        cluster.start()
        control = ControlServer(cluster, args.host, args.control_port)
        control.start()
        cluster.wait_until_answering()
    except Exception as exc:
        log.error("cannot start: %s", exc)
        _stop(cluster, control)
        return 1

    lines = [node.url for node in cluster.nodes] + [f"control {control.url}"]
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
    log.info("%d node(s) up%s%s on %s", len(cluster.nodes), ", TLS" if cluster.tls else "",
             ", sink" if cluster.sink else "", args.data_dir)

    received = signal.sigwait(STOP_SIGNALS)
    log.info("%s: stopping", signal.Signals(received).name)
    _stop(cluster, control)
    return 0


def _stop(cluster: Cluster | None, control: ControlServer | None) -> None:
    if control is not None:
        control.stop()
    if cluster is not None:
        cluster.stop()
