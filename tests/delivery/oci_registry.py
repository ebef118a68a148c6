"""A real OCI registry for the publishing tests: the CNCF distribution registry (Debian's
docker-registry package, which `make setup` installs through scripts/install-tools), on
127.0.0.1 on a free port with its storage in a temporary directory, stopped afterwards.

Imported by the tests in this directory as `oci_registry` (pytest puts it on sys.path).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

BINARY = "docker-registry"
READY_SECONDS = 20.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def config(storage: Path, port: int) -> dict:
    return {
        "version": 0.1,
        "log": {"level": "warn", "accesslog": {"disabled": True}},
        "storage": {"filesystem": {"rootdirectory": str(storage)}},
        "http": {"addr": f"127.0.0.1:{port}"},
    }


def ready(port: int, process: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=2) as answer:
                if answer.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    return False


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextlib.contextmanager
def oci_registry(directory: Path) -> Iterator[str]:
    """A running registry; yields HOST:PORT."""
    binary = shutil.which(BINARY)
    if binary is None:
        pytest.fail(
            f"{BINARY} is missing: run `make setup` (scripts/install-tools installs Debian's "
            "docker-registry package, the CNCF distribution registry)"
        )
    directory.mkdir(parents=True, exist_ok=True)
    for attempt in range(3):  # a free port can be taken before the registry binds it
        port = free_port()
        config_file = directory / f"config-{attempt}.yml"
        config_file.write_text(yaml.safe_dump(config(directory / "storage", port)))
        log = (directory / f"registry-{attempt}.log").open("wb")
        process = subprocess.Popen(
            [binary, "serve", str(config_file)], stdout=log, stderr=subprocess.STDOUT
        )
        if ready(port, process):
            break
        stop(process)
        log.close()
    else:
        pytest.fail(f"the registry did not start: {(directory / 'registry-2.log').read_text()}")
    try:
        yield f"127.0.0.1:{port}"
    finally:
        stop(process)
        log.close()
