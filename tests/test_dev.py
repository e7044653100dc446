"""`make dev` stops on Ctrl-C and TERM, also when started in the background (issue 13)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from loader.paths import PROJECT_DIR

# stands in for `dagster dev`: says whether Ctrl-C reaches it, then waits to be stopped
CHILD = (
    "import signal, sys, time;"
    " print(signal.getsignal(signal.SIGINT) is not signal.SIG_IGN, flush=True); time.sleep(120)"
)
WRAPPER = (
    "import sys; from orchestration.dev import run_until_stopped;"
    f" sys.exit(run_until_stopped([sys.executable, '-c', {CHILD!r}]))"
)


def ignore_sigint_in_own_group() -> None:
    os.setpgrp()
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def background_job(code: str) -> subprocess.Popen:
    """Started as a shell starts `make dev &`: SIGINT ignored, inherited by children."""
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=ignore_sigint_in_own_group,
    )


def test_ctrl_c_and_term_stop_the_dev_server_started_in_the_background():
    for signum in (signal.SIGINT, signal.SIGTERM):
        job = background_job(WRAPPER)
        try:
            assert job.stdout.readline().strip() == "True"  # the server hears Ctrl-C again
            job.send_signal(signum)
            assert job.wait(timeout=15) == 128 + signum
        finally:
            if job.poll() is None:
                os.killpg(os.getpgid(job.pid), signal.SIGKILL)  # the wrapper's group
                job.kill()


def test_without_the_wrapper_a_background_server_ignores_ctrl_c():
    """What the wrapper is for: the bare child inherits the ignored SIGINT."""
    job = background_job(CHILD)
    assert job.stdout.readline().strip() == "False"
    try:
        job.send_signal(signal.SIGINT)
        time.sleep(1)
        assert job.poll() is None  # still running: Ctrl-C did nothing
    finally:
        job.kill()
        job.wait()
