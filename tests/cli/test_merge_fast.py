"""`merge`'s block redaction (`Redactor.events`: one keyword search per block) gives what the record-by-record
redactor (`Redactor.event`) gives, on every kind of input, and no secret reaches the output."""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migtrace.model import Event
from migtrace.options import LoadOptions
from migtrace.pipeline import merged_events
from migtrace.reports.merge import format_event
from migtrace.reports.neutral import terminal_safe
from migtrace.reports.redact import SECRET_KEYWORDS, Redactor, leak_check, mask_key_blocks
from tests.conftest import REAL_LOGS, SAMPLE_LOGS
from tests.reports.test_redaction_shapes import KEPT, SHAPES

SETS = sorted(p.name for p in SAMPLE_LOGS.iterdir() if p.is_dir())
REQ = "req-2c9d7e1a-5b3f-4c8e-9a6d-0f1e2d3c4b5a"
INSTANCE = "7f3e2d1c-0b9a-4c8d-8e7f-6a5b4c3d2e1f"


def _events(*paths: Path) -> list[Event]:
    return list(merged_events(paths, LoadOptions(warn=lambda _: None)).events)


def _same_redaction(events: Sequence[Event], categories: Sequence[str] = (), block: int = 2048) -> None:
    """Block redaction equals record-by-record redaction: the same records, the same secrets learnt."""
    full, fast = Redactor(categories), Redactor(categories)
    expected = [full.event(e) for e in events]
    got: list[Event] = []
    for i in range(0, len(events), block):
        got.extend(fast.events(events[i:i + block]))
    assert got == expected
    assert fast.originals == full.originals


def _oslo(messages: Sequence[str | tuple[str, ...]]) -> str:
    """A nova-compute log: one INFO record per message (a tuple: a message and its traceback lines)."""
    out = []
    for i, m in enumerate(messages):
        head, *extra = (m,) if isinstance(m, str) else m
        out.append(f"2019-05-14 09:00:{i % 60:02d}.{i % 1000:03d} 2311 INFO nova.compute.manager "
                   f"[{REQ} 5e4d3c2b1a0949f8e7d6c5b4a3928170 8170f6e5d4c34b2a1a09f8e7d6c5b4a3 - default default] "
                   f"[instance: {INSTANCE}] {head}")
        out.extend(f"2019-05-14 09:00:{i % 60:02d}.{i % 1000:03d} 2311 ERROR nova.compute.manager "
                   f"[instance: {INSTANCE}] {x}" for x in extra)
    return "\n".join(out) + "\n"


#: secrets in odd spellings (case, look-alike letters that `(?i)` folds), reused later as bare words
ODD = [
    "PASSWORD=Xy7#kQ2!mZ9p", "Auth_Token: 0123456789abcdef0123", "paſſword = Xy7#kQ2!mZ9q",
    "authorızation: Bearer abcdefghijklmnop", "\u212aey=AQBxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyz==",
    "later the password again: Xy7#kQ2!mZ9p and Xy7#kQ2!mZ9q", "plain text with ünïcödé and no secret",
]


@pytest.fixture(scope="module")
def shapes_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every secret shape of the redaction tests, the kept near-misses and odd spellings, in records and
    traceback lines, each secret mentioned again later in a record with no keyword."""
    root = tmp_path_factory.mktemp("shapes")
    messages: list[str | tuple[str, ...]] = [f"Starting migration {i}" for i in range(50)]
    for line, secret in SHAPES:
        messages += [line, ("Traceback (most recent call last):", f"  RemoteError: {line}"),
                     f"Retrying with {secret} now"]
    messages += KEPT + ODD
    messages += [("Stdout: u'-----BEGIN OPENSSH PRIVATE KEY-----", "SQrkVbI57HzpGaG+JMEKrHrUN7vfWaOS",
                  "-----END OPENSSH PRIVATE KEY-----", "'")]
    (root / "compute1").mkdir()
    (root / "compute1" / "nova-compute.log").write_text(_oslo(messages), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def secrets_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hostile corpus's planted secrets (tools/hostile/secrets.py), as the corpus writes them."""
    from tools.hostile.secrets import build
    root = tmp_path_factory.mktemp("secrets")
    build(root)
    return root


@pytest.mark.parametrize("name", SETS)
def test_block_redaction_equals_record_redaction_on_sample_sets(name: str) -> None:
    events = _events(SAMPLE_LOGS / name)
    _same_redaction(events)
    _same_redaction(events, block=7)


def test_block_redaction_equals_record_redaction_on_real_logs() -> None:
    if not REAL_LOGS.is_dir():
        pytest.skip("../shared/real_logs is not beside the repository")
    _same_redaction(_events(REAL_LOGS), block=5)


