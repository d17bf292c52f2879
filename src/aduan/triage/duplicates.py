"""Near-duplicates among open reports: MinHash signatures of the normalised public text,
LSH bands in an indexed table (``Fingerprint``) that find candidates without comparing
all pairs, the stored signature (``Signature``) that estimates their Jaccard similarity,
and a score that another place, agency or time lowers. Figures: bench/README.md,
"Duplicates"."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from aduan.reports.models import OPEN_STATUSES, Report
from aduan.reports.selectors import report_public_text

from .models import Fingerprint, Signature
from .text import tokens

PERMUTATIONS = 128  # the signature: a Jaccard estimate within ±0.04 at 0.3
BANDS, ROWS = 24, 2  # the lookup: the first 48 values, two a band
CHAR_SHINGLE = 5  # characters of the stemmed text, across word boundaries
SHORTLIST = 50  # a text's candidates scored: those sharing the most bands
THRESHOLD = 0.3  # score at which a report is called a likely duplicate
# What the context takes off: another place, another agency, a long time apart.
REGION_APART, AGENCY_APART = 0.75, 0.85
TIME_APART, TIME_SCALE_DAYS = 0.8, 90

_rng = np.random.default_rng(20261203)  # fixed: the stored rows must stay comparable
_SEEDS = _rng.integers(0, np.iinfo(np.uint64).max, size=(PERMUTATIONS, 1), dtype=np.uint64)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser (multiplications wrap modulo 2⁶⁴): a hash per seed whose
    order over the shingles is as good as random, which MinHash needs."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def shingles(text: str) -> set[str]:
    """The stems of ``text`` (slang written out, boilerplate and stop words gone) and its
    character 5-grams: the stems survive reordering, the 5-grams a typo or a new suffix."""
    stems = tokens(text)
    found = {f"w {stem}" for stem in stems}
    joined = " ".join(stems)
    found.update(joined[i : i + CHAR_SHINGLE] for i in range(len(joined) - CHAR_SHINGLE + 1))
    return found


def _hash64(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode(), digest_size=8).digest(), "little")


def signature(text: str) -> np.ndarray | None:
    """The MinHash signature of ``text``'s shingles (None without any): for each of
    ``PERMUTATIONS`` seeds, the smallest mixed hash of a shingle, kept to its top 32 bits
    (a chance equality is 2⁻³²)."""
    found = shingles(text)
    if not found:
        return None
    base = np.fromiter((_hash64(s) for s in found), dtype=np.uint64, count=len(found))
    lowest = _mix(base[np.newaxis, :] ^ _SEEDS).min(axis=1)
    return (lowest >> np.uint64(32)).astype(np.uint32)


def band_keys(sig: np.ndarray | None) -> list[int]:
    """One signed 64-bit key a band: a hash of the band's number and its ``ROWS`` values,
    so that one indexed column finds a bucket (PostgreSQL ``bigint``, SQLite ``integer``)."""
    if sig is None:
        return []
    keys = []
    for band in range(BANDS):
        chunk = sig[band * ROWS : (band + 1) * ROWS].astype("<u4").tobytes()
        digest = hashlib.blake2b(band.to_bytes(2, "little") + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """The share of equal MinHash values: an unbiased estimate of the Jaccard similarity."""
    return float(np.mean(a == b))


def _as_bytes(sig: np.ndarray) -> bytes:
    return sig.astype("<u4").tobytes()


def _from_bytes(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<u4")


def text_of(report: Report) -> str:
    """What is compared: the public title and text (the desk's redaction, personal data
    masked), so that a match never tells a citizen what the desk masked."""
    title, body = report_public_text(report)
    return f"{title}\n{body}"


def is_fingerprinted(report: Report) -> bool:
    """Only open reports that were not merged may be someone's original."""
    return report.status in OPEN_STATUSES and report.merged_into_id is None


