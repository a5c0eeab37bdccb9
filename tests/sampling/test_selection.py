"""Selection: systematic positions, reserve release order, reproducibility and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from sampling import FrameError, draw_sample


def test_systematic_selection_follows_the_sort_order() -> None:
    # One stratum of 10 sorted descending by key, n = 5: interval 2, so exactly one of each
    # consecutive pair of the sorted list is taken.
    key = np.arange(10)
    sample = draw_sample(np.zeros(10, np.int64), [5], np.random.default_rng(3), sort_keys=[-key])
    taken = np.sort(9 - sample.index)
    assert np.array_equal(taken // 2, np.arange(5))
    np.testing.assert_allclose(sample.base_weight, 2.0, rtol=0)


def test_string_sort_keys_fall_back_to_lexsort() -> None:
    names = np.array(["d", "a", "c", "b"])
    sample = draw_sample(np.zeros(4, np.int64), [4], np.random.default_rng(0), sort_keys=[names])
    assert names[sample.index].tolist() == ["a", "b", "c", "d"]


def test_reserve_members_are_ordered_for_release() -> None:
    sample = draw_sample(
        np.zeros(100, np.int64), [10], np.random.default_rng(5), method="srs", reserve_sizes=[4]
    )
    assert sorted(sample.reserve_order[sample.reserve].tolist()) == [0, 1, 2, 3]
    assert np.all(sample.reserve_order[~sample.reserve] == -1)
    # Reserve rows carry the probability of main ∪ reserve, 14/100.
    np.testing.assert_allclose(sample.inclusion_probability[sample.reserve], 0.14, rtol=0)
    np.testing.assert_allclose(sample.inclusion_probability[~sample.reserve], 0.10, rtol=0)


def test_pps_certainty_units_stay_in_the_main_sample() -> None:
    sizes = np.array([1000.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    sample = draw_sample(
        np.zeros(6, np.int64), [2], np.random.default_rng(1), method="pps",
        size_measure=sizes, reserve_sizes=[1],
    )  # fmt: skip
    assert sample.certainty[sample.index == 0].tolist() == [True]
    assert not sample.reserve[sample.index == 0][0]
    assert int(sample.reserve.sum()) == 1


def test_different_seeds_give_different_samples() -> None:
    ids = np.zeros(1000, np.int64)
    first = draw_sample(ids, [50], np.random.default_rng(1), method="srs")
    second = draw_sample(ids, [50], np.random.default_rng(2), method="srs")
    assert not np.array_equal(np.sort(first.index), np.sort(second.index))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"strata": [0, 0, 1], "sample_sizes": [1, 2]}, "more members"),
        ({"strata": [0, 0, 1], "sample_sizes": [1]}, "stratum codes"),
        ({"strata": [0, 1], "sample_sizes": [0, 1], "reserve_sizes": [1, 0]}, "no main sample"),
        ({"strata": [0, 1], "sample_sizes": [1, 1], "reserve_sizes": [0]}, "reserve sizes"),
        ({"strata": [0, 1], "sample_sizes": [1, 1], "method": "pps"}, "size measure"),
        ({"strata": [0, 1], "sample_sizes": [1, 1], "method": "cluster"}, "unknown selection"),
        ({"strata": [0, 1], "sample_sizes": [1, 1], "sort_keys": [[1]]}, "sort key"),
        (
            {"strata": [0, 1], "sample_sizes": [1, 1], "method": "pps", "size_measure": [1, 0]},
            "positive",
        ),
    ],
)
def test_bad_selection_input_is_a_frame_error(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(FrameError, match=message):
        draw_sample(rng=np.random.default_rng(0), **kwargs)  # type: ignore[arg-type]
