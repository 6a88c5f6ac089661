"""The summary PDF: a real PDF, tagged (PDF/UA-1) with the document language, a footer on every
page, the patient's sharing choices held, served from the cache, and a URL fetcher that reads only
the portal's own static files."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal import audit
from portal.db import session_factory
from portal.summary import pdf as summary_pdf
from portal.summary.models import RenderedPdf
from tests.helpers import PortalClient
from tests.integration.journey import answer, fresh, open_patient, submit, touchpoint_id
from tests.integration.test_summary import (
    PRIVATE_NOTE,
    TP1_NOTE,
    action,
    events,
    hand_over,
    sent_by_patient,
    staff_client,
    stored_touchpoint_1,
)

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                reason="poppler-utils (pdftotext, pdfinfo) is not installed")


def pdf_text(path: Path) -> list[str]:
    """The text of each page."""
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return [page for page in out.split("\f") if page.strip()]


def pdf_info(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], check=True,
                         capture_output=True, text=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def document_language(path: Path, tmp_path: Path) -> str:
    """The catalog's /Lang, read from an uncompressed copy (qpdf)."""
    plain = tmp_path / "plain.pdf"
    subprocess.run(["qpdf", "--qdf", "--object-streams=disable", str(path), str(plain)],
                   check=True, capture_output=True)
    found = re.search(rb"/Lang \((\w+)\)", plain.read_bytes())
    assert found is not None, "no /Lang in the PDF"
    return found.group(1).decode()


def download(client, url: str, tmp_path: Path, name: str = "summary.pdf") -> Path:
    response = client.raw.get(url)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    path = tmp_path / name
    path.write_bytes(response.get_data())
    return path


def test_the_pdf_is_tagged_a4_with_language_and_a_footer_on_every_page(app, db, tmp_path):
    person, tp, _ = sent_by_patient(app, db)
    nurse, _m = staff_client(app, db, person.pathways[0].municipality)
    path = download(nurse, f"/staff/touchpoints/{tp}/summary.pdf", tmp_path)

    info = pdf_info(path)
    assert info["Tagged"] == "yes"
    assert info["Page size"].startswith("595.")  # A4: 595.28 x 841.89 pts
    pages = pdf_text(path)
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert person.full_name in text
        assert f"Side {number} av {len(pages)}" in text or f"Page {number} of {len(pages)}" in text
        footer = text.strip().splitlines()[-1]
        assert re.search(r"(Generated|Laget|Generert) .*\d{4}.*\d\d:\d\d", footer), footer
        assert "GENERATED" not in text
    struct = subprocess.run(["pdfinfo", "-struct", str(path)], check=True,
                            capture_output=True, text=True).stdout
    assert "H1" in struct
    assert "H2" in struct
    assert "TH" in struct
    assert document_language(path, tmp_path) == "nb"
    assert [e.action for e in events(db, person.id)] == [audit.AccessAction.DOWNLOADED_PDF]


def test_the_cache_serves_the_same_bytes_without_rendering(app, db, tmp_path, monkeypatch):
    person, tp, _ = sent_by_patient(app, db)
    nurse, _m = staff_client(app, db, person.pathways[0].municipality)
    url = f"/staff/touchpoints/{tp}/summary.pdf"
    first = download(nurse, url, tmp_path, "first.pdf").read_bytes()

    def no_render(*_args, **_kwargs):
        raise AssertionError("rendered again although the summary did not change")

    monkeypatch.setattr(summary_pdf, "render", no_render)
    started = time.perf_counter()
    second = nurse.raw.get(url)
    assert second.get_data() == first
    assert time.perf_counter() - started < 1.0  # the 20 ms target is measured in tests/bench
    assert fresh(db).scalar(select(func.count()).select_from(RenderedPdf)) == 1
    assert [e.action for e in events(db, person.id)] == [audit.AccessAction.DOWNLOADED_PDF] * 2


def test_a_changed_summary_is_rendered_anew(app, db, tmp_path):
    person, tp, _ = sent_by_patient(app, db)
    nurse, member = staff_client(app, db, person.pathways[0].municipality)
    url = f"/staff/touchpoints/{tp}/summary.pdf"
    download(nurse, url, tmp_path, "first.pdf")
    action(db, tp, member.id, "Ny avtale om oppfølging", ["work"])
    text = "\n".join(pdf_text(download(nurse, url, tmp_path, "second.pdf")))
    assert "Ny avtale om oppfølging" in text
    assert fresh(db).scalar(select(func.count()).select_from(RenderedPdf)) == 2


def test_the_pdf_honours_the_sharing_choices(app, db, tmp_path):
    person, _tp, _ = sent_by_patient(app, db)
    tp1 = stored_touchpoint_1(db, person, {
        "work_concern": "very_much", "work_note": TP1_NOTE,
        "sexual_health_concern": "very_much", "sexual_health_note": PRIVATE_NOTE,
        "keep_private": ["sexual_health"]})
    hand_over(db, person)
    nurse, member = staff_client(app, db, person.pathways[0].municipality)
    action(db, tp1, member.id, "Samtale med sexolog", ["sexual_health"])
    text = " ".join(" ".join(pdf_text(download(
        nurse, f"/staff/touchpoints/{tp1}/summary.pdf", tmp_path))).split())
    assert TP1_NOTE in text
    assert PRIVATE_NOTE not in text
    assert "sexolog" not in text
    assert "not passed on in writing" in text or "ikke videre skriftlig" in text or \
        "videre" in text


