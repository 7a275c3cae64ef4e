"""The SQL half of the CrateDB stand-in: answers POST /_sql bodies as CrateDB 5.10 does.

The HTTP server hands over the raw request body and gets back the HTTP status
and the JSON object to send. Rows live in SQLite (DIR/standin.sqlite3), blob
tables in DIR/blobs/<table>/. One lock serialises all SQLite work, which is
enough for the handful of server threads the tests use.
"""

import json
import os
import sqlite3
import threading
import time
import traceback
from typing import NamedTuple, Optional

from . import sqlast as ast
from .sqlcatalog import Catalog
from .sqlcompile import UdfErrors, register_functions
from .sqlddl import create_blob_table, create_table, drop_blob_table, drop_table, refresh
from .sqlerrors import CrateError, internal, sql_parse, unsupported
from .sqlparse import parse
from .sqlrelations import Context
from .sqlselect import run_select
from .sqlwrite import run_delete, run_insert, run_update

MAX_BULK_ERRORS = 10           # CrateDB only details the first errors of a bulk response
STATEMENT_CACHE_SIZE = 512


class SqlOutcome(NamedTuple):
    status: int          # HTTP status
    body: dict           # JSON response object, exactly CrateDB's shape
    rows_inserted: int   # rows actually written by this request (for counters)
    bulk: bool           # request used bulk_args
    encoded: Optional[bytes] = None  # `body` as JSON already, when the engine built it faster than json.dumps


class _Request(NamedTuple):
    stmt: str
    args: Optional[list]
    bulk_args: Optional[list]


def _reject_constant(name: str):
    # CrateDB's JSON parser does not accept NaN / Infinity tokens.
    raise ValueError(f"invalid JSON token {name}")


def _failed_source(text: str) -> CrateError:
    return sql_parse(f"Failed to parse source [{text}]")


def parse_request(body: bytes) -> _Request:
    """Validate a /_sql body as CrateDB's SQLRequestParser does."""
    if not body:
        raise sql_parse("Missing request body")
    text = body.decode("utf-8", "replace")
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except ValueError:
        raise _failed_source(text) from None
    if not isinstance(data, dict) or set(data) - {"stmt", "args", "bulk_args"} \
            or not isinstance(data.get("stmt"), str):
        raise _failed_source(text)
    args, bulk_args = data.get("args"), data.get("bulk_args")
    if args is not None and not isinstance(args, list):
        raise _failed_source(text)
    if bulk_args is not None and not (isinstance(bulk_args, list) and set(map(type, bulk_args)) <= {list}):
        raise _failed_source(text)
    if args and bulk_args:
        raise sql_parse("request body contains args and bulk_args. It's forbidden to provide both")
    return _Request(data["stmt"], args, bulk_args)


def _unpaired_surrogate() -> CrateError:
    return sql_parse("Text with an unpaired UTF-16 surrogate cannot be used here by the CrateDB stand-in")


def _duration_since(start: float) -> float:
    return round((time.perf_counter() - start) * 1000.0, 3)


def _error_body(error: CrateError, error_trace: bool, trace: str = "") -> dict:
    body = {"error": {"message": error.message, "code": error.code}}
    if error_trace:
        body["error_trace"] = trace or f"{error.kind}: {error.text}\n\tat cratedb-standin (SQL engine)"
    return body


