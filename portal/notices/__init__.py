"""Notices by e-mail and text message: an outbox in the database, and senders that deliver each
notice exactly once (issue 7)."""
