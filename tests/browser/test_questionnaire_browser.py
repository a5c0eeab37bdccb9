"""Acceptance of the citizen questionnaire in headless Chromium at a phone's 360×740.

A person answers by clicking the labels of the choices; every page they see is checked by
axe-core (no serious or critical violation), and what reaches the database is read back.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from instruments import Instrument, content_hash, load_bundled
from survey_service.db.engine import make_sync_engine
from survey_service.db.models import (
    Answer,
    InstrumentVersion,
    Response,
    ResponseDraft,
    SampleMember,
)
from survey_service.security import hash_token, new_token
from tests.browser.conftest import LiveServer
from tests.seed import COMMUNE_CODE, COMMUNE_NAME, seed_invitations, seed_small_city

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

SIPAS = load_bundled("sipas", 1)
SHORT = load_bundled("short-post-result", 1)
SIPAS_HASH = content_hash(SIPAS)
SERIOUS = ("serious", "critical")

# What the SIPAS respondent answers: scale codes and option values, and one free text.
SIPAS_ANSWERS: dict[str, list[int] | str] = {
    "access_seats": [5],
    "access_equipment": [4],
    "access_modern": [3],
    "access_signs": [9],  # "Không áp dụng / không biết"
    "procedure_posted": [4],
    "procedure_documents": [4],
    "procedure_fees": [5],
    "procedure_time": [2],
    "staff_polite": [5],
    "staff_listen": [5],
    "staff_answer": [4],
    "staff_guidance": [4],
    "staff_once": [3],
    "staff_integrity": [5],
    "result_lawful": [4],
    "result_complete": [5],
    "result_accurate": [5],
    "result_on_time": [1],
    "overall": [4],
    "improve_first": [3, 4],
    "comment": "Thủ tục nhanh, nhưng nơi ngồi chờ hơi chật và nóng.",
    "gender": [2],
    "age_band": [3],
}
FEEDBACK_ANSWERS: dict[str, list[int] | str] = {
    "feedback_channels": [4],
    "feedback_easy": [3],
    "feedback_handled": [2],
    "feedback_reply": [1],
}
SHORT_ANSWERS: dict[str, list[int] | str] = {
    "access_facilities": [4],
    "procedure_clear": [5],
    "staff_attitude": [5],
    "staff_competence": [3],
    "result_on_time": [2],
    "overall": [4],
    "comment": "The staff were helpful; the queue was long.",
}


def _expect(target: Any) -> Any:
    from playwright.sync_api import expect

    return expect(target)


# --- what a person sees and does -------------------------------------------------------


class Respondent:
    """Drives one page the way a person would, checking each page with axe-core."""

    def __init__(
        self, page: Page, instrument: Instrument, lang: str, axe_js: Path, shots: Path
    ) -> None:
        self.page = page
        self.instrument = instrument
        self.lang = lang
        self.axe_js = axe_js
        self.shots = shots
        self.checked: list[str] = []

    def text(self, value: Mapping[str, str]) -> str:
        return value.get(self.lang) or value["vi"]

    def _question(self, code: str) -> tuple[str, list[tuple[int, str]]]:
        """The question's text and its choices (value, label) as shown."""
        for item in self.instrument.items():
            if item.code == code:
                scale = self.instrument.scale(item.scale)
                points = [*scale.points, *([scale.not_applicable] if scale.not_applicable else [])]
                return self.text(item.text), [(p.value, self.text(p.label)) for p in points]
        question = next(q for q in self.instrument.questions if q.code == code)
        if question.scale:
            scale = self.instrument.scale(question.scale)
            return self.text(question.text), [(p.value, self.text(p.label)) for p in scale.points]
        return self.text(question.text), [(o.value, self.text(o.label)) for o in question.options]

    def _chosen(self, text: str) -> list[int]:
        """The values checked in the question called ``text``, as the page has them."""
        group = self.page.get_by_role("group", name=text)
        _expect(group).to_be_visible()
        values: list[int] = group.locator("input:checked").evaluate_all(
            "inputs => inputs.map(input => Number(input.value))"
        )
        return sorted(values)

    def answer(self, code: str, answer: list[int] | str) -> None:
        """Click the labels of the chosen answers (or type the text) and see them taken."""
        text, choices = self._question(code)
        if isinstance(answer, str):
            box = self.page.get_by_label(text, exact=True)
            box.fill(answer)
            _expect(box).to_have_value(answer)
            return
        group = self.page.get_by_role("group", name=text)
        labels = dict(choices)
        for value in answer:
            group.get_by_text(labels[value], exact=True).click()
        assert self._chosen(text) == sorted(answer), code

    def answer_all(self, answers: Mapping[str, list[int] | str]) -> None:
        for code, answer in answers.items():
            self.answer(code, answer)

    def sees_answered(self, answers: Mapping[str, list[int] | str]) -> None:
        """The page shows these answers already given (a resumed or revisited page)."""
        for code, answer in answers.items():
            text, _ = self._question(code)
            if isinstance(answer, str):
                _expect(self.page.get_by_label(text, exact=True)).to_have_value(answer)
            else:
                assert self._chosen(text) == sorted(answer), code

    def tick(self, answers: Mapping[str, list[int] | str]) -> None:
        """Answer the page in one go, without looking (for getting through quickly)."""
        self.page.evaluate(
            """answers => {
                for (const [code, answer] of Object.entries(answers)) {
                    if (typeof answer === "string") {
                        document.querySelector(`textarea[name="${code}"]`).value = answer;
                        continue;
                    }
                    for (const value of answer) {
                        document.querySelector(`input[name="${code}"][value="${value}"]`).click();
                    }
                }
            }""",
            answers,
        )

    def press(self, button: str) -> None:
        """Press a button by its visible name and wait for the page it leads to."""
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=button, exact=True).click()

    def sees_page(self, number: int, total: int, headings: Sequence[str]) -> None:
        """The progress line says part ``number`` of ``total`` and these sections are shown."""
        progress = {"vi": f"Phần {number}/{total}", "en": f"Part {number} of {total}"}
        _expect(self.page.locator(".progress label")).to_have_text(progress[self.lang])
        _expect(self.page.get_by_role("progressbar")).to_have_attribute("value", str(number))
        shown = self.page.locator("form h2").all_inner_texts()
        assert shown == list(headings)

    def axe(self, name: str, screenshot: bool = False) -> None:
        """axe-core finds no serious or critical violation on the page now shown."""
        if screenshot:
            # What the phone shows first, and the whole page.
            self.page.screenshot(path=self.shots / f"{name}.png")
            self.page.screenshot(path=self.shots / f"{name}-full.png", full_page=True)
        self.page.add_script_tag(path=str(self.axe_js))
        result = self.page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        violations = result["violations"]
        if violations:
            print(f"axe on {name} ({self.page.url}):")
            for v in violations:
                nodes = [n["target"] for n in v["nodes"]]
                print(f"  [{v['impact']}] {v['id']}: {v['help']} {nodes}")
        bad = [v for v in violations if v["impact"] in SERIOUS]
        assert not bad, f"{name}: " + json.dumps(
            [{"id": v["id"], "impact": v["impact"], "help": v["help"]} for v in bad],
            ensure_ascii=False,
        )
        self.checked.append(name)


