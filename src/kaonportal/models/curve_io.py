r"""Reading limit curves (``#``-commented CSV, as shipped in ``kaonportal/data/curves``) and writing coupling limits.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
>>> _ = path.write_text("# demo\nm_X_MeV,tau_ps,BR_UL90\n100,0,1e-9\n100,100,2e-9\n")
>>> c = read_curve(path)
>>> c.mass_gev.tolist(), c.tau_s.tolist(), c.kind
([0.1, 0.1], [0.0, 1e-10], 'br')
"""

from __future__ import annotations

__all__ = ["Curve", "read_curve", "write_limit_csv", "parse_decay", "DECAY_HELP", "auto_final_state",
           "auto_production", "decay_kwargs"]

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import references
from ..atomic import write_text_atomic
from ..errors import InputError
from ..published import read_curve_csv
from ..yamlio import read_text


@dataclass
class Curve:
    """A limit curve read from a ``#``-commented CSV file."""

    path: str
    mass_gev: np.ndarray
    limit: np.ndarray
    value_column: str
    kind: str                            # "br" or "coupling"
    tau_s: np.ndarray | None = None      # proper lifetime column (s), when present
    header: list[str] = field(default_factory=list)
    #: what the limit assumes about X's decay, when a kaonportal header says it ("prompt"/"stable")
    decay_hint: str | None = None

    @property
    def has_lifetime(self) -> bool:
        return self.tau_s is not None


#: what ``--decay`` means, for error messages
DECAY_HELP = ("prompt (X decays where it is produced), stable (X does not decay before --detector-length) "
              "or region:Z1,Z2 (X decays between flight distances Z1 and Z2 in metres)")
#: name of the observed-limit column in kaonportal's own curves
_OBSERVED = "br_ul_observed"


def parse_decay(text: str):
    """``"prompt"``, ``"stable"`` or ``"region:Z1,Z2"`` -> ``"prompt"``, ``"stable"`` or ``(z1, z2)`` (m).

    >>> parse_decay("region:80,160"), parse_decay("stable")
    ((80.0, 160.0), 'stable')
    """
    t = str(text).strip().lower()
    if t in ("prompt", "stable"):
        return t
    if t.startswith("region:"):
        try:
            z1, z2 = (float(v) for v in t[len("region:"):].split(","))
        except ValueError:
            raise InputError("decay", f"expected region:Z1,Z2 in metres, got {text!r}") from None
        if not (np.isfinite(z1) and np.isfinite(z2) and 0 <= z1 < z2):
            raise InputError("decay", f"region:Z1,Z2 needs 0 <= Z1 < Z2 (metres), got {text!r}")
        return (z1, z2)
    raise InputError("decay", f"unknown value {text!r}; allowed: {DECAY_HELP}")


def _decay_hint(header: list[str]) -> str | None:
    """'prompt' or 'stable' when a kaonportal-written header states it (and not both), else None."""
    if not any("produced by kaonportal" in h for h in header):
        return None
    text = " ".join(header).lower()
    found = {w for w in ("prompt", "stable") if re.search(rf"\b{w}\b", text)}
    return found.pop() if len(found) == 1 else None


def _limit_column(columns: list[str], skip: set[int], column: str | None, path) -> int:
    """Index of the limit column, chosen by name (a run's curves carry SES, backgrounds, expected bands
    and local significances next to the observed limit, so position means nothing)."""
    if column is not None:
        if column not in columns:
            raise InputError("column", f"{path}: no column {column!r}; columns: {', '.join(columns)}")
        return columns.index(column)
    lower = [c.lower() for c in columns]
    if _OBSERVED in lower:
        return lower.index(_OBSERVED)
    br = [i for i, c in enumerate(lower) if c.startswith("br") and i not in skip]
    if len(br) == 1:
        return br[0]
    if len(br) > 1:
        raise InputError("column", f"{path}: several branching-ratio columns "
                                   f"({', '.join(columns[i] for i in br)}); choose one with --column")
    rest = [i for i in range(len(columns)) if i not in skip]
    if len(rest) == 1:                   # a coupling-limit curve (m, U2_UL90), refused later as such
        return rest[0]
    raise InputError("column", f"{path}: no branching-ratio limit column (a name starting with BR) among "
                               f"{', '.join(columns)}; choose one with --column")


