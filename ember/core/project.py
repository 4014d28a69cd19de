"""Where the project's files are, and the domain read as one, as Rasa reads its folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DOMAIN_DIR = PROJECT_ROOT / "domain"
# The Rasa HTTP API's token, passed to every server by the environment, never on a command
# line (`ps` shows those to every local user); tools/serve.py makes one if it is unset.
TOKEN_VARIABLE = "EMBER_API_TOKEN"
# "1": a single-worker Rasa server shares its port with others (ember/server/patches.py).
SHARED_PORT_VARIABLE = "EMBER_SHARED_PORT"


def load_domain(folder: Path = DOMAIN_DIR) -> dict[str, Any]:
    """Every domain file merged: lists joined, mappings combined (a repeated key is an error,
    as Rasa would silently keep only one of them)."""
    merged: dict[str, Any] = {}
    for path in sorted(folder.glob("*.yml")):
        part = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, value in part.items():
            if key == "version":
                continue
            if isinstance(value, list):
                merged.setdefault(key, []).extend(value)
            elif isinstance(value, dict):
                section = merged.setdefault(key, {})
                repeated = set(section) & set(value)
                if repeated and key != "session_config":
                    raise ValueError(f"{path.name} repeats {key}: {sorted(repeated)}")
                section.update(value)
            else:
                merged[key] = value
    return merged
