"""Content items and servers for the content tests: a real service, and misbehaving ones."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

ITEM = {
    "id": "box-breathing",
    "kind": "exercise",
    "title": "Box breathing",
    "body": "A steady pattern for a racing heart.",
    "steps": ["Breathe in for four.", "Hold for four.", "Breathe out for four."],
    "tags": {"situations": ["any"], "feelings": ["feeling_anxious"], "flows": ["grounding"]},
    "reading_minutes": 2,
}


def write_item(folder: Path, **changes) -> dict:
    item = {**ITEM, **changes}
    path = folder / item["kind"] / f"{item['id']}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(item, sort_keys=False), encoding="utf-8")
    return item


@contextmanager
def misbehaving_server(body: bytes, delay: float = 0.0) -> Iterator[str]:
    """An HTTP server on loopback that waits `delay` seconds, then answers 200 with `body`."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server API)
            time.sleep(delay)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
