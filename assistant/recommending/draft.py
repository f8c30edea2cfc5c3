"""The content of a strategy draft, written for a reader and shared by the Markdown and Word forms.

``build_draft(roadmap, corpus_dir)`` turns a ``Roadmap`` into blocks (headings, paragraphs made of
plain/bold/italic runs, bullet and numbered items, tables): an executive summary, the profile as a
table, the roadmap as a table (phase, instrument, what to do, who leads, timing, indicator,
caution), a short rationale per instrument with inline quotes of whole sentences, what not to do,
similar cases with what they teach, disagreements, and an author-date bibliography from the
manifest. Who leads comes from the catalog's typical actors. No score, id, field name or line
number of the knowledge base reaches the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from assistant.citations import Citation
from assistant.knowledge.catalog import Catalog, Instrument, KnowledgeError, load_catalog
from assistant.recommending import quotes
from assistant.recommending.profile import ClusterProfile
from assistant.recommending.roadmap import Recommendation, Roadmap, SimilarCase
from assistant.recommending.scoring import FLAG_PHRASES, PROBLEM_PHRASES

Style = Literal["", "b", "i"]
Run = tuple[str, Style]
Kind = Literal["h1", "h2", "p", "li", "num", "table", "small", "ref"]

DEFAULT_MONTHS = 36
# Share of the programme's time frame in which each phase runs (start, end).
PHASE_WINDOWS = {
    "diagnose": (0.0, 1 / 6),
    "trust": (1 / 12, 1 / 3),
    "joint_action": (1 / 4, 5 / 6),
    "institutionalise": (1 / 2, 1.0),
}
INDICATORS = {
    "diagnostic": "Diagnosis discussed with firms; action plan agreed and signed by its owners",
    "networking/trust": "Firms taking part in joint activities; share that join a second one",
    "governance/institutions": "Regular meetings with a private-sector majority; "
    "decisions followed up; members' own contributions",
    "business services": "Firms using the services; share of costs recovered from fees",
    "skills": "Courses redesigned with employers; trainees employed in cluster firms",
    "innovation/technology": "Joint projects with technology partners; new products or "
    "processes adopted by firms",
    "finance": "Firms reached; co-financing by firms; repayment rate",
    "market access": "New buyers or markets reached by the group; joint sales",
    "FDI/linkages": "Local suppliers contracted by larger firms; value of local purchases",
    "infrastructure": "Facility in use; user fees covering running costs",
    "monitoring/evaluation": "Baseline set; indicators reviewed each year and acted on",
}
INSTITUTION_WORDS = {
    "association": "association",
    "chamber": "chamber",
    "university": "universit",
    "training_institute": "training",
    "research_institute": "research",
    "local_government": "local",
    "national_government": "national",
    "donor": "donor",
    "bank": "bank",
    "cluster_organisation": "cluster organi",
}
VALUE_WORDS = {
    "sme": "small and medium-sized firms",
    "micro": "micro firms",
    "lead_firms": "lead firms",
    "mne_led": "an initiative led by multinational firms",
    "gov_distrust": "distrust of government",
    "donor_delivers_services": "a donor delivering services itself",
    **FLAG_PHRASES,
    **PROBLEM_PHRASES,
}
NUMBER_WORDS = dict(
    enumerate(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    )
)
VERBS = ("note", "observe", "stress", "report")
OPENERS = (
    "It fits because the description points to {}.",
    "The description calls for it: {}.",
    "It answers what the description says about {}.",
)
FACT = re.compile(r"^(?P<what>.*?) \('(?P<words>.+)'\)$")
LINE_REF = re.compile(r"\s*\(line \d+\)|,?\s*\bline \d+\b")
SNAKE = re.compile(r"\b([a-z]+)_([a-z_]+)\b")


@dataclass
class Block:
    """One element of the draft: a heading, a paragraph or item (runs), or a table."""

    kind: Kind
    runs: list[Run] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)
    wide: bool = False  # a table that needs a landscape page

    @property
    def text(self) -> str:
        return "".join(t for t, _ in self.runs)


@dataclass
class Draft:
    title: str
    subtitle: str
    subject: str
    blocks: list[Block]


def plain(text: str) -> list[Run]:
    return [(text, "")]


def human(value: str) -> str:
    """A knowledge-base value in words: 'training_institute' -> 'training institute'."""
    return VALUE_WORDS.get(value, value.replace("_", " "))


def words(text: str) -> str:
    """Free text with any stray knowledge-base name written in words."""
    return SNAKE.sub(lambda m: human(m.group(0)), text)


def sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?", "”", '"')) else text + "."


def listing(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = [i for i in items if i]
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def brief_name(name: str) -> str:
    """The head of an instrument's name: 'Demand-driven training', 'Cluster development agent'."""
    name = short_name(name)
    head = name.split(", ")[0]
    first = head.split(" / ")[0]
    return first if len(first.split()) >= 3 else head


