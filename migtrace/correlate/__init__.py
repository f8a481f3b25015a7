"""Correlate: group the event stream into migrations and derive each one's facts.

Requests, instances and time windows join events into operations
(`_group`); marker data (`markers`, `migtrace/data/phases.yaml`) says what
each line means; `_derive` turns an operation into a `Migration`; `skew`
estimates clock offsets between hosts first.
"""

from __future__ import annotations

from migtrace.correlate._group import correlate, instance_of, match_migrations

__all__ = ["correlate", "instance_of", "match_migrations"]
