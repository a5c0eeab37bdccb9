"""The simple-random-sampling term of the design effect, from rows or from sums.

The design effect compares the design variance with
:math:`\\hat V_{srs} = W Q / (n - 1)`, where :math:`Q = \\sum_k \\phi_k^2 / w_k` sums, over
the respondents of a domain, the squared influence :math:`\\phi_k` of the estimate's mean
form divided by the weight (see :func:`analysis.results.design_effect`). :math:`Q` needs
row-level information, which arrives as

* the rows themselves (in-memory path: the second pass of
  :mod:`analysis.linearisation`, or the closed form :math:`R(1-R)/X` for shares), or
* a per-domain Gram matrix :math:`G_d = \\sum_{k \\in d} w_k v_k v_k^\\top` of the row
  vector :math:`v_k = (y_{k1}, \\dots, y_{kJ}, x_{k1}, \\dots, x_{kJ})`, which a database
  computes with one ``GROUP BY domain`` (sufficient-statistics path): for
  :math:`\\phi_k = w_k a^\\top v_k`, :math:`Q = a^\\top G_d a`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from analysis.linearisation import Linearised

__all__ = ["srs_from_gram"]

FloatArray = NDArray[np.float64]


def srs_from_gram(lin: Linearised, gram: FloatArray) -> FloatArray:
    """:math:`Q` from per-domain Gram matrices.

    Parameters
    ----------
    lin
        Estimates and coefficients.
    gram
        :math:`G_d`, shape ``(D, 2J, 2J)``.

    Returns
    -------
    numpy.ndarray
        :math:`Q`, shape ``(E, D)``.

    Notes
    -----
    Base column :math:`j` has :math:`\\phi_k = w_k a^\\top v_k` with
    :math:`a_{y_j} = s_j`, :math:`a_{x_j} = -R_j s_j`, where :math:`s_j = 1/X_j` for a
    ratio and 1 for a total; a composite combines its terms' vectors with its
    coefficients.
    """
    j, d = lin.ratio.shape
    inverse = np.divide(
        1.0, lin.denominator, out=np.zeros_like(lin.denominator), where=lin.denominator > 0
    )
    scale = np.where(lin.totals[:, None], 1.0, inverse)
    a = np.zeros((j + len(lin.coefficients), d, 2 * j))
    cols = np.arange(j)
    a[cols, :, cols] = scale
    a[cols, :, j + cols] = -lin.ratio * scale
    for k, coef in enumerate(lin.coefficients):
        for t, term in enumerate(lin.terms[k]):
            a[j + k] += coef[t][:, None] * a[term]
    q: FloatArray = np.einsum("edi,dij,edj->ed", a, gram, a, optimize=True)
    return q
