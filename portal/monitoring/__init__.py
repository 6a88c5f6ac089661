"""Monitoring for hospital trusts and municipalities: aggregate figures only (issue 7)."""
