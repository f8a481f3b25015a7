"""The rule files of issue 12 load against their schemas, and a mistake names the file and the entry.

failure_warnings.yaml, stalls.yaml, downtime_rules.yaml and releases.yaml are data a reviewer edits;
a typo must fail loudly at load time, never silently change an answer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from migtrace.diagnose._downtime import downtime_rules
from migtrace.diagnose._failures import warning_rules
from migtrace.diagnose._release import clues
from migtrace.diagnose._stall import stall_rules
from migtrace.errors import DataError


def test_rule_files_shipped_rules_load() -> None:
    assert len(warning_rules()) >= 20 and len(stall_rules()) == 3
    assert len(downtime_rules()) == 2 and len(clues()) >= 20


@pytest.mark.parametrize(("loader", "text", "complaint"), [
    (warning_rules, "warnings:\n  - {id: w, text: 'Failed', regex: '(', why: x}\n", "warnings[0] (w): 'regex' is not a valid regex"),
    (warning_rules, "warnings:\n  - {id: w, text: 'Failed'}\n", "warnings[0] (w): missing required key 'why'"),
    (stall_rules, "stalls:\n  - {id: s, title: t, severity: loud, logger: [a], start: 'x', command: '.', ends: ['y'],"
                  " idle_s: 5, explanation: e, remedy: r, why: w}\n", "stalls[0] (s): 'severity' must be one of"),
    (stall_rules, "stalls:\n  - {id: s, title: t, severity: error, logger: a, start: 'x', command: '.', ends: ['y'],"
                  " idle_s: 5, explanation: e, remedy: r, why: w}\n", "stalls[0] (s): 'logger' must be a list"),
    (downtime_rules, "rules:\n  - {id: d, kinds: [teleport], min_downtime_s: 60, severity: warning, title: t,"
                     " evidence: [], explanation: e, remedy: r}\n", "rules[0] (d): 'kinds' must be one of"),
    (downtime_rules, "rules:\n  - {id: d, kinds: [migration], min_downtime_s: soon, severity: warning, title: t,"
                     " evidence: [], explanation: e, remedy: r}\n", "rules[0] (d): 'min_downtime_s' must be"),
    (clues, "clues:\n  - {id: c, level: LOUD, why: w}\n", "clues[0] (c): 'level' must be one of"),
    (clues, "clues:\n  - {id: c, level: TRACE, to: kilowatt, why: w}\n", "clues[0] (c): unknown OpenStack release"),
])
def test_rule_files_a_mistake_names_the_file_and_entry(tmp_path: Path, loader: Callable[[str], Any], text: str,
                                                       complaint: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        loader(str(path))
    assert str(info.value).startswith(f"{path}: ") and complaint in str(info.value)
