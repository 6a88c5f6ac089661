from flask import Blueprint

#: The clinician's pages under /staff. Each module of this package adds its routes.
bp = Blueprint("clinician", __name__, url_prefix="/staff")
