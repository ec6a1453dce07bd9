"""Text features shared by the routers: TF-IDF fits memoised by training prompts, a cost model.

Cross-validation fits several routers on the same training folds; the word TF-IDF fit is the
expensive common step, so fits are cached by (settings, hash of the training prompts) and a
reference kNN and a learned router on one fold share one vectorizer.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

__all__ = ["LinearCost", "Tfidf", "fit_tfidf", "prompt_chars", "register_corpus"]

_CACHE: OrderedDict[tuple[Any, ...], tuple[Tfidf, sp.csr_matrix]] = OrderedDict()
_CACHE_SIZE = 48
# analyzer settings -> (row of each prompt, counts over the whole corpus, corpus vocabulary)
_CORPUS: dict[tuple[Any, ...], tuple[dict[str, int], sp.csr_matrix, npt.NDArray[np.str_]]] = {}
_CORPUS_PROMPTS: list[tuple[str, ...]] = []
_ANALYZER_KEYS = ("analyzer", "ngram_range", "lowercase", "token_pattern")


def _digest(prompts: Sequence[str]) -> str:
    h = hashlib.blake2b(digest_size=16)
    for p in prompts:
        h.update(p.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


_WHITE = re.compile(r"\s\s+")


def _fast_analyzer(params: dict[str, Any]) -> Callable[[str], list[str]] | None:
    """sklearn's ``char_wb`` analyzer as list comprehensions (3x faster, same n-grams), or None
    for settings it does not cover (then sklearn's own analyzer is used)."""
    if params.get("analyzer") != "char_wb" or params.get("lowercase", True) is not True:
        return None
    if params.get("strip_accents") or params.get("preprocessor"):
        return None
    lo, hi = params.get("ngram_range", (1, 1))

    def analyze(text: str) -> list[str]:
        out: list[str] = []
        for word in _WHITE.sub(" ", text.lower()).split():
            w = f" {word} "
            size = len(w)
            for n in range(lo, hi + 1):
                if size <= n:  # sklearn counts a word shorter than n once, then stops
                    out.append(w)
                    break
                out.extend([w[i : i + n] for i in range(size - n + 1)])
        return out

    return analyze


def register_corpus(prompts: Sequence[str]) -> None:
    """Declare the prompts that later fits and transforms draw from (an evaluated table).

    Fits on subsets of it then count terms once per analyzer instead of once per fold;
    the result is identical to fitting `TfidfVectorizer` on the subset.
    """
    corpus = tuple(prompts)
    if corpus not in _CORPUS_PROMPTS:
        _CORPUS_PROMPTS[:] = [corpus]
        _CORPUS.clear()


def _corpus_counts(
    params: dict[str, Any],
) -> tuple[dict[str, int], sp.csr_matrix, npt.NDArray[np.str_]] | None:
    if not _CORPUS_PROMPTS:
        return None
    key = tuple(sorted((k, v) for k, v in params.items() if k in _ANALYZER_KEYS))
    hit = _CORPUS.get(key)
    if hit is None:
        settings = {k: v for k, v in params.items() if k in _ANALYZER_KEYS}
        counter = CountVectorizer(dtype=np.float32, **settings)
        corpus = _CORPUS_PROMPTS[0]
        counts = sp.csr_matrix(counter.fit_transform(corpus))
        rows = {p: i for i, p in enumerate(corpus)}
        hit = (rows, counts, counter.get_feature_names_out().astype(str))
        _CORPUS[key] = hit
    return hit


def _weigh(counts: sp.csr_matrix, idf: npt.NDArray[np.float64], sublinear: bool) -> sp.csr_matrix:
    """sklearn's TF-IDF from raw counts: (1 + log tf) if sublinear, times idf, rows L2-normed."""
    out = sp.csr_matrix(counts, dtype=np.float32, copy=True)
    if sublinear:
        np.log(out.data, out=out.data)
        out.data += 1.0
    out = sp.csr_matrix(out.multiply(idf.astype(np.float32)[None, :]))
    norms = np.sqrt(np.asarray(out.multiply(out).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags((1.0 / norms).astype(np.float32)) @ out)


class Tfidf:
    """A fitted TF-IDF: vocabulary (sorted, as sklearn orders it) and idf weights.

    `transform` takes a corpus prompt's counts from the corpus cache and anything else
    through a `TfidfVectorizer` with the same vocabulary and idf.
    """

    def __init__(
        self, params: dict[str, Any], terms: npt.NDArray[np.str_], idf: npt.NDArray[np.float64]
    ) -> None:
        self.params = dict(params)
        self.terms = terms
        self.idf = np.asarray(idf, dtype=np.float64)
        settings = {
            k: v for k, v in params.items() if k not in {"min_df", "max_df", "max_features"}
        }
        vocab = {str(t): i for i, t in enumerate(terms.tolist())}
        self.vectorizer = TfidfVectorizer(dtype=np.float32, vocabulary=vocab, **settings)
        self.vectorizer.fit([""] if not vocab else [str(terms[0])])
        self.vectorizer.idf_ = self.idf
        self._cols: npt.NDArray[np.int64] | None = None
        self._cols_of: npt.NDArray[np.str_] | None = None
        self._vocab = vocab
        self._analyze = _fast_analyzer(params) or self.vectorizer.build_analyzer()
        self._idf32 = self.idf.astype(np.float32)
        self._sublinear = bool(params.get("sublinear_tf"))

    def transform(self, prompts: Sequence[str]) -> sp.csr_matrix:
        """TF-IDF rows for `prompts` (float32, L2-normalised)."""
        corpus = _corpus_counts(self.params) if len(prompts) > 16 else None
        if corpus is not None:
            rows_of, counts, vocab = corpus
            rows = [rows_of.get(p, -1) for p in prompts]
            cols = self._columns(vocab)
            if min(rows) >= 0 and cols is not None:
                sub = counts[np.asarray(rows)][:, cols]
                return _weigh(sub, self.idf, bool(self.params.get("sublinear_tf")))
        if len(prompts) <= 16:
            return self._transform_few(prompts)
        return sp.csr_matrix(self.vectorizer.transform(prompts))

    def _transform_few(self, prompts: Sequence[str]) -> sp.csr_matrix:
        """sklearn's analyzer and weighting without its per-call overhead (routing one prompt).

        Same terms, counts, sublinear tf, idf and L2 norm as `TfidfVectorizer.transform`
        (tested equal); about 5x faster for a single prompt.
        """
        vocab, idf = self._vocab, self._idf32
        indptr = [0]
        indices: list[npt.NDArray[np.int64]] = []
        data: list[npt.NDArray[np.float32]] = []
        for prompt in prompts:
            found = [(vocab.get(t), c) for t, c in Counter(self._analyze(prompt)).items()]
            pairs = [(i, c) for i, c in found if i is not None]
            if pairs:
                cols = np.fromiter((i for i, _ in pairs), dtype=np.int64, count=len(pairs))
                tf = np.fromiter((c for _, c in pairs), dtype=np.float32, count=len(pairs))
                order = np.argsort(cols)
                cols, tf = cols[order], tf[order]
                if self._sublinear:
                    tf = np.log(tf) + np.float32(1.0)
                vals = tf * idf[cols]
                vals /= np.sqrt(np.dot(vals, vals))
                indices.append(cols)
                data.append(vals.astype(np.float32))
                indptr.append(indptr[-1] + cols.size)
            else:
                indptr.append(indptr[-1])
        shape = (len(prompts), len(vocab))
        if not indices:
            return sp.csr_matrix(shape, dtype=np.float32)
        return sp.csr_matrix(
            (np.concatenate(data), np.concatenate(indices), np.asarray(indptr)), shape=shape
        )

    def _columns(self, vocab: npt.NDArray[np.str_]) -> npt.NDArray[np.int64] | None:
        """This vocabulary's columns in the corpus counts, or None if some term is not there."""
        if self._cols is not None and self._cols_of is vocab:
            return self._cols
        self._cols_of = vocab
        if vocab.size == 0:
            self._cols = None
            return None
        cols = np.searchsorted(vocab, self.terms).clip(0, vocab.size - 1)
        self._cols = cols.astype(np.int64) if bool(np.all(vocab[cols] == self.terms)) else None
        return self._cols


def fit_tfidf(prompts: Sequence[str], **params: Any) -> tuple[Tfidf, sp.csr_matrix]:
    """A fitted TF-IDF and the training matrix (float32, rows L2-normalised); memoised.

    Equivalent to `TfidfVectorizer(**params).fit_transform(prompts)` (smooth idf, integer
    min_df); prompts from a registered corpus reuse its term counts.
    """
    key = (tuple(sorted(params.items())), len(prompts), _digest(prompts))
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        return hit
    corpus = _corpus_counts(params)
    rows = None if corpus is None else [corpus[0].get(p, -1) for p in prompts]
    if corpus is not None and rows is not None and min(rows, default=-1) >= 0:
        _, counts, vocab = corpus
        sub = counts[np.asarray(rows)]
        df = np.asarray((sub > 0).sum(axis=0)).ravel()
        keep = np.flatnonzero(df >= int(params.get("min_df", 1)))
        n = len(prompts)
        idf = np.log((1.0 + n) / (1.0 + df[keep])) + 1.0
        tfidf = Tfidf(params, vocab[keep], idf)
        matrix = _weigh(sub[:, keep], idf, bool(params.get("sublinear_tf")))
    else:
        vec = TfidfVectorizer(dtype=np.float32, **params)
        matrix = sp.csr_matrix(vec.fit_transform(prompts))
        tfidf = Tfidf(params, vec.get_feature_names_out().astype(str), np.asarray(vec.idf_))
    _CACHE[key] = (tfidf, matrix)
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return tfidf, matrix


def prompt_chars(prompts: Sequence[str]) -> npt.NDArray[np.float64]:
    """Characters per prompt, the cost model's input."""
    return np.fromiter((len(p) for p in prompts), dtype=np.float64, count=len(prompts))


class LinearCost:
    """Per-model cost per call as ``a + b * prompt characters``, least squares on training calls.

    Exact for costs estimated from text length (tokens ~ chars / 4 times a price, fixed output),
    and a sound first-order model for logged costs.
    """

    def __init__(self, coef: npt.NDArray[np.float64] | None = None) -> None:
        self.coef_ = np.zeros((2, 0)) if coef is None else coef

    def fit(self, chars: npt.NDArray[np.float64], costs: npt.NDArray[np.float64]) -> LinearCost:
        design = np.column_stack([np.ones_like(chars), chars])
        coef, *_ = np.linalg.lstsq(design, costs, rcond=None)
        self.coef_ = np.asarray(coef, dtype=np.float64)
        return self

    def predict(self, chars: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        out = self.coef_[0][None, :] + chars[:, None] * self.coef_[1][None, :]
        return np.asarray(np.maximum(out, 0.0), dtype=np.float64)