@pytest.fixture
def fx_respondent(
    fx_axe_js: Path, fx_screenshot_dir: Path
) -> Callable[[Page, Instrument, str], Respondent]:
    def make(page: Page, instrument: Instrument, lang: str) -> Respondent:
        return Respondent(page, instrument, lang, fx_axe_js, fx_screenshot_dir)

    return make


def _page_answers(
    instrument: Instrument, index: int, answers: Mapping[str, list[int] | str]
) -> dict[str, list[int] | str]:
    """The answers that belong on page ``index`` of the definition."""
    elements = {e.code: e for e in instrument.elements}
    codes: list[str] = []
    for block in instrument.page_blocks()[index]:
        element = elements.get(block)
        codes.extend([i.code for i in element.items] if element else [block])
    return {code: answers[code] for code in codes if code in answers}


_ELEMENT_PAGES = {
    0: ("access",),
    1: ("procedure",),
    2: ("staff",),
    3: ("result",),
    4: ("feedback",),
}


def _titles(instrument: Instrument, *codes: str, lang: str = "vi") -> list[str]:
    elements = {e.code: e for e in instrument.elements}
    return [elements[c].title.get(lang) or elements[c].title["vi"] for c in codes]


# --- what reaches the database ----------------------------------------------------------


def _stored(url: str) -> list[tuple[Any, dict[tuple[str, int | None], tuple[Any, ...]]]]:
    """Each stored response row with its answers as {(item, value): (text, satisfied)}."""
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            found = []
            for response in conn.execute(select(Response).order_by(Response.id)):
                rows = conn.execute(select(Answer).where(Answer.response_id == response.id))
                answers = {(a.item_code, a.value): (a.text, a.satisfied) for a in rows}
                found.append((response, answers))
            return found
    finally:
        engine.dispose()


