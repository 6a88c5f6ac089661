"""Health personnel: who they are, where they work, and what their role lets them see."""
