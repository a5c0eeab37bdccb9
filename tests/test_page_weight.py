"""The full SIPAS questionnaire stays light enough for a cheap phone on a slow network.

Issue 3's acceptance: the biggest page of the full SIPAS form weighs at most 60 KB of
HTML + CSS + JS, uncompressed. Every page is fetched as a respondent reaches it (the
later pages carry the earlier answers as hidden fields), with and without the
required-answer messages, in both languages.
"""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from instruments import load_bundled
from survey_service.app import create_app
from survey_service.config import Settings
from survey_service.features.questionnaire.flow import page_codes
from tests.seed import seed_invitations, seed_small_city

LIMIT_BYTES = 60_000
SIPAS = load_bundled("sipas", 1)


def _full_answers() -> dict[str, list[str]]:
    """Every question answered, the longest way: feedback given, every choice allowed."""
    answers: dict[str, list[str]] = {i.code: ["5"] for i in SIPAS.items()}
    for question in SIPAS.questions:
        if question.kind == "text":
            answers[question.code] = ["ý" * question.max_length]
        elif question.kind == "multiple":
            chosen = question.options[: question.max_choices or len(question.options)]
            answers[question.code] = [str(o.value) for o in chosen]
        elif question.kind == "scale":
            answers[question.code] = ["5"]
        else:
            answers[question.code] = [str(question.options[0].value)]  # "Có" to feedback
    return answers


def _page_weights(url: str, token: str, lang: str) -> list[tuple[str, int]]:
    """(what, bytes) of every questionnaire page a respondent can see."""
    answers = _full_answers()
    weights: list[tuple[str, int]] = []
    settings = Settings(database_url=url, secret_key="w" * 40, environment="test")
    with TestClient(create_app(settings)) as client:
        first = client.get(f"/t/{token}?lang={lang}")
        assert first.status_code == 200
        weights.append(("page 1", len(first.content)))
        pages = len(SIPAS.page_blocks())
        for index in range(pages - 1):  # the last page (profile) has no required question
            control = {"_lang": lang, "_page": str(index), "_key": f"k-{lang}-weight"}
            here = set(page_codes(SIPAS, index))
            before = {k: v for k, v in answers.items() if k not in here}
            empty = client.post(f"/t/{token}", data={**before, **control, "_action": "next"})
            assert empty.status_code == 422, index
            weights.append((f"page {index + 1} with messages", len(empty.content)))
            reply = client.post(f"/t/{token}", data={**answers, **control, "_action": "next"})
            assert reply.status_code == 200, (index, reply.text[:500])
            assert f'name="_page" value="{index + 1}"' in reply.text
            weights.append((f"page {index + 2}", len(reply.content)))
        css = client.get("/static/style.css")
        js = client.get("/static/questionnaire.js")
        assert css.status_code == js.status_code == 200
        assert "content-encoding" not in css.headers
    return [*weights, ("style.css", len(css.content)), ("questionnaire.js", len(js.content))]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_biggest_sipas_page_with_css_and_js_is_at_most_60_kb(
    fx_database_url: str, lang: str
) -> None:
    seed_small_city(fx_database_url)
    (token,) = seed_invitations(fx_database_url, 1)
    weights = _page_weights(fx_database_url, token, lang)
    pages = [w for w in weights if w[0].startswith("page")]
    assert len(pages) == 2 * len(SIPAS.page_blocks()) - 1  # every page reached, feedback too
    biggest = max(pages, key=lambda w: w[1])
    assets = sum(size for what, size in weights if not what.startswith("page"))
    total = biggest[1] + assets
    assert total <= LIMIT_BYTES, f"{biggest[0]}: {biggest[1]} B + CSS/JS {assets} B = {total} B"