def _sample_member_id(url: str, token: str) -> int:
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.scalar(
                select(SampleMember.id).where(SampleMember.token_hash == hash_token(token))
            )
    finally:
        engine.dispose()
    assert found is not None
    return int(found)


def _version_hash(url: str, version_id: int) -> str:
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            digest = conn.scalar(
                select(InstrumentVersion.content_hash).where(InstrumentVersion.id == version_id)
            )
            drafts = conn.scalar(select(ResponseDraft.token_hash).limit(1))
    finally:
        engine.dispose()
    assert drafts is None, "a submitted token's draft must be deleted"
    assert digest is not None
    return str(digest)


def _expected_rows(
    instrument: Instrument, answers: Mapping[str, list[int] | str]
) -> dict[tuple[str, int | None], tuple[Any, ...]]:
    """The answer rows a submit of ``answers`` should store, with ``satisfied`` per scale."""
    scale_of = {i.code: i.scale for i in instrument.items()}
    scale_of.update({q.code: q.scale for q in instrument.questions if q.scale})
    rows: dict[tuple[str, int | None], tuple[Any, ...]] = {}
    for code, answer in answers.items():
        if isinstance(answer, str):
            rows[(code, None)] = (answer, None)
            continue
        for value in answer:
            satisfied = None
            if code in scale_of:
                scale = instrument.scale(scale_of[code])
                na = scale.not_applicable.value if scale.not_applicable else None
                satisfied = None if value == na else value in scale.satisfied
            rows[(code, value)] = (None, satisfied)
    return rows


# --- the tests --------------------------------------------------------------------------


