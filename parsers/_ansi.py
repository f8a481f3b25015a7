"""Strip terminal colour codes, wherever and however they survived.

devstack hard-codes ANSI sequences in its oslo.log format strings, journald
keeps them with `-a`, rsyslog escapes ESC as `#033`, tools that drop control
bytes leave `[01;36m` behind, and pasted terminals leave `^[Om`.  All of them
must go before any regex looks at the text.
"""

from __future__ import annotations

import re

_ANSI = re.compile(r"(?:\x1b|#033|\^\[)?\[[0-9]{1,3}(?:;[0-9]{1,3})*m|(?:\x1b|\^\[)O[A-Za-z]|\x1b\[[0-9;]*[A-HJKSTf]")


def strip_ansi(text: str) -> str:
    """Return `text` without colour codes; cheap when there are none."""
    # ESC-less remnants look like `[01;36m` / `[00m`: cheap substring tests keep the regex off plain lines
    if "\x1b" in text or "#033" in text or "^[" in text or ";3" in text or "[00m" in text or "[0m" in text:
        return _ANSI.sub("", text)
    return text
