"""The accidental beam-track association (kaonportal.reco.accidentals) in the HNL background."""

from dataclasses import replace

import pytest

from kaonportal.analyses.searches.hnl import CHANNELS, background_model
from kaonportal.errors import InputError


def test_background_accidental_sources_scale_with_mismatch():
    # the accidental copy of each background is weighted by p_mis (the kernel bandwidth is invariant under a
    # common weight scale), so doubling p_mis doubles it exactly and leaves the other sources unchanged; it is
    # O(p_mis) of its source (the beam and vertex_z cuts act on it: test below)
    ch = replace(CHANNELS["K+ -> mu+ N"], backgrounds=(("K+ -> mu+ nu gamma", False),))   # one source: fast
    kw = dict(n_parent=1e10, n=10_000, seed=5, card="na62-2022", x_range=(0.0, 0.16))
    a = background_model(ch, mismatch=0.01, **kw)
    b = background_model(ch, mismatch=0.02, **kw)
    src = "K+ -> mu+ nu gamma"
    acc = f"{src} [accidental beam track]"
    assert b["per_source_in_range"][acc] == pytest.approx(2 * a["per_source_in_range"][acc], rel=1e-9)
    assert b["per_source_in_range"][src] == pytest.approx(a["per_source_in_range"][src], rel=1e-12)
    assert 0 < a["per_source_in_range"][acc] < 0.02 * a["per_source_in_range"][src]
    with pytest.raises(InputError, match="mismatch"):
        background_model(ch, mismatch=1.5, **kw)


def test_vertex_cut_acts_on_the_accidental_copy_and_cda_does_not():
    # review items 5 and 10. The accidental copy skips the CDA cut (p_mis is the mismatch rate after the
    # matching tool's own CDA/time matching: hnl.ACCIDENTAL_SKIP, D) but keeps the fiducial-z cut on the
    # recomputed vertex. Switching vertex_z off as well raises the accidental source by the share of copies
    # whose accidental vertex falls outside 105-165 m: measured 1.021-1.053 over seeds 5-9 (mean 1.040, sd
    # 0.013, this sample size), so 1.01-1.08 (>= 2 sd each side; exactly 1 if the cut did not act on the copy).
    # Applying the CDA cut again (the former behaviour) lowers it by 9 +- 1.3 % (0.915-0.949 over the same seeds;
    # the review found 9.4 % of accidental K_mu2 copies failing cda < 30 mm): band 0.88-0.97.
    from kaonportal.analyses.searches.hnl import ACCIDENTAL_SKIP
    assert ACCIDENTAL_SKIP == ("cda",)
    ch = replace(CHANNELS["K+ -> mu+ N"], backgrounds=(("K+ -> mu+ nu gamma", False),))
    kw = dict(n_parent=1e10, n=10_000, seed=5, card="na62-2022", x_range=(0.0, 0.16), mismatch=0.01)
    acc = "K+ -> mu+ nu gamma [accidental beam track]"
    nominal = background_model(ch, **kw)["per_source_in_range"]
    no_z = background_model(ch, accidental_skip=("cda", "vertex_z"), **kw)["per_source_in_range"]
    with_cda = background_model(ch, accidental_skip=(), **kw)["per_source_in_range"]
    assert 1.01 < no_z[acc] / nominal[acc] < 1.08
    assert 0.88 < with_cda[acc] / nominal[acc] < 0.97
    # the correctly matched events keep every cut
    assert no_z["K+ -> mu+ nu gamma"] == with_cda["K+ -> mu+ nu gamma"] == nominal["K+ -> mu+ nu gamma"]
    with pytest.raises(InputError, match="skip"):
        background_model(ch, accidental_skip=("cdaa",), **kw)
