"""The reference kNN router: the bar every learned router must clear.

Exactly the router measured in ``notes/router-evaluation.md``: TF-IDF over word 1-2 grams
(sublinear tf, min_df 2), cosine similarity, the mean score of the k = 25 nearest training
prompts per model, ties to the cheaper model. Published routers rarely beat a tuned kNN by much
(LLMRouterBench 2026, "Routing Plateau"), so evaluation always reports it beside any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from aigym.errors import ValidationError
from aigym.outcomes._persist import (
    read_state,
    sparse_from_state,
    sparse_state,
    tfidf_from_state,
    tfidf_state,
    write_state,
)
from aigym.outcomes._protocol import RouterPrediction, check_format, table_hash
from aigym.outcomes._text import LinearCost, Tfidf, fit_tfidf, prompt_chars
from aigym.outcomes._wide import TableLike, widen

__all__ = ["KnnRouter", "knn_quality"]

FloatArray = npt.NDArray[np.float64]
_CHUNK = 2048


def knn_quality(
    similarity: npt.NDArray[np.floating[Any]],
    scores: FloatArray,
    k: int,
    power: float = 0.0,
) -> FloatArray:
    """Per-model mean score of each row's k most similar training items (dense rows x train).

    ``power > 0`` weights neighbours by similarity**power; rows with no similar item at all fall
    back to the training mean (an empty or out-of-vocabulary prompt).
    """
    n_train = similarity.shape[1]
    k = min(k, n_train)
    if k < n_train:
        idx = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
    else:
        idx = np.broadcast_to(np.arange(n_train), similarity.shape)
    sims = np.take_along_axis(similarity, idx, axis=1).astype(np.float64)
    neigh = scores[idx]  # rows x k x models
    if power:
        w = np.maximum(sims, 0.0) ** power
        total = w.sum(axis=1, keepdims=True)
        out = np.einsum("rk,rkm->rm", w, neigh) / np.where(total > 0, total, 1.0)
    else:
        out = neigh.mean(axis=1)
    empty = ~(sims > 0).any(axis=1)
    if empty.any():
        out[empty] = scores.mean(axis=0)
    return np.asarray(out, dtype=np.float64)


class KnnRouter:
    """Mean score of the k nearest training prompts (TF-IDF cosine), per model.

    >>> router = KnnRouter(k=25).fit(table)                     # doctest: +SKIP
    >>> router.route(["Solve 2x + 3 = 7"], knob=0.0)            # doctest: +SKIP
    ['llama-3.1-nemotron-51b-instruct']
    """

    KIND = "knn"
    FORMAT_VERSION = 1

    def __init__(
        self,
        k: int = 25,
        *,
        weight_power: float = 0.0,
        ngram_range: tuple[int, int] = (1, 2),
        min_df: int = 2,
    ) -> None:
        if k < 1:
            raise ValidationError("k", k, "use at least one neighbour (the reference is 25)")
        self.k = k
        self.weight_power = weight_power
        self.ngram_range = tuple(ngram_range)
        self.min_df = min_df

    def get_params(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "weight_power": self.weight_power,
            "ngram_range": self.ngram_range,
            "min_df": self.min_df,
        }

    def _tfidf_params(self) -> dict[str, Any]:
        return {"ngram_range": self.ngram_range, "sublinear_tf": True, "min_df": self.min_df}

    def fit(self, table: TableLike) -> Self:
        """Index the training prompts and keep their per-model scores."""
        wide = widen(table)
        vec, matrix = fit_tfidf(wide.prompts, **self._tfidf_params())
        self.vectorizer_: Tfidf = vec
        self.train_t_: sp.csr_matrix = sp.csr_matrix(matrix.T)
        self.scores_: FloatArray = wide.scores
        self.models_: tuple[str, ...] = wide.models
        self.cost_ = LinearCost().fit(prompt_chars(wide.prompts), wide.costs)
        self.table_hash_: str = table_hash(wide.prompts, wide.models, wide.scores)
        return self

    def _quality(self, features: sp.csr_matrix) -> FloatArray:
        parts = []
        n = features.shape[0]
        for start in range(0, n, _CHUNK):
            block = features if n <= _CHUNK else features[start : start + _CHUNK]
            sim = (block @ self.train_t_).toarray()
            parts.append(knn_quality(sim, self.scores_, self.k, self.weight_power))
        if not parts:
            return np.zeros((0, len(self.models_)))
        return np.vstack(parts)

    def predict(self, prompts: Sequence[str]) -> RouterPrediction:
        """Each model's predicted quality (neighbour mean) and cost for each prompt."""
        prompts = list(prompts)
        features = sp.csr_matrix(self.vectorizer_.transform(prompts))
        return RouterPrediction(
            self.models_, self._quality(features), self.cost_.predict(prompt_chars(prompts))
        )

    def route(self, prompts: Sequence[str], knob: float = 0.0) -> list[str]:
        """The model to call per prompt: max quality - knob * cost, ties to the cheaper."""
        return self.predict(prompts).route(knob)

    def save(self, path: str | Path) -> Path:
        """Write the fitted router (versioned, with its training table's hash)."""
        meta = {
            "kind": self.KIND,
            "format_version": self.FORMAT_VERSION,
            "params": {**self.get_params(), "ngram_range": list(self.ngram_range)},
            "models": list(self.models_),
            "table_hash": self.table_hash_,
        }
        arrays = {
            **tfidf_state(self.vectorizer_, "tfidf"),
            **sparse_state(self.train_t_, "train_t"),
            "scores": self.scores_,
            "cost_coef": self.cost_.coef_,
        }
        return write_state(path, meta, arrays)

    @classmethod
    def load(cls, path: str | Path) -> KnnRouter:
        """Read a router written by `save`; refuses another kind or format version."""
        meta, arrays = read_state(path)
        check_format(Path(path), meta, cls.KIND, cls.FORMAT_VERSION)
        params = dict(meta["params"])
        params["ngram_range"] = tuple(params["ngram_range"])
        router = cls(**params)
        router.vectorizer_ = tfidf_from_state(arrays, "tfidf", router._tfidf_params())
        router.train_t_ = sparse_from_state(arrays, "train_t")
        router.scores_ = arrays["scores"]
        router.models_ = tuple(meta["models"])
        router.cost_ = LinearCost(arrays["cost_coef"])
        router.table_hash_ = meta["table_hash"]
        return router