def short_name(name: str) -> str:
    """An instrument's name without its parenthetical examples."""
    return re.sub(r"\s*\([^)]*\)", "", name).strip().strip('"')


def strip_lines(locator: str) -> str:
    """A catalog locator without its '(line N)' part."""
    return LINE_REF.sub("", locator).strip(" ,")


def horizon(profile: ClusterProfile) -> tuple[int, bool]:
    """The programme's length in months, and whether the description gave it."""
    match = re.search(
        r"(\d+|" + "|".join(NUMBER_WORDS.values()) + r")[- ](year|month)",
        profile.time_frame or "",
        re.IGNORECASE,
    )
    if not match:
        return DEFAULT_MONTHS, False
    raw = match.group(1).lower()
    number = int(raw) if raw.isdigit() else next(k for k, v in NUMBER_WORDS.items() if v == raw)
    months = number * 12 if match.group(2).lower() == "year" else number
    return max(months, 6), True


def timing(phase: str, months: int) -> str:
    start, end = PHASE_WINDOWS[phase]
    first, last = int(start * months) + 1, max(round(end * months), int(start * months) + 2)
    return f"Months\u00a0{first}–{last}"


def case_reasons(why: str) -> str:
    """The recommender's 'why' of a similar case without instrument ids or field names."""
    parts = []
    for part in why.split("; "):
        if part.startswith("used "):
            continue
        if part.startswith("shared problems: "):
            names = part.removeprefix("shared problems: ").split(", ")
            part = "shared problems (" + listing([human(n.replace(" ", "_")) for n in names]) + ")"
        parts.append(part)
    return listing(parts)


def used_instruments(case_id: str, roadmap: Roadmap, catalog: Catalog | None) -> list[str]:
    """Names of the roadmap's instruments that a documented case used."""
    case = catalog.cases_by_id.get(case_id) if catalog else None
    if case is None:
        return []
    names = {r.instrument_id: short_name(r.name) for r in roadmap.recommendations}
    return [names[i] for i in case.interventions if i in names]


def instrument_topic(rec: Recommendation, catalog: Catalog | None) -> str:
    """Words a supporting sentence for the instrument should share."""
    ins = catalog.by_id.get(rec.instrument_id) if catalog else None
    extra = f"{ins.description} {ins.sources[0].quote}" if ins else ""
    return f"{short_name(rec.name)} {extra} {' '.join(rec.facts)}"


