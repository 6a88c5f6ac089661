"""Organisations (hospital trusts and municipalities) and their contact points."""