def test_the_patient_downloads_their_own_copy(app, db, tmp_path):
    person, tp, patient = sent_by_patient(app, db)
    text = " ".join(" ".join(pdf_text(download(
        patient, f"/patient/touchpoints/{tp}/summary.pdf", tmp_path))).split())
    assert person.full_name in text
    assert "Jeg er 50 % sykmeldt" in text
    assert events(db, person.id) == []  # the patient's own use is not in the access log


def test_the_fetcher_refuses_files_and_other_hosts(app, tmp_path):
    (tmp_path / "ok.css").write_text("p { color: red }")
    fetcher = summary_pdf.make_fetcher(str(tmp_path), "/static", "localhost")
    assert fetcher.fetch("http://localhost/static/ok.css").read() == b"p { color: red }"
    for url in ("file:///etc/passwd", "http://evil.example/static/ok.css",
                "https://localhost.evil.example/static/ok.css",
                "http://localhost/static/../../etc/passwd",
                "http://localhost/static/%2e%2e/%2e%2e/etc/passwd",
                "http://localhost/patient/", "data:text/css,p{}", "ftp://localhost/static/ok.css"):
        with pytest.raises(summary_pdf.RefusedURL):
            fetcher.fetch(url)


def test_css_strings_cannot_break_out_of_the_style_element():
    hostile = 'Ola "}</style><script>alert(1)</script>\\'
    quoted = str(summary_pdf.css_string(hostile))
    assert "</" not in quoted
    assert quoted.count('"') == 2
    assert str(summary_pdf.css_counter_sentence("Side %(page)s av %(pages)s", page="page",
                                                pages="pages")) == (
        '"Side " counter(page) " av " counter(pages)')


def test_touchpoint_1_pdf_for_the_hospital(app, db, tmp_path):
    person, _tp, _ = sent_by_patient(app, db)
    tp1 = touchpoint_id(person, 1)
    nurse, _m = staff_client(app, db, person.pathways[0].hospital)
    text = " ".join(pdf_text(download(nurse, f"/staff/touchpoints/{tp1}/summary.pdf", tmp_path)))
    assert person.full_name in text


def test_two_first_renders_racing_store_one_pdf_without_an_error(app, db):
    """The other request stores the same key while this one renders: the insert fails inside
    a savepoint, this request's own work survives, and the PDF is served all the same."""
    person, tp = open_patient(db)
    session = session_factory(app)()
    try:
        html = "<p>same content</p>"

        def rendered_while_another_request_stored_it() -> bytes:
            session.add(RenderedPdf(key=summary_pdf.cache_key(html), touchpoint_id=tp,
                                    pdf=b"%PDF theirs"))
            session.flush()
            return b"%PDF ours"

        assert summary_pdf.cached(session, tp, html,
                                  rendered_while_another_request_stored_it) == b"%PDF ours"
        session.commit()  # the request goes on and commits its other work
        stored = list(session.scalars(select(RenderedPdf.pdf)))
        assert stored == [b"%PDF theirs"]
        assert summary_pdf.cached(session, tp, html, lambda: b"never") == b"%PDF theirs"
    finally:
        session.rollback()
        session.close()
    assert person.id


@pytest.mark.parametrize(("reader", "expected"), [
    ("nb", "Svarte på polsk."), ("en", "Answered in Polish."), ("ar", "البولندية")])
def test_the_summary_is_in_the_readers_language_and_names_the_patients(
        app, db, tmp_path, reader, expected):
    """The patient answered in Polish; the nurse reads in her own language, the patient's words
    as written, with a note of the language they were written in (page and PDF)."""
    person, tp = open_patient(db)
    patient = PortalClient(app)
    patient.sign_in(person.national_id)
    patient.raw.get("/language/pl")
    words = "Chcę być w domu z wnukami."
    answer(patient, tp, "what_matters", {"what_matters": words})
    submit(patient, tp)
    nurse, _m = staff_client(app, db, person.pathways[0].municipality)
    nurse.raw.get(f"/language/{reader}")

    page = nurse.get(f"/staff/touchpoints/{tp}/summary")
    assert page.soup.html["lang"] == reader
    assert expected in page.text(".summary-language")
    quote = page.one("#summary-what-matters blockquote")
    assert (quote.get_text(strip=True), quote["lang"], quote["dir"]) == (words, "pl", "ltr")
    # The masked identity number keeps its order in right-to-left text too.
    assert [s.get_text() for s in page.select("header dd > span[dir=ltr]")] == [
        f"{person.national_id[:6]} *****"]

    path = download(nurse, f"/staff/touchpoints/{tp}/summary.pdf", tmp_path)
    text = " ".join(" ".join(pdf_text(path)).split())
    assert words in text
    assert expected in text
    assert document_language(path, tmp_path) == reader
