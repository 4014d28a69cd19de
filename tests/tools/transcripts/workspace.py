"""A throwaway copy of the project for commands that write into it (never the repo's data/)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import PROJECT_ROOT

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "transcripts"
COPIED = ("domain.yml", "config.yml", "endpoints.yml", "credentials.yml", "data", "actions",
          "ember", "tools", "tests/nlu", "tests/safety")


def copy_project(destination: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for relative in COPIED:
        source, target = PROJECT_ROOT / relative, destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=ignore)
        else:
            shutil.copy2(source, target)
    return destination


def snapshot(project: Path) -> dict[str, bytes]:
    """Every file under data/ and reports/, to show a failed run changed nothing."""
    return {
        str(path.relative_to(project)): path.read_bytes()
        for folder in ("data", "reports") if (project / folder).exists()
        for path in sorted((project / folder).rglob("*")) if path.is_file()
    }
