"""The access log (pasientjournalloven; Normen factsheet 15): who has seen or changed a
patient's information, in a tamper-evident chain, shown to the patient and to administrators.

Views call ``record`` whenever a staff member or a relative is shown or changes a patient's
information; see ``operations`` for how appends are serialised, ``chain`` for what is hashed.
"""

from portal.audit.models import AccessAction, AccessEvent
from portal.audit.operations import record, verify

__all__ = ["AccessAction", "AccessEvent", "record", "verify"]
