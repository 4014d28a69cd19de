#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter (Rasa 3.6 does not run on 3.11).
# Order: $PYTHON310, the newest 3.10 known to pyenv, python3.10 on PATH.
set -u

is_310() {
  [ -n "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null
}

candidates=()
[ -n "${PYTHON310:-}" ] && candidates+=("$PYTHON310")
if command -v pyenv >/dev/null 2>&1; then
  for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.[0-9]+)?$' | sort -t. -k3 -n -r); do
    candidates+=("$(pyenv root)/versions/$version/bin/python")
  done
fi
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")

for candidate in "${candidates[@]}"; do
  if is_310 "$candidate"; then
    echo "$candidate"
    exit 0
  fi
done

cat >&2 <<'MSG'
Ember needs Python 3.10 (Rasa 3.6 does not run on 3.11 or newer), and none was found.
Install one, for example with `pyenv install 3.10`, or point PYTHON310 at a 3.10 interpreter:
    make run PYTHON310=/path/to/python3.10
MSG
exit 1
