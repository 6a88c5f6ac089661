"""The clinician's work: the worklist, enrolment, appointments, the conversation record, the
actions agreed and the hand-over from hospital to municipality. The summary itself (page, PDF,
FHIR) lives in ``portal/summary/``."""
