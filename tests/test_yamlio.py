"""kaonportal.yamlio: unreadable input files become one-line InputErrors; cli_errors' safety nets."""

import pytest
import typer
from typer.testing import CliRunner

from kaonportal.cli._common import cli_errors
from kaonportal.errors import InputError
from kaonportal.yamlio import parse_yaml, read_text, read_yaml


def test_read_text_errors(tmp_path):
    with pytest.raises(InputError, match="does not exist") as e:
        read_text(tmp_path / "none.yaml", "config")
    assert e.value.field == "config"
    with pytest.raises(InputError, match="not a regular file"):
        read_text(tmp_path, "config")
    (tmp_path / "b.yaml").write_bytes(b"ok\xff")
    with pytest.raises(InputError, match=r"not UTF-8 text \(byte 2"):
        read_text(tmp_path / "b.yaml", "config")


def test_yaml_errors_are_one_line_with_position():
    with pytest.raises(InputError) as e:
        parse_yaml("a: 1\nb: [1,\n  c: {", "DATASETS", "d.yaml")
    msg = str(e.value)
    assert "\n" not in msg and "d.yaml is not valid YAML" in msg and "line 3" in msg


@pytest.mark.parametrize("text,expected", [("", {}), ("a: 1", {"a": 1})])
def test_mapping_documents(text, expected):
    assert parse_yaml(text, "config", mapping=True) == expected


def test_non_mapping_rejected_only_when_asked(tmp_path):
    p = tmp_path / "l.yaml"
    p.write_text("- 1\n- 2\n")
    assert read_yaml(p, "x", mapping=False) == [1, 2]
    with pytest.raises(InputError, match="mapping of settings, got a list"):
        read_yaml(p, "x")


def _app(exc):
    app = typer.Typer()

    @app.command()
    @cli_errors
    def cmd():
        raise exc

    return app


@pytest.mark.parametrize("exc,needle", [
    (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), "not UTF-8 text"),
    (IsADirectoryError(21, "Is a directory", "/tmp/somedir"), "/tmp/somedir is a directory"),
])
def test_cli_errors_maps_unreadable_files_to_exit_2(exc, needle):
    res = CliRunner().invoke(_app(exc), [])
    assert res.exit_code == 2 and needle in res.stderr and "Traceback" not in res.stderr


def test_cli_errors_keeps_internal_errors_at_exit_1():
    res = CliRunner().invoke(_app(RuntimeError("boom")), [])
    assert res.exit_code == 1 and "internal error" in res.stderr


# --- bounds of the one YAML reader (issue 12 items 13, 16) ---------------------------------------------------------

def _bomb(levels: int = 9, width: int = 10) -> str:
    """The "billion laughs": ``width**levels`` nodes once expanded, a few hundred bytes of text."""
    row = lambda i: ", ".join([f"*a{i - 1}"] * width)  # noqa: E731
    return (f"a0: &a0 [{', '.join(['lol'] * width)}]\n"
            + "".join(f"a{i}: &a{i} [{row(i)}]\n" for i in range(1, levels)))


def test_alias_bomb_refused_fast():
    import time
    t0 = time.perf_counter()
    with pytest.raises(InputError, match="YAML nodes through aliases") as e:
        parse_yaml(_bomb(), "DATASETS", "d.yaml")
    # refused while composing: ~10 ms here; 1 s leaves room for a loaded 2-core machine
    assert time.perf_counter() - t0 < 1.0
    assert e.value.field == "DATASETS" and "\n" not in str(e.value)


def test_small_aliases_still_work():
    # anchors, aliases and merge keys are legitimate YAML: only the expanded size is bounded
    assert parse_yaml(_bomb(levels=3, width=3), "x")["a2"] == [[["lol"] * 3] * 3] * 3
    assert parse_yaml("d: &d {a: 1}\ne: {<<: *d, b: 2}", "x")["e"] == {"a": 1, "b": 2}


@pytest.mark.parametrize("text", ["[" * 20000 + "]" * 20000, "{a: " * 5000 + "1" + "}" * 5000,
                                  "a:\n" + "".join(" " * (i + 1) + "- \n" for i in range(2000))])