class Engine:
    thread_safe = True           # the server may call it from many threads at once
    cluster_name = "standin"     # as the server's GET / reports it

    def __init__(self, data_dir: str):
        self.data_dir = data_dir
        self.blob_root = os.path.join(data_dir, "blobs")
        os.makedirs(self.blob_root, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(os.path.join(data_dir, "standin.sqlite3"),
                                     check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._udf_errors = UdfErrors()
        register_functions(self._conn, self._udf_errors)
        self._catalog = Catalog(self._conn)
        self._statements: dict = {}

    # ------------------------------------------------------------ public interface

    def sql_request(self, body: bytes, types: bool, error_trace: bool,
                    default_schema: Optional[str], user: str = "crate") -> SqlOutcome:
        start = time.perf_counter()
        bulk = False
        try:
            request = parse_request(body)
            bulk = request.args is None and request.bulk_args is not None
            parsed = self._parse(request.stmt)
            with self._lock:
                ctx = self._context(default_schema or "doc", user)
                if bulk:
                    return self._bulk(ctx, parsed.statement, request.bulk_args, start)
                return self._simple(ctx, parsed.statement, request.args or [], types, start)
        except CrateError as error:
            return SqlOutcome(error.status, _error_body(error, error_trace), 0, bulk)
        except UnicodeEncodeError:
            # A lone surrogate (`"\ud800"` in the JSON body) that SQLite cannot carry here.
            error = _unpaired_surrogate()
            return SqlOutcome(error.status, _error_body(error, error_trace), 0, bulk)
        except Exception as exc:  # never let a traceback reach the client
            error = internal(exc)
            return SqlOutcome(error.status, _error_body(error, error_trace, traceback.format_exc()), 0, bulk)

    def sink_request(self, body: bytes, types: bool = False, error_trace: bool = False,
                     default_schema: Optional[str] = None, user: str = "crate") -> SqlOutcome:
        """Benchmark mode: validate an INSERT with (bulk_)args, count it, store nothing. Every other statement
        (a client's CREATE TABLE IF NOT EXISTS, a query) runs as usual, with the request's flags, schema
        and user, so clients work unchanged."""
        start = time.perf_counter()
        bulk = False
        try:
            request = parse_request(body)
            bulk = request.args is None and request.bulk_args is not None
            parsed = self._parse(request.stmt)
            if not isinstance(parsed.statement, ast.Insert):
                return self.sql_request(body, types, error_trace, default_schema, user)
            per_row = len(parsed.statement.rows)
            rows = request.bulk_args if bulk else [request.args or []]
            expected = parsed.param_count
            if set(map(len, rows)) - {expected}:  # map and set run in C: the sink's hot path
                index, row = next((i, r) for i, r in enumerate(rows) if len(r) != expected)
                raise sql_parse(f"Argument row {index} has {len(row)} values but the statement "
                                f"has {expected} parameter placeholders")
            inserted = per_row * len(rows)
            if bulk:
                # The benchmark's hot path: one {"rowcount": n} per row, written by repeating its text rather than
                # encoding thousands of equal dictionaries (about a fifth of the sink's time per row).
                duration = _duration_since(start)
                body_out = {"cols": [], "duration": duration, "results": [{"rowcount": per_row}] * len(rows)}
                results = ",".join([f'{{"rowcount":{per_row}}}'] * len(rows))
                encoded = f'{{"cols":[],"duration":{duration!r},"results":[{results}]}}'.encode()
                return SqlOutcome(200, body_out, inserted, bulk, encoded)
            else:
                body_out = {"cols": []}
                if types:
                    body_out["col_types"] = []
                body_out.update(rows=[[]], rowcount=per_row, duration=_duration_since(start))
            return SqlOutcome(200, body_out, inserted, bulk)
        except CrateError as error:
            return SqlOutcome(error.status, _error_body(error, error_trace), 0, bulk)
        except Exception as exc:
            error = internal(exc)
            return SqlOutcome(error.status, _error_body(error, error_trace, traceback.format_exc()), 0, bulk)

    def blob_table_exists(self, name: str) -> bool:
        with self._lock:
            return name in self._catalog.blob_tables

    def blob_dir(self, name: str) -> str:
        return os.path.join(self.blob_root, name)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # ------------------------------------------------------------ execution

    def _parse(self, stmt: str) -> ast.Parsed:
        parsed = self._statements.get(stmt)
        if parsed is None:
            parsed = parse(stmt)
            if len(self._statements) >= STATEMENT_CACHE_SIZE:
                self._statements.clear()
            self._statements[stmt] = parsed
        return parsed

    def _context(self, default_schema: str, user: str) -> Context:
        session = {"current_user": user, "session_user": user, "user": user,
                   "current_schema": default_schema}
        return Context(self._conn, self._catalog, default_schema, int(time.time() * 1000), session,
                       self.blob_root, self.cluster_name, self._udf_errors)

    def _simple(self, ctx: Context, stmt, args: list, types: bool, start: float) -> SqlOutcome:
        if isinstance(stmt, ast.Select):
            result = self._run(lambda: run_select(ctx, stmt, args), write=False)
            body = {"cols": result.cols}
            if types:
                body["col_types"] = [t.type_id for t in result.types]
            body.update(rows=result.rows, rowcount=len(result.rows), duration=_duration_since(start))
            return SqlOutcome(200, body, 0, False)
        inserted = 0
        if isinstance(stmt, ast.Insert):
            rows = self._run(lambda: run_insert(ctx, stmt, [args]))[0]
            if len(rows) == 1 and rows[0].error is not None:
                raise rows[0].error
            rowcount = inserted = sum(r.rowcount for r in rows if r.rowcount > 0)
        elif isinstance(stmt, ast.Update):
            result = self._run(lambda: run_update(ctx, stmt, args))
            if result.error is not None:
                # An UPDATE by primary key fails on a row's error outside bulk requests
                # (ShardRequestExecutor.updateOrFail); the rows already written stay written.
                raise result.error
            rowcount = result.rowcount
        else:
            rowcount = self._run(lambda: self._run_other(ctx, stmt, args))
        body = {"cols": []}
        if types:
            body["col_types"] = []
        body.update(rows=[[]], rowcount=rowcount, duration=_duration_since(start))
        return SqlOutcome(200, body, inserted, False)

    def _run_other(self, ctx: Context, stmt, args: list) -> int:
        if isinstance(stmt, ast.Delete):
            return run_delete(ctx, stmt, args)
        if isinstance(stmt, ast.CreateTable):
            return create_table(ctx, stmt)
        if isinstance(stmt, ast.DropTable):
            return drop_table(ctx, stmt)
        if isinstance(stmt, ast.CreateBlobTable):
            return create_blob_table(ctx, stmt)
        if isinstance(stmt, ast.DropBlobTable):
            return drop_blob_table(ctx, stmt)
        if isinstance(stmt, ast.Refresh):
            return refresh(ctx, stmt)
        return 0                                   # BEGIN / COMMIT

    def _bulk(self, ctx: Context, stmt, bulk_args: list, start: float) -> SqlOutcome:
        results = []
        inserted = 0
        if bulk_args:
            if isinstance(stmt, ast.Select):
                raise unsupported("Bulk operations for statements that return result sets is not supported")
            if isinstance(stmt, ast.Insert):
                per_args = self._run(lambda: run_insert(ctx, stmt, bulk_args))
                results = self._bulk_items(per_args)
                inserted = sum(item["rowcount"] for item in results if item["rowcount"] > 0)
            elif isinstance(stmt, ast.Update):
                results = self._bulk_items(self._run(lambda: [[run_update(ctx, stmt, args)] for args in bulk_args]))
            elif isinstance(stmt, ast.Delete):
                counts = self._run(lambda: [run_delete(ctx, stmt, args) for args in bulk_args])
                results = [{"rowcount": count} for count in counts]
            else:
                raise unsupported("Bulk operations are only supported for INSERT, UPDATE and DELETE")
        body = {"cols": [], "duration": _duration_since(start), "results": results}
        return SqlOutcome(200, body, inserted, True)

    @staticmethod
    def _bulk_items(per_args: list) -> list:
        """One result item per args row, from its RowResults (one per VALUES tuple, one for an UPDATE)."""
        items, errors = [], 0
        for rows in per_args:
            written = sum(r.rowcount for r in rows if r.rowcount > 0)
            failed = [r for r in rows if r.error is not None]
            if failed and written == 0 and len(failed) == len(rows):
                item = {"rowcount": -2}
                if errors < MAX_BULK_ERRORS:
                    error = failed[0].error
                    item["error"] = {"code": error.code, "message": error.message}
                errors += 1
                items.append(item)
            else:
                items.append({"rowcount": written})
        return items

    def _run(self, action, write: bool = True):
        """Run one statement in a transaction; on failure undo rows and definitions."""
        if not write:
            return self._translate_sqlite_errors(action)
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            result = self._translate_sqlite_errors(action)
        except BaseException:
            if self._conn.in_transaction:      # SQLite may already have rolled back by itself
                self._conn.execute("ROLLBACK")
            self._catalog = Catalog(self._conn)
            raise
        self._conn.execute("COMMIT")
        return result

    def _translate_sqlite_errors(self, action):
        try:
            return action()
        except sqlite3.Error as error:
            pending = self._udf_errors.take()
            if pending is not None:
                raise pending from None
            if "integer overflow" in str(error):
                raise sql_parse("long overflow") from None
            if isinstance(error, sqlite3.OperationalError):
                # SQL built from the user's statement that SQLite refuses: a statement error.
                raise sql_parse(str(error)) from None
            raise
