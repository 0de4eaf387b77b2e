"""Run every docstring example of the installed package (pyhf style: docs that execute)."""

import doctest
import importlib
import pkgutil

import pytest

import kaonportal

MODULES = sorted(m.name for m in pkgutil.walk_packages(kaonportal.__path__, "kaonportal."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