def test_sipas_by_invitation_in_vietnamese_with_feedback_skip(
    fx_server: LiveServer, fx_page: Page, fx_respondent: Callable[..., Respondent]
) -> None:
    url = fx_server.database_url
    seed_small_city(url)
    (token,) = seed_invitations(url, 1)
    page = fx_page
    person = fx_respondent(page, SIPAS, "vi")

    page.goto(fx_server.url(f"/t/{token}"))
    _expect(page.locator("html")).to_have_attribute("lang", "vi")
    _expect(page.get_by_role("heading", level=1)).to_have_text(SIPAS.title["vi"])
    _expect(page.locator(".unit-name")).to_have_text(COMMUNE_NAME)
    person.sees_page(1, 6, _titles(SIPAS, "access"))  # the feedback page awaits "Có"
    person.axe("sipas-1", screenshot=True)

    # Nothing answered: the same page again with a message per required question.
    person.press("Tiếp tục")
    summary = page.get_by_role("alert")
    _expect(summary).to_contain_text("Vui lòng kiểm tra lại các câu trả lời:")
    _expect(summary.get_by_role("link")).to_have_count(4)
    _expect(page.locator("p.error")).to_have_count(4)
    _expect(page.locator("p.error").first).to_have_text("Vui lòng trả lời câu hỏi này.")
    _expect(summary).to_be_focused()
    person.sees_page(1, 6, _titles(SIPAS, "access"))
    person.axe("sipas-1-errors", screenshot=True)

    for index, titles in enumerate([["access"], ["procedure"], ["staff"]]):
        person.sees_page(index + 1, 6, _titles(SIPAS, *titles))
        person.answer_all(_page_answers(SIPAS, index, SIPAS_ANSWERS))
        person.press("Tiếp tục")
        if index:
            person.axe(f"sipas-{index + 1}")

    # Page 4: the result, and whether they gave feedback. "Có" brings the feedback page.
    person.sees_page(4, 6, _titles(SIPAS, "result"))
    person.axe("sipas-4")
    person.answer_all(_page_answers(SIPAS, 3, SIPAS_ANSWERS))
    person.answer("gave_feedback", [1])
    person.press("Tiếp tục")
    person.sees_page(5, 7, _titles(SIPAS, "feedback"))
    _expect(page.get_by_text(SIPAS.elements[4].description["vi"])).to_be_visible()
    person.axe("sipas-5-feedback", screenshot=True)

    # Back to page 4, where the earlier answers are kept; "Không" skips the feedback page.
    person.press("Quay lại")
    person.sees_page(4, 7, _titles(SIPAS, "result"))
    person.sees_answered({**_page_answers(SIPAS, 3, SIPAS_ANSWERS), "gave_feedback": [1]})
    person.answer("gave_feedback", [2])
    person.press("Tiếp tục")
    person.sees_page(5, 6, [])
    _expect(page.get_by_role("group", name=person._question("overall")[0])).to_be_visible()
    person.axe("sipas-6-overall")

    # Going back skips the feedback page too, and coming forward again still does.
    person.press("Quay lại")
    person.sees_page(4, 6, _titles(SIPAS, "result"))
    person.sees_answered({"gave_feedback": [2]})
    person.press("Tiếp tục")
    person.sees_page(5, 6, [])
    person.answer_all(_page_answers(SIPAS, 5, SIPAS_ANSWERS))
    person.press("Tiếp tục")

    person.sees_page(6, 6, [])
    _expect(page.get_by_role("button", name="Gửi ý kiến", exact=True)).to_be_visible()
    _expect(page.get_by_role("button", name="Lưu, trả lời tiếp sau")).to_have_count(0)
    person.axe("sipas-7-profile", screenshot=True)
    person.answer_all(_page_answers(SIPAS, 6, SIPAS_ANSWERS))
    person.press("Gửi ý kiến")

    _expect(page.get_by_role("heading", level=1)).to_have_text("Xin cảm ơn Ông/Bà!")
    _expect(page.get_by_text("Ý kiến của Ông/Bà đã được ghi nhận.")).to_be_visible()
    _expect(page.locator(".unit-name")).to_have_text(COMMUNE_NAME)
    assert page.url.endswith(f"/thanks?u={COMMUNE_CODE}&lang=vi")
    person.axe("thanks-vi", screenshot=True)

    ((response, answers),) = _stored(url)
    assert response.mode == "invitation"
    assert response.probability_sample is True
    assert response.sample_member_id == _sample_member_id(url, token)
    assert response.language == "vi"
    assert response.finished is True
    assert response.content_hash == _version_hash(url, response.instrument_version_id)
    assert response.content_hash == SIPAS_HASH
    assert answers == _expected_rows(SIPAS, {**SIPAS_ANSWERS, "gave_feedback": [2]})

    # The link answers once: opening it again says so, in the respondent's language.
    page.goto(fx_server.url(f"/t/{token}"))
    _expect(page.get_by_role("heading", level=1)).to_have_text("Phiếu đã được trả lời")


