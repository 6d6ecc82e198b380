"""Hypothesis profiles for the test suite.

"dev" (the default): few examples, no deadline, a fresh random seed each run.
"ci" (when the CI environment variable is set, as hypothesis itself detects it): the
built-in CI profile, derandomized so a run is reproducible, with a few more examples.
HYPOTHESIS_PROFILE=<name> picks a profile explicitly.
"""
from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("dev", max_examples=30, deadline=None)
# Keep hypothesis's own "ci" settings (no database, too_slow suppressed, ...) and override.
settings.register_profile("ci", parent=settings.get_profile("ci"), derandomize=True,
                          deadline=None, max_examples=40, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE")
                      or ("ci" if "CI" in os.environ else "dev"))
