"""Hypothesis profiles for the test suite, and how pytest-xdist shares it out.

"dev" (the default): few examples, no deadline, a fresh random seed each run.
"ci" (when the CI environment variable is set, as hypothesis itself detects it): the
built-in CI profile, derandomized so a run is reproducible, with a few more examples.
HYPOTHESIS_PROFILE=<name> picks a profile explicitly.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import settings

settings.register_profile("dev", max_examples=30, deadline=None)
# Keep hypothesis's own "ci" settings (no database, too_slow suppressed, ...) and override.
settings.register_profile("ci", parent=settings.get_profile("ci"), derandomize=True,
                          deadline=None, max_examples=40, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE")
                      or ("ci" if "CI" in os.environ else "dev"))


# Under pytest-xdist, scripts/test.sh runs `-n auto --dist loadfile --no-loadscope-reorder`:
# a module's tests go to one worker and run there in the module's order, as in a serial run,
# because some modules draw their inputs from one module-level generator (test_losses,
# test_layers_conv, test_layers_norm), so that a test's inputs depend on the tests before it
# in its module. The modules below are handed out test by test instead: each notebook runs in
# its own kernel, and the op tables' tests make their inputs themselves (hypothesis, or a
# generator of their own). The notebooks go first, being the longest tests; the op tables
# last, so that the workers finish at about the same time.
_ONE_BY_ONE = ["tests/test_notebooks.py", "tests/test_tensor_ops.py", "tests/test_value_ops.py",
               "tests/test_tensor_math.py"]


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, when it is installed
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SomeOneByOne(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            return nodeid if scope in _ONE_BY_ONE else scope

    return SomeOneByOne(config, log)


def _order(item) -> int:
    """0 for the notebooks, 2 for the other modules handed out test by test, else 1."""
    if item.get_closest_marker("notebooks") is not None:
        return 0
    return 2 if item.nodeid.split("::")[0] in _ONE_BY_ONE else 1


def pytest_collection_modifyitems(config, items):
    if hasattr(config, "workerinput"):  # an xdist worker: the order above (a stable sort)
        items.sort(key=_order)
