#!/usr/bin/env python3
"""HTTP/1.1 test server for the transport's integration tests (Python 3 standard library only).

Binds 127.0.0.1 on a free port, prints one line "URL <scheme>://127.0.0.1:<port>", then serves until it is
terminated or its stdin closes (so it never outlives the test process). Every response carries
X-Connection-Id, a number per accepted connection, so tests can see keep-alive reuse.

Routes (query parameters in brackets):
  /echo                any method; JSON with method, path, headers, content_encoding, wire_length (bytes on
                       the wire), body_length, sha1 and crc32 (of the body after gzip decoding), connection
  /bytes [n]           n bytes generated on the fly, with X-CRC32 of them; HEAD gives the head only
  /bytes-aborted [timeout]  waits until a /bytes client went away mid-body: 200, or 504 after timeout s
  /redirect [to, consume]   307 to `to`; without consume=1 it answers before inviting the body (no
                       100 Continue), as CrateDB does for blob PUTs
  /close-mid           promises 1000 bytes, sends 100, closes the connection
  /empty               closes the connection without answering
  /hang                never answers (until the server stops)
  /hang-arrived [timeout]   waits until a /hang request arrived: 200, or 504 after timeout s
  /barrier [n]         holds each request until n requests are held at once: 200, or 504 after 10 s
  /status [code]       answers with that status and a short body

Options: --cert/--key serve HTTPS; --client-ca also requires a client certificate signed by that CA.
"""
import argparse
import hashlib
import itertools
import json
import random
import signal
import socket
import ssl
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

BLOCK = random.Random(42).randbytes(64 * 1024)  # /bytes repeats this block


def generated(n):
    """The n bytes of /bytes, in blocks."""
    while n > 0:
        yield BLOCK[:n]
        n -= len(BLOCK)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    disable_nagle_algorithm = True  # head and body go out in separate writes; Nagle would hold the body 40 ms
    connection_ids = itertools.count(1)

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()  # here, in the connection's own thread; a failure ends only it
        super().setup()
        self.connection_id = next(Handler.connection_ids)

    def log_message(self, *args):
        pass

    def handle_expect_100(self):
        if self.path.startswith("/redirect") and "consume=1" not in self.path:
            return True  # answer at once, without inviting the body
        return super().handle_expect_100()

    def do_GET(self):
        self.route()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_GET

    def route(self):
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        handler = {
            "/echo": self.echo,
            "/bytes": self.bytes,
            "/bytes-aborted": self.bytes_aborted,
            "/redirect": self.redirect,
            "/close-mid": self.close_mid,
            "/empty": self.empty,
            "/hang": self.hang,
            "/hang-arrived": self.hang_arrived,
            "/barrier": self.barrier,
            "/status": self.status,
        }.get(url.path)
        if handler is None:
            self.reply(404, b"no such route\n")
        else:
            handler(query)

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        self.send_header("X-Connection-Id", str(self.connection_id))
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_body(self):
        """Yields the request body in pieces as it arrives (never all of it at once)."""
        remaining = int(self.headers.get("Content-Length", "0"))
        while remaining > 0:
            piece = self.rfile.read(min(remaining, 256 * 1024))
            if not piece:
                raise ConnectionError("body cut short")
            remaining -= len(piece)
            yield piece

    def echo(self, query):
        encoding = self.headers.get("Content-Encoding", "")
        decoder = zlib.decompressobj(wbits=31) if encoding == "gzip" else None
        sha1, crc, wire_length, body_length = hashlib.sha1(), 0, 0, 0
        for piece in self.read_body():
            wire_length += len(piece)
            if decoder:
                piece = decoder.decompress(piece)
            sha1.update(piece)
            crc = zlib.crc32(piece, crc)
            body_length += len(piece)
        answer = {
            "method": self.command,
            "path": self.path,
            "headers": {name.lower(): value for name, value in self.headers.items()},
            "content_encoding": encoding,
            "wire_length": wire_length,
            "body_length": body_length,
            "sha1": sha1.hexdigest(),
            "crc32": crc,
            "connection": self.connection_id,
        }
        self.reply(200, json.dumps(answer).encode(), [("Content-Type", "application/json")])

    def bytes(self, query):
        n = int(query.get("n", "0"))
        crc = 0
        for block in generated(n):
            crc = zlib.crc32(block, crc)
        self.send_response(200)
        self.send_header("X-Connection-Id", str(self.connection_id))
        self.send_header("Content-Length", str(n))
        self.send_header("X-CRC32", str(crc))
        self.end_headers()
        if self.command == "HEAD":
            return
        try:
            for block in generated(n):
                self.wfile.write(block)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            self.server.bytes_aborted.set()

    def bytes_aborted(self, query):
        aborted = self.server.bytes_aborted.wait(float(query.get("timeout", "10")))
        self.reply(200 if aborted else 504)

    def redirect(self, query):
        invited = self.headers.get("Expect", "").lower() != "100-continue" or query.get("consume") == "1"
        if invited:
            for _ in self.read_body():
                pass
        else:
            self.close_connection = True  # the client holds back a body we will not read
        self.reply(307, headers=[("Location", query["to"])])

    def close_mid(self, query):
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b"x" * 100)
        self.wfile.flush()
        self.close_abruptly()

    def empty(self, query):
        self.close_abruptly()

    def close_abruptly(self):
        self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True

    def hang(self, query):
        for _ in self.read_body():
            pass
        self.server.hang_arrived.set()
        self.server.stopping.wait()
        self.close_connection = True

    def hang_arrived(self, query):
        arrived = self.server.hang_arrived.wait(float(query.get("timeout", "10")))
        self.reply(200 if arrived else 504)

    def barrier(self, query):
        n = int(query.get("n", "1"))
        server = self.server
        with server.barrier:
            server.held += 1
            server.barrier.notify_all()
            complete = server.barrier.wait_for(lambda: server.held >= n, timeout=10)
        self.reply(200 if complete else 504, json.dumps({"held": server.held}).encode())

    def status(self, query):
        self.reply(int(query.get("code", "200")), b"status body\n")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 drops connection attempts of a burst of parallel requests

    def __init__(self, address, tls_context):
        super().__init__(address, Handler)
        self.tls_context = tls_context
        self.bytes_aborted = threading.Event()
        self.hang_arrived = threading.Event()
        self.stopping = threading.Event()
        self.barrier = threading.Condition()
        self.held = 0

    def get_request(self):
        sock, address = super().get_request()
        if self.tls_context:
            sock = self.tls_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request, client_address):
        pass  # clients that go away or reject the certificate are part of the tests


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--client-ca")
    args = parser.parse_args()
    # The Swift test process starts this with the signals its threads block still blocked.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])

    tls_context = None
    if args.cert:
        tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls_context.load_cert_chain(args.cert, args.key)
        if args.client_ca:
            tls_context.load_verify_locations(args.client_ca)
            tls_context.verify_mode = ssl.CERT_REQUIRED

    server = Server(("127.0.0.1", 0), tls_context)
    scheme = "https" if tls_context else "http"
    print(f"URL {scheme}://127.0.0.1:{server.server_address[1]}", flush=True)

    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # returns when the test process closes its end or dies
    server.stopping.set()


if __name__ == "__main__":
    main()
