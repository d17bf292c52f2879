"""Where a report belongs, what kind it is, its category and its programme: linear SVMs
(one-vs-rest) over the report's words (``text.document``), trained from examples, asked
for the best agencies with a confidence. The same code serves the product and
``manage.py evaluate_router``.

A returned report is a negative example: it is "not agency X's" in X's own model, with
more weight than an ordinary other-agency report. Signals (channel, region, the
reporter's choice) are tokens the word model weighs like any other feature. An agency
whose name holds a place (``Dinas Perhubungan Kota Semarang``) loses ground on a report
that names only other places."""

from __future__ import annotations

import itertools
import pickle
import zlib
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

from .text import document, place_names, tokens


@dataclass(frozen=True)
class Example:
    title: str
    body: str
    agency: str | None = None  # an agency label (its name); None: not a routing example
    classification: str | None = None  # None: not a classification example
    # Extra tokens: "channel_sms", "region_33", "region_3374", "chose_<agency label>".
    signals: tuple[str, ...] = ()
    not_agencies: tuple[str, ...] = ()  # agencies that returned it: a negative for each
    category: str | None = None  # a category label; None: not a category example
    programme: str | None = None  # a programme; "": explicitly none; None: not an example


@dataclass(frozen=True)
class Suggestion:
    agencies: list[tuple[str, float]]  # the best first, with a relative confidence
    classification: tuple[str, float] | None
    category: tuple[str, float] | None = None
    programme: tuple[str, float] | None = None  # None when the best guess is "none"
    version: str = ""


# Each label keeps one weight per feature: the features bound the model's size.
MAX_CHAR_FEATURES = 20_000
MAX_WORD_FEATURES = 40_000
# Margins of the linear SVMs (measured by 5-fold cross-validation on LAPOR! 2017, see
# bench/README.md): C for the agencies and for the kinds.
AGENCY_C = 0.3
KIND_C = 0.25
# A return counts this many times an ordinary report of another agency.
NEGATIVE_WEIGHT = 3.0
# Taken off the margin of an agency whose name is in a place the report does not name.
PLACE_CONFLICT = 0.5
_DUMP_MAGIC = b"aduan-router/1\n"


# Stored routers refer to _words and _text_only by name: renaming them breaks them.
def _is_signal(token: str) -> bool:
    """Signal tokens hold an underscore; place tokens (``loc_``) are read as words."""
    return "_" in token and not token.startswith("loc_")


def _words(doc: str) -> list[str]:
    """The word model's features: stems and pairs of stems, and each signal alone."""
    found = doc.split()
    plain = [t for t in found if not _is_signal(t)]
    return [
        *plain,
        *(f"{a} {b}" for a, b in itertools.pairwise(plain)),
        *(t for t in found if _is_signal(t)),
    ]


def _text_only(doc: str) -> str:
    """The character model reads the words, not the place or signal tokens."""
    return " ".join(t for t in doc.split() if "_" not in t)


def _features():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    analyzer=_words, sublinear_tf=True, min_df=2, max_features=MAX_WORD_FEATURES
                ),
            ),
            # Pieces of words: misspellings and words the stemmer does not know.
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    preprocessor=_text_only,
                    ngram_range=(3, 5),
                    sublinear_tf=True,
                    min_df=2,
                    max_features=MAX_CHAR_FEATURES,
                ),
            ),
        ]
    )


# A head with many labels (agencies, categories) keeps only its largest weights: at
# national scale (600+ agencies × 60,000 features) the dense weights alone would be
# 150 MB a process. Keeping the top fifth lost nothing on the LAPOR! split
# (bench/README.md) and stores 40% of it (value and index per weight).
PRUNE_FROM_LABELS = 20
KEPT_WEIGHTS = 0.2


class _Head:
    """One linear one-vs-rest model: a column of weights per label (float32, stored
    feature-major so that a sparse report times the weights copies nothing; sparse when
    pruned)."""

    def __init__(self, labels, coef, intercept):
        import numpy as np
        import scipy.sparse as sp

        self.labels = [str(label) for label in labels]
        weights = np.ascontiguousarray(coef.T)
        if len(self.labels) >= PRUNE_FROM_LABELS and weights.size:
            kept = max(1, int(weights.size * KEPT_WEIGHTS))
            largest = np.argpartition(np.abs(weights).ravel(), -kept)[-kept:]
            rows, columns = np.unravel_index(largest, weights.shape)
            weights = sp.csr_matrix((weights[rows, columns], (rows, columns)), shape=weights.shape)
        self.weights = weights
        self.intercept = intercept

    def scores(self, x):
        product = x @ self.weights
        if hasattr(product, "toarray"):
            product = product.toarray()
        return product + self.intercept


