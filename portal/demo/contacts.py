"""The demo's contact points and the municipalities Helse Bergen HF serves.

Demo data, not the real services: every name says "(demo)", every phone number is an invented
one in the 555 series (valid for phonenumbers, so the forms accept it when edited) and every
e-mail address is at example.org. Each contact point gets one change record by "Demodata", so
its history page starts with the version the demo made. Added only when missing: loading the demo
again changes nothing an administrator has edited.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.contacts import operations
from portal.contacts.models import ContactPoint, ContactRole, Organisation
from portal.contacts.reference import (
    SHIPPED_CSV,
    SHIPPED_VALID_FROM,
    Municipality,
    load_municipalities,
    read_csv,
)

DEMODATA = operations.Editor(name="Demodata")
#: Helse Bergen HF's area (opptaksområde) around Bergen, by municipality number.
BERGEN_AREA = ("4601", "4627", "4626", "4631", "4624", "4630", "4628", "4625", "4622", "4632",
               "4633", "4634", "4629", "4621")
WEEKDAYS = range(5)


def _weekdays(*intervals: tuple[time, time]) -> tuple[tuple[int, time, time], ...]:
    return tuple((weekday, opens, closes) for weekday in WEEKDAYS for opens, closes in intervals)


def hospital_contacts(today: date) -> list[operations.ContactValues]:
    christmas_eve = date(today.year, 12, 24)
    return [
        operations.ContactValues(
            role=ContactRole.PATHWAY_COORDINATOR, name="Forløpskoordinator, kreft (demo)",
            phone="+4755512000", sms="+4755512001", email="forlopskoordinator@example.org",
            address="Haukelandsveien 22, 5021 Bergen", languages=("nb", "nn", "en"),
            note="Legg igjen beskjed på telefonsvareren, så ringer vi deg tilbake samme dag. "
                 "(Demodata.)",
            # A lunch break: two intervals a day.
            opening_hours=_weekdays((time(8), time(11, 30)), (time(12), time(15))),
            exceptions=((christmas_eve, time(8), time(12)),)),
        operations.ContactValues(
            role=ContactRole.CANCER_NURSE, name="Kreftsykepleier, kreftpoliklinikken (demo)",
            phone="+4755512100", email="kreftsykepleier@example.org",
            address="Haukelandsveien 22, 5021 Bergen", languages=("nb", "en", "pl"),
            opening_hours=_weekdays((time(8), time(15, 30)))),
        operations.ContactValues(
            role=ContactRole.COORDINATING_UNIT, name="Koordinerende enhet, Helse Bergen (demo)",
            phone="+4755512200", email="koordinerende.enhet@example.org",
            opening_hours=_weekdays((time(9), time(14)))),
    ]


def municipal_contact(municipality: Organisation, phone: str) -> operations.ContactValues:
    short = municipality.name.removesuffix(" kommune")
    return operations.ContactValues(
        role=ContactRole.CANCER_COORDINATOR, name=f"Kreftkoordinator i {short} (demo)",
        phone=phone, email=f"kreftkoordinator.{municipality.municipality_number}@example.org",
        languages=("nb", "en"), opening_hours=_weekdays((time(8), time(15, 30))))


def load(session: Session, hospital: Organisation, municipalities: list[Organisation],
         today: date) -> None:
    """The demo's contact points and served municipalities, where missing; and the reference
    list of municipalities when none is loaded (the administrator's pages search it)."""
    if not session.scalar(select(func.count()).select_from(Municipality)):
        load_municipalities(session, read_csv(SHIPPED_CSV), SHIPPED_VALID_FROM)
    now = datetime.now(UTC)
    wanted = [(hospital, values) for values in hospital_contacts(today)]
    wanted += [(municipality, municipal_contact(municipality, f"+47555{13000 + 100 * n}"))
               for n, municipality in enumerate(municipalities)]
    for organisation, values in wanted:
        exists = session.scalar(select(ContactPoint.id).where(
            ContactPoint.organisation_id == organisation.id, ContactPoint.name == values.name))
        if exists is None:
            operations.create_contact(session, organisation, values, DEMODATA, now)
    served = {s.municipality_number for s in hospital.served_municipalities}
    for number in BERGEN_AREA:
        if number not in served:
            try:
                operations.add_served(session, hospital, number, on=today)
            except operations.NotCurrent:
                continue  # a newer list of municipalities has ended it
