"""Relatives (pårørende): linked to a patient only with the patient's consent."""