def fingerprint_rows(report: Report) -> tuple[Signature | None, list[Fingerprint]]:
    """The rows ``report`` should have (none once it is closed, archived or merged)."""
    sig = signature(text_of(report)) if is_fingerprinted(report) else None
    if sig is None:
        return None, []
    bands = [
        Fingerprint(report_id=report.pk, band=band, bucket=key)
        for band, key in enumerate(band_keys(sig))
    ]
    return Signature(report_id=report.pk, minhash=_as_bytes(sig)), bands


def fingerprints_write(reports: Sequence[Report]) -> int:
    """Replace the rows of ``reports`` (a batch of the backfill, or one report); how many
    reports now have them."""
    signatures, bands = [], []
    for report in reports:
        sig, rows = fingerprint_rows(report)
        if sig is not None:
            signatures.append(sig)
            bands.extend(rows)
    with transaction.atomic():
        fingerprint_drop([r.pk for r in reports])
        Signature.objects.bulk_create(signatures)
        Fingerprint.objects.bulk_create(bands, batch_size=5000)
    return len(signatures)


def fingerprint_drop(report_ids: Iterable[int]) -> None:
    ids = list(report_ids)
    Fingerprint.objects.filter(report_id__in=ids).delete()
    Signature.objects.filter(report_id__in=ids).delete()


@dataclasses.dataclass(frozen=True)
class Candidate:
    """A likely original: the open report, the bands shared, the estimated Jaccard
    similarity of the two texts and the score with the context."""

    report_id: int
    tracking_id: str
    shared_bands: int
    jaccard: float
    score: float
    same_region: bool | None = None  # None: either place unknown


@dataclasses.dataclass(frozen=True)
class Subject:
    """A text looked for among the originals, with its context (each part optional)."""

    minhash: np.ndarray | None
    region_code: str | None = None
    agency_id: int | None = None
    at: dt.datetime | None = None
    report_id: int | None = None

    @classmethod
    def of_text(cls, text: str, **context) -> Subject:
        return cls(minhash=signature(text), **context)

    @classmethod
    def of_report(cls, report: Report, *, minhash: np.ndarray | None = None) -> Subject:
        """``report`` as a subject; ``minhash``: its stored signature, if read already."""
        return cls(
            minhash=minhash if minhash is not None else signature(text_of(report)),
            region_code=report.region_id,
            agency_id=report.agency_id or report.requested_agency_id,
            at=report.created_at,
            report_id=report.pk,
        )


def _same_region(a: str | None, b: str | None) -> bool | None:
    """None when either is unknown; true when one region lies in the other."""
    if not a or not b:
        return None
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def duplicate_score(
    similarity: float, *, same_region: bool | None, same_agency: bool | None, days_apart: float
) -> float:
    """The texts' similarity, taken down for a known other place or agency and with the
    time between the two (a repost comes within days; months later it is a new case)."""
    score = similarity
    if same_region is False:
        score *= REGION_APART
    if same_agency is False:
        score *= AGENCY_APART
    score *= 1 - (1 - TIME_APART) * min(max(days_apart, 0.0) / TIME_SCALE_DAYS, 1.0)
    return score


def _shared_bands(subjects: dict[object, Subject]) -> dict[object, dict[int, int]]:
    """For each subject, the reports sharing bands with it and how many: one query on
    the ``bucket`` index for all the subjects."""
    owners: dict[int, list[object]] = defaultdict(list)
    for name, subject in subjects.items():
        for key in band_keys(subject.minhash):
            owners[key].append(name)
    shared: dict[object, dict[int, int]] = {name: defaultdict(int) for name in subjects}
    if not owners:
        return shared
    # The index on ``bucket`` alone, no join: the rows of a report that closed are gone
    # (``triage.listeners``) and ``_originals`` checks the status again.
    rows = Fingerprint.objects.filter(bucket__in=list(owners)).values_list("bucket", "report_id")
    for bucket, report_id in rows.order_by():
        for name in owners[bucket]:
            shared[name][report_id] += 1
    return shared