def _fit_head(x, labels, *, c, balanced=False, negatives=None) -> _Head | None:
    """``labels[i]`` None: row i is no positive example (it may still be a negative).
    ``negatives``: label → rows that are explicitly not that label's."""
    import numpy as np
    from sklearn.svm import LinearSVC

    negatives = negatives or {}
    positive_rows = [i for i, label in enumerate(labels) if label is not None]
    known = sorted({labels[i] for i in positive_rows})
    negatives = {k: v for k, v in negatives.items() if k in known and v}
    if not known or (len(known) == 1 and not negatives):
        return None
    weights = "balanced" if balanced else None
    coef = np.zeros((len(known), x.shape[1]), dtype=np.float32)
    intercept = np.zeros(len(known), dtype=np.float32)
    if len(known) >= 2:
        y = [labels[i] for i in positive_rows]
        model = LinearSVC(C=c, class_weight=weights).fit(x[positive_rows], y)
        if len(known) == 2:  # one margin, for the second label
            coef[:] = np.vstack([-model.coef_[0], model.coef_[0]])
            intercept[:] = [-model.intercept_[0], model.intercept_[0]]
        else:
            coef[:], intercept[:] = model.coef_, model.intercept_
    # Each label with returns: its own model again, the returns as weighted negatives.
    for label, rows in negatives.items():
        returned = {i for i in rows if labels[i] != label}
        if not returned:
            continue
        taken = positive_rows + sorted(i for i in returned if labels[i] is None)
        y = [labels[i] == label for i in taken]
        weight = [NEGATIVE_WEIGHT if i in returned else 1.0 for i in taken]
        model = LinearSVC(C=c).fit(x[taken], y, sample_weight=weight)
        row = known.index(label)
        coef[row], intercept[row] = model.coef_[0], model.intercept_[0]
    return _Head(known, coef, intercept)


def _confidences(scores):
    """Each row's scores as shares that add up to 1 (a softmax of the margins): an order
    and a relative confidence, not a calibrated probability. -inf scores get 0."""
    import numpy as np

    top = scores.max(axis=1, keepdims=True)
    top[~np.isfinite(top)] = 0.0
    exp = np.exp(4.0 * (scores - top))
    total = exp.sum(axis=1, keepdims=True)
    total[total == 0] = 1.0
    return exp / total


def _codes(found: Iterable[str]) -> set[str]:
    """Region codes (without dots) named by ``loc_`` tokens and ``region_`` signals."""
    codes = set()
    for token in found:
        for prefix in ("loc_", "region_"):
            if token.startswith(prefix):
                codes.add(token[len(prefix) :].replace(".", ""))
    return codes


def _conflicts(agency_places: set[str], report_places: set[str]) -> bool:
    """Both name places, and none of the report's contains or lies in the agency's."""
    return bool(agency_places and report_places) and not any(
        a.startswith(r) or r.startswith(a) for a in agency_places for r in report_places
    )


