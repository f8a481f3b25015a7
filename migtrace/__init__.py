"""migtrace: the story of each OpenStack Nova VM migration, from its logs."""

from __future__ import annotations

__version__ = "0.1.0"
