"""The vCard writer (portal/contacts/vcard.py): RFC 6350 escaping, folding and properties."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal.contacts.vcard import LINE_OCTETS, VCardContact, escape, filename, fold_line, vcard

FULL = VCardContact(
    name="Kreftkoordinator, Bergen; dag\\natt",
    organisation="Bergen kommune",
    title="Kreftkoordinator",
    phone="+4755975000",
    sms="+4791234567",
    email="kreft@example.org",
    address="Rådhusgaten 10, 5014 Bergen",
    note="Ring før 10.\nTa med legeerklæring; takk.",
    languages=("nb", "en", "se"),
    updated_at=datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
)


def unfolded(text: str) -> list[str]:
    """The content lines, folding undone (RFC 6350, 3.2)."""
    assert text.endswith("\r\n")
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def properties(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in unfolded(text):
        name, _, value = line.partition(":")
        found.setdefault(name, []).append(value)
    return found


def test_a_card_has_the_required_properties_in_order():
    lines = unfolded(vcard(FULL))
    assert lines[0] == "BEGIN:VCARD"
    assert lines[1] == "VERSION:4.0"
    assert lines[-1] == "END:VCARD"
    props = properties(vcard(FULL))
    assert props["ORG"] == ["Bergen kommune"]
    assert props["TITLE"] == ["Kreftkoordinator"]
    assert props["REV"] == ["20261123T093000Z"]


def test_phone_and_sms_are_tel_uris_of_their_types():
    props = properties(vcard(FULL))
    assert props["TEL;VALUE=uri;TYPE=voice"] == ["tel:+4755975000"]
    assert props["TEL;VALUE=uri;TYPE=text"] == ["tel:+4791234567"]
    assert props["EMAIL;TYPE=work"] == ["kreft@example.org"]


def test_comma_semicolon_backslash_and_newline_are_escaped():
    props = properties(vcard(FULL))
    assert props["FN"] == ["Kreftkoordinator\\, Bergen\\; dag\\\\natt"]
    assert props["NOTE"] == ["Ring før 10.\\nTa med legeerklæring\\; takk."]
    # The address is one free-text line, in the street part of the compound value.
    assert props["ADR;TYPE=work"] == [";;Rådhusgaten 10\\, 5014 Bergen;;;;"]


@pytest.mark.parametrize(("raw", "escaped"), [
    ("a,b", "a\\,b"), ("a;b", "a\\;b"), ("a\\b", "a\\\\b"), ("a\nb", "a\\nb"),
    ("a\r\nb", "a\\nb"), ("a\rb", "a\\nb"), ("a\x00b\x1bc\x7f", "abc"), ("\\n", "\\\\n"),
])
def test_escape(raw, escaped):
    assert escape(raw) == escaped


def test_a_crafted_value_cannot_add_a_property():
    card = vcard(VCardContact(name="X\r\nEMAIL:evil@example.org", organisation="O\nURL:x"))
    names = [line.partition(":")[0] for line in unfolded(card)]
    assert names == ["BEGIN", "VERSION", "FN", "ORG", "END"]


def test_languages_become_lang_with_preference_and_odd_codes_are_left_out():
    props = properties(vcard(VCardContact(name="X", organisation="O",
                                          languages=("nb", "EN;X", "pl"))))
    assert props["LANG;PREF=1"] == ["nb"]
    assert props["LANG;PREF=3"] == ["pl"]
    assert not [k for k in props if k == "LANG;PREF=2"]


def test_a_number_that_is_not_digits_gives_no_tel():
    props = properties(vcard(VCardContact(name="X", organisation="O", phone="ring meg")))
    assert not [k for k in props if k.startswith("TEL")]


def test_optional_properties_are_left_out_when_empty():
    props = properties(vcard(VCardContact(name="X", organisation="O")))
    assert set(props) == {"BEGIN", "VERSION", "FN", "ORG", "END"}


def test_long_lines_fold_at_75_octets_without_splitting_a_character():
    long = VCardContact(name="Kreftkoordinator " + "æøå" * 60, organisation="O",
                        note="x" * 300)
    text = vcard(long)
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= LINE_OCTETS
    assert properties(text)["FN"] == ["Kreftkoordinator " + "æøå" * 60]
    assert properties(text)["NOTE"] == ["x" * 300]


def test_folding_counts_the_continuations_leading_space():
    folded = fold_line("N:" + "y" * 200)
    first, *rest = folded.split("\r\n")
    assert len(first) == LINE_OCTETS
    assert all(line.startswith(" ") and len(line) <= LINE_OCTETS for line in rest)
    assert "".join([first, *(line[1:] for line in rest)]) == "N:" + "y" * 200


def test_crlf_line_endings_only():
    text = vcard(FULL)
    assert "\n" not in text.replace("\r\n", "")


@pytest.mark.parametrize(("name", "expected"), [
    ("Kreftkoordinator i Bergen (demo)", "kreftkoordinator-i-bergen-demo.vcf"),
    ("Kárášjohka suohkan", "karasjohka-suohkan.vcf"),
    ('"; filename=evil.exe', "filename-evil-exe.vcf"),
    ("../../etc/passwd", "etc-passwd.vcf"),
    ("\r\nSet-Cookie: x=1", "set-cookie-x-1.vcf"),
    ("中文", "contact.vcf"),
    ("a" * 200, "a" * 60 + ".vcf"),
])
def test_file_names_are_safe(name, expected):
    assert filename(name) == expected
