"""Every bad input is a clear AnalysisError subclass; lesser-used branches."""

from __future__ import annotations

import msgspec
import numpy as np
import pytest

from analysis import (
    DesignError,
    EstimationOptions,
    IndexNode,
    IndexTree,
    ItemScoring,
    LonelyPsuError,
    ModelError,
    OptionsError,
    ReplicationError,
    adjust_p_values,
    compare_means_with_population,
    compare_periods,
    cronbach_alpha,
    driver_analysis,
    estimate_indices,
    estimate_indices_from_sums,
    estimate_means,
    fay_herriot,
    importance_performance,
    index_statistics,
    item_nonresponse,
    make_design,
    make_index_tree,
    make_strata,
    tree_from_instrument,
)
from analysis.cells import make_layout
from analysis.design import factorise
from instruments import load_bundled
from tests.analysis.synthetic import ITEMS, TREE, element_survey

EMPTY = np.zeros(0, dtype=np.int64)


def test_labels_must_be_one_dimensional() -> None:
    with pytest.raises(DesignError, match="one-dimensional"):
        factorise(np.ones((2, 2)))


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (np.array([1.0, np.nan]), "missing"),
        (np.array(["a", None], dtype=object), "missing"),
    ],
)
def test_bad_labels(labels: np.ndarray, message: str) -> None:
    with pytest.raises(DesignError, match=message):
        make_design(np.ones(len(labels)), strata=labels)


def test_bad_weights_fpc_and_strata() -> None:
    with pytest.raises(DesignError, match="non-empty"):
        make_design(np.zeros(0))
    with pytest.raises(DesignError, match="fpc: missing"):
        make_design(np.ones(2), fpc=np.array([np.nan, np.nan]))
    with pytest.raises(DesignError, match="one positive finite value"):
        make_strata(("a", "b"), [1, 1], [10.0])
    with pytest.raises(DesignError, match="no data"):
        make_layout(EMPTY, EMPTY, EMPTY, 1, 1)


def test_bad_domain_and_options() -> None:
    design = make_design(np.ones(4), strata=np.array([0, 0, 1, 1]))
    with pytest.raises(DesignError, match="domain: expected 4"):
        estimate_means({"x": np.ones(4)}, design, domain=np.ones(3))
    with pytest.raises(ReplicationError, match="JK1"):
        estimate_means({"x": np.ones(4)}, design, options=EstimationOptions(variance="jk1"))
    with pytest.raises(DesignError, match="infinite"):
        estimate_means({"x": np.array([1.0, np.inf, 1.0, 1.0])}, design)
    with pytest.raises(DesignError, match="no variable"):
        estimate_means({}, design)
    with pytest.raises(OptionsError, match="unknown adjustment"):
        adjust_p_values([0.1], "bonferroni")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        (np.ones((3, 2)), "expected shape"),
        (np.array([["a"] * 7] * 2), "non-numeric"),
        (np.full((2, 7), 4.5), "whole numbers"),
    ],
)
def test_bad_codes(codes: np.ndarray, message: str) -> None:
    with pytest.raises(DesignError, match=message):
        estimate_indices(codes, ITEMS, TREE, make_design(np.ones(codes.shape[0])))


def _tree(*nodes: IndexNode, root: str = "top") -> IndexTree:
    return IndexTree(root=root, nodes=nodes)


@pytest.mark.parametrize(
    ("tree", "message"),
    [
        (_tree(IndexNode(code="x", children=("q0",))), "no node 'top'"),
        (_tree(IndexNode(code="top", children=("nope",))), "unknown item or node 'nope'"),
        (
            _tree(IndexNode(code="top", children=("a",)), IndexNode(code="a", children=("top",))),
            "cycle",
        ),
        (_tree(IndexNode(code="top", children=())), "no child"),
        (_tree(IndexNode(code="top", children=("q0", "q1"), weights=(1.0,))), "1 weights"),
        (_tree(IndexNode(code="top", children=("q0",), weights=(0.0,))), "non-positive"),
    ],
)
def test_bad_index_trees(tree: IndexTree, message: str) -> None:
    codes = np.full((4, 7), 5)
    with pytest.raises(DesignError, match=message):
        estimate_indices(codes, ITEMS, tree, make_design(np.ones(4)))


def test_a_node_shared_by_two_parents_is_estimated_once() -> None:
    tree = _tree(
        IndexNode(code="top", children=("a", "b")),
        IndexNode(code="a", children=("q0", "q1")),
        IndexNode(code="b", children=("a", "q2")),
    )
    codes = np.random.default_rng(1).choice([1, 5], size=(30, 7))
    results = estimate_indices(codes, ITEMS, tree, make_design(np.ones(30)))
    assert [e.variable for e in results if e.statistic != "share"] == ["a", "b", "top"]


