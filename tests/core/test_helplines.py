import datetime as dt
import os

import pytest
import yaml

from ember.core import helplines
from tools import sync_helplines

TODAY = dt.date(2026, 11, 23)
LINE = {"name": "A line", "phone": "123", "source": "https://example.org", "checked": "2026-11-01"}


def data_with(line: dict) -> dict:
    return {
        "international": [dict(LINE, name="Directory", url="https://example.org")],
        "countries": {"GB": {"emergency": "999", "crisis": [line]}},
    }


def test_the_projects_helplines_are_valid_and_recent():
    data = helplines.load(helplines.DEFAULT_SOURCE)
    assert data.international
    assert {"US", "GB", "AU"} <= set(data.countries)


def test_the_projects_copy_matches_the_shared_list():
    shared = helplines.SHARED_SOURCE
    if not shared.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{shared} is missing in CI")
        pytest.skip(f"{shared} is not beside this checkout")
    assert helplines.DEFAULT_SOURCE.read_bytes() == shared.read_bytes(), "run `make helplines`"


@pytest.mark.parametrize(
    "broken, message",
    [
        ({k: v for k, v in LINE.items() if k != "source"}, "no source"),
        ({k: v for k, v in LINE.items() if k != "checked"}, "no 'checked' date"),
        ({k: v for k, v in LINE.items() if k != "phone"}, "no phone"),
        ({k: v for k, v in LINE.items() if k != "name"}, "no name"),
        (dict(LINE, checked="2025-11-01"), "387 days ago"),
        (dict(LINE, checked="last spring"), "not a date"),
    ],
)
def test_an_incomplete_or_stale_entry_is_refused(broken, message):
    with pytest.raises(helplines.HelplineDataError, match=message):
        helplines.parse(data_with(broken), today=TODAY)


def test_an_entry_checked_exactly_a_year_ago_is_still_accepted():
    helplines.parse(data_with(dict(LINE, checked="2025-11-23")), today=TODAY)


def test_a_country_without_an_emergency_number_is_refused():
    data = data_with(LINE)
    del data["countries"]["GB"]["emergency"]
    with pytest.raises(helplines.HelplineDataError, match="no emergency number"):
        helplines.parse(data, today=TODAY)


def test_a_line_is_described_with_every_way_to_reach_it():
    line = helplines.Line(
        name="988 Lifeline",
        contacts={"phone": "988", "text": "988", "chat": "https://988lifeline.org"},
        source="https://988lifeline.org",
        checked=TODAY,
        hours="24/7",
    )
    assert helplines.describe_line(line) == (
        "• 988 Lifeline: call 988, text 988, chat at https://988lifeline.org (24/7)"
    )


def test_rendered_responses_carry_each_countrys_numbers_and_a_default():
    raw = yaml.safe_load(helplines.DEFAULT_SOURCE.read_text())
    data = helplines.parse(raw, today=TODAY)
    rendered = helplines.render_responses(data)
    for name in ("utter_crisis", "utter_abuse", "utter_support_contacts", "utter_safety_question"):
        variations = rendered[name]
        conditioned = {
            v["condition"][0]["value"]: v["text"] for v in variations if "condition" in v
        }
        assert set(conditioned) == set(data.countries) | {helplines.ELSEWHERE}
        assert "If you tell me where you are" not in conditioned[helplines.ELSEWHERE]
        for code, country in data.countries.items():
            assert country.emergency in conditioned[code]
        default = [v for v in variations if "condition" not in v]
        assert len(default) == 1
        assert all(line.name in default[0]["text"] for line in data.international)
        last_button = default[0]["buttons"][-1]["payload"]
        assert last_button in ('/inform_country{"country":"other"}', "/deny"), name
    for code, country in data.countries.items():
        for name in ("utter_crisis", "utter_safety_question"):
            text = next(
                v["text"]
                for v in rendered[name]
                if v.get("condition", [{}])[0].get("value") == code
            )
            assert all(line.name in text for line in country.crisis), (name, code)


def test_the_domain_is_in_sync_with_the_helplines():
    assert sync_helplines.main(["--check"]) == 0, "run `make helplines`"
