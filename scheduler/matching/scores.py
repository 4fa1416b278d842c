"""Who should meet whom: compatibility scores with reasons, and recommendations.

Every traditional x tech pair gets a score from their profiles: needs met by
offers (through a small synonym and parent table, so ``defect-detection``
meets ``quality-inspection``), sector experience, a shared language, and the
similarity of their free-text descriptions (TF-IDF, scikit-learn). A pair with
no common slot in both their working hours is never recommended. All pairs are
scored at once with sparse and dense matrix products, so 3,000 participants
take seconds, not minutes; :func:`scores_of` gives the same numbers for a list of
pairs only, in memory linear in the pairs (what the solver needs). See
``docs/matching.md`` for the formula.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from scheduler.domain.language import N_
from scheduler.domain.messages import Message, Tongue
from scheduler.domain.model import EventData, Participant

#: Tags that name the same thing; the value is the canonical tag.
SYNONYMS: dict[str, str] = {
    "defect-detection": "quality-inspection", "visual-inspection": "quality-inspection",
    "quality-control": "quality-inspection", "machine-vision": "computer-vision",
    "image-recognition": "computer-vision", "condition-monitoring": "predictive-maintenance",
    "forecasting": "demand-forecasting", "sales-forecasting": "demand-forecasting",
    "nlp": "natural-language-processing", "text-analytics": "natural-language-processing",
    "rpa": "document-automation", "iot": "iot-sensors", "sensors": "iot-sensors",
    "cobots": "robotics", "energy-efficiency": "energy-optimisation",
    "energy-optimization": "energy-optimisation", "process-optimization": "process-optimisation",
    "supply-chain": "supply-chain-analytics", "chatbot": "chatbots", "conversational-ai": "chatbots",
    "track-and-trace": "traceability", "security": "cybersecurity", "simulation": "digital-twin",
}  # fmt: skip
#: Broader concepts: a need is "close" to an offer of its parent or child.
PARENTS: dict[str, tuple[str, ...]] = {
    "quality-inspection": ("computer-vision",), "predictive-maintenance": ("iot-sensors", "anomaly-detection"),
    "traceability": ("iot-sensors", "supply-chain-analytics"), "chatbots": ("natural-language-processing",),
    "document-automation": ("natural-language-processing",), "digital-twin": ("process-optimisation", "iot-sensors"),
    "energy-optimisation": ("process-optimisation",), "demand-forecasting": ("supply-chain-analytics",),
    "generative-design": ("digital-twin",), "robotics": ("computer-vision",),
}  # fmt: skip

#: The reasons of :meth:`Scorer.reasons` that name the traditional SME, said of the tech SME; a reader
#: of either side gets them in their own words (webapp/partners.py).
NEED_MET = N_("offers {offer}, which {name} needs")
NEED_CLOSE = N_("offers {offer}, close to {need} which {name} needs")
SECTORS = N_("has worked in {sectors}")

#: Score weights (see docs/matching.md).
W_NEED, W_CLOSE, W_SECTOR, W_LANGUAGE, W_TEXT = 3.0, 1.5, 1.0, 0.5, 3.0
#: Without a need met, descriptions must be this similar (weighted) to count: 0.6 = 20% cosine.
MIN_RELEVANCE = 0.6
#: Popularity damping strength and the per-technology diversity cap.
DAMPING = 0.35
SAME_TECH_CAP = 2


def canonical(tag: str) -> str:
    t = tag.strip().lower().replace("_", "-").replace(" ", "-")
    return SYNONYMS.get(t, t)


def related(a: str, b: str) -> bool:
    """True when one canonical tag is a broader concept of the other (siblings are too loose)."""
    return a in PARENTS.get(b, ()) or b in PARENTS.get(a, ())


@dataclass(frozen=True)
class Match:
    """A scored pair: ``participant`` (traditional) and ``partner`` (tech)."""

    participant: str
    partner: str
    score: float  # 0..1
    reasons: tuple[str, ...]
    damped: float = 0.0  # the score after popularity damping, used for ranking

    @property
    def percent(self) -> int:
        return round(100 * self.score)


class Scorer:
    """All traditional x tech scores of an event, as matrices; reasons on demand."""

    def __init__(self, data: EventData, allowed: dict[str, frozenset[int]] | None = None):
        from scheduler.domain.timegrid import allowed_map

        self.data = data
        f = _Profiles(data)
        self.trad, self.tech, self.ti, self.si = f.trad, f.tech, f.ti, f.si
        allowed = allowed if allowed is not None else allowed_map(data)
        self.exact = f.need @ f.offer.T
        self.close = np.maximum(f.need @ f.close.T - 0, 0)
        self.sector = f.sector_t @ f.sector_s.T
        self.language = f.language_t @ f.language_s.T
        n_slots = 1 + max((t for s in allowed.values() for t in s), default=0)
        slots_t = _slots(self.trad, allowed, n_slots)
        slots_s = _slots(self.tech, allowed, n_slots)
        self.common = (slots_t @ slots_s.T) > 0
        self.text = _text_similarity(self.trad, self.tech)
        self.raw = _raw(self.exact, self.close, self.sector, self.language, self.text, self.common)
        self.scale = f.scale

    def score(self, trad_id: str, tech_id: str) -> float:
        """Return the 0..1 score of one pair (0 when never recommendable)."""
        if trad_id not in self.ti or tech_id not in self.si:
            return 0.0
        i = self.ti[trad_id]
        return min(1.0, float(self.raw[i, self.si[tech_id]]) / float(self.scale[i]))

    def reasons(self, trad_id: str, tech_id: str) -> tuple[Message, ...]:
        """Say in words why this pair scores what it does (English; ``messages.say`` for another language)."""
        t = self.trad[self.ti[trad_id]]
        s = self.tech[self.si[tech_id]]
        i, j = self.ti[trad_id], self.si[tech_id]
        out: list[str] = []
        needs = {canonical(x): x for x in t.needs}
        offers = {canonical(x): x for x in s.offers}
        for c in sorted(needs.keys() & offers.keys()):
            out.append(Message(NEED_MET, offer=offers[c], name=t.name))
        close = [(o, n) for nc, n in sorted(needs.items()) for oc, o in sorted(offers.items())
                 if nc != oc and related(nc, oc) and nc not in offers]  # fmt: skip
        for o, n in close[:2]:
            out.append(Message(NEED_CLOSE, offer=o, need=n, name=t.name))
        shared = sorted(set(t.sectors) & set(s.sectors))
        if shared:
            out.append(Message(SECTORS, sectors=tuple(shared)))
        langs = sorted(set(t.languages) & set(s.languages), key=lambda x: (x == "en", x))
        if langs:
            out.append(Message(N_("both speak {language}"), language=Tongue(langs[0])))
        if self.text[i, j] >= 0.1:
            out.append(Message(N_("similar descriptions ({percent})"), percent=f"{self.text[i, j]:.0%}"))
        if not self.common[i, j]:
            out.append(Message(N_("no common slot in both working hours")))
        return tuple(out)


class _Profiles:
    """Each side's profile as one-hot rows (needs, offers and their broader concepts, sectors,
    languages): a score is a product of a traditional SME's row and a tech SME's row."""

    def __init__(self, data: EventData):
        self.trad = [p for p in data.participants if p.kind == "traditional"]
        self.tech = [p for p in data.participants if p.kind == "tech"]
        self.ti = {p.id: i for i, p in enumerate(self.trad)}
        self.si = {p.id: j for j, p in enumerate(self.tech)}
        concepts = sorted({canonical(t) for p in data.participants for t in (*p.needs, *p.offers)})
        ci = {c: i for i, c in enumerate(concepts)}
        self.need = _onehot(self.trad, lambda p: {canonical(t) for t in p.needs}, ci)
        self.offer = _onehot(self.tech, lambda p: {canonical(t) for t in p.offers}, ci)
        self.close = _onehot(self.tech, lambda p: {c for o in p.offers for c in concepts
                                                   if related(canonical(o), c) and c != canonical(o)}, ci)  # fmt: skip
        sectors = sorted({s for p in data.participants for s in p.sectors})
        si = {s: i for i, s in enumerate(sectors)}
        self.sector_t = _onehot(self.trad, lambda p: set(p.sectors), si)
        self.sector_s = _onehot(self.tech, lambda p: set(p.sectors), si)
        langs = sorted({x for p in data.participants for x in p.languages})
        li = {x: i for i, x in enumerate(langs)}
        self.language_t = _onehot(self.trad, lambda p: set(p.languages), li)
        self.language_s = _onehot(self.tech, lambda p: set(p.languages), li)
        # 100% = a partner meeting every need (up to three), in the sector, sharing a language
        # and a close description: the best this participant could hope for
        best = [W_NEED * min(3, len({canonical(x) for x in p.needs})) + W_SECTOR * bool(p.sectors)
                + W_LANGUAGE + W_TEXT * 0.5 * bool(p.description) for p in self.trad]  # fmt: skip
        self.scale = np.maximum(np.array(best, dtype=np.float32), 1.0)


def _raw(exact: np.ndarray, close: np.ndarray, sector: np.ndarray, language: np.ndarray,
         text: np.ndarray, common: np.ndarray) -> np.ndarray:
    """The unscaled score from its parts (whole matrices or one entry per pair, element by element)."""
    raw = (W_NEED * np.minimum(exact, 3) + W_CLOSE * np.minimum(close, 2)
           + W_SECTOR * np.minimum(sector, 1) + W_LANGUAGE * (language > 0)
           + W_TEXT * text)  # fmt: skip
    relevant = (exact + close > 0) | (text * W_TEXT >= MIN_RELEVANCE)
    return np.where(common & relevant, raw, 0.0)


def _onehot(people: Sequence[Participant], tags, index: dict[str, int]) -> np.ndarray:
    m = np.zeros((len(people), max(1, len(index))), dtype=np.float32)
    for r, p in enumerate(people):
        for t in tags(p):
            if t in index:
                m[r, index[t]] = 1.0
    return m


def _slots(people: Sequence[Participant], allowed: dict[str, frozenset[int]], n: int) -> np.ndarray:
    m = np.zeros((len(people), n), dtype=np.float32)
    for r, p in enumerate(people):
        m[r, list(allowed.get(p.id, ()))] = 1.0
    return m


def _tfidf(trad: Sequence[Participant], tech: Sequence[Participant]):
    """TF-IDF rows of the descriptions (with tags as words), traditional SMEs first; None when
    nobody wrote a description or only stop words."""
    def doc(p: Participant) -> str:
        return " ".join([p.description, *(x.replace("-", " ") for x in (*p.needs, *p.offers))])

    if not any(p.description for p in (*trad, *tech)):
        return None
    from sklearn.feature_extraction.text import TfidfVectorizer  # 3 s to import: only when needed

    vec = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=1)
    try:
        return vec.fit_transform([doc(p) for p in (*trad, *tech)])
    except ValueError:  # only stop words
        return None


def _text_similarity(trad: Sequence[Participant], tech: Sequence[Participant]) -> np.ndarray:
    """Cosine similarity of TF-IDF vectors of descriptions (with tags as words)."""
    x = _tfidf(trad, tech)
    if x is None:
        return np.zeros((len(trad), len(tech)), dtype=np.float32)
    sim = (x[: len(trad)] @ x[len(trad):].T).toarray()
    return sim.astype(np.float32)


def _text_similarity_of(trad: Sequence[Participant], tech: Sequence[Participant], rows: np.ndarray,
                        cols: np.ndarray) -> np.ndarray:
    """:func:`_text_similarity` of the (``rows[n]``, ``cols[n]``) pairs only, each summed term by
    term in the order the sparse product sums it, so that it is the same number to the bit."""
    out = np.zeros(len(rows), dtype=np.float64)
    x = _tfidf(trad, tech)
    if x is None:
        return out.astype(np.float32)
    x = x.tocsr()
    ptr, idx, val = x.indptr, x.indices, x.data
    for n, (i, j) in enumerate(zip(rows.tolist(), (cols + len(trad)).tolist(), strict=True)):
        theirs = dict(zip(idx[ptr[j]:ptr[j + 1]].tolist(), val[ptr[j]:ptr[j + 1]].tolist(), strict=True))
        total = 0.0
        for k, v in zip(idx[ptr[i]:ptr[i + 1]].tolist(), val[ptr[i]:ptr[i + 1]].tolist(), strict=True):
            if k in theirs:
                total += v * theirs[k]
        out[n] = total
    return out.astype(np.float32)


def recommend(data: EventData, per_participant: int = 5, scorer: Scorer | None = None,
              exclude: Iterable[tuple[str, str]] = (), damping: float = DAMPING,
              ) -> dict[str, list[Match]]:
    """Return the top partners for each traditional SME, damped for popularity and diversified.

    ``exclude`` holds (participant, partner) pairs never to propose (already
    requested, declined...). Popularity is how many traditional SMEs have a
    provider among their raw top candidates; a provider's score is divided by
    ``1 + damping * log(1 + popularity / mean popularity)`` so a few famous
    providers are not recommended to everyone.
    """
    sc = scorer or Scorer(data)
    if not sc.trad or not sc.tech:
        return {}
    raw = sc.raw.copy()
    for a, b in exclude:
        t, s = (a, b) if a in sc.ti else (b, a)
        if t in sc.ti and s in sc.si:
            raw[sc.ti[t], sc.si[s]] = 0.0
    depth = min(raw.shape[1], 3 * per_participant)
    top = np.argsort(-raw, axis=1, kind="stable")[:, :depth]
    popularity = np.zeros(raw.shape[1])
    for i in range(raw.shape[0]):
        for j in top[i]:
            if raw[i, j] > 0:
                popularity[j] += 1
    mean = popularity[popularity > 0].mean() if (popularity > 0).any() else 1.0
    damp = 1.0 / (1.0 + damping * np.log1p(popularity / mean))
    damped = raw * damp[np.newaxis, :]
    order = np.argsort(-damped, axis=1, kind="stable")
    offers = [tuple(canonical(o) for o in s.offers) for s in sc.tech]  # once per participant, not per pair
    topic: dict[tuple, str] = {}  # (needs, offers) -> the main technology: profiles repeat tags
    out: dict[str, list[Match]] = {}
    for i, t in enumerate(sc.trad):
        picks: list[Match] = []
        per_tech: Counter[str] = Counter()
        needs = tuple(canonical(n) for n in t.needs)
        row = damped[i].tolist()
        for j in order[i].tolist():
            if len(picks) >= per_participant or row[j] <= 0:
                break
            s = sc.tech[j]
            key = topic.get((needs, offers[j])) if offers[j] else s.id
            if key is None:
                key = topic.setdefault((needs, offers[j]), _main_technology(needs, offers[j], s.id))
            if per_tech[key] >= SAME_TECH_CAP:
                continue  # diversity: not five providers of the same technology
            per_tech[key] += 1
            picks.append(Match(t.id, s.id, sc.score(t.id, s.id), sc.reasons(t.id, s.id),
                               row[j] / float(sc.scale[i])))  # fmt: skip
        out[t.id] = picks
    return out


def _main_technology(needs: tuple[str, ...], offers: tuple[str, ...], partner: str) -> str:
    """The technology a recommendation is about (canonical tags): the first need the partner's
    offers meet, else its first offer, else the partner's id."""
    for c in needs:
        if c in offers or any(related(c, o) for o in offers):
            return c
    return offers[0] if offers else partner