def read_curve(path, column: str | None = None) -> Curve:
    """Read a limit curve: a ``#`` header, then named columns (a shipped published curve or a run's
    ``curves/*.csv``). Columns are chosen by name, never by position:

    - mass: a name starting with ``m`` and ending in ``_MeV`` or ``_GeV`` (converted to GeV);
    - lifetime (optional): ``tau_ps``, ``tau_ns`` or ``tau_s``;
    - limit: ``column`` when given; else ``br_ul_observed`` (kaonportal's curves), else the only column
      whose name starts with ``BR`` (a branching-ratio limit), else the only other column (a coupling
      limit). Several BR columns and no ``br_ul_observed``: an error asking for ``column``.

    A kaonportal header that says ``prompt`` or ``stable`` (and not both) sets :attr:`Curve.decay_hint`.
    """
    path = Path(path)
    parsed = read_curve_csv(read_text(path, "curve"), f"curve {path}")
    header, columns = list(parsed.header), list(parsed.columns)
    data = np.column_stack([parsed.columns[c] for c in columns])
    mass_col = next((i for i, c in enumerate(columns)
                     if c.lower().startswith("m") and re.search(r"_(mev|gev)$", c.lower())), None)
    if mass_col is None:
        raise InputError("curve", f"{path}: no mass column (expected a name like m_X_MeV or m_GeV); "
                                  f"columns: {', '.join(columns)}")
    scale = 1e-3 if columns[mass_col].lower().endswith("_mev") else 1.0
    tau_units = {"tau_ps": 1e-12, "tau_ns": 1e-9, "tau_s": 1.0}
    tau_col = next((i for i, c in enumerate(columns) if c.lower() in tau_units), None)
    skip = {mass_col} | ({tau_col} if tau_col is not None else set())
    value_col = _limit_column(columns, skip, column, path)
    kind = "br" if columns[value_col].upper().startswith("BR") else "coupling"
    tau = None if tau_col is None else data[:, tau_col] * tau_units[columns[tau_col].lower()]
    masses, limits = data[:, mass_col] * scale, data[:, value_col]
    # a negative/NaN mass or a non-positive limit is a broken file, not "no limit here" (that is nan);
    # caught here so it is not silently dropped as out of range or turned into NaN by log(limit)
    bad_m = ~(np.isfinite(masses) & (masses >= 0))
    if bad_m.any():
        i = int(np.argmax(bad_m))
        raise InputError("curve", f"{path}: column {columns[mass_col]!r} must hold finite masses >= 0, "
                                  f"data row {i + 1} has {float(data[i, mass_col]):g}")
    bad_l = np.isinf(limits) | (limits <= 0)
    if bad_l.any():
        i = int(np.argmax(bad_l))
        raise InputError("curve", f"{path}: column {columns[value_col]!r} must hold limits > 0 (or nan where "
                                  f"there is none), data row {i + 1} has {float(limits[i]):g}")
    return Curve(str(path), masses, limits, columns[value_col], kind, tau, header, _decay_hint(header))


def auto_final_state(curve: Curve) -> str:
    text = " ".join(curve.header).lower() + " " + Path(curve.path).name.lower()
    if re.search(r"to_?mumu|-> ?mu\+ ?mu-", text):
        return "mu+ mu-"
    if re.search(r"to_?gg|-> ?gamma ?gamma", text):
        return "gamma gamma"
    if re.search(r"to_?ee\b|-> ?e\+ ?e-", text):
        return "e+ e-"
    return "invisible"


def auto_production(curve: Curve, model) -> str:
    """The model's channel matching a K+ -> pi+ X curve (by header or file name), else its kaon channel."""
    text = " ".join(curve.header) + " " + Path(curve.path).name
    if re.search(r"K\+ ?-> ?pi\+ ?[XSa]\b|Kp_to_pi[XSa]", text):
        wanted = f"K+ -> pi+ {model.particle}"
        if wanted not in model.production_channels():
            raise InputError("model", f"{curve.path} is a K+ -> pi+ X limit but {model.name} has no "
                                      f"{wanted!r} channel; its channels: {', '.join(model.production_channels())}")
        return wanted
    if not model.kaon_channel:
        raise InputError("production", f"{model.name} has no default kaon channel; pass a production channel "
                                       f"({', '.join(model.production_channels()) or 'none'})")
    return model.kaon_channel


def decay_kwargs(curve: Curve, decay, invisible: bool, detector_length_m: float) -> tuple[dict, str]:
    """coupling_limit keywords for what a lifetime-less curve assumes about X's decay, and a note.

    ``decay``: "prompt", "stable", (z1, z2) or None (then the kaonportal header's hint; else refused:
    issue #12 item 4, a curve without lifetime was silently read as prompt).
    """
    if curve.has_lifetime:
        if decay is not None:
            raise InputError("decay", f"{curve.path} has a lifetime column: the decay of X is already in its "
                                      "limit; drop --decay")
        return {}, "from the curve's lifetime column"
    source = "given"
    if decay is None:
        decay, source = curve.decay_hint, "from the kaonportal curve header"
    if decay is None:
        raise InputError("decay", f"{curve.path} has no lifetime column: say what its limit assumes about X "
                                  f"with --decay {DECAY_HELP}")
    if decay == "stable":
        if not invisible:
            raise InputError("decay", "stable X has no visible decay; use prompt or region:Z1,Z2 for a "
                                      "visible final state")
        return {}, f"stable: X does not decay before {detector_length_m:g} m ({source})"
    if decay == "prompt":
        if invisible:
            return {"invisible_prompt": True}, f"prompt: X decays where produced, only invisible decays ({source})"
        return {"decay_region_m": None}, f"prompt: X decays where produced ({source})"
    if invisible:
        raise InputError("decay", "region:Z1,Z2 is for a visible final state; an invisible search takes "
                                  "stable (with --detector-length) or prompt")
    return {"decay_region_m": tuple(decay)}, f"X decays between {decay[0]:g} and {decay[1]:g} m ({source})"


def write_limit_csv(res, path, model, cl_text: str = "as the input") -> None:
    """Write a coupling-limit curve with a ``#`` provenance header."""
    from .. import __version__
    lines = [f"# kaonportal {__version__} models convert: coupling limit for {model.name} ({model.label})",
             f"# model reference: {model.reference}", *references.header_lines(model.reference, "# reference "),
             f"# coupling: {res.coupling_name} {model.coupling_unit}".rstrip(),
             f"# confidence level: {cl_text}"]
    for k, v in res.notes.items():
        if k == "input_header":
            lines += [f"# input header: {h}" for h in v]
        else:
            lines.append(f"# {k}: {v}")
    lines.append("# excluded band: coupling_low <= coupling <= coupling_high (inf: up to the scan top; "
                 "nan: nothing excluded)")
    lines.append(f"m_GeV,{res.coupling_name}_low,{res.coupling_name}_high")
    for m, a, b in zip(res.mass_gev, res.coupling_low, res.coupling_high):
        lines.append(f"{m:.6g},{a:.6g},{b:.6g}")
    write_text_atomic(path, "\n".join(lines) + "\n")        # atomic: a killed run leaves no half curve
