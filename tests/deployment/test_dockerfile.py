"""The production image's shape, read from the Dockerfile (no registry here to build it).

scripts/docker_smoke.py (run by CI) replays the same file's install, migrate, start and
health-check commands; these tests hold the properties an operator relies on.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import yaml

ROOT = Path(__file__).resolve().parents[2]
BUILD_TOOLS = ("gcc", "g++", "build-essential", "make ", "apt-get install", "pip install", "git ")


def _smoke() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docker_smoke", ROOT / "scripts" / "docker_smoke.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["docker_smoke"] = module
    spec.loader.exec_module(module)
    return module


smoke = _smoke()
stages = smoke.parse((ROOT / "Dockerfile").read_text())
runtime = stages[-1]


def test_the_image_is_built_in_stages_and_runs_from_a_copied_virtualenv() -> None:
    assert len(stages) >= 2
    assert any(args.startswith("--from=build") for args in runtime.all("COPY"))
    assert not [args for args in runtime.all("COPY") if not args.startswith("--from")], (
        "no sources in runtime"
    )


def test_the_runtime_stage_has_no_build_tools_and_removes_pip() -> None:
    for args in runtime.all("RUN"):
        assert not [tool for tool in BUILD_TOOLS if tool in args], args
    assert any("uninstall" in args and "pip" in args for args in stages[0].all("RUN"))


def test_the_runtime_runs_as_a_non_root_user() -> None:
    users = runtime.all("USER")
    assert users and users[-1] not in ("root", "0", "0:0")


def test_the_healthcheck_probes_healthz() -> None:
    (check,) = runtime.all("HEALTHCHECK")
    assert "/healthz" in " ".join(smoke.healthcheck(check))


def test_migrations_are_their_own_command_not_part_of_serving() -> None:
    cmd = smoke.command(runtime.all("CMD")[-1])
    assert cmd[:2] == ["crm", "serve"] and "migrate" not in " ".join(cmd)
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert compose["services"]["migrate"]["command"] == ["crm", "migrate"]
    api = compose["services"]["api-1"]
    assert api["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_compose_runs_several_api_instances_through_pgbouncer_with_the_cache_off() -> None:
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    apis = [s for name, s in services.items() if name.startswith("api-")]
    assert len(apis) >= 2
    for api in apis:
        assert "@pgbouncer:" in api["environment"]["CRM_DATABASE_URL"]
        assert api["environment"]["CRM_PGBOUNCER"] == "true"
    assert services["pgbouncer"]["environment"]["PGBOUNCER_POOL_MODE"] == "transaction"
    assert "pg_dump" in " ".join(services["backup"]["command"])