def test_deep_nesting_is_bad_input_not_recursion_error(text):
    with pytest.raises(InputError, match="nesting deeper than 100 levels"):
        parse_yaml(text, "config", "c.yaml")


def test_depth_just_inside_the_bound_is_read():
    assert parse_yaml("[" * 99 + "]" * 99, "x") is not None


def test_oversized_file_refused_before_reading(tmp_path, monkeypatch):
    import kaonportal.yamlio as yio
    monkeypatch.setitem(yio.LIMITS, "max_bytes", 100)
    p = tmp_path / "big.yaml"
    p.write_text("a: " + "x" * 200)
    with pytest.raises(InputError, match="limited to 100 bytes"):
        read_yaml(p, "card")


def test_echoed_values_are_capped():
    err = InputError("x" * 10_000, "got " + "1, " * 100_000)
    assert len(str(err)) < 1000 and "[...]" in str(err)


def test_bounded_loader_reads_what_safe_load_reads():
    # the bounds change nothing below them: random documents (scalars, lists, mappings, anchors via the dumper's
    # repeated objects) parse exactly as yaml.safe_load parses them (with the one intended difference, YAML 1.2's
    # exponent floats such as 1e12, tested separately)
    import yaml

    from kaonportal.yamlio import SCIENTIFIC_FLOAT

    class _SafeLoader12(yaml.SafeLoader):
        pass
    _SafeLoader12.add_implicit_resolver("tag:yaml.org,2002:float", SCIENTIFIC_FLOAT, list("-+0123456789."))
    from hypothesis import given, settings
    from hypothesis import strategies as st

    leaves = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False) | st.text(max_size=8)
    docs = st.recursive(leaves, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=5), kids,
                                                                                          max_size=4), max_leaves=30)

    @settings(max_examples=60, deadline=None)
    @given(docs)
    def check(doc):
        shared = [doc, doc]                     # the same object twice: safe_dump writes an anchor and an alias
        text = yaml.safe_dump({"a": shared, "b": doc})
        assert parse_yaml(text, "x") == yaml.load(text, Loader=_SafeLoader12)

    check()


def test_exponent_without_dot_is_a_float():
    # YAML 1.1 (PyYAML) would read "1e12" as a string: a configuration's n_signal: 1e12 must be the number
    doc = parse_yaml("a: 1e12\nb: -2.5E-3\nc: 1e\nd: x1e5\ne: '1e5'\n", "x")
    assert doc == {"a": 1e12, "b": -2.5e-3, "c": "1e", "d": "x1e5", "e": "1e5"}
    assert isinstance(doc["a"], float)


def test_package_files_parse_with_libyaml_to_the_same_data():
    """The package's own YAML (trusted, chosen by its path) is parsed by libyaml (issue 17: speed), to exactly what
    the bounded pure-Python loader gives, exponent floats included; any other text still goes through the bounds."""
    from pathlib import Path

    import yaml

    import kaonportal
    from kaonportal import yamlio
    files = sorted(Path(kaonportal.__file__).parent.rglob("*.yaml"))
    assert len(files) >= 20
    for p in files:
        assert yamlio.is_shipped(p), p
        bounded = yamlio._BoundedLoader(p.read_text())
        try:
            assert yamlio.read_yaml(p, "x", mapping=False) == bounded.get_single_data(), p
        finally:
            bounded.dispose()
    if hasattr(yaml, "CSafeLoader"):
        assert issubclass(yamlio._PackageLoader, yaml.CSafeLoader)
    assert yamlio.parse_yaml("n: 1e12\n", "x") == {"n": 1e12}          # no path: bounded loader
    bomb = "a0: &a0 [x, x]\n" + "".join(f"a{i}: &a{i} [*a{i-1}, *a{i-1}]\n" for i in range(1, 40))
    with pytest.raises(InputError, match="aliases"):
        yamlio.parse_yaml(bomb, "config")


