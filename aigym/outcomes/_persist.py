"""Save and load fitted routers: one ``.npz`` of arrays plus JSON metadata, no pickle.

The metadata holds the router kind, a format version (a mismatch is refused with the fix), the
constructor parameters and the SHA-256 of the table the router was trained on, so a report can
say which data a deployed router saw.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from aigym.errors import ValidationError
from aigym.outcomes._text import Tfidf

__all__ = [
    "read_state",
    "sparse_from_state",
    "sparse_state",
    "tfidf_from_state",
    "tfidf_state",
    "write_state",
]


def write_state(
    path: str | Path, meta: dict[str, Any], arrays: dict[str, npt.NDArray[Any]]
) -> Path:
    """Write arrays and metadata atomically (a temp file renamed into place)."""
    target = Path(path)
    tmp = target.with_name(target.name + ".tmp")
    payload = {"__meta__": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays}
    with tmp.open("wb") as fh:
        np.savez_compressed(fh, **payload)  # type: ignore[arg-type]
    tmp.replace(target)
    return target


def read_state(path: str | Path) -> tuple[dict[str, Any], dict[str, npt.NDArray[Any]]]:
    """Metadata and arrays of a saved router; a clear error if the file is not one."""
    source = Path(path)
    try:
        with np.load(source, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError) as exc:
        raise ValidationError(
            "router file", str(source), f"cannot read it ({exc}); pass a file written by save()"
        ) from exc
    if "__meta__" not in arrays:
        raise ValidationError("router file", str(source), "has no router metadata; use save()")
    meta = json.loads(arrays.pop("__meta__").tobytes().decode())
    return meta, arrays


def tfidf_state(vec: Tfidf, prefix: str) -> dict[str, npt.NDArray[Any]]:
    """A fitted TF-IDF's vocabulary (in column order) and idf weights."""
    return {f"{prefix}_terms": vec.terms.astype(str), f"{prefix}_idf": vec.idf}


def tfidf_from_state(
    arrays: dict[str, npt.NDArray[Any]], prefix: str, params: dict[str, Any]
) -> Tfidf:
    """Rebuild a fitted TF-IDF from `tfidf_state` output and its settings."""
    return Tfidf(params, arrays[f"{prefix}_terms"].astype(str), arrays[f"{prefix}_idf"])


def sparse_state(matrix: sp.csr_matrix, prefix: str) -> dict[str, npt.NDArray[Any]]:
    """A CSR matrix as plain arrays."""
    return {
        f"{prefix}_data": matrix.data,
        f"{prefix}_indices": matrix.indices,
        f"{prefix}_indptr": matrix.indptr,
        f"{prefix}_shape": np.asarray(matrix.shape),
    }


def sparse_from_state(arrays: dict[str, npt.NDArray[Any]], prefix: str) -> sp.csr_matrix:
    """Inverse of `sparse_state`."""
    shape = tuple(int(x) for x in arrays[f"{prefix}_shape"])
    return sp.csr_matrix(
        (arrays[f"{prefix}_data"], arrays[f"{prefix}_indices"], arrays[f"{prefix}_indptr"]),
        shape=shape,
    )