def candidates_for(
    subjects: dict[object, Subject], *, threshold: float = THRESHOLD
) -> dict[object, list[Candidate]]:
    """For each subject, the open, unmerged reports submitted before it (never itself)
    whose score reaches ``threshold``, best first: two queries whatever the number of
    subjects (the bands, then the signatures and context of the ``SHORTLIST`` sharing
    the most bands with each)."""
    shared = _shared_bands(subjects)
    shortlist: dict[object, list[tuple[int, int]]] = {}
    for name, subject in subjects.items():
        found = [(n, rid) for rid, n in shared[name].items() if rid != subject.report_id]
        shortlist[name] = sorted(found, key=lambda pair: (-pair[0], -pair[1]))[:SHORTLIST]
    wanted = {rid for pairs in shortlist.values() for _n, rid in pairs}
    originals = _originals(wanted) if wanted else {}
    now = timezone.now()
    result: dict[object, list[Candidate]] = {}
    for name, subject in subjects.items():
        at, ranked = subject.at or now, []
        for bands, report_id in shortlist[name]:
            original = originals.get(report_id)
            if original is None or (original["created_at"], report_id) >= (
                at,
                subject.report_id or 0,
            ):
                continue  # gone meanwhile, or not earlier: the original comes first
            similarity = estimated_jaccard(subject.minhash, _from_bytes(original["minhash"]))
            other_agency = original["agency_id"] or original["requested_agency_id"]
            same_region = _same_region(subject.region_code, original["region_id"])
            score = duplicate_score(
                similarity,
                same_region=same_region,
                same_agency=(
                    subject.agency_id == other_agency
                    if subject.agency_id and other_agency
                    else None
                ),
                days_apart=(at - original["created_at"]).total_seconds() / 86400,
            )
            if score >= threshold:
                ranked.append(
                    Candidate(
                        report_id, original["tracking_id"], bands, similarity, score, same_region
                    )
                )
        ranked.sort(key=lambda c: (-c.score, c.report_id))
        result[name] = ranked
    return result


def _originals(report_ids: set[int]) -> dict[int, dict]:
    """The signature and context of each of the reports that are still open and not
    merged (one query)."""
    rows = Signature.objects.filter(
        report_id__in=report_ids,
        report__status__in=sorted(OPEN_STATUSES),
        report__merged_into__isnull=True,
    ).values(
        "report_id",
        "minhash",
        tracking_id=F("report__tracking_id"),
        region_id=F("report__region_id"),
        agency_id=F("report__agency_id"),
        requested_agency_id=F("report__requested_agency_id"),
        created_at=F("report__created_at"),
    )
    return {row["report_id"]: row for row in rows}


def duplicate_candidates(
    *,
    title: str = "",
    body: str = "",
    report: Report | None = None,
    region_code: str | None = None,
    agency_id: int | None = None,
    threshold: float = THRESHOLD,
) -> list[Candidate]:
    """The likely originals of ``report``, or of a draft (``title``, ``body``, with the
    place and agency typed), best first."""
    if report is not None:
        subject = Subject.of_report(report)
    else:
        subject = Subject.of_text(
            f"{title}\n{body}", region_code=region_code or None, agency_id=agency_id
        )
    return candidates_for({"one": subject}, threshold=threshold)["one"]


def likely_originals(reports: Iterable[Report]) -> dict[int, Candidate]:
    """The best likely original of each of ``reports`` that has one (a page of the desk's
    queue): three queries, whatever the number of reports. The signatures stored for the
    open reports are read, not computed again from their text."""
    reports = list(reports)
    stored = dict(
        Signature.objects.filter(report_id__in=[r.pk for r in reports]).values_list(
            "report_id", "minhash"
        )
    )
    subjects = {
        report.pk: Subject.of_report(
            report, minhash=_from_bytes(stored[report.pk]) if report.pk in stored else None
        )
        for report in reports
    }
    found = candidates_for(subjects) if subjects else {}
    # The desk merges in one click: a report about another known place is a new case
    # however alike the words (a form letter, the same complaint in two towns).
    kept = {
        report_id: [c for c in ranked if c.same_region is not False]
        for report_id, ranked in found.items()
    }
    return {report_id: ranked[0] for report_id, ranked in kept.items() if ranked}
