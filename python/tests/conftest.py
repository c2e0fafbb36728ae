"""A real pool manager for the Python tests: ``./kvpool manager`` in its own process on a region file in /dev/shm,
with its control socket beside its Aeron directory. Skipped, with the reason, where the project's launcher cannot run
(no JDK 25 or Maven). KVPOOL_MANAGER names another command that runs the manager's CLI (the GPU machine's carried
runtime: bench/engine/run.sh sets it)."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CARRIED = os.environ.get("KVPOOL_MANAGER")


def kvpool_command() -> list[str]:
    """How the manager's CLI runs here: the project's launcher, or KVPOOL_MANAGER."""
    return shlex.split(CARRIED) if CARRIED else [str(ROOT / "kvpool")]


class Manager:
    """size: the region's; the default is a mebibyte past its 2 MiB slabs, so that its tail holds the key directory
    (region-format.md §9) that clients find keys through."""

    def __init__(self, directory: Path, extra: list[str], size: str = "97m"):
        self.directory = directory
        self.extra = extra
        self.size = size
        self.process = None
        self.log = directory / "manager.log"

    @property
    def control(self) -> str:
        return str(self.directory / "aeron.sock")

    @property
    def aeron_dir(self) -> str:
        return str(self.directory / "aeron")

    def start(self):
        command = [*kvpool_command(), "manager", "--region-file", str(self.directory / "region"), "--size", self.size,
                   "--slab-size", "2m", "--min-block-size", "16k", "--embedded-aeron-dir", self.aeron_dir,
                   "--metrics-port", "-1", "--admin-token", "admin", "--no-prefault", *self.extra]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 240
        while b"\nready" not in self.log.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the manager did not start:\n" + self.log.read_text(errors="replace"))
            time.sleep(0.05)

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.kill()


def _launcher_missing() -> str | None:
    if CARRIED:
        return None
    if shutil.which("mvn") is None:
        return "Maven is not installed: the manager the tests run is built with it (apt-get install maven)"
    probe = subprocess.run([str(ROOT / "kvpool"), "jdk"], capture_output=True, text=True)
    if probe.returncode != 0:
        return "no JDK 25 for the manager the tests run: " + probe.stderr.strip()
    return None


@pytest.fixture(scope="session")
def launcher():
    why = _launcher_missing()
    if why:
        pytest.skip(why)
    # Build once, before any test's clock starts.
    if not CARRIED:
        subprocess.run([str(ROOT / "kvpool"), "build"], check=True, capture_output=True)
    return ROOT


@pytest.fixture
def manager(launcher):
    directory = Path(tempfile.mkdtemp(prefix="kvpool-py-", dir="/dev/shm"))
    manager = Manager(directory, [])
    try:
        manager.start()
        yield manager
    finally:
        manager.stop()
        shutil.rmtree(directory, ignore_errors=True)
