"""The contact point form on its own: phone numbers and e-mail addresses normalised or refused,
opening hours' problems put on the field they are about, and the values handed on."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from flask import Flask
from flask_babel import Babel
from werkzeug.datastructures import MultiDict

from portal.contacts.forms import (
    EMPTY_ROWS,
    MAX_ROWS,
    ContactForm,
    contact_form,
    normalised_phone,
    rows_posted,
)


@pytest.fixture
def app() -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="unit", WTF_CSRF_ENABLED=False, WTF_I18N_ENABLED=False)
    Babel(app)
    return app


VALID = {"role": "kreftkoordinator", "name": "Kreftkoordinator i Askøy", "phone": "55975000",
         "languages": ["nb"]}


def checked(app: Flask, **values: Any) -> ContactForm:
    data = MultiDict()
    for name, value in {**VALID, **values}.items():
        for item in value if isinstance(value, list) else [value]:
            data.add(name, item)
    with app.test_request_context(method="POST", data=data):
        from flask import request

        form = contact_form(0, request.form)
        form.validate()
        form.values_if_valid = form.values() if not form.errors else None
        return form


def errors(form: ContactForm) -> dict[str, list[str]]:
    return {name: list(found) for name, found in form.errors.items()}


@pytest.mark.parametrize(("typed", "stored"), [
    ("55 97 50 00", "+4755975000"), ("+47 55975000", "+4755975000"),
    ("0047 55 97 50 00", "+4755975000"), ("55975000", "+4755975000"),
    ("912 34 567", "+4791234567"), ("+46 8 123 456 78", "+46812345678"),
])
def test_phone_numbers_are_kept_in_e164(typed, stored):
    assert normalised_phone(typed) == stored


@pytest.mark.parametrize("typed", ["12", "12345678", "+47 55", "55 97 50 00 0", "telefon",
                                   "+999 1234", ""])
def test_malformed_or_impossible_numbers_are_refused(app, typed):
    assert normalised_phone(typed) is None
    form = checked(app, phone=typed, sms=typed or "x")
    assert form.errors["phone"]
    assert form.errors["sms"]
    assert form.values_if_valid is None


def test_valid_values_are_normalised(app):
    form = checked(app, phone="+47 55 97 50 00", sms="555 12 001",
                   email="Kreft@Askoy.Kommune.NO", languages=["en", "se", "nb", "en"],
                   address="  Strand 1 \x00 ")
    assert errors(form) == {}
    values = form.values_if_valid
    assert (values.phone, values.sms, values.email) == ("+4755975000", "+4755512001",
                                                        "Kreft@askoy.kommune.no")
    assert values.languages == ("nb", "se", "en")  # the order offered, each once
    assert values.address == "Strand 1"
    assert values.closed_on_public_holidays is False  # an unticked box sends nothing


@pytest.mark.parametrize("typed", ["kari@", "kari", "kari@example", "@example.org",
                                   "kari@@example.org", "kari @example.org"])
def test_malformed_e_mail_addresses_are_refused(app, typed):
    assert checked(app, email=typed).errors["email"]


def test_opening_hours_are_read_per_weekday_with_a_lunch_break(app):
    form = checked(app, day0_1_opens="08:00", day0_1_closes="11:30", day0_2_opens="12:00",
                   day0_2_closes="15:00", day4_2_opens="0900", day4_2_closes="14.00",
                   day6_1_opens="22:00", day6_1_closes="00:00")
    assert errors(form) == {}
    assert form.values_if_valid.opening_hours == (
        (0, time(8), time(11, 30)), (0, time(12), time(15)), (4, time(9), time(14)),
        (6, time(22), time(0)))  # 00:00 closes at midnight


@pytest.mark.parametrize(("values", "field"), [
    ({"day2_1_opens": "15:00", "day2_1_closes": "08:00"}, "day2_1_closes"),
    ({"day2_1_opens": "08:00", "day2_1_closes": "08:00"}, "day2_1_closes"),
    ({"day2_1_opens": "08:00", "day2_1_closes": "12:00", "day2_2_opens": "11:59",
      "day2_2_closes": "15:00"}, "day2_2_opens"),
    # The second hours alone are fine; overlapping hours put the message on the later ones.
    ({"day2_1_opens": "12:00", "day2_1_closes": "15:00", "day2_2_opens": "08:00",
      "day2_2_closes": "13:00"}, "day2_2_opens"),
    ({"day2_2_opens": "08:00"}, "day2_2_closes"),
    ({"day2_1_closes": "08:00"}, "day2_1_opens"),
    ({"day2_1_opens": "8 o'clock", "day2_1_closes": "15:00"}, "day2_1_opens"),
])
def test_each_hours_problem_is_put_on_its_field(app, values, field):
    form = checked(app, **values)
    assert list(form.errors) == [field]
    assert form.values_if_valid is None


def test_hours_that_only_touch_do_not_overlap(app):
    form = checked(app, day2_1_opens="08:00", day2_1_closes="11:30", day2_2_opens="11:30",
                   day2_2_closes="15:00")
    assert errors(form) == {}


def test_exceptions_are_read_as_closed_days_or_special_hours(app):
    form = checked(app, exception0_day="24.12.2026", exception0_opens="08:00",
                   exception0_closes="12:00", exception2_day="2026-05-18",
                   exception2_closed="y")
    assert errors(form) == {}
    assert form.values_if_valid.exceptions == (
        (date(2026, 12, 24), time(8), time(12)), (date(2026, 5, 18), None, None))


@pytest.mark.parametrize(("values", "field"), [
    ({"exception0_day": "24.12.2026", "exception0_closed": "y", "exception1_day": "2026-12-24",
      "exception1_closed": "y"}, "exception1_day"),
    ({"exception0_day": "24.12.2026", "exception0_opens": "12:00",
      "exception0_closes": "08:00"}, "exception0_closes"),
    ({"exception0_day": "24.12.2026"}, "exception0_opens"),
    ({"exception0_day": "24.12.2026", "exception0_closed": "y", "exception0_opens": "08:00"},
     "exception0_opens"),
    ({"exception0_closed": "y"}, "exception0_day"),
    ({"exception0_day": "30.02.2026", "exception0_closed": "y"}, "exception0_day"),
    ({"exception0_day": "24.12.2026", "exception0_opens": "08:00"}, "exception0_closes"),
])
def test_each_exception_problem_is_put_on_its_field(app, values, field):
    form = checked(app, **values)
    assert list(form.errors) == [field]


def test_the_duplicate_day_message_names_the_first_row(app):
    form = checked(app, exception0_day="24.12.2026", exception0_closed="y",
                   exception2_day="24.12.2026", exception2_closed="y")
    [message] = form.errors["exception2_day"]
    assert "1" in message


def test_the_rows_read_from_a_post_are_bounded():
    assert rows_posted({"exception4_day": "x", "exception1_opens": "y"}) == 5
    assert rows_posted({"exception999_day": "x"}) == 0
    assert rows_posted({f"exception{MAX_ROWS - 1}_day": "x"}) == MAX_ROWS
    assert rows_posted({f"exception{MAX_ROWS}_day": "x"}) == 0
    assert rows_posted({}) == 0


def test_the_form_offers_the_saved_rows_and_empty_ones(app):
    with app.test_request_context():
        assert contact_form(2, {}).exception_rows == 2 + EMPTY_ROWS
        assert contact_form(0, {"exception7_day": ""}).exception_rows == 8
        assert contact_form(MAX_ROWS, {}).exception_rows == MAX_ROWS
