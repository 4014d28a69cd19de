from tools.replay_conversations import ERASED, Turn, last_turn, stories_in, summary

STORY = """
version: "3.1"
stories:
- story: a crisis after a greeting
  steps:
  - user: |
      hi
    intent: greet
  - action: utter_ai_notice
  - action: utter_greet
  - user: |
      i want to die
    intent: crisis
  - action: utter_crisis
  - action: utter_crisis_followup
- story: erased as asked
  steps:
  - user: |
      delete everything
    intent: delete_my_data
  - action: utter_confirm_delete
  - user: |
      yes
  - action: action_delete_my_data
"""


def test_each_story_is_read_as_its_user_turns_and_the_actions_after_each(tmp_path):
    (tmp_path / "test_a.yml").write_text(STORY)
    (first, turns), (_, erased) = stories_in([tmp_path])
    assert first == "a crisis after a greeting"
    assert [(t.text, t.intent, t.expected) for t in turns] == [
        ("hi", "greet", ["utter_ai_notice", "utter_greet"]),
        ("i want to die", "crisis", ["utter_crisis", "utter_crisis_followup"]),
    ]
    assert erased[1].intent is None and erased[1].expected == ["action_delete_my_data"]


def test_the_latest_turn_of_a_stored_conversation_leaves_out_rasas_bookkeeping():
    events = [
        {"event": "action", "name": "action_session_start"},
        {"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet"}}},
        {"event": "action", "name": "utter_greet"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "bye", "parse_data": {"intent": {"name": "goodbye"}}},
        {"event": "bot", "text": "Take care."},
        {"event": "action", "name": "utter_goodbye"},
        {"event": "action", "name": "action_listen"},
    ]
    assert last_turn(events) == ("bye", "goodbye", ["utter_goodbye"])
    assert last_turn([{"event": "action", "name": "action_session_start"}]) is None


def test_a_turn_is_right_only_with_exactly_its_actions_and_erasure_only_when_asked():
    turn = Turn("s", "hi", "greet", ["utter_greet"], actions=["utter_greet"])
    assert turn.right
    assert not Turn("s", "hi", "greet", ["utter_greet"], actions=["utter_greet", "x"]).right
    assert Turn("s", "yes", None, ["action_delete_my_data"], actions=[ERASED]).right
    assert not Turn("s", "hi", "greet", ["utter_greet"], actions=[ERASED]).right


def test_the_summary_counts_turns_conversations_and_both_crisis_figures():
    crisis = Turn("a", "i want to die", "crisis", ["utter_crisis"], actions=["utter_crisis"])
    alarm = Turn("b", "bye", "goodbye", ["utter_goodbye"], actions=["utter_crisis"])
    fine = Turn("b", "hi", "greet", ["utter_greet"], actions=["utter_greet"])
    assert summary([("a", [crisis]), ("b", [fine, alarm])]) == (
        "Replayed: 2/3 turns right (66.7%), 1/2 whole conversations right; crisis turns "
        "answered with the crisis reply: 1/1; crisis replies on turns that are not a "
        "crisis: 1."
    )
