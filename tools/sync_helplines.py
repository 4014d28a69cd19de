"""Refreshes the project's helplines from the shared list and renders domain/helplines.yml.

resources/helplines.yml is the copy the code reads; when ../shared/resources/helplines.yml
exists (beside every checkout the team and CI use), it is copied in first. The crisis, abuse
and support-contact responses are then written whole into domain/helplines.yml, so a crisis
reply is a plain domain response (it works with the action server down) while the numbers
have a single source. `--check` changes nothing and fails when either file is out of date.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from ember.core import helplines
from ember.core.project import DOMAIN_DIR

RENDERED = DOMAIN_DIR / "helplines.yml"
HEADER = (
    "# Generated from resources/helplines.yml by `make helplines`; do not edit by hand.\n"
    'version: "3.1"\n'
)


class _Dumper(yaml.SafeDumper):
    """Keeps multi-line texts readable as block scalars."""


def _str_representer(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def render(data: helplines.Helplines) -> str:
    body = yaml.dump(
        {"responses": helplines.render_responses(data)},
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=1000,
        indent=2,
    )
    return HEADER + body


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=None, help="helplines.yml to read")
    parser.add_argument("--check", action="store_true", help="only report whether it is in sync")
    args = parser.parse_args(argv)

    copy = helplines.DEFAULT_SOURCE
    shared = helplines.SHARED_SOURCE
    stale_copy = shared.exists() and shared.read_bytes() != copy.read_bytes()
    if args.check:
        if stale_copy:
            print(f"{copy} differs from {shared}: run `make helplines`.")
            return 1
    elif stale_copy:
        copy.write_bytes(shared.read_bytes())
        print(f"Copied {shared} into {copy}.")

    data = helplines.load(args.source)
    rendered = render(data)
    current = RENDERED.read_text(encoding="utf-8") if RENDERED.exists() else ""
    if args.check:
        if rendered != current:
            print(f"{RENDERED} is out of date with helplines.yml: run `make helplines`.")
            return 1
        print(f"domain/{RENDERED.name} matches resources/helplines.yml.")
        return 0
    RENDERED.write_text(rendered, encoding="utf-8")
    where = RENDERED.relative_to(DOMAIN_DIR.parent)
    print(f"Rendered {len(data.countries)} countries into {where}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
