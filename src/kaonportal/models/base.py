"""Common interface of the portal benchmark models (PBC BC1-BC11).

A model turns ``(mass, coupling)`` into partial widths, a total width, a lifetime, decay branching
ratios and production branching ratios. Every public method broadcasts ``mass`` and ``coupling``
against each other (numpy rules) and returns arrays. Units: GeV for masses and widths, metres for
``ctau_m``, seconds for ``lifetime_s``; the coupling is the benchmark's own variable
(``epsilon``, ``sin2theta``, ``U2``, ``g_agg`` ...), named in :attr:`PortalModel.coupling_name`.

Subclasses implement :meth:`PortalModel._widths` and :meth:`PortalModel._production` on validated,
broadcast float arrays; this base class does the validation (``InputError`` naming the valid mass
range, negative couplings, NaN) and the bookkeeping (total width, lifetime, branching ratios).

>>> from kaonportal.models import get_model
>>> m = get_model("dark-photon")
>>> m.check_mass(5.0)
Traceback (most recent call last):
...
kaonportal.errors.InputError: mass: must be in [0.00102, 3] GeV for dark-photon (BC1), got 5
"""

from __future__ import annotations

__all__ = ["PortalModel", "as_arrays"]

import numpy as np

from ..constants import HBAR_GEV_S, HBARC_GEV_M
from ..errors import InputError, check_finite


def as_arrays(mass, coupling) -> tuple[np.ndarray, np.ndarray]:
    """Broadcast ``mass`` and ``coupling`` to float arrays of a common shape."""
    m, c = np.broadcast_arrays(np.asarray(mass, dtype=float), np.asarray(coupling, dtype=float))
    return np.array(m, dtype=float), np.array(c, dtype=float)


