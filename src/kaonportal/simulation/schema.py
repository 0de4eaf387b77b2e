"""Column contract of simulated event tables (one row per event).

Every column of a table produced by :func:`kaonportal.simulation.simulate` is listed in
:data:`COLUMNS` as ``name: (arrow dtype, unit, description)``. Units are GeV, GeV/c, metres unless the
name says otherwise (``_ns``, ``_mm``); slopes ``dxdz``/``dydz`` are dimensionless (rad for small angles);
squared masses are GeV^2/c^4. Weights are dimensionless probabilities.

Conventions
-----------
- "candidate track": the charged daughter of the primary decay that an analysis would select, i.e. the
  first charged particle of the decay's final state with the same charge as the beam particle
  (``pi+`` in K+ -> pi+ pi0, ``mu+`` in K+ -> mu+ nu, the first ``pi+`` in K+ -> pi+ pi+ pi-; ``e+`` in
  pi+ -> e+ N). If it decays in flight before STRAW1 (option ``secondary_decays``), the track seen
  by the spectrometer is its charged daughter (``track_true_pdgid`` says which).
- Rare suppressions are weights, not deletions: ``w_photon_veto`` is the probability that every
  photon / extra particle escapes detection, ``w_pid_*`` the probability that the candidate is
  identified as pi / mu / e. An analysis multiplies the weights it needs:
  ``weight_gen * w_photon_veto * w_pid_pi`` for a pi nu nubar-like selection.
- ``weight_forced_decay`` is not part of the generation weight (the normalisation ``weight_gen *
  decay_prob`` stays that of all simulated decays): an analysis of a forced-decay sample multiplies
  it in, for the events with ``track_decayed`` (see :mod:`kaonportal.simulation.engine`).
- Normalisation: ``decay_prob`` is the exact probability that this beam particle (at GTK3, with its
  momentum) decays inside the generated z window, so ``N_beam * mean(decay_prob)`` decays are represented.
- Reconstructed columns are NaN when the quantity does not exist (no track in the spectrometer).

Optional columns (:data:`OPTIONAL_COLUMNS`, same layout) are computed only when a run asks for them
(``simulate(..., extra_columns=(...))``) and then follow the default columns in the table, in the order
of :data:`OPTIONAL_COLUMNS`; a default run never contains them (its schema and values do not change).

>>> COLUMNS["m2miss_pi"][1]
'GeV^2/c^4'
>>> all(len(v) == 3 for v in COLUMNS.values())
True
>>> check_extra_columns(["m_gg_lkr", "n_photons_lkr", "m_gg_lkr"])
('n_photons_lkr', 'm_gg_lkr')
"""

from __future__ import annotations

__all__ = ["COLUMNS", "OPTIONAL_COLUMNS", "ACCEPTANCE_FLAGS", "FILE_COLUMNS", "arrow_schema", "check_extra_columns",
           "check_columns", "file_schema", "describe"]

import pyarrow as pa

from ..errors import InputError