class DraftBuilder:
    """Writes the draft of one roadmap, each quoted sentence used once."""

    def __init__(self, roadmap: Roadmap, corpus_dir: Path | str) -> None:
        self.roadmap, self.profile = roadmap, roadmap.profile
        self.corpus_dir = Path(corpus_dir)
        self.catalog = _catalog(self.corpus_dir)
        self.manifest = _manifest(self.corpus_dir)
        self.files = {str(m.get("id")): name for name, m in self.manifest.items()}
        self.aliases = quotes.alias_table(self.manifest)
        self.used: set[str] = set()
        self.cited: dict[str, Citation] = {}

    # ------------------------------------------------------------------ helpers

    def instrument(self, rec: Recommendation) -> Instrument | None:
        return self.catalog.by_id.get(rec.instrument_id) if self.catalog else None

    def note(self, text: str) -> str:
        """A catalog note in the draft's words and reference style."""
        return sentence(words(quotes.restyle_references(text, self.aliases)))

    def narrative(self, cit: Citation) -> str:
        """'Benner (2013)': the source named in a sentence; it enters the bibliography."""
        self.cited.setdefault(cit.doc_id or cit.title, cit)
        ref = quotes.in_text(cit)
        who, _, rest = ref.partition(f" {cit.year}") if cit.year else (ref, "", "")
        return f"{who} ({cit.year}{rest})" if cit.year else who

    def quote(self, cit: Citation, topic: str, name: str = "") -> str | None:
        """A whole sentence of the cited passage to quote (None when none is fit to quote)."""
        if cit.chunk_id:
            found = quotes.best_sentence(cit.text, topic, self.used, name)
        else:
            text = quotes.document_text(self.corpus_dir, self.files.get(cit.doc_id, ""))
            found = quotes.whole_sentence(text, cit.text) if text else None
        if found is None or found in self.used:
            return None
        self.used.add(found)
        return found

    def parenthetical(self, cit: Citation) -> str:
        """'(Benner 2013)': the source in brackets; it enters the bibliography."""
        self.cited.setdefault(cit.doc_id or cit.title, cit)
        return f"({quotes.in_text(cit)})"

    def quoted(self, cit: Citation, topic: str, n: int, name: str = "") -> str:
        """'Benner (2013) notes: “…”', or '' when the source has no sentence fit to quote."""
        found = self.quote(cit, topic, name)
        if found is None:
            return ""
        who = self.narrative(cit)
        verb = VERBS[n % len(VERBS)]
        single = " and " not in who and "et al." not in who
        return f"{who} {verb + 's' if single else verb}: “{found}”"

    # ------------------------------------------------------------------ sections

    def build(self) -> Draft:
        blocks = [
            *self.summary(),
            *self.profile_table(),
            *self.roadmap_table(),
            *self.rationales(),
            *self.avoid(),
            *self.cases(),
            *self.disagreements(),
        ]
        blocks += self.bibliography(blocks)
        sector, where = self.profile.sector, self.profile.place
        place = ", ".join(x for x in (f"{sector} cluster" if sector else "", where or "") if x)
        subject = f"Cluster development strategy: {place}" if place else "Cluster strategy"
        subtitle = (sentence(place) + " " if place else "") + "Draft for discussion, "
        return Draft(
            title="Cluster development strategy",
            subtitle=subtitle + date.today().strftime("%d %B %Y").lstrip("0"),
            subject=subject,
            blocks=blocks,
        )

    def summary(self) -> list[Block]:
        problems = [human(p) for p in self.profile.problems]
        out = [
            Block("h1", plain("Executive summary")),
            Block("p", [("The cluster. ", "b"), (self.cluster_sentence(), "")]),
            Block(
                "p",
                [
                    ("Main problems. ", "b"),
                    *plain(
                        sentence(listing(problems))
                        if problems
                        else "The description names no specific problem yet."
                    ),
                ],
            ),
            Block("p", [("The strategy in five lines.", "b")]),
        ]
        return out + [Block("num", plain(line)) for line in self.five_lines()]

    def cluster_sentence(self) -> str:
        p = self.profile
        firms = f"About {p.n_firms:,} firms" if p.n_firms else "Firms"
        where = " in " + p.place if p.place else ""
        what = f" in {p.sector}" if p.sector else ""
        economy = f", in a {p.development_level} economy" if p.development_level else ""
        facts = [f"{firms}{what}{where}{economy}."]
        state = [
            f"the cluster is {p.lifecycle_stage}" if p.lifecycle_stage else "",
            f"trust among firms is {p.trust}" if p.trust else "",
            f"cooperation is {human(p.cooperation)}" if p.cooperation else "",
        ]
        if any(state):
            facts.append(sentence(listing(state)))
        if p.institutions:
            facts.append(sentence("Existing institutions: " + listing(map_h(p.institutions))))
        return " ".join(facts)

    def five_lines(self) -> list[str]:
        lines = [
            f"{phase.split('. ', 1)[-1]}: " + "; ".join(brief_name(r.name) for r in recs) + "."
            for phase, recs in self.roadmap.by_phase().items()
        ]
        if self.roadmap.not_recommended:
            avoid = [n.name.strip('"').rstrip(".") for n in self.roadmap.not_recommended[:2]]
            lines.append("Avoid: " + listing([a[0].lower() + a[1:] for a in avoid]) + ".")
        if len(lines) < 5:
            lines.append("Measure progress with the indicators below and review the plan yearly.")
        return lines[:5]

    def profile_table(self) -> list[Block]:
        rows = [[label, value, self.read_from(name)] for name, label, value in profile_rows(self)]
        out = [
            Block("h1", plain("The cluster as described")),
            Block("p", plain(f"“{' '.join(self.profile.description.split())}”"))
            if self.profile.description
            else Block("p", plain("No description was given; the profile was entered by hand.")),
            Block(
                "table",
                header=["Aspect", "What we know", "Read from the words"],
                rows=rows,
                widths=[1.2, 2.4, 2.0],
            ),
        ]
        out += [Block("p", plain(f"Contradiction: {c}")) for c in self.profile.contradictions]
        return out

    def read_from(self, name: str) -> str:
        found = [
            w for key, ws in self.profile.evidence.items() if key.split(".")[0] == name for w in ws
        ]
        return ", ".join(f"“{w}”" for w in dict.fromkeys(found))

    def roadmap_table(self) -> list[Block]:
        months, given = horizon(self.profile)
        rows: list[list[str]] = []
        for phase, recs in self.roadmap.by_phase().items():
            for n, rec in enumerate(recs):
                rows.append([phase if n == 0 else "", *self.roadmap_row(rec, months)])
        if not rows:
            return [
                Block("h1", plain("Roadmap")),
                Block("p", plain("No instrument fits what is known yet.")),
            ]
        span = "" if given else " The description gives no time frame; timing assumes "
        span += "" if given else f"a programme of {months // 12} years."
        header = ["Phase", "Instrument", "What to do", "Who leads", "Timing"]
        header += ["Indicator of progress", "Key caution"]
        return [
            Block("h1", plain("Roadmap"), wide=True),
            Block(
                "table",
                header=header,
                rows=rows,
                widths=[1.0, 1.5, 2.4, 1.5, 1.0, 1.7, 2.3],
                wide=True,
            ),
            Block("small", plain("Timing is indicative." + span), wide=True),
        ]

    def roadmap_row(self, rec: Recommendation, months: int) -> list[str]:
        ins = self.instrument(rec)
        return [
            short_name(rec.name),
            what_to_do(ins) if ins else sentence(rec.rationale),
            self.who_leads(ins) if ins else "",
            timing(rec.phase, months),
            INDICATORS.get(ins.category, "") if ins else "",
            self.key_caution(rec, ins),
        ]

    def who_leads(self, ins: Instrument) -> str:
        actors = list(ins.typical_actors)
        if not actors:
            return ""
        wanted = [INSTITUTION_WORDS.get(i, i) for i in self.profile.institutions]
        lead = next((a for a in actors if any(w in a.lower() for w in wanted)), actors[0])
        rest = [a for a in actors if a != lead][:1]
        return sentence(lead).rstrip(".") + (f", with {rest[0]}" if rest else "")

    def key_caution(self, rec: Recommendation, ins: Instrument | None) -> str:
        own = [c for c in rec.cautions if ins is None or c not in ins.cautions]
        chosen = (own or rec.cautions or [""])[0]
        return self.note(chosen) if chosen else ""

    def rationales(self) -> list[Block]:
        out = [Block("h1", plain("Why these instruments"))]
        for n, rec in enumerate(self.roadmap.recommendations):
            out.append(Block("h2", plain(short_name(rec.name))))
            out.append(Block("p", plain(self.rationale(rec, n))))
        return out

    def rationale(self, rec: Recommendation, n: int) -> str:
        parts = [why_sentence(rec, OPENERS[n % len(OPENERS)])]
        topic, name = instrument_topic(rec, self.catalog), short_name(rec.name)
        found: list[str] = []
        for cit in rec.citations:
            if len(found) < 2 and (said := self.quoted(cit, topic, len(found), name)):
                found.append(sentence(said))
        parts += found
        key = self.key_caution(rec, self.instrument(rec))
        more = [self.note(c) for c in rec.cautions if self.note(c) != key]
        if more:
            parts.append("A further caution: " + more[0][0].lower() + more[0][1:])
        return " ".join(parts)

    def avoid(self) -> list[Block]:
        out = [Block("h1", plain("What not to do"))]
        if not self.roadmap.not_recommended:
            return [*out, Block("p", plain("Nothing in the description triggers a known pitfall."))]
        for item in self.roadmap.not_recommended:
            runs: list[Run] = [(item.name.strip('"').rstrip(".") + ". ", "b")]
            runs += plain(sentence(item.reason))
            for n, src in enumerate(item.sources[:2]):
                said = self.quoted(src, item.reason, n)
                runs += plain(" " + sentence(said) if said else f" {self.parenthetical(src)}.")
            out.append(Block("li", runs))
        return out

    def cases(self) -> list[Block]:
        out = [Block("h1", plain("Similar cases and what they teach"))]
        if not self.roadmap.similar_cases:
            return [*out, Block("p", plain("No documented case is close enough to compare."))]
        return out + [Block("li", self.case_runs(c)) for c in self.roadmap.similar_cases]

    def case_runs(self, case: SimilarCase) -> list[Run]:
        runs: list[Run] = [(case.name + (f", {case.country}" if case.country else "") + ". ", "b")]
        reasons = case_reasons(case.why)
        if reasons:
            runs += plain(sentence("Why it compares: " + reasons) + " ")
        used = used_instruments(case.case_id, self.roadmap, self.catalog)
        if used:
            count = NUMBER_WORDS.get(len(used), str(len(used)))
            runs += plain(f"It used {count} of the instruments proposed here: {'; '.join(used)}. ")
        entry = self.catalog.cases_by_id.get(case.case_id) if self.catalog else None
        if entry:
            runs += [("What it teaches: ", "i"), *plain(sentence(" ".join(entry.outcomes.split())))]
        if case.source:
            runs[-1] = (runs[-1][0].rstrip("."), runs[-1][1])
            runs += plain(f" {self.parenthetical(case.source)}.")
        return runs

    def disagreements(self) -> list[Block]:
        if not self.roadmap.disagreements:
            return []
        out = [Block("h1", plain("Where the sources disagree"))]
        for item in self.roadmap.disagreements:
            out.append(Block("p", plain(self.note(item.topic))))
            for n, side in enumerate(item.sides):
                said = self.quoted(side, item.topic, n)
                where = strip_lines(side.section)
                fallback = self.narrative(side) + (f", {where}" if where else "")
                out.append(Block("li", plain(sentence(said) if said else sentence(fallback))))
        return out

    def bibliography(self, blocks: list[Block]) -> list[Block]:
        body = " ".join(b.text + " ".join(" ".join(r) for r in b.rows) for b in blocks)
        entries: dict[str, tuple[str, str, str]] = {}
        for meta in self.manifest.values():
            short = quotes.short_authors(meta.get("authors") or [])
            year = meta.get("year")
            if short and (f"{short} {year}" in body or f"{short} ({year}" in body):
                entries[str(meta.get("id"))] = quotes.bibliography_entry(meta)
        for key, cit in self.cited.items():
            if cit.doc_id not in entries and key not in self.files:
                entries[key] = quotes.bibliography_entry(
                    {"authors": cit.authors, "year": cit.year, "title": cit.title}
                )
        rows = sorted(entries.values(), key=lambda e: e[0].lower())
        return [Block("h1", plain("References"))] + [
            Block("ref", [(head + " ", ""), (title + ". ", "i"), (pub, "")])
            for head, title, pub in rows
        ]