class PortalModel:
    """Base class of a PBC benchmark model.

    Class attributes set by each subclass:

    - ``name``: command-line name (``"dark-photon"``), ``label``: PBC label (``"BC1"``);
    - ``particle``: symbol of the new particle in decay strings (``"A'"``, ``"S"``, ``"N"``, ``"a"``);
    - ``coupling_name`` / ``coupling_unit``: the benchmark's coupling variable and its unit;
    - ``mass_range``: ``(low, high)`` in GeV where the formulas are valid;
    - ``invisible_channels``: decay channels that leave no visible signal (neutrinos, dark matter);
    - ``reference``: where the formulas come from.
    """

    name: str = ""
    label: str = ""
    particle: str = "X"
    coupling_name: str = "coupling"
    coupling_unit: str = ""
    mass_range: tuple[float, float] = (0.0, np.inf)
    #: mass range of :meth:`production_br` when it extends beyond the decay-width range (None = same)
    production_mass_range: tuple[float, float] | None = None
    invisible_channels: frozenset[str] = frozenset()
    reference: str = ""
    #: where the formulas hold and what is left out, in one or two sentences (printed by ``models br``)
    validity: str = ""
    #: True when every partial width scales as a power of the coupling (all benchmarks but BC2).
    width_scales_as_coupling: bool = True
    #: widths and production BRs scale as coupling**coupling_power: 2 for amplitude-like couplings
    #: (epsilon, g_agg, g_Y, 1/f_G), 1 for squared ones (U2, sin2theta).
    coupling_power: int = 2
    #: production channels that do NOT scale as coupling**coupling_power (BC5 pair production)
    unscaled_production: frozenset[str] = frozenset()
    #: production channel of the kaon-mode search (key of :meth:`production_br`).
    kaon_channel: str = ""
    #: default (low, high) range of the coupling scanned by :mod:`kaonportal.models.convert`.
    coupling_scan: tuple[float, float] = (1e-20, 1.0)
    #: largest meaningful coupling (a mixing probability like |U|^2 or sin^2 theta is <= 1); None = no
    #: bound beyond the production BRs staying <= 1 (:meth:`check_physical`).
    coupling_max: float | None = None

    # ------------------------------------------------------------------ validation
    def check_mass(self, mass, mass_range: tuple[float, float] | None = None) -> None:
        """Raise :class:`InputError` naming the valid range if any mass is outside it."""
        check_finite("mass", mass)
        arr = np.asarray(mass, dtype=float)
        lo, hi = mass_range or self.mass_range
        bad = (arr < lo) | (arr > hi)
        if np.any(bad):
            shown = float(arr[bad].flat[0]) if arr.ndim else float(arr)
            raise InputError("mass", f"must be in [{lo:.3g}, {hi:.3g}] GeV for {self.name} "
                                     f"({self.label}), got {shown:g}")

    def check_coupling(self, coupling) -> None:
        """Raise :class:`InputError` for a negative or non-finite coupling."""
        check_finite(self.coupling_name, coupling)
        arr = np.asarray(coupling, dtype=float)
        if np.any(arr < 0):
            shown = float(arr[arr < 0].flat[0]) if arr.ndim else float(arr)
            raise InputError(self.coupling_name,
                             f"must be >= 0 ({self.coupling_name} of {self.name}), got {shown:g}")

    def check_physical(self, mass, coupling) -> None:
        """Raise :class:`InputError` naming the coupling unless (mass, coupling) is a physical point.

        Physical: the coupling is at most :attr:`coupling_max` (a mixing probability is <= 1) and
        every production BR is <= 1 (issue #12 item 15: ``hnl-e`` at 0.3 GeV and U2 = 2 gave
        BR(K+ -> e+ N) = 4.3). The message gives the largest coupling allowed at that mass.
        :meth:`production_br` and the widths themselves are *not* capped: they scale as
        ``coupling**coupling_power``, so that callers can ask for BRs per unit coupling
        (``coupling = 1``) and :mod:`kaonportal.models.convert` can scan past the physical edge.
        """
        self.check_coupling(coupling)
        c = np.asarray(coupling, dtype=float)
        hi = self.coupling_max
        if hi is not None and np.any(c > hi):
            shown = float(c[c > hi].flat[0]) if c.ndim else float(c)
            raise InputError(self.coupling_name, f"must be in [0, {hi:g}] ({self.coupling_name} of "
                                                 f"{self.name} is a mixing probability), got {shown:g}")
        prod = self.production_br(mass, coupling)
        for key, br in prod.items():
            br = np.asarray(br, dtype=float)
            if not np.any(br > 1.0):
                continue
            i = np.unravel_index(int(np.argmax(br)), br.shape) if br.ndim else ()
            m_i = float(np.broadcast_to(np.asarray(mass, float), br.shape)[i])
            c_i = float(np.broadcast_to(c, br.shape)[i])
            if key in self.unscaled_production or not self.width_scales_as_coupling:
                limit = "a model parameter, not the coupling, sets it"
            else:
                c_max = c_i * float(br[i]) ** (-1.0 / self.coupling_power)
                limit = f"allowed here: {self.coupling_name} <= {c_max:.3g} (every production BR <= 1)"
            raise InputError(self.coupling_name,
                             f"{self.coupling_name} = {c_i:g} gives BR({key}) = {float(br[i]):.3g} > 1 at "
                             f"m = {m_i:g} GeV for {self.name} ({self.label}); {limit}")

    def _prepare(self, mass, coupling, mass_range=None) -> tuple[np.ndarray, np.ndarray]:
        self.check_mass(mass, mass_range)
        self.check_coupling(coupling)
        return as_arrays(mass, coupling)

    # ------------------------------------------------------------------ to implement
    def _widths(self, m: np.ndarray, c: np.ndarray) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _production(self, m: np.ndarray, c: np.ndarray) -> dict[str, np.ndarray]:
        raise NotImplementedError

    # ------------------------------------------------------------------ public API
    def probe_mass(self) -> float:
        """A mass inside the valid range (its midpoint), e.g. to list channel names."""
        lo, hi = self.mass_range
        return 0.5 * (lo + hi)

    def decay_channels(self) -> list[str]:
        """Names of the decay channels (keys of :meth:`partial_widths`)."""
        return list(self.partial_widths(self.probe_mass(), 1e-3))

    def production_channels(self) -> list[str]:
        """Names of the production channels (keys of :meth:`production_br`)."""
        return list(self.production_br(self.probe_mass(), 1e-3))

    def partial_widths(self, mass, coupling) -> dict[str, np.ndarray]:
        """Partial decay widths in GeV, keyed by decay string (e.g. ``"A' -> e+ e-"``)."""
        m, c = self._prepare(mass, coupling)
        return {k: np.asarray(v, dtype=float) for k, v in self._widths(m, c).items()}

    def total_width(self, mass, coupling) -> np.ndarray:
        """Total width in GeV: the sum of :meth:`partial_widths`."""
        widths = self.partial_widths(mass, coupling)
        return np.sum(np.stack(list(widths.values())), axis=0)

    def ctau_m(self, mass, coupling) -> np.ndarray:
        """Proper decay length c*tau = hbar c / Gamma in metres (``inf`` where Gamma = 0)."""
        gam = self.total_width(mass, coupling)
        with np.errstate(divide="ignore"):
            return np.where(gam > 0, HBARC_GEV_M / np.where(gam > 0, gam, 1.0), np.inf)

    def lifetime_s(self, mass, coupling) -> np.ndarray:
        """Proper lifetime tau = hbar / Gamma in seconds (``inf`` where Gamma = 0)."""
        gam = self.total_width(mass, coupling)
        return np.where(gam > 0, HBAR_GEV_S / np.where(gam > 0, gam, 1.0), np.inf)

    def branching_ratios(self, mass, coupling) -> dict[str, np.ndarray]:
        """Decay branching ratios (fractions summing to 1; all zero where no channel is open)."""
        widths = self.partial_widths(mass, coupling)
        tot = np.sum(np.stack(list(widths.values())), axis=0)
        safe = np.where(tot > 0, tot, 1.0)
        return {k: np.where(tot > 0, v / safe, 0.0) for k, v in widths.items()}

    def visible_br(self, mass, coupling) -> np.ndarray:
        """Fraction of decays into channels with visible (charged or photon) final states."""
        brs = self.branching_ratios(mass, coupling)
        vis = [v for k, v in brs.items() if k not in self.invisible_channels]
        if not vis:
            return np.zeros(np.shape(next(iter(brs.values()))))
        return np.clip(np.sum(np.stack(vis), axis=0), 0.0, 1.0)      # a sum of fractions: rounding can exceed 1

    def production_br(self, mass, coupling) -> dict[str, np.ndarray]:
        """Production branching ratios, keyed by decay string (e.g. ``"K+ -> pi+ S"``).

        A channel is zero where it is kinematically closed. The valid masses are
        :attr:`production_mass_range` when set (production formulas reaching beyond the decay widths).
        The BRs scale as ``coupling**coupling_power`` and are *not* capped, so that ``coupling = 1``
        gives the BR per unit coupling; :meth:`check_physical` refuses a point where one exceeds 1.
        """
        m, c = self._prepare(mass, coupling, self.production_mass_range)
        return {k: np.asarray(v, dtype=float) for k, v in self._production(m, c).items()}

    def summary(self, mass: float, coupling: float) -> dict:
        """Everything ``kaonportal models br`` prints, as plain floats (one mass, one coupling).

        Refuses (``InputError``) a coupling that makes a production BR exceed 1 (:meth:`check_physical`).
        """
        self.check_physical(mass, coupling)
        prod = self.production_br(mass, coupling)
        brs = self.branching_ratios(mass, coupling)
        return {
            "model": self.name, "label": self.label, "mass_gev": float(mass),
            "coupling_name": self.coupling_name, "coupling": float(coupling),
            "mass_range_gev": list(self.mass_range),
            "production": {k: float(v) for k, v in prod.items()},
            "width_gev": float(self.total_width(mass, coupling)),
            "ctau_m": float(self.ctau_m(mass, coupling)),
            "lifetime_s": float(self.lifetime_s(mass, coupling)),
            "branching_ratios": {k: float(v) for k, v in brs.items()},
            "visible_br": float(self.visible_br(mass, coupling)),
            "reference": self.reference,
            "validity": self.validity,
        }

    def __repr__(self) -> str:
        lo, hi = self.mass_range
        return (f"<{type(self).__name__} {self.name} ({self.label}), {self.coupling_name}, "
                f"m in [{lo:g}, {hi:g}] GeV>")