COLUMNS: dict[str, tuple[str, str, str]] = {
    # --- bookkeeping ------------------------------------------------------------------------------
    "event": ("int64", "", "event index within the run (0..n-1); row i of chunk-independent generation"),
    "weight_gen": ("float64", "", "generation weight from the decay generator (1 when unweighted)"),
    "decay_prob": ("float64", "", "exact probability for this beam particle at GTK3 to decay in [z1, z2]"),
    # --- truth ------------------------------------------------------------------------------------
    "true_p_beam": ("float64", "GeV/c", "true beam-particle momentum at GTK3"),
    "true_beam_dxdz": ("float64", "", "true beam slope dx/dz at GTK3"),
    "true_beam_dydz": ("float64", "", "true beam slope dy/dz at GTK3"),
    "true_vertex_x": ("float64", "m", "true decay vertex x"),
    "true_vertex_y": ("float64", "m", "true decay vertex y"),
    "true_vertex_z": ("float64", "m", "true decay vertex z (from the T10 target)"),
    "true_p_track": ("float64", "GeV/c", "true momentum of the candidate track at its production point"),
    "true_track_dxdz": ("float64", "", "true slope dx/dz of the candidate track (before MNP33)"),
    "true_track_dydz": ("float64", "", "true slope dy/dz of the candidate track"),
    "track_true_pdgid": ("int32", "", "PDG id of the particle seen as the candidate track in STRAW1 (daughter if it decayed in flight), 0 if none"),
    "track_decayed": ("bool", "", "the candidate decayed in flight before STRAW1 (pi+ -> mu+ nu, mu+ -> e+ nu nubar)"),
    "weight_forced_decay": ("float64", "", "with option force_decays: probability that the candidate decays before STRAW1 (its decay was forced there; 0 if it cannot); 1 without the option"),
    "true_m2miss": ("float64", "GeV^2/c^4", "true (P_beam - P_candidate)^2 with the candidate's true four-momentum at production"),
    # --- reconstruction: beam (GTK) and track (STRAW) -----------------------------------------------
    "p_beam": ("float64", "GeV/c", "GTK-measured beam momentum (smeared)"),
    "beam_dxdz": ("float64", "", "GTK-measured beam slope dx/dz"),
    "beam_dydz": ("float64", "", "GTK-measured beam slope dy/dz"),
    "p_track": ("float64", "GeV/c", "STRAW-measured candidate momentum (smeared); NaN if no track"),
    "track_dxdz": ("float64", "", "STRAW-measured candidate slope dx/dz upstream of MNP33"),
    "track_dydz": ("float64", "", "STRAW-measured candidate slope dy/dz"),
    "track_x_straw1": ("float64", "m", "candidate position x at STRAW1 (true, for geometric cuts)"),
    "track_y_straw1": ("float64", "m", "candidate position y at STRAW1 (true, for geometric cuts)"),
    "vertex_x": ("float64", "m", "reconstructed vertex x (midpoint of the closest approach of beam and track)"),
    "vertex_y": ("float64", "m", "reconstructed vertex y"),
    "vertex_z": ("float64", "m", "reconstructed vertex z"),
    "cda": ("float64", "m", "closest distance of approach between the GTK beam track and the STRAW track"),
    "m2miss_pi": ("float64", "GeV^2/c^4", "(P_beam - P_track)^2, GTK beam, track with the pi+ mass"),
    "m2miss_mu": ("float64", "GeV^2/c^4", "(P_beam - P_track)^2, GTK beam, track with the mu+ mass"),
    "m2miss_e": ("float64", "GeV^2/c^4", "(P_beam - P_track)^2, GTK beam, track with the e+ mass"),
    "m2miss_pi_nominal": ("float64", "GeV^2/c^4", "(P_beam - P_track)^2 with the nominal beam (card momentum and slopes) and the pi+ mass"),
    # --- event-level activity ---------------------------------------------------------------------
    "n_tracks": ("int16", "", "charged particles reconstructed in the spectrometer (inside STRAW1-4 acceptance)"),
    "n_photons": ("int16", "", "photons (and extra charged particles outside the spectrometer) to be vetoed"),
    "w_photon_veto": ("float64", "", "probability that all photons/extra particles go undetected (product of per-particle inefficiencies; 1 if none)"),
    "w_photon_veto_escape": ("float64", "", "part of w_photon_veto where every photon/extra particle escapes all veto detectors (inefficiency 1); 1 or 0, or an average with option veto_average; 0 if nothing to veto"),
    # --- acceptance of the candidate track --------------------------------------------------------
    "in_straw": ("bool", "", "candidate inside all four STRAW chambers (R < r_max, outside the beam hole)"),
    "in_rich": ("bool", "", "candidate inside the RICH acceptance (front and mirror planes)"),
    "in_chod": ("bool", "", "candidate inside the CHOD acceptance"),
    "in_newchod": ("bool", "", "candidate inside the NewCHOD acceptance"),
    "in_lkr": ("bool", "", "candidate inside the LKr acceptance (octagon, outside the central hole)"),
    "in_muv3": ("bool", "", "candidate inside the MUV3 acceptance"),
    "in_acceptance": ("bool", "", "all of in_straw, in_rich, in_chod, in_newchod, in_lkr, in_muv3"),
    # --- particle identification of the candidate -------------------------------------------------
    "w_pid_pi": ("float64", "", "probability the candidate is identified as a pi+ (RICH x calorimeters/MUV3)"),
    "w_pid_mu": ("float64", "", "probability the candidate is identified as a mu+"),
    "w_pid_e": ("float64", "", "probability the candidate is identified as an e+"),
}

