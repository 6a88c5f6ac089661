"""The clinician summary: one model (``model.py``) rendered as a web page, a PDF and FHIR."""
