"""`crm import` and `crm export`: CSV files in and out, with a progress bar on stderr."""

from __future__ import annotations

import csv
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.services.crm import exports, imports
from app.services.crm.csv_rows import ImportRefused, decode

T = TypeVar("T")
Runner = Callable[[Callable[[AsyncSession], Awaitable[T]]], T]


class ProgressBar:
    """`label [#####.....] done/total` redrawn in place on stderr, at most once per percent."""

    def __init__(self, label: str, width: int = 30) -> None:
        self.label, self.width, self._shown = label, width, -1

    def __call__(self, done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        if percent == self._shown and done != total:
            return
        self._shown = percent
        filled = self.width * percent // 100
        bar = "#" * filled + "." * (self.width - filled)
        sys.stderr.write(f"\r{self.label} [{bar}] {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def import_file(kind: str, path: Path, run: Runner[Any]) -> int:
    """Import a members or transactions file; print every bad row and return 1 if refused."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"crm: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        text = decode(data)
        if kind == "customers":
            rows = imports.customer_rows(text)
            use_case = imports.import_customers
        else:
            rows = imports.transaction_rows(text)
            use_case = imports.import_transactions
        bar = ProgressBar(f"importing {kind}")
        result = run(lambda s: use_case(s, rows, bar, utcnow()))
    except ImportRefused as refused:
        for p in refused.problems:
            print(f"{path}:{p.line}: {p.field}: {p.message}", file=sys.stderr)
        print(f"import refused: {len(refused.problems)} problem(s); nothing was imported", file=sys.stderr)
        return 1
    print(f"{kind}: {result.added} added, {result.skipped} already present")
    return 0


def export_file(kind: str, out: Path, run: Runner[Any]) -> int:
    """Write every live member or every ledger entry to `out` as UTF-8 CSV with a BOM for Excel."""
    use_case = exports.export_customers if kind == "customers" else exports.export_ledger
    bar = ProgressBar(f"exporting {kind}")
    with out.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        count = run(lambda s: use_case(s, writer.writerow, bar))
    print(f"{kind}: {count} row(s) written to {out}")
    return 0