# Computed only on request (see kaonportal.simulation.engine, "Optional columns", for the definitions).
OPTIONAL_COLUMNS: dict[str, tuple[str, str, str]] = {
    "n_photons_lkr": ("int16", "", "photons reaching the LKr photon acceptance with true E above the LKr cluster threshold and farther than photon_veto.lkr_min_distance from the candidate's LKr impact"),
    "m_gg_lkr": ("float64", "GeV/c^2", "invariant mass of the two most energetic n_photons_lkr photons from smeared LKr clusters (energy and position), directions from the true decay vertex; NaN if fewer than 2"),
    # times (kaonportal.detector.timing): event time 0 = the decaying beam particle at GTK3, time of flight
    # corrected, Gaussian resolutions of the card; NaN where the detector does not see the particle
    "t_ktag_ns": ("float64", "ns", "KTAG time of the beam kaon (resolution.ktag_time_ns); NaN for a non-kaon beam particle"),
    "t_gtk_ns": ("float64", "ns", "GTK track time of the beam particle (resolution.gtk_time_ns)"),
    "t_straw_ns": ("float64", "ns", "STRAW leading time of the candidate track (resolution.straw_time_ns); NaN outside in_straw"),
    "t_rich_ns": ("float64", "ns", "RICH time of the candidate (resolution.rich_time_ns); NaN outside in_rich"),
    "t_chod_ns": ("float64", "ns", "CHOD time of the candidate (resolution.chod_time_ns); NaN outside in_chod"),
    "t_newchod_ns": ("float64", "ns", "NewCHOD time of the candidate (resolution.newchod_time_ns); NaN outside in_newchod"),
    "t_lkr_ns": ("float64", "ns", "LKr cluster time of the candidate, sigma_t(E) at E = p_track (e+) or 0.6 GeV (MIP-like); NaN outside in_lkr"),
    "t_muv3_ns": ("float64", "ns", "MUV3 time of the candidate (resolution.muv3_time_ns); NaN outside in_muv3"),
    # pile-up at the card's beam rate (kaonportal.simulation.pileup)
    "n_pileup_gtk": ("int16", "", "accidental reconstructed GTK tracks with |t - t_event| < pileup.window_kpi_ns (Poisson, beam rate x GTK efficiency x window)"),
    "kpi_accidental_match": ("bool", "", "an accidental GTK track is in time and has CDA < pileup.kpi_cda_m with the candidate track (K-pi mis-association possible)"),
    "kpi_mismatch": ("bool", "", "an accidental GTK track passes the K-pi matching with a smaller CDA than the true beam track (CDA-only stand-in for the matching discriminant)"),
    "random_veto_pass": ("bool", "", "no accidental beam particle / halo muon has a hit inside the veto windows of pileup.veto_detectors (random veto survived)"),
}

ACCEPTANCE_FLAGS = ("in_straw", "in_rich", "in_chod", "in_newchod", "in_lkr", "in_muv3")

_ARROW = {"int64": pa.int64(), "int32": pa.int32(), "int16": pa.int16(), "float64": pa.float64(),
          "bool": pa.bool_()}
_NARROW = {**_ARROW, "int8": pa.int8(), "float32": pa.float32(), "double": pa.float64(), "float": pa.float32()}


# Event files (``simulate(output=...)``, ``kaonportal simulate -o``) hold by default this lean set, each column in
# the narrowest type that keeps its resolution (issue 17: <= 60 bytes/event instead of 204):
# - float32 for measured and derived quantities: 24-bit mantissa, relative 6e-8, 4 orders of magnitude below
#   the finest resolution in the card (GTK momentum 2e-3 relative; STRAW slope ~1e-5 rad on slopes ~1e-2;
#   m2miss ~1e-3 GeV^2/c^4 on |m2miss| < 0.1); z in m up to 260 m: float32 step 1.5e-5 m, vertex resolution ~cm;
#   probabilities down to 1e-38 keep 6e-8 relative precision;
# - the generation weight stays float64 (exact: normalisations sum it over millions of events);
# - small integers in int8/int16 (exact); the event index is the row number (files are in event order).
# ``columns="all"`` writes every column in the types of :data:`COLUMNS` (bit-identical to the in-memory table).
FILE_COLUMNS: dict[str, str] = {
    "weight_gen": "float64", "decay_prob": "float32", "true_vertex_z": "float32",
    "track_true_pdgid": "int16", "track_decayed": "bool",
    "p_track": "float32", "track_dxdz": "float32", "track_dydz": "float32", "vertex_z": "float32", "cda": "float32",
    "m2miss_pi": "float32", "m2miss_mu": "float32", "m2miss_e": "float32",
    "n_tracks": "int8", "n_photons": "int8", "w_photon_veto": "float32", "in_acceptance": "bool",
    "w_pid_pi": "float32", "w_pid_mu": "float32", "w_pid_e": "float32",
}
# columns that carry information only with their option: added to the lean set when the option is on
_OPTION_COLUMNS = {"force_decays": ("weight_forced_decay", "float64"), "veto_average": ("w_photon_veto_escape", "float32")}


def check_columns(columns) -> str | tuple[str, ...]:
    """``"lean"`` (default file set), ``"all"``, or a tuple of column names (validated, in schema order).

    >>> check_columns("p_track,cda")
    ('p_track', 'cda')
    >>> check_columns("x")
    Traceback (most recent call last):
    ...
    kaonportal.errors.InputError: columns: unknown column 'x'; allowed: lean, all or names of kaonportal.simulation.schema.COLUMNS / OPTIONAL_COLUMNS
    """
    if columns is None or columns == "lean":
        return "lean"
    if columns == "all":
        return "all"
    names = [c.strip() for c in columns.split(",") if c.strip()] if isinstance(columns, str) else list(columns)
    if not names:
        raise InputError("columns", "is empty; give lean, all or comma-separated column names")
    for nm in names:
        if nm not in COLUMNS and nm not in OPTIONAL_COLUMNS:
            raise InputError("columns", f"unknown column {nm!r}; allowed: lean, all or names of "
                                        "kaonportal.simulation.schema.COLUMNS / OPTIONAL_COLUMNS")
    order = [*COLUMNS, *OPTIONAL_COLUMNS]
    return tuple(sorted(set(names), key=order.index))


