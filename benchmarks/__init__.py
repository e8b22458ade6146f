"""Side-by-side benchmarks: gategrad against hand-written NumPy, PyTorch CPU and micrograd.

Run ``make bench`` (or ``python -m benchmarks.run``); see ``benchmarks/README.md``.
"""
