"""A PEP 517 build backend for the kvpool Python package, standard library only: it packs ``kvpool/`` into a pure
Python wheel. It exists so that ``pip install ./python`` needs no package index (pip would otherwise fetch
setuptools into an isolated build environment)."""

from __future__ import annotations

import base64
import hashlib
import os
import tomllib
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _project() -> dict:
    return tomllib.loads((HERE / "pyproject.toml").read_text())["project"]


def _metadata() -> str:
    project = _project()
    lines = ["Metadata-Version: 2.1", f"Name: {project['name']}", f"Version: {project['version']}",
             f"Summary: {project['description']}", f"Requires-Python: {project['requires-python']}"]
    lines += [f"Requires-Dist: {dependency}" for dependency in project.get("dependencies", [])]
    return "\n".join(lines) + "\n"


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    project = _project()
    name, version = project["name"], project["version"]
    dist_info = f"{name}-{version}.dist-info"
    wheel_name = f"{name}-{version}-py3-none-any.whl"
    records = []

    def add(archive: zipfile.ZipFile, path: str, data: bytes) -> None:
        archive.writestr(path, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        records.append(f"{path},sha256={digest},{len(data)}")

    with zipfile.ZipFile(os.path.join(wheel_directory, wheel_name), "w", zipfile.ZIP_DEFLATED) as archive:
        for source in sorted((HERE / "kvpool").rglob("*.py")):
            add(archive, source.relative_to(HERE).as_posix(), source.read_bytes())
        add(archive, f"{dist_info}/METADATA", _metadata().encode())
        add(archive, f"{dist_info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: kvpool build_backend\n"
                                           b"Root-Is-Purelib: true\nTag: py3-none-any\n")
        records.append(f"{dist_info}/RECORD,,")
        archive.writestr(f"{dist_info}/RECORD", "\n".join(records) + "\n")
    return wheel_name
