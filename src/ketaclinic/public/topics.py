"""The public site's information pages: their addresses, titles and sources.

The text itself is in ``templates/public/topics/<slug>.html``, written for patients in
our own words. Every page lists its sources in full (visitors cannot open the staff
references page); each key is also an entry of docs/references.md.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SOURCES", "TOPICS", "Topic", "topic"]


@dataclass(frozen=True, slots=True)
class Topic:
    slug: str
    title: str
    summary: str
    sources: tuple[str, ...]


#: Key → the citation as a visitor reads it (authors, year, title, journal, DOI or address).
SOURCES: dict[str, str] = {
    "Cohen2018": (
        "Cohen SP, Bhatia A, Buvanendran A, Schwenk ES, Wasan AD, Hurley RW, Viscusi ER, "
        "Narouze S, Davis FN, Ritchie EC, Lubenow TR, Hooten WM (2018). Consensus Guidelines on "
        "the Use of Intravenous Ketamine Infusions for Chronic Pain From ASRA, AAPM and ASA. "
        "Regional Anesthesia and Pain Medicine 43(5):521–546. doi:10.1097/AAP.0000000000000808"
    ),
    "Finnerup2015": (
        "Finnerup NB, et al. (2015). The Lancet Neurology 14:162–173 — the Neuropathic Pain "
        "Special Interest Group's recommendations on medicines for neuropathic pain."
    ),
    "Treede2019": (
        "Treede R-D, et al. (2019). Pain 160:19–27 — the International Association for the "
        "Study of Pain's definition of chronic pain."
    ),
    "Schwartzman2009": (
        "Schwartzman RJ, et al. (2009). Outpatient intravenous ketamine for the treatment of "
        "complex regional pain syndrome: a double-blind placebo controlled study. Pain "
        "147:107–115. doi:10.1016/j.pain.2009.08.015"
    ),
    "Niesters2014": (
        "Niesters M, Martini C, Dahan A (2014). British Journal of Clinical Pharmacology — a "
        "review of the risks and benefits of ketamine for chronic pain. doi:10.1111/bcp.12094"
    ),
    "Noppers2011": (
        "Noppers I, et al. (2011) — liver injury in patients with complex regional pain "
        "syndrome on a second course of long ketamine infusions. PubMed 21546160."
    ),
    "KetalarUS": (
        "Ketalar (ketamine hydrochloride injection), US prescribing information, as summarised "
        "at https://www.oncologynurseadvisor.com/drug/ketalar/"
    ),
}

TOPICS: tuple[Topic, ...] = (
    Topic(
        "neuropathic-pain",
        "Nerve pain",
        "What neuropathic pain is, what causes it and how it is usually treated first.",
        ("Treede2019", "Finnerup2015"),
    ),
    Topic(
        "ketamine-infusions",
        "Ketamine infusions",
        "What ketamine is, how a low-dose infusion is given and why some clinics use it.",
        ("Cohen2018", "Niesters2014"),
    ),
    Topic(
        "who-may-be-a-candidate",
        "Who may be a candidate",
        "Who may benefit, who should not have ketamine, and how we decide with you.",
        ("Cohen2018", "KetalarUS"),
    ),
    Topic(
        "what-to-expect",
        "What to expect",
        "Before, during and after an infusion, and over a course of treatment.",
        ("Cohen2018", "Schwartzman2009"),
    ),
    Topic(
        "side-effects",
        "Side effects",
        "What people commonly feel during an infusion, and the rarer risks.",
        ("Niesters2014", "Noppers2011", "KetalarUS"),
    ),
    Topic(
        "evidence",
        "What the evidence says",
        "How strong the research is, condition by condition, in plain words.",
        ("Cohen2018", "Schwartzman2009", "Niesters2014"),
    ),
)


def topic(slug: str) -> Topic | None:
    return next((t for t in TOPICS if t.slug == slug), None)
