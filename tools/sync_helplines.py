"""Renders the crisis, abuse and support-contact responses from helplines.yml into domain.yml.

The responses sit at the end of domain.yml between two marker lines, so the crisis reply is
a plain domain response (it works with the action server down) while the numbers have a
single source. `make helplines` rewrites the block; a test fails when it is out of date.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from ember import helplines

DOMAIN = helplines.PROJECT_ROOT / "domain.yml"
BEGIN = "  # BEGIN generated from helplines.yml by `make helplines`; do not edit by hand"
END = "  # END generated from helplines.yml"


class _Dumper(yaml.SafeDumper):
    """Keeps multi-line texts readable as block scalars."""


def _str_representer(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def render_block(data: helplines.Helplines) -> str:
    body = yaml.dump(
        helplines.render_responses(data),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=1000,
        indent=2,
    )
    indented = "".join(f"  {line}" if line.strip() else line for line in body.splitlines(True))
    return f"{BEGIN}\n{indented}{END}\n"


def replace_block(domain_text: str, block: str) -> str:
    if BEGIN not in domain_text or END not in domain_text:
        raise SystemExit(f"domain.yml has no generated-helplines markers ({BEGIN.strip()!r})")
    head, rest = domain_text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return head + block + tail.lstrip("\n")


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=None, help="helplines.yml to read")
    parser.add_argument("--check", action="store_true", help="only report whether it is in sync")
    args = parser.parse_args(argv)

    data = helplines.load(args.source)
    current = DOMAIN.read_text(encoding="utf-8")
    updated = replace_block(current, render_block(data))
    if args.check:
        if updated != current:
            print("domain.yml is out of date with helplines.yml: run `make helplines`.")
            return 1
        print("domain.yml matches helplines.yml.")
        return 0
    DOMAIN.write_text(updated, encoding="utf-8")
    print(f"Rendered {len(data.countries)} countries into {DOMAIN.name}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
