"""`crm analyse`: the bulk member analysis from the command line, with its progress bar."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx

from tests.api.test_analysis import buy, shown
from tests.conftest import SECRET
from tests.helpers import new_member
from tests.integration.test_cli import ROOT


def analyse(migrated: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "analyse", *args],
        env={**os.environ, "CRM_DATABASE_URL": migrated, "CRM_SECRET_KEY": SECRET},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


async def test_crm_analyse_scores_everyone_once_and_then_changes_nothing(
    client: httpx.AsyncClient, admin: dict[str, str], migrated: str
) -> None:
    members = [(await new_member(client, admin))["id"] for _ in range(5)]
    for n, member in enumerate(members):
        await buy(client, admin, member, f"{100 * (n + 1)}.00", days_ago=10 + n)
    first = analyse(migrated, "--batch", "2")
    assert "analyse [##############################] 5/5" in first.stderr
    assert "analysed 5 members" in first.stdout and ": 5 changed; 5 active" in first.stdout
    assert (await shown(client, admin, members[-1]))["segments"] == ["value"]
    assert (await shown(client, admin, members[0]))["rfm"] == {"r": 5, "f": 1, "m": 1}
    again = analyse(migrated)
    assert ": 0 changed;" in again.stdout and "0 customer.at_risk" in again.stdout