def _card_and_user_copy(tmp_path):
    """A shipped detector card and a copy of it in a user's directory."""
    import shutil
    from pathlib import Path

    import kaonportal
    card = Path(kaonportal.__file__).parent / "detector" / "cards" / "na62-2022.yaml"
    copy = tmp_path / "my-card.yaml"
    shutil.copy(card, copy)
    return card, copy


def test_loader_is_chosen_by_path_not_by_content(tmp_path, monkeypatch):
    # a shipped card parses without the bounds; the same text in a user's file is still bounded: with a node bound
    # below the card's size, the shipped file reads and the user's copy is one line of bad input
    from kaonportal import yamlio
    card, copy = _card_and_user_copy(tmp_path)
    assert yamlio.is_shipped(card) and not yamlio.is_shipped(copy) and not yamlio.is_shipped(str(copy))
    monkeypatch.setitem(yamlio.LIMITS, "max_nodes", 50)
    assert yamlio.read_yaml(card, "card")["name"]
    with pytest.raises(InputError, match="more than 50 YAML nodes") as e:
        yamlio.read_yaml(copy, "card")
    assert e.value.field == "card" and "\n" not in str(e.value)
    # a symlink from a user's directory into the package is the shipped file; one out of it is not
    link = tmp_path / "link.yaml"
    link.symlink_to(card)
    assert yamlio.is_shipped(link)
    user_link = tmp_path / "user-link.yaml"
    user_link.symlink_to(copy)
    assert not yamlio.is_shipped(user_link) and not yamlio.is_shipped(str(user_link))
    with pytest.raises(InputError, match="more than 50 YAML nodes"):
        yamlio.read_yaml(user_link, "card")


def _shipped(rel):
    from pathlib import Path

    import kaonportal
    return (Path(kaonportal.__file__).parent / rel).resolve()


def _callers():
    from kaonportal.analyses.config import load_config
    from kaonportal.analyses.pnn_budget.calibration import load_calibration
    from kaonportal.analyses.searches import section_configs
    from kaonportal.selection.definition import load_selection
    from kaonportal.validation.registry import load_registry
    from kaonportal.yamlio import read_yaml
    return [(lambda p: read_yaml(p, "card"), "detector/cards/na62-2022.yaml"),
            (load_selection, "data/selections/pnn-2017.yaml"),
            (load_calibration, "data/configs/pnn-calibration.yaml"),
            (load_config, "data/configs/default.yaml"),
            (section_configs, "data/searches/projection-4x.yaml"),
            (load_registry, "data/validation/beamdump.yaml")]


@pytest.mark.parametrize("case", range(len(_callers())))
def test_yaml_readers_classify_the_file_they_read(tmp_path, monkeypatch, case):
    # the symlink swap race: a link to a user's file is re-pointed into the package right after the user's file is
    # read; the text read is the user's, so it must stay bounded: a caller that classified the path again after the
    # read (is_shipped(link)) would call it shipped. The swap is made by the file system read itself, so it happens
    # after the read whichever way a caller reaches it.
    import pathlib
    import shutil

    from kaonportal import yamlio
    load, rel = _callers()[case]
    shipped = _shipped(rel)
    copy = tmp_path.resolve() / "user" / "copy.yaml"
    copy.parent.mkdir()
    shutil.copy(shipped, copy)
    link = tmp_path / "link.yaml"
    link.symlink_to(copy)
    real = pathlib.Path.read_text

    def read_then_swap(self, *args, **kwargs):
        text = real(self, *args, **kwargs)
        if pathlib.Path(self).resolve() == copy and link.resolve() == copy:
            link.unlink()
            link.symlink_to(shipped)
        return text

    monkeypatch.setattr(pathlib.Path, "read_text", read_then_swap)
    monkeypatch.setitem(yamlio.LIMITS, "max_nodes", 10)
    with pytest.raises(InputError, match="more than 10 YAML nodes"):
        load(link)
    assert link.resolve() == shipped and yamlio.is_shipped(link)       # the swap did happen
    load(link)          # the shipped file, read through the link: unbounded
