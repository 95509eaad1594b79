"""Where a class run writes each student's result, as soon as it is known.

- ``results/<key>.json`` in the output folder: one file per student, written
  atomically; the source of truth for ``--resume``;
- ``results.jsonl``: one line per student, appended and flushed as results
  come in, so an interrupted run keeps every finished line.

A record is the `Result` contract (`normkatas.report.result.to_builtins`) with four
more keys: ``student``, ``key``, ``sha256`` (of the file's content) and
``seal`` (see `normkatas.app.batch.seal`: ``--resume`` trusts only records
whose seal it can verify).  Only the grader writes these files, once a
student's jobs have all finished.
Per-student files are written by a background thread (an atomic write
fsyncs, which would otherwise hold up the grading loop); `close` waits for
it, so every result handed to `add` is on disk once `close` returns.  A file
that cannot be written (a full disk) is named in `failures`; the others are
still written.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import msgspec

from normkatas.app.batch.collect import Submission
from normkatas.app.batch.seal import load_or_create_key, seal, verify
from normkatas.app.output import write_atomic
from normkatas.report.result import Result, to_builtins


@dataclass(frozen=True)
class Previous:
    student: str
    sha256: str
    result: Result


def record(submission: Submission, result: Result) -> dict[str, Any]:
    return {
        "student": submission.student,
        "key": submission.key,
        "sha256": submission.sha256,
        **to_builtins(result),
    }


class ResultStore:
    """Per-student files and the JSON Lines file; either may be absent."""

    def __init__(
        self, results_dir: Path | None, jsonl: Path | None, *, key_dir: Path | None = None
    ) -> None:
        self.results_dir = results_dir
        self.jsonl = jsonl
        self.key_dir = key_dir if key_dir is not None else (
            results_dir.parent if results_dir is not None else None
        )
        self._key: bytes | None = None
        self._handle: IO[bytes] | None = None
        self._queue: queue.Queue[tuple[Path, str] | None] = queue.Queue()
        self._writer: threading.Thread | None = None
        self._lock = threading.Lock()
        self.failures: list[tuple[Path, str]] = []
        """Files that could not be written, with the reason (e.g. no space left on device)."""
        self.untrusted = 0
        """Result files of an earlier run that ``previous`` refused (no valid seal)."""

    @property
    def key(self) -> bytes:
        if self._key is None:
            if self.key_dir is None:
                import secrets

                self._key = secrets.token_bytes(32)  # nothing written to resume from
            else:
                self._key = load_or_create_key(self.key_dir)
        return self._key

    def previous(self) -> dict[str, Previous]:
        """Results of an earlier run that carry this folder's seal, by key.

        Unreadable, unsealed or altered files are skipped (counted in ``untrusted``):
        their students are graded again.
        """
        found: dict[str, Previous] = {}
        if self.results_dir is None or not self.results_dir.is_dir():
            return found
        decoder = msgspec.json.Decoder(Result)
        for path in sorted(self.results_dir.glob("*.json")):
            try:
                raw = path.read_bytes()
                meta = msgspec.json.decode(raw)
                if not verify(meta, self.key):
                    self.untrusted += 1
                    continue
                result = decoder.decode(raw)
            except (OSError, msgspec.DecodeError, msgspec.ValidationError):
                self.untrusted += 1
                continue
            if not isinstance(meta, dict):
                continue
            key, sha = meta.get("key"), meta.get("sha256")
            if isinstance(key, str) and isinstance(sha, str) and key == path.stem:
                found[key] = Previous(str(meta.get("student", key)), sha, result)
        return found

    def start(self, kept: Iterable[tuple[Submission, Result]]) -> None:
        """Begin the JSON Lines file with the results kept from an earlier run."""
        if self.jsonl is None:
            return
        lines = [msgspec.json.encode(self._record(s, r)).decode("utf-8") + "\n"
                 for s, r in kept]
        try:
            write_atomic(self.jsonl, "".join(lines))
            self._handle = open(self.jsonl, "ab")  # noqa: SIM115 - closed in close()
        except OSError as exc:
            self._failed(self.jsonl, exc)

    def _record(self, submission: Submission, result: Result) -> dict[str, Any]:
        return seal(record(submission, result), self.key)

    def add(self, submission: Submission, result: Result) -> None:
        data = self._record(submission, result)
        line = msgspec.json.encode(data)
        if self.results_dir is not None:
            text = msgspec.json.format(line, indent=2).decode("utf-8") + "\n"
            self._write_later(self.results_dir / f"{submission.key}.json", text)
        if self._handle is not None:
            try:
                self._handle.write(line + b"\n")
                self._handle.flush()
            except OSError as exc:  # e.g. a full disk: the per-student files go on
                self._failed(self.jsonl or Path("results.jsonl"), exc)
                with contextlib.suppress(OSError):
                    self._handle.close()
                self._handle = None

    def _failed(self, path: Path, exc: Exception) -> None:
        with self._lock:
            self.failures.append((path, getattr(exc, "strerror", None) or str(exc)))

    def _write_later(self, path: Path, text: str) -> None:
        if self._writer is None:
            self._writer = threading.Thread(target=self._drain, name="results-writer", daemon=True)
            self._writer.start()
        self._queue.put((path, text))

    def _drain(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            try:
                write_atomic(*item)
            except Exception as exc:  # this student's file only; reported by the caller
                self._failed(item[0], exc)

    def close(self) -> None:
        """Wait for every per-student file (those that failed are in ``failures``)."""
        if self._writer is not None:
            self._queue.put(None)
            self._writer.join()
            self._writer = None
        if self._handle is not None:
            try:
                self._handle.close()
            except OSError as exc:
                self._failed(self.jsonl or Path("results.jsonl"), exc)
            self._handle = None
