"""Fixtures of the analysis tests: the API samples and their designs."""

from __future__ import annotations

import pytest

from analysis import Design, make_design
from tests.analysis.api import ApiData


@pytest.fixture(scope="session")
def fx_apistrat() -> ApiData:
    return ApiData("apistrat")


@pytest.fixture(scope="session")
def fx_apiclus1() -> ApiData:
    return ApiData("apiclus1")


@pytest.fixture(scope="session")
def fx_apiclus2() -> ApiData:
    return ApiData("apiclus2")


@pytest.fixture(scope="session")
def fx_dstrat(fx_apistrat: ApiData) -> Design:
    # R: svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat, fpc=~fpc)
    d = fx_apistrat
    return make_design(d.num("pw"), strata=d.text("stype"), fpc=d.num("fpc"))


@pytest.fixture(scope="session")
def fx_dclus1(fx_apiclus1: ApiData) -> Design:
    # R: svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)
    d = fx_apiclus1
    return make_design(d.num("pw"), psu=d.num("dnum").astype(int), fpc=d.num("fpc"))


@pytest.fixture(scope="session")
def fx_dclus2(fx_apiclus2: ApiData) -> Design:
    # R: svydesign(id=~dnum+snum, weights=~pw, data=apiclus2)  (ultimate clusters)
    d = fx_apiclus2
    return make_design(d.num("pw"), psu=d.num("dnum").astype(int))


@pytest.fixture(scope="session")
def fx_dlonely(fx_apiclus1: ApiData) -> Design:
    # R: svydesign(id=~1, weights=~pw, strata=~dnum, data=apiclus1)  (lonely strata)
    d = fx_apiclus1
    return make_design(d.num("pw"), strata=d.num("dnum").astype(int))
