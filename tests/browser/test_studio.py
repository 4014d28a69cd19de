"""The review studio in headless Chromium over the running assistant's tracker store: a
conversation Ember misread is found under "needs review", corrected and saved; the YAML it
wrote validates, and a model retrained on it (NLU only, to stay quick) reads the message as
corrected. The studio writes into a copy of the project, never the repository's data/.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
import yaml
from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS, TIMEOUT_MS
from tests.servers import STUDIO_PASSWORD, STUDIO_USER, start, studio_server
from tests.tools.transcripts.workspace import copy_project
from tools.validate import validate

pytestmark = pytest.mark.browser

# Read today as feeling_better, with too little confidence: a reviewer corrects it.
MISREAD, CORRECT = "everything feels grey and slow lately", "feeling_heartbroken"
CRISIS = "i want to kill myself tonight"
# A save loads the model and runs `rasa data validate`: slower than a page.
SAVE_TIMEOUT_MS = 240_000
READ = (
    "import sys; from pathlib import Path; from tools.transcripts.label import Labeller; "
    "print(Labeller(Path(sys.argv[1])).label(sys.argv[2]).intent)"
)


@pytest.fixture(scope="module")
def studio(ember, tmp_path_factory):
    folder = tmp_path_factory.mktemp("studio")
    project = copy_project(folder / "project")
    server = start(
        studio_server(project, ember.workdir / "endpoints.yml", folder / "state", folder / "log")
    )
    yield f"http://127.0.0.1:{urlsplit(server.ready_url).port}", project
    server.stop()


@contextmanager
def signed_in(browser) -> Iterator[Page]:
    """A page with the studio's password; a screenshot in results/browser/ if it fails."""
    context = browser.new_context(
        http_credentials={"username": STUDIO_USER, "password": STUDIO_PASSWORD}
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    except Exception:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "studio.png", full_page=True)
        raise
    finally:
        context.close()


def test_the_studio_page_needs_the_password(browser, studio):
    url, _ = studio
    context = browser.new_context(http_credentials={"username": STUDIO_USER, "password": "wrong"})
    try:
        assert context.new_page().goto(url).status == 401
    finally:
        context.close()


def test_a_misread_message_is_corrected_saved_and_read_right_after_retraining(
    ember, browser, studio, tmp_path
):
    url, project = studio
    me = f"studio-{uuid.uuid4().hex[:12]}"
    ember.say(f"studio-{uuid.uuid4().hex[:12]}", "hi")
    assert ember.say(me, MISREAD)
    (read,) = [e for e in ember.tracker(me)["events"] if e["event"] == "user"]
    assert read["parse_data"]["intent"]["name"] != CORRECT, "no longer misread: pick another"

    with signed_in(browser) as page:
        page.goto(url)
        expect(page.locator("#counts")).to_contain_text("need review")
        page.locator("#filter-needs-review").check()
        page.locator("#filters button[type=submit]").click()
        page.locator("#inbox li", has_text=MISREAD).get_by_role("link").click()
        turn = page.locator("#turns li.user", has_text=MISREAD)
        turn.locator("select.correct").select_option(CORRECT)
        page.locator("#reviewed").check()
        page.locator("#add-training").click()
        expect(page.locator("#notice")).to_contain_text("Saved", timeout=SAVE_TIMEOUT_MS)
        expect(page.locator("#notice")).to_contain_text(f"{CORRECT}: “{MISREAD}”")
        page.locator("#nav-progress").click()
        expect(page.locator("#per-intent")).to_contain_text(CORRECT)

    nlu = yaml.safe_load((project / "data" / "nlu" / "imported.yml").read_text())["nlu"]
    examples = {b["intent"]: b["examples"] for b in nlu}
    assert f"- {MISREAD}\n" in examples[CORRECT]
    passed, lines = validate(project)
    assert passed, "\n".join(lines)

    subprocess.run(
        [
            sys.executable,
            "-m",
            "ember.server",
            "train",
            "nlu",
            "--config",
            "config.yml",
            "--nlu",
            "data",
            "--out",
            str(tmp_path),
            "--fixed-model-name",
            "nlu",
        ],
        cwd=project,
        check=True,
        capture_output=True,
        timeout=900,
    )
    # In a process of its own: Playwright keeps an event loop running in this one.
    read_now = subprocess.run(
        [sys.executable, "-c", READ, str(tmp_path / "nlu.tar.gz"), MISREAD],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    assert read_now.stdout.strip().splitlines()[-1] == CORRECT

    with signed_in(browser) as page:
        page.goto(f"{url}/#/saves")
        page.locator("#saves button.undo").first.click()
        expect(page.locator("#notice")).to_have_text("Undone.")
        expect(page.locator("#saves button.undo").first).to_have_text("undone")
    assert not (project / "data" / "nlu" / "imported.yml").exists()  # as before the save


def test_a_crisis_conversation_shows_no_words_until_opened_on_purpose(ember, browser, studio):
    url, _ = studio
    ember.say(f"studio-{uuid.uuid4().hex[:12]}", CRISIS)
    with signed_in(browser) as page:
        page.goto(url)
        closed = page.locator("#inbox li.sensitive").first
        expect(closed).to_contain_text("crisis, risk or abuse")
        expect(page.locator("#inbox")).not_to_contain_text(CRISIS)
        closed.locator("a.open-sensitive").click()  # newest first: this one
        expect(page.locator("#turns li.user").first).to_contain_text(CRISIS)
