"""kaonportal.constants: particle data looked up by PDG id (issue 17) agrees with the PDG names."""

import pytest
from particle import Particle

from kaonportal import constants
from kaonportal.errors import InputError


def _particle_name(alias: str) -> str:
    # the names of the ``particle`` package for the package's short aliases
    return {"eta'": "eta'(958)", "omega": "omega(782)", "phi": "phi(1020)", "rho0": "rho(770)0",
            "KL": "K(L)0", "KS": "K(S)0", "Ds+": "D(s)+"}.get(alias, alias)


@pytest.mark.parametrize("alias", constants.KNOWN_PARTICLES)
def test_pdgid_table_matches_particle_names(alias):
    # the hard-coded id must be the particle the name denotes (a wrong id would silently change masses)
    by_name = Particle.from_name(_particle_name(alias))
    assert constants.pdgid(alias) == int(by_name.pdgid)
    if by_name.mass is not None:
        assert constants.mass(alias) == by_name.mass * 1e-3 or alias in ("gamma",)


def test_lookup_does_not_scan_by_name(monkeypatch):
    # from_name scans the whole PDG table; the module must only use the id lookup
    def boom(*a, **k):
        raise AssertionError("Particle.from_name called")
    monkeypatch.setattr(Particle, "from_name", boom)
    constants._particle.cache_clear()
    constants.mass.cache_clear()
    try:
        assert abs(constants.mass("K+") - 0.493677) < 1e-6
        assert constants.pdgid("mu+") == -13
    finally:
        constants._particle.cache_clear()
        constants.mass.cache_clear()


def test_unknown_particle_is_input_error():
    with pytest.raises(InputError, match="particle"):
        constants.mass("K*")


def test_msbar_quark_masses_have_one_definition():
    # PDG 2024 quark summary (u, d, s at 2 GeV; m_c(m_c), m_b(m_b)); every model reads kaonportal.constants
    from kaonportal.constants import M_QUARK_MSBAR
    from kaonportal.models import alp, alp_hadronic, dark_scalar, hnl
    assert dict(M_QUARK_MSBAR) == {"u": 0.00216, "d": 0.00470, "s": 0.0935, "c": 1.273, "b": 4.183}
    assert alp_hadronic._M_UDS.tolist() == [M_QUARK_MSBAR[q] for q in "uds"]
    assert hnl._M_Q is M_QUARK_MSBAR
    assert all(dark_scalar._M_QUARK[q] == M_QUARK_MSBAR[q] for q in "scb")
    assert alp._Q_HEAVY["c"][0] == M_QUARK_MSBAR["c"] and alp._Q_HEAVY["b"][0] == M_QUARK_MSBAR["b"]
    with pytest.raises(TypeError):
        M_QUARK_MSBAR["s"] = 0.1            # read-only: a model cannot change another's input
