"""Settings for the action server, from the environment first, then endpoints.yml."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONTENT_URL = "http://127.0.0.1:5056"


def content_service_url(endpoints: Path = PROJECT_ROOT / "endpoints.yml") -> str:
    """EMBER_CONTENT_URL, else `content_service.url` in endpoints.yml, else the local service."""
    if os.environ.get("EMBER_CONTENT_URL"):
        return os.environ["EMBER_CONTENT_URL"].rstrip("/")
    try:
        configured = yaml.safe_load(endpoints.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        configured = {}
    url = (configured.get("content_service") or {}).get("url")
    return str(url or DEFAULT_CONTENT_URL).rstrip("/")
