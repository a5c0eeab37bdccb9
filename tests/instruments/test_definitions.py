"""Definition files: the bundled ones load; broken ones report every problem with its line."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from instruments import (
    DefinitionError,
    content_hash,
    load_bundled,
    load_definition,
    parse_definition,
)
from survey_service.cli import main

BROKEN = Path(__file__).parent / "broken"


def test_bundled_sipas_has_five_elements_and_22_criteria() -> None:
    sipas = load_bundled("sipas", 1)
    assert [e.code for e in sipas.elements] == [
        "access",
        "procedure",
        "staff",
        "result",
        "feedback",
    ]
    assert len(sipas.items()) == 22
    assert sipas.scale("sat5").satisfied == [4, 5]
    assert [p.label["vi"] for p in sipas.scale("sat5").points] == [
        "Rất không hài lòng",
        "Không hài lòng",
        "Bình thường",
        "Hài lòng",
        "Rất hài lòng",
    ]
    feedback = sipas.elements[-1]
    assert feedback.relevant[0].question == "gave_feedback"
    assert feedback.relevant[0].values == [1]
    tree = sipas.index_tree()
    assert tree.root == "sipas"
    assert {q.code for q in sipas.questions if q.profile} == {
        "gender",
        "age_band",
        "education",
        "occupation",
    }


def test_bundled_texts_are_nfc_and_bilingual() -> None:
    for slug in ("sipas", "short-post-result"):
        instrument = load_bundled(slug, 1)
        for item in instrument.items():
            assert unicodedata.is_normalized("NFC", item.text["vi"])
            assert item.text["en"]


def test_short_form_derives_an_index_tree() -> None:
    short = load_bundled("short-post-result", 1)
    assert len(short.items()) == 5
    tree = short.index_tree()
    assert tree.nodes[0].children == [e.code for e in short.elements]


def test_content_hash_ignores_formatting_and_normalisation() -> None:
    source = (
        Path(__file__).parents[2] / "instruments/definitions/short-post-result/1.toml"
    ).read_text()
    original = parse_definition(source)
    reformatted = parse_definition(
        "# a comment\n" + source.replace("Tiếp cận", unicodedata.normalize("NFD", "Tiếp cận"))
    )
    assert content_hash(original) == content_hash(reformatted)
    edited = parse_definition(source.replace("Tiếp cận dịch vụ", "Tiếp cận"))
    assert content_hash(edited) != content_hash(original)


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        (
            "unknown_scale.toml",
            [
                (21, "elements[0].items[0].scale", "unknown scale 'sat7'"),
                (23, "elements[0].items[1].code", "duplicate code 'a1'"),
            ],
        ),
        (
            "missing_vietnamese.toml",
            [
                (12, "scales[0].points[1].label", "missing Vietnamese (vi) text"),
                (20, "elements[0].items[0].text", "missing 'en' text"),
            ],
        ),
        (
            "dangling_relevance.toml",
            [
                (18, "elements[0].relevant[0].question", "unknown question 'gave_feedbak'"),
                (23, "elements[0].items[0].relevant[0].question", "asked before, not 'f1'"),
            ],
        ),
        (
            "index_cycle_gap.toml",
            [
                (37, "index.nodes[1].weights", "one weight per child is needed"),
                (None, "index.nodes", "cycle in the index tree: overall → access → overall"),
                (27, "index", "gap: item 'a2' is in no index below 'overall'"),
            ],
        ),
        ("wrong_type.toml", [(2, "version", "Expected `int`, got `str`")]),
        ("bad_syntax.toml", [(3, "", "TOML syntax")]),
    ],
)
def test_broken_file_names_each_problem_with_its_line(
    file: str, expected: list[tuple[int | None, str, str]]
) -> None:
    with pytest.raises(DefinitionError) as caught:
        load_definition(BROKEN / file)
    found = [(p.line, p.path, p.message) for p in caught.value.problems]
    assert len(found) == len(expected), found
    for (line, path, fragment), (got_line, got_path, got_message) in zip(
        expected, found, strict=True
    ):
        assert got_path == path
        assert fragment in got_message
        if line is not None:
            assert got_line == line, (path, got_line)
    assert all(p.file.endswith(file) for p in caught.value.problems)


def test_cli_check_reports_lines_and_exits_1() -> None:
    files = sorted(str(p) for p in BROKEN.glob("*.toml"))
    result = CliRunner().invoke(main, ["instruments", "check", *files])
    assert result.exit_code == 1
    assert (
        "unknown_scale.toml:21 [elements[0].items[0].scale]: unknown scale 'sat7'" in result.output
    )
    assert "problems found" in result.output


def test_cli_check_passes_bundled_files() -> None:
    root = Path(__file__).parents[2] / "instruments/definitions"
    result = CliRunner().invoke(main, ["instruments", "check", *map(str, root.glob("*/*.toml"))])
    assert result.exit_code == 0, result.output
    assert "sipas version 1, 22 criteria" in result.output


def test_missing_file_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["instruments", "check", str(tmp_path / "nope.toml")])
    assert result.exit_code == 1
    assert "cannot read file" in result.output
