"""CSV text in and out: rows with their line numbers, cells that spreadsheets open safely."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from app.domain.crm.csv_cells import escape_cell, unescape_cell


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one row of a file: its line number, the column and why."""

    line: int
    field: str
    message: str


class ImportRefused(Exception):
    """A file with bad rows: nothing of it was imported (the command line reports each row;
    not an API error, so not a `DomainError`)."""

    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s); nothing was imported")
        self.problems = problems


def decode(data: bytes) -> str:
    """UTF-8 text, without the BOM Excel puts in front; a bad byte is reported by its line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRefused([RowProblem(line, "file", "is not valid UTF-8 text")]) from None


def read_rows(text: str, columns: set[str], required: set[str]) -> list[tuple[int, dict[str, str]]]:
    """Each data row with the line it ends on; unknown or missing columns refuse the file."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    problems = [
        RowProblem(1, h or "(empty)", "is not a column of this import") for h in header if h not in columns
    ]
    problems += [RowProblem(1, c, "column is missing") for c in sorted(required - set(header))]
    if len(set(header)) != len(header):
        problems.append(RowProblem(1, "header", "names a column twice"))
    if problems:
        raise ImportRefused(problems)
    reader.fieldnames = header
    rows = []
    for raw in reader:
        if None in raw:
            rows.append((reader.line_num, {"": "more cells than columns"}))
            continue
        rows.append((reader.line_num, {k: unescape_cell((v or "").strip()) for k, v in raw.items()}))
    return rows


def cell(value: object) -> str:
    """A value as a CSV cell: numbers and dates as written by us, text escaped against formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else format(value.normalize(), "f")
    if isinstance(value, int | datetime | date):
        return value.isoformat() if isinstance(value, datetime | date) else str(value)
    if isinstance(value, list):
        return escape_cell(";".join(str(v) for v in value))
    return escape_cell(str(value))


def write_rows(rows: Iterator[list[object]]) -> Iterator[str]:
    """CSV lines (CRLF, as Excel writes them) for `rows`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([cell(v) for v in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
