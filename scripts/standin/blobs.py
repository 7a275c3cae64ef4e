"""Blob requests, /_blobs/{table}/{digest}, answered as CrateDB's HttpBlobHandler does.

Blobs live as one file per digest in the folder the engine names for the table (engine.blob_dir), so
the SQL side (`blob.<table>`) and restarts see the same files. Bodies are streamed both ways: an upload
is hashed while it is written to a temporary file beside its final place, a download is sent from disk
with sendfile, so a blob of any size never sits in memory.

CrateDB answers blob requests with empty bodies (only status and headers), which this module copies.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile

from . import server

# CrateDB's pattern: a table name not starting with "_", a digest of 40 lower-case hex digits.
BLOB_PATH = re.compile(r"^/_blobs/([^_/][^/]*)/([0-9a-f]{40})$")
RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")
METHODS = ("GET", "HEAD", "PUT", "DELETE")

# CrateDB marks blobs as immutable for caches: the digest is the content.
CACHE_HEADERS = (
    ("accept-ranges", "bytes"),
    ("expires", "Thu, 31 Dec 2037 23:59:59 GMT"),
    ("cache-control", "max-age=315360000"),
)

UPLOAD_PREFIX = ".upload-"  # temporary files: never 40 hex digits, so never mistaken for a blob


def respond(request: "server.Request", cluster: "server.Cluster", redirect_base: str | None) -> "server.Response":
    """The answer to one blob request. redirect_base is the URL of the node to send it to (redirect mode)."""
    match = BLOB_PATH.match(request.path)
    if match is None:
        return server.Response(404)
    table, digest = match.groups()
    if request.method not in METHODS:
        return server.Response(405)
    if not cluster.blob_table_exists(table):
        return server.Response(404)
    # CrateDB redirects a PUT only when the body has not been sent yet, i.e. with Expect: 100-continue.
    if redirect_base is not None and (request.method != "PUT" or request.expect_continue):
        return _redirect(redirect_base + request.target)
    path = os.path.join(cluster.blob_dir(table), digest)
    if request.method == "GET":
        return _get(path, request.headers.get("range"))
    if request.method == "HEAD":
        return _head(path)
    if request.method == "DELETE":
        return _delete(path)
    return _put(request, path, digest)


def _redirect(location: str) -> "server.Response":
    # Closed afterwards: a PUT client that waited for 100 Continue may still push its body at us.
    return server.Response(307, headers=(("location", location),), close=True)


def _get(path: str, range_header: str | None) -> "server.Response":
    try:
        fileobj = open(path, "rb")
    except FileNotFoundError:
        return server.Response(404)
    size = os.fstat(fileobj.fileno()).st_size
    wanted = _parse_range(range_header, size) if range_header else None
    if wanted == "unsatisfiable":
        fileobj.close()
        return server.Response(416, headers=(("content-range", f"bytes */{size}"),))
    if wanted is None:
        return server.Response(200, headers=CACHE_HEADERS, file=(fileobj, 0, size), length=size)
    start, end = wanted
    count = end - start + 1
    headers = (("content-range", f"bytes {start}-{end}/{size}"),) + CACHE_HEADERS
    return server.Response(206, headers=headers, file=(fileobj, start, count), length=count)


def _parse_range(header: str, size: int):
    """(start, end) inclusive; None for the whole blob; "unsatisfiable" for a start past the end.

    Like CrateDB, only `bytes=s-` and `bytes=s-e` are understood; anything else gets the full content.
    """
    match = RANGE.match(header.strip())
    if match is None:
        return None
    start = int(match.group(1))
    if start >= size:
        return "unsatisfiable"
    end = int(match.group(2)) if match.group(2) else size - 1
    if end < start:
        return None  # an invalid range is ignored (RFC 9110 14.2)
    return start, min(end, size - 1)


def _head(path: str) -> "server.Response":
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        return server.Response(404)
    return server.Response(200, headers=CACHE_HEADERS, length=size, send_body=False)


def _delete(path: str) -> "server.Response":
    try:
        os.unlink(path)
    except FileNotFoundError:
        return server.Response(404)
    return server.Response(204)


def _put(request: "server.Request", path: str, digest: str) -> "server.Response":
    if os.path.exists(path):
        # Answered before the body is read; the connection layer drains it, or closes when the client
        # is still waiting for 100 Continue.
        return server.Response(409)
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fd, temp_path = tempfile.mkstemp(prefix=UPLOAD_PREFIX, dir=folder)
    try:
        sha1 = hashlib.sha1()
        with os.fdopen(fd, "wb") as out:
            for piece in request.body.chunks():
                sha1.update(piece)
                out.write(piece)
        if sha1.hexdigest() != digest:
            return server.Response(400)
        try:
            # link() fails if the name exists: two concurrent uploads of one digest give one 201, one 409.
            os.link(temp_path, path)
        except FileExistsError:
            return server.Response(409)
        return server.Response(201)
    finally:
        try:
            os.unlink(temp_path)
        except FileNotFoundError:
            pass
