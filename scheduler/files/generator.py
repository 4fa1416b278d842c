"""A seeded generator of realistic events in the interchange format.

Participants come from cluster organisations across the EU, in time zones
weighted by population (outermost regions and associated partners included,
with a floor so even a small event has a few); about 55% are traditional SMEs
and 45% tech SMEs. Tech providers' popularity is Zipf-skewed, a share of
participants give partial availability or a personal cap, and requests are
one-way or mutual with priorities 1-3. Same seed, same document.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from itertools import accumulate
from typing import Any

from scheduler.domain.limits import ROOMS_MAX

# (country, zone, population in millions, regional languages)
REGIONS: tuple[tuple[str, str, float, tuple[str, ...]], ...] = (
    ("DE", "Europe/Berlin", 84.0, ("de",)),
    ("FR", "Europe/Paris", 66.0, ("fr",)),
    ("IT", "Europe/Rome", 59.0, ("it",)),
    ("ES", "Europe/Madrid", 46.0, ("es",)),
    ("ES", "Atlantic/Canary", 2.2, ("es",)),
    ("PL", "Europe/Warsaw", 37.0, ("pl",)),
    ("RO", "Europe/Bucharest", 19.0, ("ro",)),
    ("NL", "Europe/Amsterdam", 18.0, ("nl",)),
    ("BE", "Europe/Brussels", 12.0, ("nl", "fr")),
    ("CZ", "Europe/Prague", 11.0, ("cs",)),
    ("SE", "Europe/Stockholm", 10.5, ("sv",)),
    ("PT", "Europe/Lisbon", 10.1, ("pt",)),
    ("PT", "Atlantic/Azores", 0.24, ("pt",)),
    ("PT", "Atlantic/Madeira", 0.25, ("pt",)),
    ("GR", "Europe/Athens", 10.4, ("el",)),
    ("HU", "Europe/Budapest", 9.6, ("hu",)),
    ("AT", "Europe/Vienna", 9.1, ("de",)),
    ("BG", "Europe/Sofia", 6.4, ("bg",)),
    ("DK", "Europe/Copenhagen", 5.9, ("da",)),
    ("FI", "Europe/Helsinki", 5.6, ("fi", "sv")),
    ("SK", "Europe/Bratislava", 5.4, ("sk",)),
    ("IE", "Europe/Dublin", 5.3, ("en",)),
    ("HR", "Europe/Zagreb", 3.9, ("hr",)),
    ("LT", "Europe/Vilnius", 2.9, ("lt",)),
    ("SI", "Europe/Ljubljana", 2.1, ("sl",)),
    ("LV", "Europe/Riga", 1.9, ("lv",)),
    ("EE", "Europe/Tallinn", 1.4, ("et",)),
    ("CY", "Asia/Nicosia", 0.9, ("el",)),
    ("LU", "Europe/Luxembourg", 0.66, ("fr", "de")),
    ("MT", "Europe/Malta", 0.53, ("mt",)),
    # outermost regions
    ("FR", "America/Martinique", 0.36, ("fr",)),
    ("FR", "America/Guadeloupe", 0.38, ("fr",)),
    ("FR", "America/Cayenne", 0.29, ("fr",)),
    ("FR", "Indian/Reunion", 0.87, ("fr",)),
    ("FR", "Indian/Mayotte", 0.32, ("fr",)),
    # associated partners beyond the EU
    ("NO", "Europe/Oslo", 5.5, ("no",)),
    ("IL", "Asia/Jerusalem", 9.8, ("he",)),
    ("UA", "Europe/Kyiv", 33.0, ("uk",)),
    ("IS", "Atlantic/Reykjavik", 0.38, ("is",)),
)
_FLOOR = 1.2  # millions: even small regions appear in small events

SECTORS = (
    "textiles", "food-processing", "metalworking", "automotive-parts", "furniture",
    "ceramics", "agriculture", "logistics", "construction", "plastics", "printing",
    "wine-making", "fisheries", "tourism", "chemicals", "paper",
)  # fmt: skip
TECHNOLOGIES = (
    "predictive-maintenance", "quality-inspection", "computer-vision", "demand-forecasting",
    "process-optimisation", "robotics", "digital-twin", "energy-optimisation",
    "supply-chain-analytics", "natural-language-processing", "document-automation",
    "iot-sensors", "generative-design", "traceability", "cybersecurity", "chatbots",
)  # fmt: skip
# which technologies a sector tends to need
AFFINITY: dict[str, tuple[str, ...]] = {
    "textiles": ("quality-inspection", "demand-forecasting", "generative-design", "traceability"),
    "food-processing": ("quality-inspection", "traceability", "demand-forecasting", "energy-optimisation"),
    "metalworking": ("predictive-maintenance", "computer-vision", "robotics", "process-optimisation"),
    "automotive-parts": ("predictive-maintenance", "quality-inspection", "digital-twin", "robotics"),
    "furniture": ("generative-design", "demand-forecasting", "robotics", "supply-chain-analytics"),
    "ceramics": ("quality-inspection", "energy-optimisation", "process-optimisation"),
    "agriculture": ("iot-sensors", "computer-vision", "demand-forecasting", "traceability"),
    "logistics": ("supply-chain-analytics", "demand-forecasting", "document-automation", "chatbots"),
    "construction": ("digital-twin", "iot-sensors", "document-automation", "generative-design"),
    "plastics": ("process-optimisation", "energy-optimisation", "predictive-maintenance"),
    "printing": ("quality-inspection", "document-automation", "process-optimisation"),
    "wine-making": ("iot-sensors", "traceability", "demand-forecasting", "chatbots"),
    "fisheries": ("traceability", "iot-sensors", "supply-chain-analytics"),
    "tourism": ("chatbots", "natural-language-processing", "demand-forecasting"),
    "chemicals": ("process-optimisation", "digital-twin", "cybersecurity", "predictive-maintenance"),
    "paper": ("energy-optimisation", "predictive-maintenance", "process-optimisation"),
}
CLUSTERS = (
    "Textile Cluster Portugal", "Food Valley NL", "Basque Industry 4.0", "Silesian Metal Cluster",
    "Automotive Cluster Romania", "Wood & Furniture Alliance Austria", "Ceramics Cluster Castellón",
    "AgriFood Lithuania", "Nordic Logistics Hub", "Construction Cluster Finland", "Plastics Vallée",
    "Digital Innovation Hub Réunion", "Blue Growth Azores", "Caribbean Tech Cluster",
    "AI Cluster Bavaria", "Flanders AI", "Hub France IA", "Italian Robotics Cluster",
)  # fmt: skip
_NAME_A = (
    "Ferreira", "Müller", "Rossi", "García", "Nowak", "Popescu", "Jansen", "Peeters", "Novák",
    "Lindqvist", "Papadopoulos", "Nagy", "Gruber", "Ivanova", "Hansen", "Virtanen", "Horvat",
    "Kazlauskas", "Kalniņš", "Tamm", "O'Brien", "Zammit", "Dubois", "Silva", "Martin", "Costa",
)  # fmt: skip
_TRAD_SUFFIX = ("Texteis", "Metallbau", "Ceramiche", "Alimentos", "Möbel", "Logistics", "Bouw",
                "Vinhos", "Plast", "Druck", "Agro", "Pesca")  # fmt: skip
_TECH_SUFFIX = ("Vision AI", "Analytics", "Robotics", "Labs", "Data", "Twin", "Sense", "Forecast",
                "Automation", "Cognitive", "Insight", "Edge")  # fmt: skip
_FORMS = {"PT": "Lda", "DE": "GmbH", "AT": "GmbH", "IT": "Srl", "ES": "SL", "FR": "SAS",
          "NL": "BV", "BE": "BV", "PL": "Sp. z o.o.", "RO": "SRL", "FI": "Oy", "SE": "AB"}  # fmt: skip


def event_shape(n: int) -> dict[str, Any]:
    """Return days, sessions and rooms sized for ``n`` participants.

    From 5,000 participants the event runs six days (the largest virtual events);
    smaller sizes keep the shape their tests and benchmarks were measured on.
    """
    days = 2 if n <= 150 else 4 if n < 5000 else 6
    rooms = min(ROOMS_MAX, max(4, math.ceil(n / 10)))  # a generated event imports
    return {"days": days, "rooms": rooms}


def _pick_region(rng: random.Random) -> tuple[str, str, float, tuple[str, ...]]:
    weights = [max(pop, _FLOOR) for _, _, pop, _ in REGIONS]
    return rng.choices(REGIONS, weights=weights)[0]


def generate_event(n: int, seed: int = 1, event_id: str | None = None,
                   start: date = date(2027, 3, 25)) -> dict[str, Any]:
    """Return a realistic event document with ``n`` participants."""
    rng = random.Random(seed)
    shape = event_shape(n)
    # the event straddles the EU daylight-saving switch (last Sunday of March)
    dates: list[date] = []
    d = start
    while len(dates) < shape["days"]:
        if d.weekday() < 5:
            dates.append(d)
        d += timedelta(days=1)
    sessions = []
    for day in dates:
        sessions.append({"date": day.isoformat(), "start": "09:00", "end": "13:00"})
        sessions.append({"date": day.isoformat(), "start": "14:00", "end": "17:00"})
    ev_id = event_id or f"gen-{n}-s{seed}"
    event = {
        "id": ev_id,
        "name": f"AI for Traditional Industries: virtual B2B meetings ({n} SMEs)",
        "timezone": "Europe/Brussels",
        "slot_minutes": 25,
        "gap_minutes": 5,
        "sessions": sessions,
        "rooms": shape["rooms"],
        "max_meetings": 10,
        "video_url_template": f"https://meet.example.org/{ev_id}-room-{{room}}",
    }
    n_trad = round(n * 0.55)
    participants: list[dict[str, Any]] = []
    used_names: set[str] = set()
    for i in range(n):
        kind = "traditional" if i < n_trad else "tech"
        pid = f"t-{i + 1:04d}" if kind == "traditional" else f"s-{i - n_trad + 1:04d}"
        country, tz, _, langs = _pick_region(rng)
        sector = rng.choice(SECTORS)
        suffix = rng.choice(_TRAD_SUFFIX if kind == "traditional" else _TECH_SUFFIX)
        base = f"{rng.choice(_NAME_A)} {suffix} {_FORMS.get(country, 'Ltd')}"
        name = base
        k = 2
        while name in used_names:
            name = f"{base} {k}"
            k += 1
        used_names.add(name)
        p: dict[str, Any] = {
            "id": pid,
            "name": name,
            "kind": kind,
            "cluster": rng.choice(CLUSTERS),
            "country": country,
            "timezone": tz,
            "contact": f"{rng.choice(('Ana', 'Jan', 'Marie', 'Luca', 'Eva', 'Piotr', 'Sofia', 'Mikko'))} "
                       f"{rng.choice(_NAME_A)}",
            "email": f"contact@{pid}.example.org",
            "working_hours": rng.choices(
                [{"start": "08:00", "end": "18:00"}, {"start": "09:00", "end": "17:00"},
                 {"start": "07:00", "end": "20:00"}],
                weights=[6, 3, 2],
            )[0],
            "languages": sorted({*langs, "en"} if rng.random() < 0.9 else set(langs)),
        }  # fmt: skip
        if kind == "traditional":
            p["sectors"] = [sector]
            p["needs"] = rng.sample(AFFINITY[sector], k=min(len(AFFINITY[sector]), rng.randint(1, 3)))
            p["offers"] = []
        else:
            p["sectors"] = rng.sample(SECTORS, k=rng.randint(1, 3))
            p["needs"] = []
            p["offers"] = rng.sample(TECHNOLOGIES, k=rng.randint(1, 3))
        if rng.random() < 0.2:  # partial availability: some of the days only
            chosen = sorted(rng.sample(dates, k=max(1, len(dates) // 2)))
            p["available"] = [
                {"date": day.isoformat(), "start": p["working_hours"]["start"],
                 "end": p["working_hours"]["end"]}
                for day in chosen
            ]  # fmt: skip
        if rng.random() < 0.25:
            p["max_meetings"] = rng.randint(3, 8)
        participants.append(p)

    trad = [p for p in participants if p["kind"] == "traditional"]
    tech = [p for p in participants if p["kind"] == "tech"]
    # Zipf-skewed popularity of providers
    popularity = [1.0 / (r + 1) ** 0.8 for r in range(len(tech))]
    rng.shuffle(popularity)
    requests: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()

    def add(a: str, b: str, prio: int) -> None:
        if (a, b) not in seen and a != b:
            seen.add((a, b))
            requests.append({"from": a, "to": b, "priority": prio})

    # The draw weights depend only on a side's needs (offers), so they are computed once per
    # distinct set, as the cumulative weights random.choices would build: the same draws,
    # in time linear in the participants rather than quadratic.
    tech_offers = [set(s["offers"]) for s in tech]
    trad_needs = [set(t["needs"]) for t in trad]
    by_needs: dict[frozenset[str], list[float]] = {}
    by_offers: dict[frozenset[str], list[float]] = {}
    for t in trad:
        needs = frozenset(t["needs"])
        if needs not in by_needs:
            by_needs[needs] = list(accumulate(
                popularity[j] * (3.0 if needs & offers else 0.4) for j, offers in enumerate(tech_offers)))
        k = rng.choices([3, 4, 5, 6, 7, 8, 9], weights=[1, 2, 3, 3, 2, 1, 1])[0]
        if not tech:
            continue
        for s in rng.choices(tech, cum_weights=by_needs[needs], k=k):
            add(t["id"], s["id"], rng.choices([1, 2, 3], weights=[4, 3, 2])[0])
    for s in tech:
        k = rng.choices([0, 1, 2, 3, 4, 5, 6], weights=[2, 2, 3, 3, 2, 1, 1])[0]
        offers = frozenset(s["offers"])
        if not trad or k == 0:
            continue
        if offers not in by_offers:
            by_offers[offers] = list(accumulate(3.0 if offers & needs else 0.5 for needs in trad_needs))
        for t in rng.choices(trad, cum_weights=by_offers[offers], k=k):
            add(s["id"], t["id"], rng.choices([1, 2, 3], weights=[3, 4, 3])[0])
    # a share of requests are answered in kind, making them mutual
    for r in list(requests):
        if rng.random() < 0.15:
            add(r["to"], r["from"], r["priority"])
    return {"event": event, "participants": participants, "requests": requests}


def generate_fixed_list(companies: int, slots: int, meetings: int, seed: int = 1) -> dict[str, Any]:
    """Return a brokerage event whose meeting list is fixed (the B2B scheduling problem).

    Every meeting is a priority-1 request, same-kind meetings are allowed, and
    the organiser only asks for times: as in the forums of Bofill et al. (JAIR
    2022), one day split into a morning and an afternoon session, some
    companies present only in one of them.
    """
    rng = random.Random(seed)
    morning = slots // 2
    afternoon = slots - morning

    def hhmm(minutes: int) -> str:
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    day = "2027-05-12"
    event = {
        "id": f"b2b-{companies}c-{slots}s-{meetings}m-s{seed}",
        "name": f"Brokerage forum ({companies} companies, {meetings} meetings)",
        "timezone": "Europe/Madrid",
        "slot_minutes": 20,
        "gap_minutes": 0,
        "sessions": [
            {"date": day, "start": "09:00", "end": hhmm(9 * 60 + 20 * morning)},
            {"date": day, "start": "15:00", "end": hhmm(15 * 60 + 20 * afternoon)},
        ],
        "rooms": min(ROOMS_MAX, max(2, math.ceil(meetings / slots * 1.25))),
        "max_meetings": slots,
        "allow_same_kind": True,
    }
    participants = []
    capacity = {}
    for i in range(companies):
        pid = f"c-{i + 1:03d}"
        p: dict[str, Any] = {
            "id": pid, "name": f"Company {i + 1}", "kind": rng.choice(("traditional", "tech")),
            "timezone": "Europe/Madrid", "working_hours": {"start": "08:00", "end": "20:00"},
        }  # fmt: skip
        roll = rng.random()
        if roll < 0.15:
            p["available"] = [{"date": day, "start": "08:00", "end": "14:00"}]
            capacity[pid] = morning
        elif roll < 0.3:
            p["available"] = [{"date": day, "start": "14:00", "end": "20:00"}]
            capacity[pid] = afternoon
        else:
            capacity[pid] = slots
        participants.append(p)
    ids = [p["id"] for p in participants]
    popularity = {pid: rng.paretovariate(1.5) for pid in ids}
    load = dict.fromkeys(ids, 0)
    pairs: set[tuple[str, str]] = set()
    tries = 0
    while len(pairs) < meetings and tries < meetings * 200:
        tries += 1
        a, b = rng.choices(ids, weights=[popularity[i] for i in ids], k=2)
        if a == b or (a, b) in pairs or (b, a) in pairs:
            continue
        if load[a] >= capacity[a] - 1 or load[b] >= capacity[b] - 1:
            continue
        both = {capacity[a], capacity[b]}
        if morning in both and afternoon in both and slots not in both and morning != slots:
            continue  # a morning-only and an afternoon-only company cannot meet
        pairs.add((a, b))
        load[a] += 1
        load[b] += 1
    requests = [{"from": a, "to": b, "priority": 1} for a, b in sorted(pairs)]
    return {"event": event, "participants": participants, "requests": requests}
