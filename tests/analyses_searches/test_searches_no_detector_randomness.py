"""No module under kaonportal.analyses draws random numbers for detector effects (issue #15 item 0).

Events, their detector response and accidental pairings are made in kaonportal.simulation.record, detector/ and reco/;
an analysis selects and scans. Random draws remain only where the statistics step makes pseudo-data (Poisson counts,
resampled candidates, an injected signal smeared by the fitted resolution) or propagates theory uncertainties; each
such function is listed here with its reason, so a new one has to be looked at.
"""

import ast
from pathlib import Path

import kaonportal

ANALYSES = Path(kaonportal.__file__).parent / "analyses"
DRAWS = {"standard_normal", "normal", "random", "uniform", "choice", "poisson", "exponential", "integers",
         "binomial", "multinomial", "shuffle", "permutation"}
# event building and detector response: the record's business (simulation.record, reco.smearing, beam, detector);
# an analysis asks simulation.record for events (build_record, iter_record_blocks) instead
EVENT_BUILDING = {"block_rng", "block_ranges", "sample_beam", "sample_decay_vertex", "smeared_track_p4",
                  "lkr_cluster", "track_vertex", "upstream_conversions", "propagate_pair_lepton", "visible_fraction"}
ALLOWED = {   # (module, function): why it draws
    ("sm.py", "sm_prediction"): "theory-input uncertainty propagation",
    ("pnn.py", "pnn_compute"): "pseudo-data normalisation and signal counts",
    ("searches/pi0_gamma_x.py", "pi0_gamma_x_scan"): "pseudo-data resampled from the background; injected signal",
    ("searches/visible_x.py", "scan_channel"): "pseudo-data resampled from the background; injected signal",
    ("searches/kmunux.py", "_injected_events"): "injected signal events",
    ("searches/kmunux.py", "kmunux_limits"): "pseudo-data counts",
    ("searches/lnv.py", "lnv_limits"): "pseudo-data counts",
    ("searches/pi0_invisible.py", "pi0_invisible_limits"): "pseudo-data counts",
    ("searches/kpix.py", "kpix_scan"): "pseudo-data candidates; injected signal",
    ("searches/hnl_channels.py", "normalisation"): "pseudo-data normalisation count",
    ("searches/hnl.py", "_pseudo_data"): "pseudo-data; injected signal",
}


def _calls():
    """(module, enclosing function, called name) of every call under analyses/."""
    out = []
    for path in sorted(ANALYSES.rglob("*.py")):
        rel = path.relative_to(ANALYSES).as_posix()
        tree = ast.parse(path.read_text())
        for fn in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]:
            for node in ast.walk(fn):
                if isinstance(node, ast.Call):
                    f = node.func
                    name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
                    out.append((rel, fn.name, name))
    return out


def test_no_event_building_under_analyses():
    bad = sorted({c for c in _calls() if c[2] in EVENT_BUILDING})
    assert not bad, f"event building / detector response called from analyses/ (move it to simulation.record): {bad}"


def test_random_draws_only_in_the_statistics_step():
    drawing = {(mod, fn) for mod, fn, name in _calls() if name in DRAWS}
    assert drawing <= set(ALLOWED), f"random draws outside the listed pseudo-data steps: {sorted(drawing - set(ALLOWED))}"
    # the listed functions exist and still draw (a stale entry would hide nothing, but keep the list exact)
    assert set(ALLOWED) <= drawing, sorted(set(ALLOWED) - drawing)


def test_the_check_can_fail():
    # the former visible_x event builder, as it was: caught by both rules
    src = ("def _block(decay, n, rng_g, rng_b, rng_d, card):\n"
           "    beam = sample_beam(n, rng_b, card)\n"
           "    e = lab + sigma * rng_d.standard_normal(n)\n")
    calls = [(n.func.attr if isinstance(n.func, ast.Attribute) else n.func.id)
             for n in ast.walk(ast.parse(src)) if isinstance(n, ast.Call)]
    assert "sample_beam" in EVENT_BUILDING & set(calls) and "standard_normal" in DRAWS & set(calls)