def test_block_redaction_equals_record_redaction_on_secrets(shapes_dir: Path, secrets_dir: Path) -> None:
    for root in (shapes_dir, secrets_dir):
        events = _events(root)
        for block in (1, 3, 64, 4096):
            _same_redaction(events, block=block)
        _same_redaction(events, categories=("hosts", "ips", "users"), block=64)


def test_block_redaction_equals_record_redaction_on_file_variants(tmp_path: Path) -> None:
    """Every reshaping of one sample set (tools/variants: wrappers, exports, zones, pastes …)."""
    from tools.variants.generate import generate
    for target in generate(SAMPLE_LOGS, tmp_path, sets=["train-single-host"]):
        _same_redaction(_events(target), block=97)


# -------------------------------------------------------------------- the keyword list covers every pattern

_FRAGMENTS = [
    "key", "Key", "KEY", "=", ": ", ":", " ", "'", '"', "u'", "AQ", "AQBxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyz", "==",
    "://", "rabbit", "@", ",", "pass", "word", "Pass", "_", "-", "--", "-p", "sshpass", "mysql", "<", ">", "/",
    "value", "Value", "Authorization", "authorization", "Basic ", "Bearer ", "token", "Token", "{", "}", "id",
    "-----BEGIN RSA PRIVATE KEY-----", "gAAAAA", "x" * 40, "AKIA", "ABCDEFGHIJKLMNOP", "eyJ", "abcdefgh", ".",
    "secret", "cookie", "credential", "--base64 ", "-n node.session.auth.password -v ", "Zq8#vLm2!pR4",
    "auth", "admin", "new", "chap", "configdrive", "12345678", "\n",
]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.text(alphabet=string.printable, max_size=6)), max_size=14))
def test_text_without_a_keyword_is_never_changed(pieces: list[str]) -> None:
    """The prefilter's promise: ASCII text holding no keyword is what `Redactor.text` returns and teaches
    nothing (no secret learnt), and no key block starts in it."""
    text = "".join(pieces)
    if SECRET_KEYWORDS.search(text.lower()):
        return
    r = Redactor()
    assert r.text(text) == text
    assert not r.originals
    assert mask_key_blocks([text, "MIIEpAIBAAKCAQEA7Wq", "x"]) == [text, "MIIEpAIBAAKCAQEA7Wq", "x"]


def test_every_secret_shape_holds_a_keyword() -> None:
    for line, _ in SHAPES:
        assert SECRET_KEYWORDS.search(line.lower()), line


# --------------------------------------------------------------------------------------- the command

def _reference(paths: Sequence[Path], categories: Sequence[str] = ()) -> tuple[str, bool]:
    """What `merge` printed when each record was redacted, leak-checked and printed on its own."""
    redactor = Redactor(categories)
    out: list[str] = []
    for e in merged_events(paths, LoadOptions(warn=lambda _: None)).events:
        text = format_event(redactor.event(e))
        if leak_check(text):
            return "".join(out), False
        out.append(terminal_safe(text) + "\n")
    return "".join(out), True


@pytest.mark.parametrize("redact", [None, "all"])
def test_merge_prints_what_the_record_path_printed(cli: Callable[..., Any], shapes_dir: Path, secrets_dir: Path,
                                                   redact: str | None) -> None:
    roots = [SAMPLE_LOGS / "queens-files", SAMPLE_LOGS / "train-single-host", shapes_dir, secrets_dir]
    for root in roots:
        args = ["merge", str(root)] + (["--redact", redact] if redact else [])
        result = cli(*args)
        expected, ok = _reference([root], ("hosts", "ips", "users") if redact else ())
        assert (result.exit_code == 0) == ok, result.output
        assert result.stdout == expected


def test_merge_prints_no_planted_secret(cli: Callable[..., Any], shapes_dir: Path) -> None:
    """Each shape's secret is masked in its record, in its traceback line and where it is mentioned again."""
    result = cli("merge", str(shapes_dir))
    assert result.exit_code == 0, result.output
    assert not leak_check(result.stdout)
    # (a one-line private key body is masked as a whole with what follows it: its first line alone is
    # no learnt secret, so its bare mention stays — as in the record-by-record path)
    for _, secret in SHAPES:
        if secret != "MIIEpAIBAAKCAQEA7Wq":
            assert secret not in result.stdout, secret
    for secret in ("Xy7#kQ2!mZ9p", "0123456789abcdef0123", "SQrkVbI57HzpGaG+JMEKrHrUN7vfWaOS"):
        assert secret not in result.stdout
    assert "Retrying with *** now" in result.stdout
