"""Run the Dockerfile's own install, migrate, start and health-check commands without Docker.

No container registry is reachable here, so the image cannot be built; instead this reads the
Dockerfile and replays it in a temporary directory: the build stage's COPY and RUN lines (into
a fresh virtualenv at the image's path, mapped under the directory), then with the runtime
stage's ENV and WORKDIR the migrate command of compose.yaml's `migrate` service, the image's
CMD, and its HEALTHCHECK until it passes. Nothing is written here by hand, so the image and
this check cannot drift apart. `tests/deployment/test_dockerfile.py` checks the file's shape.

    .venv/bin/python scripts/docker_smoke.py
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Stage:
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for key, args in self.instructions if key == keyword]


def parse(text: str) -> list[Stage]:
    """The Dockerfile's stages, each a list of (INSTRUCTION, arguments) with continuations joined."""
    stages: list[Stage] = []
    logical = re.sub(r"\\\n(\s*#.*\n)*", " ", text)
    for line in logical.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, args = line.partition(" ")
        keyword, args = keyword.upper(), args.strip()
        if keyword == "FROM":
            stages.append(Stage(args.split(" AS ")[-1].strip() if " AS " in args else args))
        stages[-1].instructions.append((keyword, args))
    return stages


def command(args: str) -> list[str]:
    """An exec-form (JSON) or shell-form command as an argument list."""
    return list(json.loads(args)) if args.startswith("[") else ["sh", "-c", args]


def healthcheck(args: str) -> list[str]:
    """The command of `HEALTHCHECK [options] CMD …`."""
    return command(args.split("CMD", 1)[1].strip())


def env_pairs(args: str) -> list[tuple[str, str]]:
    return [(k, v) for k, _, v in (item.partition("=") for item in shlex.split(args))]


class Replay:
    """Container paths mapped under a temporary directory; PATH and `python` from this host."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "VIRTUAL_ENV", "PIP_"))}
        shim = base / "host-bin"
        shim.mkdir()
        (shim / "python").symlink_to(shutil.which("python3") or sys.executable)
        self.env["PATH"] = f"{shim}:{self.env['PATH']}"
        self.cwd = base

    def path(self, container_path: str) -> str:
        return re.sub(r"(?<![\w.])/(opt|src|data)\b", lambda m: f"{self.base}/{m.group(1)}", container_path)

    def stage(self, stage: Stage, run: bool) -> None:
        for keyword, args in stage.instructions:
            if keyword == "WORKDIR":
                self.cwd = Path(self.path(args))
                self.cwd.mkdir(parents=True, exist_ok=True)
            elif keyword == "ENV":
                for key, value in env_pairs(args):
                    self.env[key] = self.path(value).replace("$PATH", self.env["PATH"])
            elif keyword == "COPY" and not args.startswith("--from"):
                *sources, dest = args.split()
                target = self.cwd / dest
                for source in sources:
                    src = ROOT / source
                    if src.is_dir():
                        shutil.copytree(src, target, ignore=shutil.ignore_patterns("__pycache__"))
                    else:
                        shutil.copy2(src, target)
            elif keyword == "RUN" and run:
                print(f"RUN {args}", flush=True)
                subprocess.run(command(self.path(args)), cwd=self.cwd, env=self.env, check=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    stages = parse((ROOT / "Dockerfile").read_text())
    build, runtime = stages[0], stages[-1]
    migrate = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]["migrate"]["command"]
    port = str(free_port())
    with tempfile.TemporaryDirectory(prefix="crm-image-") as tmp:
        replay = Replay(Path(tmp))
        replay.stage(build, run=True)
        replay.stage(runtime, run=False)
        venv_python = Path(replay.path("/opt/crm/bin/python"))
        if subprocess.run([venv_python, "-c", "import pip"], capture_output=True).returncode == 0:
            raise SystemExit("the runtime virtualenv still has pip")
        print(f"migrate: {migrate}", flush=True)
        subprocess.run(migrate, cwd=replay.cwd, env=replay.env, check=True)
        cmd = [
            port if arg == "8000" else "127.0.0.1" if arg == "0.0.0.0" else arg
            for arg in command(runtime.all("CMD")[-1])
        ]
        check = [arg.replace(":8000/", f":{port}/") for arg in healthcheck(runtime.all("HEALTHCHECK")[-1])]
        print(f"CMD {cmd}", flush=True)
        server = subprocess.Popen(cmd, cwd=replay.cwd, env=replay.env)
        try:
            deadline = time.monotonic() + 60
            while subprocess.run(check, env=replay.env, capture_output=True).returncode != 0:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the image's CMD did not become healthy")
                time.sleep(0.5)
            print("docker smoke: installed, migrated, started and healthy as the image would be")
        finally:
            server.terminate()
            server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