def test_short_form_by_open_link_in_english(
    fx_server: LiveServer, fx_page: Page, fx_respondent: Callable[..., Respondent]
) -> None:
    url = fx_server.database_url
    seed_small_city(url)
    page = fx_page
    person = fx_respondent(page, SHORT, "en")

    page.goto(fx_server.url(f"/u/{COMMUNE_CODE}?lang=en"))
    _expect(page.locator("html")).to_have_attribute("lang", "en")
    _expect(page.get_by_role("heading", level=1)).to_have_text(SHORT.title["en"])
    _expect(page.get_by_role("link", name="Tiếng Việt")).to_have_attribute("lang", "vi")
    _expect(page.get_by_role("progressbar")).to_have_count(0)  # one page: no progress line
    assert page.locator("form h2").all_inner_texts() == _titles(
        SHORT, "access", "procedure", "staff", "result", lang="en"
    )
    person.axe("short-en", screenshot=True)

    # Half answered: messages in English for what is missing, the answers given are kept.
    half = dict(list(SHORT_ANSWERS.items())[:2])
    person.answer_all(half)
    person.press("Send")
    _expect(page.get_by_role("alert")).to_contain_text("Please check your answers:")
    _expect(page.locator("p.error")).to_have_count(4)  # three criteria and overall
    _expect(page.locator("p.error").first).to_have_text("Please answer this question.")
    person.sees_answered(half)
    person.axe("short-en-errors", screenshot=True)

    by_mouse = [k for k in SHORT_ANSWERS if k not in half and k not in ("overall", "comment")]
    person.answer_all({k: SHORT_ANSWERS[k] for k in by_mouse})

    # The rest with the keyboard only: the scale's radios are one stop, arrows choose,
    # and every stop shows where the focus is.
    overall_text, choices = person._question("overall")
    overall = page.get_by_role("group", name=overall_text)
    overall.get_by_label(choices[0][1], exact=True).focus()
    page.keyboard.press("Space")
    chosen = SHORT_ANSWERS["overall"]
    assert isinstance(chosen, list)
    for _ in range(chosen[0] - 1):
        page.keyboard.press("ArrowDown")
    assert person._chosen(overall_text) == chosen
    page.keyboard.press("Tab")
    comment = page.get_by_label(person._question("comment")[0], exact=True)
    _expect(comment).to_be_focused()
    _expect(comment).not_to_have_css("outline-style", "none")
    page.keyboard.type(str(SHORT_ANSWERS["comment"]))
    page.keyboard.press("Tab")
    send = page.get_by_role("button", name="Send", exact=True)
    _expect(send).to_be_focused()
    _expect(send).not_to_have_css("outline-style", "none")
    page.screenshot(path=person.shots / "short-en-keyboard.png")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")
    _expect(page.get_by_text("Your answers have been recorded.")).to_be_visible()
    assert page.url.endswith(f"/thanks?u={COMMUNE_CODE}&lang=en")

    ((response, answers),) = _stored(url)
    assert response.mode == "open_link"
    assert response.probability_sample is False
    assert response.language == "en"
    assert response.device_hash is not None
    assert response.content_hash == _version_hash(url, response.instrument_version_id)
    assert answers == _expected_rows(SHORT, SHORT_ANSWERS)


def test_half_filled_sipas_is_resumed_in_a_fresh_browser(
    fx_server: LiveServer,
    fx_new_context: Callable[..., BrowserContext],
    fx_respondent: Callable[..., Respondent],
) -> None:
    url = fx_server.database_url
    seed_small_city(url)
    (token,) = seed_invitations(url, 1)
    first = fx_new_context().new_page()
    person = fx_respondent(first, SIPAS, "vi")

    first.goto(fx_server.url(f"/t/{token}"))
    person.answer_all(_page_answers(SIPAS, 0, SIPAS_ANSWERS))
    person.press("Tiếp tục")  # page 1 is saved on the way to page 2
    half = dict(list(_page_answers(SIPAS, 1, SIPAS_ANSWERS).items())[:2])
    person.answer_all(half)
    person.press("Lưu, trả lời tiếp sau")
    _expect(first.get_by_role("heading", level=1)).to_have_text("Đã lưu câu trả lời")
    person.axe("saved", screenshot=True)
    first.context.close()

    # Another day, another browser (no cookies): the link opens where they left off.
    page = fx_new_context().new_page()
    person = fx_respondent(page, SIPAS, "vi")
    page.goto(fx_server.url(f"/t/{token}"))
    person.sees_page(2, 6, _titles(SIPAS, "procedure"))
    person.sees_answered(half)
    unanswered = [k for k in _page_answers(SIPAS, 1, SIPAS_ANSWERS) if k not in half]
    person.sees_answered({code: [] for code in unanswered})
    person.press("Quay lại")
    person.sees_page(1, 6, _titles(SIPAS, "access"))
    person.sees_answered(_page_answers(SIPAS, 0, SIPAS_ANSWERS))
    person.press("Tiếp tục")

    # Finish, this time as someone who gave feedback: the feedback page is asked.
    answers = {**SIPAS_ANSWERS, **FEEDBACK_ANSWERS, "gave_feedback": [1]}
    person.answer_all(_page_answers(SIPAS, 1, answers))
    person.press("Tiếp tục")
    for index in range(2, 7):
        total = 7 if index >= 4 else 6  # the feedback page counts once "Có" is chosen
        person.sees_page(index + 1, total, _titles(SIPAS, *_ELEMENT_PAGES.get(index, ())))
        person.answer_all(_page_answers(SIPAS, index, answers))
        person.press("Gửi ý kiến" if index == 6 else "Tiếp tục")
    _expect(page.get_by_role("heading", level=1)).to_have_text("Xin cảm ơn Ông/Bà!")

    ((response, stored),) = _stored(url)
    assert response.mode == "invitation"
    assert response.language == "vi"
    assert response.content_hash == SIPAS_HASH
    assert stored == _expected_rows(SIPAS, answers)


