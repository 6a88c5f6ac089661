"""Pages anyone may open without signing in."""
