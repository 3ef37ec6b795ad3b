"""The examples in the docstrings of the core modules hold (they are the first thing a newcomer reads)."""
import pytest


@pytest.mark.parametrize("module", ["vigvision.time", "vigvision.errors", "vigvision.records"])
def test_the_docstring_examples_hold(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
