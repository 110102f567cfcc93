"""The control group: a seeded, reproducible random hold-out, decided per customer.

Each customer's draw is a hash of (seed, customer id) mapped to [0, 1): the customer is a control
when it falls below the share. So the assignment does not depend on the order or the batch in which
targets arrive, can be recomputed from the recorded seed at any time, and is vectorised (SplitMix64
in NumPy: about 30 ns per customer, against about 1 µs for a cryptographic hash per id in Python).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def unit_interval_hash(ids: npt.ArrayLike, seed: int) -> npt.NDArray[np.float64]:
    """A uniform number in [0, 1) per id, fixed by ``seed`` (SplitMix64's finaliser)."""
    values = np.asarray(ids, dtype=np.int64).astype(np.uint64)
    with np.errstate(over="ignore"):
        x = values * _GOLDEN + np.uint64(seed) * _MIX2 + _GOLDEN
        x = (x ^ (x >> np.uint64(30))) * _MIX1
        x = (x ^ (x >> np.uint64(27))) * _MIX2
        x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def control_group_mask(ids: npt.ArrayLike, *, seed: int, share: float) -> npt.NDArray[np.bool_]:
    """True where the customer belongs to the control group (expected share ``share``)."""
    if not 0.0 <= share < 1.0:
        raise ValueError(f"the control group share must be in [0, 1), not {share}")
    return unit_interval_hash(ids, seed) < share