@pytest.mark.parametrize(("slug", "elements"), [("sipas", 5), ("short-post-result", 4)])
def test_tree_from_a_bundled_instrument(slug: str, elements: int) -> None:
    instrument = load_bundled(slug, 1)
    tree, items = tree_from_instrument(instrument)
    assert len(items) == len(instrument.items())
    rng = np.random.default_rng(4)
    codes = rng.choice([1, 2, 3, 4, 5], size=(120, len(items)))
    if slug == "sipas":
        assert items[0].not_applicable == (9,)
        codes[:60, -4:] = 9  # the feedback element applies to half
    results = estimate_indices(codes, items, tree, make_design(np.ones(120)))
    assert sum(e.statistic == "element" for e in results) == elements
    assert [e.variable for e in results if e.statistic == "index"] == [tree.root]


def test_lonely_strata_in_drivers_follow_the_rule() -> None:
    rng = np.random.default_rng(6)
    strata = np.array([0] * 20 + [1] * 20 + [2])
    x = rng.normal(size=41)
    y = 1 + 2 * x + rng.normal(size=41)
    design = make_design(np.ones(41), strata=strata)
    with pytest.raises(LonelyPsuError):
        driver_analysis(y, {"x": x}, design)
    ses = {
        rule: driver_analysis(y, {"x": x}, design, lonely_psu=rule).coefficients[1].se
        for rule in ("certainty", "adjust", "average")
    }
    assert ses["certainty"] < ses["average"]
    assert ses["certainty"] < ses["adjust"]
    with pytest.raises(DesignError, match="41 values"):
        driver_analysis(y[:40], {"x": x}, design)
    model = driver_analysis(y, {"x": x}, design, lonely_psu="certainty")
    assert importance_performance(model, []) == []


def test_jackknife_lonely_and_census_cases() -> None:
    design = make_design(np.ones(5), strata=np.array([0, 0, 1, 1, 2]))
    options = EstimationOptions(variance="jkn")
    with pytest.raises(LonelyPsuError):
        estimate_means({"x": np.arange(5.0)}, design, options=options)
    single = make_design(np.ones(1))
    with pytest.raises(ReplicationError, match="two strata"):
        estimate_means(
            {"x": np.ones(1)},
            single,
            options=EstimationOptions(variance="jk1", lonely_psu="adjust"),
        )
    census = make_design(np.ones(4), strata=np.array([0, 0, 1, 1]), fpc=np.ones(4))
    with pytest.raises(ReplicationError, match="census"):
        estimate_means({"x": np.arange(4.0)}, census, options=options)


def test_collinear_covariates_are_a_model_error() -> None:
    direct = np.array([0.5, 0.6, 0.7, 0.8, 0.9])
    covariate = np.arange(5.0)
    with pytest.raises(ModelError, match="collinear"):
        fay_herriot(direct, np.full(5, 0.01), np.column_stack([covariate, 2 * covariate]))


def test_bad_sufficient_statistics() -> None:
    s = element_survey(np.random.default_rng(2), n=60)
    stats = index_statistics(s.codes, s.items, s.tree, s.design)
    with pytest.raises(DesignError, match="items differ"):
        estimate_indices_from_sums(stats, s.items[::-1], s.tree)
    broken = msgspec.structs.replace(stats, weight=stats.weight[:-1])
    with pytest.raises(DesignError, match="weight has shape"):
        estimate_indices_from_sums(broken, s.items, s.tree)


def test_quality_input_checks() -> None:
    items = (ItemScoring(code="a", satisfied=(5,)),)
    with pytest.raises(DesignError, match="expected shape"):
        item_nonresponse(np.ones((2, 2)), items)
    with pytest.raises(DesignError, match="non-negative"):
        cronbach_alpha(np.ones((2, 1)), items, make_index_tree({"e": ["a"]}), weights=[1.0, -1.0])


def test_comparisons_without_overlap_or_with_lonely_strata() -> None:
    assert compare_periods([], []) == []
    strata = np.array([0] * 6 + [1] * 6 + [2])
    x = np.arange(13.0)
    domain = np.array(["a", "b"] * 6 + ["a"])
    design = make_design(np.ones(13), strata=strata)
    options = EstimationOptions(lonely_psu="adjust")
    results = compare_means_with_population({"x": x}, design, domain=domain, options=options)
    assert [c.domain for c in results] == ["a", "b"]
    assert all(c.se > 0 for c in results)
