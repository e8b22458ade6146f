"""Hypothesis profiles, chosen by HYPOTHESIS_PROFILE: dev (default), ci (derandomized), thorough."""

import os

# One BLAS thread per process (test workers and the notebook kernels they start inherit this):
# on 2 cores, threaded BLAS under pytest -n makes small matmuls orders of magnitude slower.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from hypothesis import HealthCheck, settings  # noqa: E402  (after the environment is set)

_common = dict(
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
settings.register_profile("dev", max_examples=25, **_common)
settings.register_profile("ci", max_examples=25, derandomize=True, print_blob=True, **_common)
settings.register_profile("thorough", max_examples=300, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