def test_feedback_answers_are_dropped_when_feedback_changes_to_no(
    fx_server: LiveServer, fx_page: Page, fx_respondent: Callable[..., Respondent]
) -> None:
    """Answered the feedback page, went back and said "Không": no dead end, no stale rows.

    Found by this suite: the feedback answers used to travel on as hidden fields and the
    last page refused them as not relevant, so the respondent could never submit.
    """
    url = fx_server.database_url
    seed_small_city(url)
    (token,) = seed_invitations(url, 1)
    person = fx_respondent(fx_page, SIPAS, "vi")
    fx_page.goto(fx_server.url(f"/t/{token}"))
    for index in range(3):
        person.tick(_page_answers(SIPAS, index, SIPAS_ANSWERS))
        person.press("Tiếp tục")
    person.tick({**_page_answers(SIPAS, 3, SIPAS_ANSWERS), "gave_feedback": [1]})
    person.press("Tiếp tục")
    person.sees_page(5, 7, _titles(SIPAS, "feedback"))
    person.answer_all(FEEDBACK_ANSWERS)  # answered, then thought better of "Có"
    person.press("Quay lại")
    person.answer("gave_feedback", [2])
    person.press("Tiếp tục")
    person.sees_page(5, 6, [])
    person.tick(_page_answers(SIPAS, 5, SIPAS_ANSWERS))
    person.press("Tiếp tục")
    person.tick(_page_answers(SIPAS, 6, SIPAS_ANSWERS))
    person.press("Gửi ý kiến")
    alerts = fx_page.get_by_role("alert")
    assert alerts.count() == 0, alerts.all_inner_texts()
    _expect(fx_page.get_by_role("heading", level=1)).to_have_text("Xin cảm ơn Ông/Bà!")
    ((_, answers),) = _stored(url)
    assert answers == _expected_rows(SIPAS, {**SIPAS_ANSWERS, "gave_feedback": [2]})


@pytest.mark.parametrize(
    ("case", "status", "title", "lang"),
    [
        pytest.param("malformed", 400, "Đường liên kết không đúng", "vi", id="malformed"),
        pytest.param("unknown", 404, "Survey not found", "en", id="unknown"),
        pytest.param("expired", 410, "Phiếu khảo sát đã hết hạn", "vi", id="expired"),
    ],
)
def test_token_error_pages_say_what_happened_accessibly(
    fx_server: LiveServer,
    fx_page: Page,
    fx_respondent: Callable[..., Respondent],
    case: str,
    status: int,
    title: str,
    lang: str,
) -> None:
    seed_small_city(fx_server.database_url)
    token = {
        "malformed": "not-a-token",
        "unknown": new_token(),
        "expired": seed_invitations(fx_server.database_url, 1, expires_in_days=-1)[0],
    }[case]
    reply = fx_page.goto(fx_server.url(f"/t/{token}?lang={lang}"))
    assert reply is not None
    assert reply.status == status
    _expect(fx_page.locator("html")).to_have_attribute("lang", lang)
    _expect(fx_page.get_by_role("heading", level=1)).to_have_text(title)
    assert fx_page.locator("form").count() == 0
    fx_respondent(fx_page, SIPAS, lang).axe(f"token-{case}", screenshot=case == "malformed")
