"""Shared test set-up: hypothesis profiles (HYPOTHESIS_PROFILE: dev, the default; ci, derandomized;
thorough), one BLAS thread, a freshly seeded default generator for every test, and the PyTorch
parity suite (marked ``torch``) skipped unless ``-m torch`` asks for it (``make parity``)."""

import os

# One BLAS thread per process (test workers and the notebook kernels they start inherit this):
# on 2 cores, threaded BLAS under pytest -n makes small matmuls orders of magnitude slower.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import pytest  # noqa: E402  (after the environment is set)
from hypothesis import HealthCheck, settings  # noqa: E402

import autograd as ag  # noqa: E402

_common = dict(
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
settings.register_profile("dev", max_examples=25, **_common)
settings.register_profile("ci", max_examples=25, derandomize=True, print_blob=True, **_common)
settings.register_profile("thorough", max_examples=300, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True)
def _seeded_default_generator() -> None:
    """Every test starts from the same default-generator state, whatever ran before it on the same
    pytest-xdist worker: results never depend on how the tests were shared out."""
    ag.manual_seed(0)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``torch`` (the PyTorch parity suite) run only when ``-m`` selects them: they
    need the bench extra, and are not part of ``make test``'s required set. Otherwise they are
    deselected (one count in the summary, not a SKIPPED line per case)."""
    if "torch" in (config.getoption("markexpr") or ""):
        return
    parity = [item for item in items if item.get_closest_marker("torch") is not None]
    if parity:
        config.hook.pytest_deselected(items=parity)
        items[:] = [item for item in items if item.get_closest_marker("torch") is None]