def pair_scores(data: EventData, pairs: Iterable[tuple[str, str]], scorer: Scorer | None = None,
                ) -> dict[tuple[str, str], float]:
    """Return the 0..1 score of each (a, b) pair in either order (0 for same-kind pairs)."""
    sc = scorer or Scorer(data)
    out = {}
    for a, b in pairs:
        t, s = (a, b) if a in sc.ti else (b, a)
        out[(a, b)] = sc.score(t, s)
    return out


def scores_of(data: EventData, pairs: Sequence[tuple[str, str]], allowed: dict[str, frozenset[int]],
              ) -> dict[tuple[str, str], float]:
    """Return :func:`pair_scores` of ``pairs`` with ``Scorer(data, allowed)``, the same numbers, in
    time and memory linear in the pairs: a Scorer holds every traditional x tech pair (25 million
    at 10,000 participants), a solve needs only the wanted ones."""
    f = _Profiles(data)
    out = dict.fromkeys(pairs, 0.0)
    sides = [(a, b) if a in f.ti else (b, a) for a, b in pairs]
    known = [n for n, (t, s) in enumerate(sides) if t in f.ti and s in f.si]
    if not known:
        return out
    rows = np.array([f.ti[sides[n][0]] for n in known])
    cols = np.array([f.si[sides[n][1]] for n in known])
    none: frozenset[int] = frozenset()
    common = np.array([bool(allowed.get(sides[n][0], none) & allowed.get(sides[n][1], none)) for n in known])
    raw = _raw((f.need[rows] * f.offer[cols]).sum(axis=1),
               np.maximum((f.need[rows] * f.close[cols]).sum(axis=1) - 0, 0),
               (f.sector_t[rows] * f.sector_s[cols]).sum(axis=1),
               (f.language_t[rows] * f.language_s[cols]).sum(axis=1),
               _text_similarity_of(f.trad, f.tech, rows, cols), common)  # fmt: skip
    for n, r, i in zip(known, raw.tolist(), rows.tolist(), strict=True):
        out[pairs[n]] = min(1.0, r / float(f.scale[i]))
    return out


