"""Cronbach's alpha (against R survey's svycralpha) and item non-response."""

from __future__ import annotations

import numpy as np
import pytest

from analysis import (
    DesignError,
    ItemScoring,
    cronbach_alpha,
    item_nonresponse,
    make_index_tree,
)
from tests.analysis.api import ApiData


def _items(*codes: str) -> tuple[ItemScoring, ...]:
    return tuple(ItemScoring(code=c, satisfied=()) for c in codes)


def test_alpha_matches_r_svycralpha(fx_apistrat: ApiData, fx_apiclus2: ApiData) -> None:
    # R: dstrat <- svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat, fpc=~fpc)
    #    dclus2 <- svydesign(id=~dnum+snum, weights=~pw, data=apiclus2)
    #    c(svycralpha(~api00+api99, dstrat), svycralpha(~ell+meals+mobility, dstrat),
    #      svycralpha(~acs.k3+api00+api99, dclus2, na.rm=TRUE))
    expected = (0.98736682295140454, 0.64565078129964248, 0.74297659468425625)
    d = fx_apistrat
    names = ("api00", "api99", "ell", "meals", "mobility")
    codes = np.column_stack([d.num(k) for k in names])
    tree = make_index_tree({"scores": ["api00", "api99"], "needs": ["ell", "meals", "mobility"]})
    scores, needs = cronbach_alpha(codes, _items(*names), tree, weights=d.num("pw"))
    c2 = fx_apiclus2
    names2 = ("acs.k3", "api00", "api99")
    codes2 = np.column_stack([c2.num(k) for k in names2])
    (mixed,) = cronbach_alpha(
        codes2, _items(*names2), make_index_tree({"all": list(names2)}), weights=c2.num("pw")
    )
    assert mixed.n == int(np.isfinite(c2.num("acs.k3")).sum())
    alphas = [scores.alpha, needs.alpha, mixed.alpha]
    assert None not in alphas
    np.testing.assert_allclose(np.array(alphas, dtype=float), np.array(expected), rtol=1e-12)
    assert (scores.items, needs.items, scores.n) == (2, 3, 200)


def test_alpha_is_undefined_with_one_item_or_no_variance() -> None:
    codes = np.array([[5, 5, 1], [5, 5, 2], [5, 5, 3]])
    tree = make_index_tree({"flat": ["a", "b"], "single": ["c"]})
    flat, single = cronbach_alpha(codes, _items("a", "b", "c"), tree)
    assert flat.alpha is None
    assert single.alpha is None


def test_item_nonresponse_counts_missing_and_not_applicable_apart() -> None:
    items = tuple(ItemScoring(code=c, satisfied=(4, 5), not_applicable=(0,)) for c in "ab")
    codes = np.array([[5, 0], [np.nan, 4], [-1, 0], [2, np.nan]])
    weights = np.array([1.0, 2.0, 3.0, 4.0])
    a, b = item_nonresponse(codes, items, weights=weights, missing=(-1,))
    assert (a.eligible, a.answered, a.not_applicable, a.missing) == (4, 2, 0, 2)
    assert a.rate == 0.5
    assert a.weighted_rate == pytest.approx(5 / 10)
    assert (b.answered, b.not_applicable, b.missing) == (1, 2, 1)
    eligible = np.array([[True, False], [True, True], [True, True], [True, True]])
    _, b = item_nonresponse(codes, items, eligible=eligible)
    assert (b.eligible, b.not_applicable) == (3, 1)
    with pytest.raises(DesignError, match="eligible"):
        item_nonresponse(codes, items, eligible=np.ones((2, 2), dtype=bool))
