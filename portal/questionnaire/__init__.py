"""The questionnaire engine: versioned definitions, question types as WTForms fields, responses,
scoring and flags."""
