"""Conveniences that join layers for users: kept out of the layers themselves."""

from __future__ import annotations

import os
from typing import Any

from aigym.registry import ModelRegistry, get_model_registry
from aigym.store import Durability, ParquetStore

__all__ = ["open_store"]


def open_store(
    root: str | os.PathLike[str],
    *,
    durability: Durability | str = Durability.FSYNC,
    registry: ModelRegistry | None = None,
    storage_options: dict[str, Any] | None = None,
) -> ParquetStore:
    """A `ParquetStore` that refuses model ids the registry does not know (with suggestions).

    Register your own models first (`get_model_registry().register(ModelSpec(...))`), or pass
    a registry of your own.
    """
    reg = registry if registry is not None else get_model_registry()
    return ParquetStore(
        root, durability=durability, model_check=reg.resolve, storage_options=storage_options
    )
