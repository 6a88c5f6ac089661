"""The pathway: patients, their diagnosis date and the three touchpoints (samhandlingspunkter)."""