def autofill(data: EventData, minimum: int, recs: dict[str, list[Match]],
             live: Iterable[tuple[str, str]]) -> list[tuple[str, str, float]]:
    """Return (traditional, tech, score) proposals lifting each traditional SME to ``minimum``.

    ``live`` are the pairs already proposed (requests not declined, expired or
    withdrawn, in either direction). Proposals come from the recommendations in
    their order.
    """
    count: dict[str, int] = defaultdict(int)
    have: set[frozenset[str]] = set()
    for a, b in live:
        key = frozenset((a, b))
        if key in have:
            continue
        have.add(key)
        count[a] += 1
        count[b] += 1
    out = []
    for t in sorted(recs):
        for m in recs[t]:
            if count[t] >= minimum:
                break
            if frozenset((t, m.partner)) in have:
                continue
            out.append((t, m.partner, m.score))
            have.add(frozenset((t, m.partner)))
            count[t] += 1
    return out


def score_bonus(score: float) -> int:
    """Solver weight added for a pair's compatibility score (0..4)."""
    return int(math.floor(4 * max(0.0, min(1.0, score)) + 0.5))


def partners_of(data: EventData, pid: str, n: int = 5, exclude: Iterable[tuple[str, str]] = (),
                scorer: Scorer | None = None) -> list[Match]:
    """Return the ``n`` best partners of ``pid`` on the other side, best first, with reasons.

    Works for either kind: each :class:`Match` keeps ``participant`` the traditional SME and
    ``partner`` the tech SME. ``exclude`` holds pairs (either order) never to propose; pairs
    scoring 0 (no common slot, nothing relevant) are left out. Unknown ``pid``: [].
    """
    sc = scorer or Scorer(data)
    skip = {frozenset(p) for p in exclude}
    if pid in sc.ti:
        i = sc.ti[pid]
        pairs = [(pid, s.id) for j, s in enumerate(sc.tech) if sc.raw[i, j] > 0]
    elif pid in sc.si:
        j = sc.si[pid]
        pairs = [(t.id, pid) for i, t in enumerate(sc.trad) if sc.raw[i, j] > 0]
    else:
        return []
    ranked = sorted((p for p in pairs if frozenset(p) not in skip), key=lambda p: (-sc.score(*p), p))
    return [Match(t, s, sc.score(t, s), sc.reasons(t, s)) for t, s in ranked[:n]]
