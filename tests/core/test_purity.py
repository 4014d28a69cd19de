"""ember/core is pure logic: the action server and the Rasa server both import it, so it
must never pull in Rasa or rasa_sdk (nor the server-only code that does)."""

import ast
from pathlib import Path

import pytest

from ember.core.project import PROJECT_ROOT

FORBIDDEN = ("rasa", "rasa_sdk", "ember.server", "ember.services", "sanic")
CORE = sorted((PROJECT_ROOT / "ember" / "core").glob("*.py"))
ACTIONS = sorted((PROJECT_ROOT / "actions").glob("*.py"))


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def forbidden(modules: set[str], names: tuple[str, ...]) -> set[str]:
    return {m for m in modules if any(m == n or m.startswith(n + ".") for n in names)}


@pytest.mark.parametrize("path", CORE, ids=lambda p: p.name)
def test_core_never_imports_rasa_or_server_code(path):
    assert not forbidden(imported_modules(path), FORBIDDEN)


@pytest.mark.parametrize("path", ACTIONS, ids=lambda p: p.name)
def test_actions_import_ember_core_only(path):
    assert not forbidden(imported_modules(path), ("ember.server", "ember.services", "rasa"))


def test_the_check_sees_a_forbidden_import(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("from rasa.shared.core.events import SlotSet\nimport ember.server.patches\n")
    assert forbidden(imported_modules(module), FORBIDDEN) == {
        "rasa.shared.core.events",
        "ember.server.patches",
    }
