"""FHIR R4 exports for the patient record: the questionnaire and each response."""
