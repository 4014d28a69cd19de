import json

from tools.check_nlu_report import main, weakest_intents

REPORT = {
    "greet": {"precision": 1.0, "recall": 1.0, "f1-score": 1.0, "support": 10},
    "crisis": {"precision": 0.8, "recall": 0.9, "f1-score": 0.85, "support": 30},
    "accuracy": 0.93,
    "macro avg": {"precision": 0.9, "recall": 0.95, "f1-score": 0.925, "support": 40},
    "weighted avg": {"precision": 0.9, "recall": 0.95, "f1-score": 0.9, "support": 40},
}


def test_weakest_intents_come_first_and_averages_are_left_out():
    assert weakest_intents(REPORT) == [("crisis", 0.85, 30), ("greet", 1.0, 10)]


def test_the_bar_passes_and_fails_on_macro_f1(tmp_path, capsys):
    path = tmp_path / "intent_report.json"
    path.write_text(json.dumps(REPORT))
    assert main([str(path), "--min-macro-f1", "0.90"]) == 0
    assert main([str(path), "--min-macro-f1", "0.95"]) == 1
    assert "below 0.95" in capsys.readouterr().out