def map_h(values: list[str]) -> list[str]:
    return [human(v) for v in values]


def why_sentence(rec: Recommendation, opener: str = OPENERS[0]) -> str:
    """The profile facts behind an instrument, each set of words cited once."""
    seen: set[str] = set()
    reasons = []
    for fact in rec.facts:
        match = FACT.match(fact)
        what, said = (match["what"], match["words"]) if match else (fact, "")
        if said and said in seen:
            continue
        seen.add(said)
        reasons.append(f"{words(what)} (“{said}”)" if said else words(what))
    if not reasons:
        return sentence(words(rec.rationale))
    return opener.format(listing(reasons))


def what_to_do(ins: Instrument) -> str:
    """The first clause of an instrument's description, without its examples in brackets."""
    text = re.sub(r"\s*\([^)]*\)", "", " ".join(ins.description.split()))
    clause = re.split(r"(?<=[a-z]):\s|;\s|(?<=[a-z])\.\s", text, maxsplit=1)[0]
    clause = re.sub(r",?\s*\b(?:e\.g|i\.e|incl)\.?$", "", clause.rstrip(" .,:"))
    return sentence(clause)


def profile_rows(builder: DraftBuilder) -> list[tuple[str, str, str]]:
    """(field, label, value) of every profile fact, with 'not known yet' for key unknowns."""
    p = builder.profile
    single: list[tuple[str, str, Any]] = [
        ("sector", "Sector", p.sector),
        ("place", "Place", p.place),
        ("development_level", "Development level", p.development_level),
        ("lifecycle_stage", "Life-cycle stage", p.lifecycle_stage),
        ("n_firms", "Number of firms", f"{p.n_firms:,}" if p.n_firms else None),
        ("firm_sizes", "Firm sizes", listing(map_h(p.firm_sizes)) if p.firm_sizes else None),
        ("trust", "Trust among firms", p.trust),
        ("cooperation", "Cooperation today", human(p.cooperation) if p.cooperation else None),
        ("lead_firms", "Lead firms present", _yes_no(p.lead_firms)),
        ("fdi", "Foreign investors", _yes_no(p.fdi)),
        ("institutions", "Existing institutions", listing(map_h(p.institutions)) or None),
        ("problems", "Main problems", listing(map_h(p.problems)) or None),
        ("proposals", "Measures being considered", listing(map_h(p.proposals)) or None),
        ("flags", "Other facts", listing(map_h(p.flags)) or None),
        ("goals", "Goals", listing(p.goals) or None),
        ("time_frame", "Time frame", p.time_frame),
        ("budget", "Budget", p.budget),
    ]
    key = {"sector", "development_level", "lifecycle_stage", "trust", "time_frame"}
    return [
        (name, label, sentence(str(value)).rstrip(".") if value else "Not known yet")
        for name, label, value in single
        if value or name in key
    ]


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def _catalog(corpus_dir: Path) -> Catalog | None:
    try:
        return load_catalog(corpus_dir)
    except KnowledgeError:
        return None


def _manifest(corpus_dir: Path) -> dict[str, dict[str, Any]]:
    from assistant.ingest.metadata import ManifestError, load_manifest

    try:
        return load_manifest(corpus_dir)
    except ManifestError:
        return {}


def build_draft(roadmap: Roadmap, corpus_dir: Path | str) -> Draft:
    """The strategy draft of ``roadmap``, with quotes read from the documents in ``corpus_dir``."""
    return DraftBuilder(roadmap, corpus_dir).build()
