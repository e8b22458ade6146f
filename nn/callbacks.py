"""Per-epoch callbacks for ``fit``: logs to a CSV or JSON-lines file, and reading a log back.

A callback is any callable ``callback(epoch, logs)``; ``fit`` calls it after every epoch with the
epoch number (from 1) and that epoch's figures: ``train_loss``, ``train_acc``, ``lr``, with a
validation loader ``val_loss`` and ``val_acc``, and ``seconds`` (the epoch's wall time). Its
return value is ignored. A plain function is a callback::

    def report(epoch, logs):
        print(epoch, logs["val_acc"])

    fit(..., callbacks=[CSVLogger("run.csv"), report])
    plot_history("run.csv", "run.png")  # the log plots with one call

A log file holds one run. When a run starts (or resumes) at epoch ``e``, the logger keeps the rows
of the epochs before ``e`` and drops the rest, so a run resumed from a checkpoint continues its
log without repeated or missing epochs.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from typing import Any

from .serialization import write_bytes_atomic

__all__ = ["CSVLogger", "JSONLinesLogger", "read_log"]

Row = dict[str, float]


class _EpochLog:
    """One row per epoch, appended; the first row of a run decides which earlier rows stay."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._columns: list[str] | None = None

    def __call__(self, epoch: int, logs: dict[str, float]) -> None:
        row = {"epoch": epoch, **logs}
        if self._columns is None:
            self._begin(row)
        with open(self.path, "a", encoding="utf-8", newline="") as f:
            f.write(self._line(row))

    def _begin(self, row: dict[str, Any]) -> None:
        kept = [r for r in self._read() if r["epoch"] < row["epoch"]]
        self._columns = list(row)
        if kept and list(kept[0]) != self._columns:
            raise ValueError(
                f"{type(self).__name__}: {self.path} logs the columns {list(kept[0])}, this run "
                f"logs {self._columns}; give another file"
            )
        text = self._header() + "".join(self._line(r) for r in kept)
        write_bytes_atomic(text.encode("utf-8"), self.path)

    def _read(self) -> list[Row]:
        try:
            with open(self.path, encoding="utf-8", newline="") as f:
                return self._parse(f.read())
        except FileNotFoundError:
            return []

    def _header(self) -> str:
        return ""

    def _line(self, row: dict[str, Any]) -> str:
        raise NotImplementedError

    @staticmethod
    def _parse(text: str) -> list[Row]:
        raise NotImplementedError


class CSVLogger(_EpochLog):
    """Write each epoch's figures as a row of a CSV file with a header line (``epoch`` first).
    Floats are written in full (``repr``), so the file holds the exact values."""

    def _header(self) -> str:
        return ",".join(self._columns or []) + "\n"

    def _line(self, row: dict[str, Any]) -> str:
        return ",".join(repr(row[c]) for c in self._columns or row) + "\n"

    @staticmethod
    def _parse(text: str) -> list[Row]:
        lines = list(csv.reader(io.StringIO(text)))
        if not lines:
            return []
        header, rows = lines[0], []
        for fields in lines[1:]:
            row = _numbers(dict(zip(header, fields))) if len(fields) == len(header) else None
            if row is not None:  # a line cut short by a kill is dropped
                rows.append(row)
        return rows


class JSONLinesLogger(_EpochLog):
    """Write each epoch's figures as one JSON object per line (``{"epoch": 1, ...}``); NaN and
    infinities, which JSON lacks, are written as strings ("nan", "inf", "-inf")."""

    def _line(self, row: dict[str, Any]) -> str:
        values = {k: v if _finite_or_int(v) else repr(float(v)) for k, v in row.items()}
        return json.dumps(values) + "\n"

    @staticmethod
    def _parse(text: str) -> list[Row]:
        rows = []
        for line in text.splitlines():
            try:
                values = json.loads(line)
            except ValueError:
                continue  # a line cut short by a kill
            row = _numbers(values) if isinstance(values, dict) else None
            if row is not None:
                rows.append(row)
        return rows


def _finite_or_int(v: Any) -> bool:
    return isinstance(v, int) or math.isfinite(v)


def _numbers(values: dict[str, Any]) -> Row | None:
    """A log row with every value a number (epoch an int), or None if one is not."""
    try:
        row = {k: float(v) for k, v in values.items()}
        row["epoch"] = int(values["epoch"])
    except (KeyError, TypeError, ValueError):
        return None
    return row


def read_log(path: str | os.PathLike[str]) -> dict[str, list[float]]:
    """A CSV or JSON-lines log written by the loggers above, as a history: column -> values per
    epoch (``epoch`` included), ready for ``nn.training.plot_history``."""
    path = os.fspath(path)
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    parse = JSONLinesLogger._parse if text.lstrip().startswith("{") else CSVLogger._parse
    rows = parse(text)
    if not rows:
        raise ValueError(f"read_log: {path} holds no complete epoch rows")
    return {key: [row[key] for row in rows] for key in rows[0]}
