"""TODO(issue 4): being written."""

from flask import Blueprint

bp = Blueprint("fhir", __name__)
