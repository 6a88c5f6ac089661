"""Reference data for generated patients: every municipality, a hospital trust per county, a
clinician in each, and valid synthetic identity numbers, organisation numbers and mobile numbers.

The municipalities are the list the portal ships as reference data
(``portal/contacts/data/municipalities-2024.csv``, see its README).
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.no import fodselsnummer, orgnr

from portal.contacts.models import (
    ContactPoint,
    Organisation,
    OrganisationKind,
    ServedMunicipality,
    monday_to_friday,
)
from portal.contacts.reference import SHIPPED_CSV
from portal.demo import HOSPITAL_ORG_NUMBER
from portal.staff.models import StaffMember

MUNICIPALITIES_CSV = SHIPPED_CSV
OSLO = ZoneInfo("Europe/Oslo")
#: One hospital trust per county (a simplification: some counties have two or three).
TRUSTS = {
    "03": "Oslo universitetssykehus HF", "32": "Akershus universitetssykehus HF",
    "31": "Sykehuset Østfold HF", "33": "Vestre Viken HF", "34": "Sykehuset Innlandet HF",
    "39": "Sykehuset i Vestfold HF", "40": "Sykehuset Telemark HF",
    "42": "Sørlandet sykehus HF", "11": "Helse Stavanger HF", "46": "Helse Bergen HF",
    "15": "Helse Møre og Romsdal HF", "50": "St. Olavs hospital HF",
    "18": "Nordlandssykehuset HF", "55": "Universitetssykehuset Nord-Norge HF",
    "56": "Finnmarkssykehuset HF",
}
#: Extra weight for the largest municipalities (every other one weighs 1).
CITY_WEIGHTS = {"0301": 30, "4601": 15, "5001": 10, "1103": 7, "3201": 5, "3301": 4,
                "4204": 4, "1108": 3, "5501": 3, "3107": 3, "1508": 2}
FEMALE = ("Anne", "Inger", "Kari", "Marit", "Ingrid", "Liv", "Eva", "Berit", "Astrid", "Bjørg",
          "Hilde", "Nina", "Solveig", "Randi", "Ida", "Nora", "Emma", "Sara", "Ragnhild", "Tone")
MALE = ("Jan", "Per", "Bjørn", "Ole", "Lars", "Kjell", "Knut", "Arne", "Svein", "Hans",
        "Geir", "Terje", "Odd", "Rune", "Nils", "Erik", "Tor", "Morten", "Jon", "Magnus")
FAMILY = ("Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen",
          "Kristiansen", "Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg",
          "Haugen", "Hagen", "Johannessen", "Andreassen", "Jacobsen", "Dahl", "Jørgensen",
          "Halvorsen", "Henriksen", "Lund", "Sørensen", "Jakobsen", "Moen", "Gundersen",
          "Iversen", "Strand", "Solberg", "Svendsen", "Eide", "Knutsen", "Martinsen")
RESPONSIBLE = ("Fastlegen", "Kreftkoordinator i kommunen", "NAV", "Fysioterapeut i kommunen",
               "Psykolog, kreftavdelingen", "Klinisk ernæringsfysiolog", "Barneansvarlig",
               "Lærings- og mestringssenteret", "Hjemmesykepleien", "Tannlegen")
ACTIONS = ("Avtale en samtale om dette.", "Sende henvisning.", "Ta kontakt og gi råd.",
           "Gi skriftlig informasjon om tilbudet.", "Følge opp på neste samtale.")
PLACES = ("poliklinikken", "kreftkoordinatorens kontor", "helsestasjonen", "telefon", "video")
DAYS_IN_TWO_YEARS = 730

@dataclass
class Reference:
    """Organisations and the staff member who acts for each in generated records."""

    municipalities: list[Organisation]
    cumulative_weights: list[float]
    trust_of: dict[int, Organisation]  # municipality organisation id → its hospital trust
    clinician_of: dict[int, StaffMember]  # organisation id → a clinician there



def synthetic_org_number(prefix: str) -> str:
    """A valid organisation number starting with ``prefix`` (7 digits); 0-9 appended as needed."""
    for digit in range(10):
        base = prefix + str(digit)
        valid = [base + str(d) for d in range(10) if orgnr.is_valid(base + str(d))]
        if valid:
            return valid[0]
    raise ValueError(f"No valid organisation number starts with {prefix}.")


def load_reference(session: Session, rng: random.Random) -> Reference:
    with MUNICIPALITIES_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_number = {o.municipality_number: o for o in session.scalars(select(Organisation).where(
        Organisation.kind == OrganisationKind.MUNICIPALITY))}
    by_name = {o.name: o for o in session.scalars(select(Organisation).where(
        Organisation.kind == OrganisationKind.HOSPITAL_TRUST))}
    used_numbers = set(session.scalars(select(Organisation.org_number)))
    trusts: dict[str, Organisation] = {}
    for index, (county, name) in enumerate(sorted(TRUSTS.items())):
        trust = by_name.get(name)
        if trust is None:
            number = (HOSPITAL_ORG_NUMBER if name == "Helse Bergen HF"
                      and HOSPITAL_ORG_NUMBER not in used_numbers
                      else synthetic_org_number(f"972{index:04d}"))
            trust = Organisation(kind=OrganisationKind.HOSPITAL_TRUST, name=name,
                                 org_number=number)
            session.add(trust)
            session.add(ContactPoint(organisation=trust, role="forlopskoordinator",
                                     name=f"Forløpskoordinator, {name}", phone="+4722000000",
                                     opening_hours=monday_to_friday(time(8), time(15))))
        trusts[county] = trust
    municipalities, weights, trust_for_number = [], [], {}
    for row in rows:
        number = row["municipality_number"]
        municipality = by_number.get(number)
        if municipality is None:
            municipality = Organisation(
                kind=OrganisationKind.MUNICIPALITY, name=f"{row['name']} kommune",
                org_number=synthetic_org_number(f"971{number}"), municipality_number=number)
            session.add(municipality)
            session.add(ContactPoint(organisation=municipality, role="kreftkoordinator",
                                     name=f"Kreftkoordinator i {row['name']} kommune",
                                     phone="+4722000000", opening_hours=monday_to_friday(time(8),
                                                                    time(15, 30))))
        municipalities.append(municipality)
        weights.append(CITY_WEIGHTS.get(number, 1))
        trust_for_number[number] = trusts[row["county_number"]]
    session.flush()
    # Each municipality not yet served by any trust is served by its county's (the public
    # contact page then shows the trust's contact points too).
    served = set(session.scalars(select(ServedMunicipality.municipality_number)))
    for number, trust in trust_for_number.items():
        if number not in served:
            session.add(ServedMunicipality(hospital=trust, municipality_number=number))
    session.flush()
    clinician_of = {}
    existing = {m.organisation_id: m for m in session.scalars(
        select(StaffMember).where(StaffMember.is_clinician.is_(True)).order_by(StaffMember.id.desc()))}
    for organisation in [*trusts.values(), *municipalities]:
        member = existing.get(organisation.id)
        if member is None:
            hospital = organisation.kind == OrganisationKind.HOSPITAL_TRUST
            member = StaffMember(
                national_id=identity_number(rng, date(1985, 1, 1), 0.0, set()),
                given_name=rng.choice(FEMALE), family_name=rng.choice(FAMILY),
                hpr_number=f"{rng.randint(1000000, 9999999)}",
                title="kreftsykepleier" if hospital else "kreftkoordinator",
                organisation=organisation, is_clinician=True)
            session.add(member)
        clinician_of[organisation.id] = member
    session.flush()
    cumulative, total = [], 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    return Reference(municipalities, cumulative,
                      {m.id: trust_for_number[m.municipality_number or ""]
                       for m in municipalities},
                      {k: v for k, v in clinician_of.items()})


def identity_number(rng: random.Random, born_around: date, d_number_share: float,
                     taken: set[str]) -> str:
    """A valid synthetic fødselsnummer (or D-nummer) not in ``taken``."""
    while True:
        born = born_around + timedelta(days=rng.randint(-3650, 3650))
        if born.year < 1900 or born.year > 2039:
            continue
        individual = rng.randint(0, 499) if born.year < 2000 else rng.randint(500, 999)
        day = born.day + (40 if rng.random() < d_number_share else 0)
        base = f"{day:02d}{born.month:02d}{born.year % 100:02d}{individual:03d}"
        try:
            first = fodselsnummer.calc_check_digit1(base)
            number = base + first + fodselsnummer.calc_check_digit2(base + first)
        except ValueError:
            continue
        if len(number) == 11 and fodselsnummer.is_valid(number) and number not in taken:
            try:
                fodselsnummer.get_birth_date(number)
            except ValueError:
                continue
            taken.add(number)
            return number


def mobile(rng: random.Random) -> str:
    """A number in the Norwegian mobile ranges (4[015-8]x xx xxx and 9xx xx xxx)."""
    prefix = rng.choice(("9", "9", "40", "41", "45", "46", "47", "48"))
    return f"+47{prefix}{rng.randint(0, 10 ** (8 - len(prefix)) - 1):0{8 - len(prefix)}d}"

