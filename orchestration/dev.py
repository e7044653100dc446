"""`make dev`: the Dagster UI, stopped cleanly by Ctrl-C or a TERM signal.

``python -m orchestration.dev`` prepares the dbt manifest (never at import time), then
runs ``dagster dev`` in its own process group with SIGINT restored to its default: a
shell that starts a job in the background sets SIGINT to "ignore", the child inherits
it, and ``dagster dev`` then ignored Ctrl-C and TERM alike. INT and TERM received here
are passed on to the whole group (the webserver, the daemon, the code server); the
group gets KILL if it has not stopped within STOP_SECONDS.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from loader.paths import PROJECT_DIR

STOP_SECONDS = 20


def dagster_dev_command(host: str = "127.0.0.1", port: int = 3000) -> list[str]:
    dagster = Path(sys.executable).with_name("dagster")
    return [str(dagster), "dev", "--host", host, "--port", str(port)]


def _restore_default_signals() -> None:
    """In the child, before exec: its own process group, INT and TERM at their defaults."""
    os.setpgrp()
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def run_until_stopped(command: list[str], env: dict[str, str] | None = None) -> int:
    """Run command in its own process group until it exits or INT/TERM arrives here (then
    passed on to the group); its exit code, or 128 + the signal that stopped it."""
    child = subprocess.Popen(command, env=env, preexec_fn=_restore_default_signals)  # noqa: PLW1509
    received: list[int] = []

    def forward(signum: int, _frame) -> None:
        received.append(signum)
        try:
            os.killpg(child.pid, signum)
        except ProcessLookupError:
            pass

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        while True:
            try:
                code = child.wait(timeout=STOP_SECONDS if received else None)
                break
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 128 + received[0] if received and code < 0 else code


def main() -> int:
    from orchestration.warehouse import prepare_manifest

    prepare_manifest()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "DAGSTER_HOME": str(PROJECT_DIR / "dagster_home"),
    }
    return run_until_stopped(dagster_dev_command(), env)


if __name__ == "__main__":
    sys.exit(main())
