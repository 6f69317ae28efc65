"""The POS guide, run as written against a real server, reproduces the worked example."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import textwrap
from pathlib import Path

from fastapi import FastAPI

from tests.conftest import make_key

GUIDE = Path(__file__).parents[2] / "docs" / "pos-integration.md"


def shell_blocks(markdown: str) -> str:
    blocks = re.findall(r"^( *)```bash\n(.*?)^\1```", markdown, re.S | re.M)
    return "\n".join(textwrap.dedent(body) for _, body in blocks)


async def test_the_pos_guide_reproduces_the_worked_example(server: str, app: FastAPI) -> None:
    key = (await make_key(app))["Authorization"].removeprefix("Bearer ")
    script = shell_blocks(GUIDE.read_text())
    run = await asyncio.to_thread(
        subprocess.run,
        ["bash", "-c", "set -euo pipefail\n" + script],
        env={**os.environ, "BASE": server, "KEY": key},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    out = run.stdout
    quote_and_post = re.findall(r'"payable":"3000.00".*?"points":"([\d.]+)"', out)
    assert quote_and_post[:2] == ["1280.00", "1280.00"] and '"tier_after":"silver"' in out
    second = re.search(r'"rebate_rate":"0.05","rebate":"64.00","payable":"2936.00".*?"points":"1216.00"', out)
    assert second is not None, out
    assert '"profit_points":"786.00","consumption_points":"2936.00"' in out
    assert "idempotent-replayed: true" in out.lower()
    assert '"code":"duplicate_receipt"' in out and '"existing_id":"txn_' in out
    assert '"points":"193.88"' in out and '"points":"1022.12"' in out and '"balance":"6080.00"' in out
