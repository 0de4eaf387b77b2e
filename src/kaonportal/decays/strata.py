"""Stratified proposals for accept-reject on the unit square (two proposal uniforms), for generators whose
density varies most with two of their variables (the Ke4 masses, :mod:`.ke4`).

The square is cut into nb x nb cells; a proposal picks a cell with probability proportional to the cell's
majorant, then two uniforms inside it, and is accepted with probability density / (cell majorant). The
accepted density is the density itself (the proposal density is proportional to the majorant), as with one
majorant for the whole square, but far fewer proposals are rejected where the density is small.
accept_reject (:mod:`.phasespace`) raises if a ratio ever exceeds 1, so a cell majorant that is too small
stops the run instead of biasing it.

Cells are drawn with Walker's alias method (A. J. Walker, ACM TOMS 3 (1977) 253; table built with
M. D. Vose's construction, IEEE TSE 17 (1991) 972): one uniform, a few operations per draw.

>>> import numpy as np
>>> mx = np.ones((4, 4))
>>> mx[3, 3] = 9.0                      # the majorant of cells (2..3, 2..3) becomes 9: P(cell 15) = 9 / 48
>>> s = Strata.from_cell_max(mx, safety=1.0)
>>> cell, r = s.draw(np.random.default_rng(1), 100_000)
>>> round(float(np.mean(cell == 15)), 2), bool(np.all((r >= 0.75) == (cell[:, None] // np.array([4, 1]) % 4 == 3)))
(0.19, True)
"""

from __future__ import annotations

__all__ = ["Strata", "alias_table", "neighbourhood_max"]

from dataclasses import dataclass

import numpy as np


def alias_table(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Walker's alias table of the probabilities ``p`` (sum 1): column k is drawn with probability 1/K, then k
    with probability prob[k], else alias[k]."""
    k = p.size
    scaled = np.asarray(p, float) * k
    prob, alias = np.ones(k), np.arange(k)
    small = [i for i in range(k) if scaled[i] < 1.0]
    large = [i for i in range(k) if scaled[i] >= 1.0]
    while small and large:
        s_, l_ = small.pop(), large.pop()
        prob[s_], alias[s_] = scaled[s_], l_
        scaled[l_] -= 1.0 - scaled[s_]
        (small if scaled[l_] < 1.0 else large).append(l_)
    return prob, alias     # the columns left over keep probability 1 (up to rounding)


def neighbourhood_max(mx: np.ndarray) -> np.ndarray:
    """Largest value of each cell and its (up to) eight neighbours: a cell majorant that does not rely on the
    cell's own few samples or grid points alone."""
    nb0, nb1 = mx.shape
    pad = np.pad(mx, 1)
    return np.max([pad[a:a + nb0, b:b + nb1] for a in range(3) for b in range(3)], axis=0)


@dataclass(frozen=True)
class Strata:
    """nb x nb cells of the unit square with their majorants (``cell_major``, flattened row-major: cell
    i * nb + j covers x in [i, i + 1) / nb, y in [j, j + 1) / nb) and the alias table of their probabilities."""
    nb: int
    cell_major: np.ndarray
    prob: np.ndarray
    alias: np.ndarray

    @classmethod
    def from_cell_max(cls, mx: np.ndarray, safety: float, floor: float = 1e-3) -> "Strata":
        """Majorants ``safety`` x the neighbourhood maximum of ``mx`` (nb x nb largest densities seen per cell),
        at least ``floor`` x the overall maximum (no cell is left out of the proposals)."""
        near = neighbourhood_max(np.asarray(mx, float))
        major = safety * np.maximum(near, floor * near.max()).ravel()
        prob, alias = alias_table(major / major.sum())
        return cls(int(mx.shape[0]), major, prob, alias)

    def draw(self, rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
        """(cell, r) of ``size`` proposals, r (size, 2) = (x, y): the cell from one uniform (alias method: its
        integer part picks a column, its fraction the column or its alias), then x and y uniform in the cell."""
        k = self.prob.size
        u = rng.random(size) * k
        col = np.minimum(u.astype(np.int64), k - 1)
        cell = np.where(u - col < self.prob[col], col, self.alias[col])
        r = rng.random((size, 2))
        r[:, 0] += cell // self.nb
        r[:, 1] += cell % self.nb
        r *= 1.0 / self.nb
        return cell, r