def file_schema(full: pa.Schema, columns="lean", force_decays: bool = False, veto_average: int = 0,
                extra_columns=()) -> pa.Schema:
    """Schema of an event file: ``full`` (the in-memory :func:`arrow_schema`) for ``"all"``; the lean set
    (:data:`FILE_COLUMNS`, plus option and optional columns that are on) in narrowed types for ``"lean"``;
    the named columns of ``full`` (types of :data:`FILE_COLUMNS` where listed there) for a tuple.
    Field metadata (unit, description) and schema metadata are kept."""
    columns = check_columns(columns)
    if columns == "all":
        return full
    if columns == "lean":
        want = dict(FILE_COLUMNS)
        if force_decays:
            want.setdefault(*_OPTION_COLUMNS["force_decays"])
        if veto_average:
            want.setdefault(*_OPTION_COLUMNS["veto_average"])
        for nm in check_extra_columns(extra_columns):
            # floats narrowed to float32, flags stay bool (as the schema says), counts in int8
            # (n_photons_lkr, n_pileup_gtk: Poisson means < 5 even at 4x intensity)
            dt = OPTIONAL_COLUMNS[nm][0]
            want[nm] = {"float64": "float32", "bool": "bool"}.get(dt, "int8")
    else:
        missing = [c for c in columns if c not in full.names]
        if missing:
            raise InputError("columns", f"{', '.join(missing)} not produced by this run (optional columns need "
                                        "extra_columns)")
        want = {c: FILE_COLUMNS.get(c, full.field(c).type.__str__()) for c in columns}
    fields = [full.field(nm).with_type(_NARROW[want[nm]]) for nm in full.names if nm in want]
    return pa.schema(fields, metadata=full.metadata)


def check_extra_columns(names) -> tuple[str, ...]:
    """Validated optional column names, without repeats, in the order of :data:`OPTIONAL_COLUMNS`
    (so that the table layout does not depend on the order of the request).

    >>> check_extra_columns(("n_photons",))
    Traceback (most recent call last):
    ...
    kaonportal.errors.InputError: extra_columns: unknown optional column 'n_photons'; allowed: n_photons_lkr, m_gg_lkr, t_ktag_ns, ...
    """
    if names is None:
        return ()
    if isinstance(names, str):
        names = (names,)
    try:
        asked = list(names)
    except TypeError:
        raise InputError("extra_columns", f"must be a list of column names, got {names!r}") from None
    for nm in asked:
        if nm not in OPTIONAL_COLUMNS:
            raise InputError("extra_columns", f"unknown optional column {nm!r}; allowed: {', '.join(OPTIONAL_COLUMNS)}")  # noqa: E501
    return tuple(nm for nm in OPTIONAL_COLUMNS if nm in asked)


def arrow_schema(metadata: dict[str, str] | None = None, extra_columns=()) -> pa.Schema:
    """The pyarrow schema of an event table, with per-column unit/description field metadata;
    ``extra_columns`` (names of :data:`OPTIONAL_COLUMNS`) are appended after the default columns.

    >>> s = arrow_schema({"card": "na62-2018"})
    >>> s.field("p_track").metadata[b"unit"]
    b'GeV/c'
    >>> arrow_schema(extra_columns=["m_gg_lkr"]).names[-1]
    'm_gg_lkr'
    """
    spec = {**COLUMNS, **{nm: OPTIONAL_COLUMNS[nm] for nm in check_extra_columns(extra_columns)}}
    fields = [pa.field(name, _ARROW[dt], metadata={"unit": unit, "description": desc})
              for name, (dt, unit, desc) in spec.items()]
    meta = {k.encode(): str(v).encode() for k, v in (metadata or {}).items()}
    return pa.schema(fields, metadata=meta or None)


def describe() -> str:
    """The schema as a Markdown table (for documentation and ``kaonportal simulate --help``)."""
    lines = ["| column | type | unit | description |", "|---|---|---|---|"]
    lines += [f"| `{n}` | {dt} | {u or '-'} | {d} |" for n, (dt, u, d) in COLUMNS.items()]
    lines += [f"| `{n}` (optional) | {dt} | {u or '-'} | {d} |" for n, (dt, u, d) in OPTIONAL_COLUMNS.items()]
    return "\n".join(lines)