class Router:
    """The four models and their one vectoriser; ``dumps``/``loads`` store it whole."""

    def __init__(self, version: str = ""):
        self.version = version
        self._features = None
        self._heads: dict[str, _Head] = {}
        self._agency_places: list[set[str]] = []  # the agency head's labels' places

    @property
    def agency_labels(self) -> frozenset[str]:
        head = self._heads.get("agencies")
        return frozenset(head.labels) if head else frozenset()

    def fit(
        self, examples: Iterable[Example], *, progress: Callable[[str], None] | None = None
    ) -> Router:
        """Train on ``examples`` (each used for what it has); ``progress(step)`` once per
        model trained."""
        examples = list(examples)
        self._features, self._heads, self._agency_places = None, {}, []
        docs = [document(e.title, e.body, e.signals) for e in examples]
        if not examples or not any(d.strip() for d in docs):
            return self
        try:
            x = self._features_fitted(docs)
        except ValueError:  # no word seen twice: nothing to learn from
            self._features = None
            return self
        negatives: dict[str, list[int]] = defaultdict(list)
        for i, e in enumerate(examples):
            for label in e.not_agencies:
                negatives[label].append(i)
        heads = [
            ("agencies", [e.agency or None for e in examples], AGENCY_C, False, negatives),
            # Balanced: the aspirations are few, and each kind should be found.
            ("classification", [e.classification or None for e in examples], KIND_C, True, {}),
            ("category", [e.category or None for e in examples], AGENCY_C, False, {}),
            ("programme", [e.programme for e in examples], AGENCY_C, False, {}),
        ]
        for name, labels, c, balanced, negs in heads:
            head = _fit_head(x, labels, c=c, balanced=balanced, negatives=negs)
            if head is None:
                continue
            self._heads[name] = head
            if progress is not None:
                progress(name)
        if "agencies" in self._heads:
            places = place_names()
            self._agency_places = [
                _codes(tokens(label, places)) for label in self._heads["agencies"].labels
            ]
        return self

    def _features_fitted(self, docs):
        import numpy as np

        self._features = _features()
        return self._features.fit_transform(docs).astype(np.float32).tocsr()

    def suggest(
        self,
        title: str,
        body: str,
        signals: Sequence[str] = (),
        top: int = 3,
        exclude: Collection[str] = (),
    ) -> Suggestion:
        return self.suggest_many([(title, body, tuple(signals))], top=top, exclude=[exclude])[0]

    def suggest_many(
        self,
        reports: Sequence[tuple[str, str, tuple[str, ...]]],
        top: int = 3,
        exclude: Sequence[Collection[str]] | None = None,
    ) -> list[Suggestion]:
        """``exclude[i]``: agency labels never suggested for report ``i``."""
        import numpy as np

        if exclude is not None and len(exclude) != len(reports):
            raise ValueError("exclude needs one collection per report")
        docs = [document(title, body, signals) for title, body, signals in reports]
        found: dict[str, list] = {name: [None] * len(docs) for name in self._heads}
        agencies: list[list[tuple[str, float]]] = [[] for _ in docs]
        if self._features is not None and docs:
            x = self._features.transform(docs).astype(np.float32)
            for name, head in self._heads.items():
                scores = np.asarray(head.scores(x), dtype=np.float64)
                if name == "agencies":
                    self._adjust_agencies(scores, docs, exclude)
                    shares = _confidences(scores)
                    for row in range(len(docs)):
                        order = [i for i in shares[row].argsort()[::-1] if scores[row, i] > -np.inf]
                        agencies[row] = [
                            (head.labels[i], float(shares[row, i])) for i in order[:top]
                        ]
                    continue
                shares = _confidences(scores)
                for row in range(len(docs)):
                    i = int(shares[row].argmax())
                    found[name][row] = (head.labels[i], float(shares[row, i]))
        kinds = found.get("classification", [None] * len(docs))
        categories = found.get("category", [None] * len(docs))
        programmes = [
            p if p is not None and p[0] != "" else None
            for p in found.get("programme", [None] * len(docs))
        ]
        return [
            Suggestion(
                agencies=agencies[i],
                classification=kinds[i],
                category=categories[i],
                programme=programmes[i],
                version=self.version,
            )
            for i in range(len(docs))
        ]

    def _adjust_agencies(self, scores, docs, exclude) -> None:
        """The place penalty, and the excluded agencies out (-inf)."""
        import numpy as np

        labels = self._heads["agencies"].labels
        index = {label: i for i, label in enumerate(labels)}
        for row, doc in enumerate(docs):
            places = _codes(doc.split())
            if places:
                for i, agency_places in enumerate(self._agency_places):
                    if _conflicts(agency_places, places):
                        scores[row, i] -= PLACE_CONFLICT
            for label in exclude[row] if exclude is not None else ():
                if label in index:
                    scores[row, index[label]] = -np.inf

    def dumps(self) -> bytes:
        """The whole trained router, pickled and compressed."""
        return _DUMP_MAGIC + zlib.compress(pickle.dumps(self, protocol=5), 6)

    @classmethod
    def loads(cls, data: bytes) -> Router:
        """A router from ``dumps``. Unpickles: only for data Aduan wrote itself."""
        if not data.startswith(_DUMP_MAGIC):
            raise ValueError("not a dumped router")
        try:
            # Aduan reads back only what it dumped itself (the stored models).
            router = pickle.loads(zlib.decompress(data[len(_DUMP_MAGIC) :]))  # noqa: S301
        except (zlib.error, pickle.UnpicklingError, EOFError) as exc:
            raise ValueError(f"not a dumped router ({exc})") from exc
        if not isinstance(router, cls):
            raise ValueError("not a dumped router")
        return router
