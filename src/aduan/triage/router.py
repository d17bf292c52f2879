"""Where a report belongs and what kind it is: two linear SVMs over the report's words
(``text.document``), trained from examples, asked for the best three agencies with a
confidence and for the classification. The same code serves the product and
``manage.py evaluate_router``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .text import document


@dataclass(frozen=True)
class Example:
    title: str
    body: str
    agency: str | None = None  # a name or id; None: not a routing example
    classification: str | None = None  # None: not a classification example
    signals: tuple[str, ...] = ()  # extra tokens: the channel, the reporter's choice


@dataclass(frozen=True)
class Suggestion:
    agencies: list[tuple[str, float]]  # the best first, with a relative confidence
    classification: tuple[str, float] | None
    version: str = ""


# Each agency keeps one weight per feature: the features bound the model's size.
MAX_CHAR_FEATURES = 20_000


def _pipeline(*, c: float, balanced: bool = False):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion, make_pipeline
    from sklearn.svm import LinearSVC

    features = FeatureUnion(
        [
            # Stems and pairs of stems (place tokens included).
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)),
            # Pieces of words: misspellings and words the stemmer does not know.
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(3, 5),
                    sublinear_tf=True,
                    min_df=2,
                    max_features=MAX_CHAR_FEATURES,
                ),
            ),
        ]
    )
    weights = "balanced" if balanced else None
    return make_pipeline(features, LinearSVC(C=c, class_weight=weights))


def _confidences(model, docs: list[str]):
    """Each document's scores as shares that add up to 1 (a softmax of the margins): an
    order and a relative confidence, not a calibrated probability."""
    import numpy as np

    scores = model.decision_function(docs)
    if scores.ndim == 1:  # two classes: one margin, for the second
        scores = np.column_stack([-scores, scores])
    exp = np.exp(4.0 * (scores - scores.max(axis=1, keepdims=True)))
    return exp / exp.sum(axis=1, keepdims=True)


@dataclass
class Router:
    version: str = ""
    _agency_model: object | None = field(default=None, repr=False)
    _class_model: object | None = field(default=None, repr=False)

    def fit(self, examples: Iterable[Example], *, progress=None) -> Router:
        """Train on ``examples`` (each used for what it has); ``progress(step)`` per model."""
        examples = list(examples)
        docs = {id(e): document(e.title, e.body, e.signals) for e in examples}
        routed = [e for e in examples if e.agency]
        if len({e.agency for e in routed}) >= 2:
            self._agency_model = _pipeline(c=0.5).fit(
                [docs[id(e)] for e in routed], [e.agency for e in routed]
            )
        if progress is not None:
            progress("agencies")
        kinds = [e for e in examples if e.classification]
        if len({e.classification for e in kinds}) >= 2:
            # Balanced: the aspirations are few, and each kind should be found.
            self._class_model = _pipeline(c=0.2, balanced=True).fit(
                [docs[id(e)] for e in kinds], [e.classification for e in kinds]
            )
        if progress is not None:
            progress("classification")
        return self

    def suggest(self, title: str, body: str, signals: Sequence[str] = (), top: int = 3):
        return self.suggest_many([(title, body, tuple(signals))], top=top)[0]

    def suggest_many(
        self, reports: Sequence[tuple[str, str, tuple[str, ...]]], top: int = 3
    ) -> list[Suggestion]:
        docs = [document(title, body, signals) for title, body, signals in reports]
        agencies: list[list[tuple[str, float]]] = [[] for _ in docs]
        kinds: list[tuple[str, float] | None] = [None for _ in docs]
        if self._agency_model is not None and docs:
            classes = self._agency_model.classes_
            for row, probabilities in enumerate(_confidences(self._agency_model, docs)):
                best = probabilities.argsort()[::-1][:top]
                agencies[row] = [(str(classes[i]), float(probabilities[i])) for i in best]
        if self._class_model is not None and docs:
            classes = self._class_model.classes_
            for row, probabilities in enumerate(_confidences(self._class_model, docs)):
                i = int(probabilities.argmax())
                kinds[row] = (str(classes[i]), float(probabilities[i]))
        return [
            Suggestion(agencies=a, classification=k, version=self.version)
            for a, k in zip(agencies, kinds, strict=True)
        ]
