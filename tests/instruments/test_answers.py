"""Checking answers: scales, N/A, relevance, choices, required, unknown fields."""

from __future__ import annotations

import pytest

from instruments import AnswersError, check_answers, load_bundled, relevant_codes

SIPAS = load_bundled("sipas", 1)
SCORED_NOT_FEEDBACK = [i.code for e in SIPAS.elements if e.code != "feedback" for i in e.items]


def _complete(**changes: list[str]) -> dict[str, list[str]]:
    raw = {code: ["4"] for code in SCORED_NOT_FEEDBACK}
    raw.update({"gave_feedback": ["2"], "overall": ["5"]})
    raw.update(changes)
    return raw


def _problems(raw: dict[str, list[str]], only: list[str] | None = None) -> list[tuple[str, str]]:
    with pytest.raises(AnswersError) as caught:
        check_answers(SIPAS, raw, only)
    return [(p.field, p.code) for p in caught.value.problems]


def test_complete_answers_without_feedback_are_accepted() -> None:
    answers = check_answers(SIPAS, _complete(access_seats=["9"], comment=["  Tốt  "]))
    by_code = {a.item_code: a for a in answers}
    assert by_code["access_seats"].value == 9
    assert by_code["access_seats"].satisfied is None  # N/A leaves the denominators
    assert by_code["staff_polite"].satisfied is True
    assert by_code["comment"].text == "Tốt"
    # 18 criteria outside the feedback element, one of them N/A, plus the overall question
    assert len([a for a in answers if a.satisfied is not None]) == 18


def test_feedback_element_is_relevant_only_after_yes() -> None:
    assert "feedback_easy" not in relevant_codes(SIPAS, {"gave_feedback": [2]})
    assert "feedback_easy" in relevant_codes(SIPAS, {"gave_feedback": [1]})
    missing = _problems(_complete(gave_feedback=["1"]))
    assert missing == [
        (f, "required")
        for f in ("feedback_channels", "feedback_easy", "feedback_handled", "feedback_reply")
    ]


def test_answering_a_question_that_does_not_apply_is_refused() -> None:
    assert _problems(_complete(feedback_easy=["5"])) == [("feedback_easy", "not_relevant")]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"staff_polite": ["6"]}, [("staff_polite", "choice")]),
        ({"staff_polite": ["4", "5"]}, [("staff_polite", "malformed")]),
        ({"overall": [""]}, [("overall", "required")]),
        ({"improve_first": ["1", "2", "3", "4"]}, [("improve_first", "too_many")]),
        ({"improve_first": ["99"]}, [("improve_first", "choice")]),
        ({"gender": ["x"]}, [("gender", "choice")]),
        ({"comment": ["x" * 2001]}, [("comment", "too_long")]),
        ({"sneaky": ["1"]}, [("sneaky", "unknown")]),
    ],
)
def test_bad_answers_name_the_field(
    changes: dict[str, list[str]], expected: list[tuple[str, str]]
) -> None:
    assert _problems(_complete(**changes)) == expected


def test_page_scope_checks_only_that_page_but_still_rejects_unknown_fields() -> None:
    page = ["staff_polite", "staff_listen"]
    assert check_answers(SIPAS, {"staff_polite": ["5"], "staff_listen": ["1"]}, page)
    assert _problems({"staff_polite": ["5"]}, page) == [("staff_listen", "required")]
    assert _problems({"staff_polite": ["5"], "staff_listen": ["1"], "x": ["1"]}, page) == [
        ("x", "unknown")
    ]
