"""Where a class run writes each student's result, as soon as it is known.

- ``results/<key>.json`` in the output folder: one file per student, written
  atomically; the source of truth for ``--resume``;
- ``results.jsonl``: one line per student, appended and flushed as results
  come in, so an interrupted run keeps every finished line.

A record is the `Result` contract (`normkatas.report.result.to_builtins`) with three
more keys: ``student``, ``key`` and ``sha256`` (of the file's content).
Per-student files are written by a background thread (an atomic write
fsyncs, which would otherwise hold up the grading loop); `close` waits for
it, so every result handed to `add` is on disk once `close` returns.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import msgspec

from normkatas.app.batch.collect import Submission
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

    def __init__(self, results_dir: Path | None, jsonl: Path | None) -> None:
        self.results_dir = results_dir
        self.jsonl = jsonl
        self._handle: IO[bytes] | None = None
        self._queue: queue.Queue[tuple[Path, str] | None] = queue.Queue()
        self._writer: threading.Thread | None = None
        self._error: BaseException | None = None

    def previous(self) -> dict[str, Previous]:
        """Results of an earlier run, by key (unreadable files are skipped)."""
        found: dict[str, Previous] = {}
        if self.results_dir is None or not self.results_dir.is_dir():
            return found
        decoder = msgspec.json.Decoder(Result)
        for path in sorted(self.results_dir.glob("*.json")):
            try:
                raw = path.read_bytes()
                meta = msgspec.json.decode(raw)
                result = decoder.decode(raw)
            except (OSError, msgspec.DecodeError, msgspec.ValidationError):
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
        lines = [msgspec.json.encode(record(s, r)).decode("utf-8") + "\n" for s, r in kept]
        write_atomic(self.jsonl, "".join(lines))
        self._handle = open(self.jsonl, "ab")  # noqa: SIM115 - closed in close()

    def add(self, submission: Submission, result: Result) -> None:
        data = record(submission, result)
        line = msgspec.json.encode(data)
        if self.results_dir is not None:
            text = msgspec.json.format(line, indent=2).decode("utf-8") + "\n"
            self._write_later(self.results_dir / f"{submission.key}.json", text)
        if self._handle is not None:
            self._handle.write(line + b"\n")
            self._handle.flush()

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
            if self._error is None:
                try:
                    write_atomic(*item)
                except BaseException as exc:  # reported by close()
                    self._error = exc

    def close(self) -> None:
        """Wait for every per-student file; raise the first error writing them."""
        if self._writer is not None:
            self._queue.put(None)
            self._writer.join()
            self._writer = None
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error
