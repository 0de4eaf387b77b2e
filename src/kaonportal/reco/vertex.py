"""Decay vertex from the closest approach of two straight tracks.

Each track is a point ``(x, y)`` at a reference plane ``z`` and slopes ``(dxdz, dydz)``. The points of
closest approach follow from minimising |P1 + t1 d1 - P2 - t2 d2|^2 (standard two-line geometry):
with w = P1 - P2, a = d1.d1, b = d1.d2, c = d2.d2, d = d1.w, e = d2.w,
t1 = (b e - c d)/(a c - b^2), t2 = (a e - b d)/(a c - b^2). The vertex is the midpoint of the two
closest points and the CDA their distance.

>>> import numpy as np
>>> v, cda = closest_approach(np.array([0.0]), np.array([0.0]), 100.0, np.array([0.0]), np.array([0.0]),
...                           np.array([0.1]), np.array([0.01]), 200.0, np.array([0.001]), np.array([0.0]))
>>> round(float(v[0, 2]), 3), round(float(cda[0]), 4)
(100.0, 0.01)
"""

from __future__ import annotations

__all__ = ["closest_approach"]

import numpy as np


def closest_approach(x1, y1, z1, tx1, ty1, x2, y2, z2, tx2, ty2) -> tuple[np.ndarray, np.ndarray]:
    """Midpoint vertex (n, 3) and closest distance of approach (n,) in metres of two lines.

    Parallel lines (a c - b^2 = 0) get NaN.
    """
    px = np.asarray(x1, float) - np.asarray(x2, float) + 0.0
    py = np.asarray(y1, float) - np.asarray(y2, float)
    pz = np.asarray(z1, float) - np.asarray(z2, float) + np.zeros_like(px)
    a = tx1 * tx1 + ty1 * ty1 + 1.0
    b = tx1 * tx2 + ty1 * ty2 + 1.0
    c = tx2 * tx2 + ty2 * ty2 + 1.0
    d = tx1 * px + ty1 * py + pz
    e = tx2 * px + ty2 * py + pz
    den = a * c - b * b
    ok = den > 0
    den = np.where(ok, den, 1.0)
    t1 = np.where(ok, (b * e - c * d) / den, np.nan)
    t2 = np.where(ok, (a * e - b * d) / den, np.nan)
    # points: P1 + t1 (tx1, ty1, 1) with P1 = (x1, y1, z1); P2 likewise
    c1x, c1y, c1z = x1 + t1 * tx1, y1 + t1 * ty1, z1 + t1
    c2x, c2y, c2z = x2 + t2 * tx2, y2 + t2 * ty2, z2 + t2
    v = np.stack([0.5 * (c1x + c2x), 0.5 * (c1y + c2y), 0.5 * (c1z + c2z)], axis=-1)
    cda = np.sqrt((c1x - c2x) ** 2 + (c1y - c2y) ** 2 + (c1z - c2z) ** 2)
    return v, cda
