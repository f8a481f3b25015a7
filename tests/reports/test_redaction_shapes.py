"""Issue 15 redaction: every secret shape nova logs, an independent final check, linear regexes,
and the neutralisers for terminals, charts, Markdown and CSV."""

from __future__ import annotations

import re
import time

import pytest

from migtrace.reports import neutral, redact
from migtrace.reports.redact import MASK, Redactor, leak_check, mask_key_blocks

#: (log text, the secret in it) — shapes beyond the patterns' first tests, as nova writes them
SHAPES = [
    ('RESP BODY: {"server": {"id": "7f3e2d1c-0b9a-4c8d-8e7f-6a5b4c3d2e1f", "adminPass": "t#4KJ%YrAnRT"}}',
     "t#4KJ%YrAnRT"),
    ('Action: \'action\', body: {"evacuate": {"host": "cmp2", "adminPass": "DYJGGG%S!rtout"}}', "DYJGGG%S!rtout"),
    ('-H "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl"',
     "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl"),
    ('-H "Authorization: Basic bm92YTpPUzI3bG9wVUh1dVdsUQ=="', "bm92YTpPUzI3bG9wVUh1dVdsUQ=="),
    ("Running cmd (subprocess): sshpass -p 'MmRf6kJ%#U+4x' ssh nova@cmp1 true", "MmRf6kJ%#U+4x"),
    ("Running cmd (subprocess): sshpass -pC_+rQeVz5S0 scp a b", "C_+rQeVz5S0"),
    ("openstack --os-auth-url http://192.0.2.10/identity --os-password F4^M-%gRgdaaYsl server show",
     "F4^M-%gRgdaaYsl"),
    ("mysql -u nova -pd%E9Su+3f_zL -h 192.0.2.10 nova -e 'select 1'", "d%E9Su+3f_zL"),
    ("iscsiadm -m node -T iqn.x -p 192.0.2.20:3260 --op update -n node.session.auth.password -v Q!F%3bUYP*CD",
     "Q!F%3bUYP*CD"),
    ("virsh secret-set-value --secret 4f3dd0dd-affb-46a9-8e1a-6c86d99fee5b --base64 Qf8NjOjeqf11YGPEysw=",
     "Qf8NjOjeqf11YGPEysw="),
    ("Secret XML: <secret ephemeral='no'><value>66d48999ca37f86434cdc27e</value></secret>", "66d48999ca37f86434cdc27e"),
    ("database.connection = mysql+pymysql://nova:Pa@VZLsuozLFb@x@192.0.2.10/nova", "Pa@VZLsuozLFb@x"),
    ("transport_url = rabbit://nova:ab/noLag7S6jhIS/cd@ctl1:5672/", "ab/noLag7S6jhIS/cd"),
    ("connection = mysql+pymysql://placement:s3cr%2Ft%3AUDswI8LEKd%40%21@192.0.2.10/placement",
     "s3cr%2Ft%3AUDswI8LEKd%40%21"),
    ("{'auth_method': 'CHAP', 'auth_password': 'correct horse vF1O14NeOC staple'}", "correct horse vF1O14NeOC staple"),
    ('RESP BODY: {"access": {"token": {"issued_at": "2019-05-14T09:00:05Z", "id": "3af7495ec8aefe86256b3204deb4f928"}}}',
     "3af7495ec8aefe86256b3204deb4f928"),
    ("X-Auth-Token: 8a7fd80b6ff8472667754d8e660f3dcd", "8a7fd80b6ff8472667754d8e660f3dcd"),
    ("DEFAULT.s3_access_key = AKIA6MK7K9ROD5A7XKOM", "AKIA6MK7K9ROD5A7XKOM"),
    ("Stdout: u'-----BEGIN RSA PRIVATE KEY-----\\nMIIEpAIBAAKCAQEA7Wq\\n-----END RSA PRIVATE KEY-----\\n'",
     "MIIEpAIBAAKCAQEA7Wq"),
    *[(f"hostile-helper --{key} Xy7#kQ2!mZ9p execute", "Xy7#kQ2!mZ9p") for key in ("auth_token", "sslkey", "chapsecret")],
    *[(f"Migration option {key} = Xy7#kQ2!mZ9p _live", "Xy7#kQ2!mZ9p") for key in redact.SECRET_KEYS],
    *[(f"<secret><{key}>Xy7#kQ2!mZ9p</{key}></secret>", "Xy7#kQ2!mZ9p") for key in ("new_pass", "passphrase", "cephrgwkey")],
]

#: values next to secret-like words that are not secrets: they must stay readable
KEPT = [
    "keystone_authtoken.auth_type = password",
    "libvirt.rbd_secret_uuid = 29e88373-91d5-4e16-b808-9284e9f021ff",
    "X-Auth-Token: {SHA256}b2c27ab6d4d72c7e061ce60ef155e2d990fe7b13d",
    "Injecting public key: ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ6gffuO5Jr/DezYn9TST4Uk6CAfxHmBmWE3Ne1k",
    "Image checksum: 14463a3a617706fb1bd28ae8ee05f137",
]


@pytest.mark.parametrize(("line", "secret"), SHAPES)
def test_each_secret_shape_is_masked(line: str, secret: str) -> None:
    out = Redactor().text(line)
    assert secret not in out and MASK in out, out
    assert not leak_check(out), leak_check(out)


@pytest.mark.parametrize("line", KEPT)
def test_values_that_are_no_secret_stay(line: str) -> None:
    assert Redactor().text(line) == line


def test_multi_line_key_blocks_lose_their_body_keep_their_markers() -> None:
    lines = ["Stdout: u'-----BEGIN OPENSSH PRIVATE KEY-----", "SQrkVbI57HzpGaG+JMEKrHrUN7vfWaOS",
             "0lneWPVK7bN/vnVwTc/dHNI7sa9CWlZL", "-----END OPENSSH PRIVATE KEY-----", "'"]
    out = mask_key_blocks(lines)
    assert out == [lines[0], MASK, MASK, MASK + lines[3], "'"]
    assert leak_check("\n".join(lines)) and not leak_check("\n".join(out))


def test_the_final_check_finds_what_no_detector_knows() -> None:
    assert leak_check("frobnicator_password => 'Zq8#vLm2!pR4'") or leak_check("frob_pass = Zq8#vLm2!pR4")
    assert leak_check("see gAAAAABc2oOQDt1BVpoBYCj3tLrhCPUTu-2YxAgQdK4ueCvpdI4PBa76gs")
    assert leak_check("&quot;Authorization: Basic bm92YTpPUzI3bG9wVUh1dVdsUQ==&quot;")  # HTML-escaped
    assert not leak_check("password = *** token_expiration = 3600 auth_type = password")


def test_own_text_is_not_learnt_from() -> None:
    from datetime import UTC, datetime

    from migtrace.model import Finding
    r = Redactor(["hosts"])
    r.add("hosts", "compute2")
    t = datetime(2018, 1, 1, tzinfo=UTC)
    f = Finding(signature_id="x", title="t", severity="error", first_seen=t, last_seen=t,
                remedy="See https://docs.ceph.com/en/latest/rbd/ on compute2",
                references=("https://docs.ceph.com/en/latest/",))
    out = r._object(f)
    assert out.references == f.references
    assert "docs.ceph.com" in out.remedy and "compute2" not in out.remedy


def test_sosreport_names_lose_their_host() -> None:
    r = Redactor(["hosts"])
    r.add("hosts", "cmpsecret01")
    assert "cmpsecret01" not in r.text("sosreport-cmpsecret01-2019-05-14-qzkvbw/var/log/nova/nova-compute.log")


#: adversarial 1 MB inputs for a backtracking engine: long runs of what each pattern repeats
_TOKENS = {
    "alnum": "a1B2c3D4e5", "comma": ",", "dots": "a.", "dashes": "a-", "colons": ":", "at": "a@", "hexcolon": "ab:",
    "keyword": "password", "keyword-eq": "password=", "slashes": "a/", "scheme": "a://", "key": "key=",
    "xml": "<password>", "token-body": '"token": {', "begin": "-----BEGIN RSA PRIVATE KEY-----", "mysql": "mysql -p",
    "spaces": "a ", "sshpass": "sshpass -p ", "jwt": "eyJaaaaaaaaa.", "quote": "password='", "esc": "\x1b]0;",
    "mention": "@a", "url": "https://",
}


def _patterns() -> dict[str, re.Pattern[str]]:
    found = {f"redact.{n}": v for n, v in vars(redact).items() if isinstance(v, re.Pattern)}
    found |= {f"redact.secret[{i}]": p for i, p in enumerate(redact._SECRET_PATTERNS)}
    found |= {f"redact.leak[{name}]": p for name, p in redact._LEAK_SHAPES}
    found |= {f"neutral.{n}": v for n, v in vars(neutral).items() if isinstance(v, re.Pattern)}
    return found


@pytest.mark.slow
@pytest.mark.parametrize("token", sorted(_TOKENS))
def test_every_redaction_and_neutralising_regex_is_linear_on_1mb_tokens(token: str) -> None:
    """Linear-time guard the issue asks for: each regex over a 1 MB run in well under a second.

    CPU time, not wall time: on a loaded machine the wall clock measures the
    scheduler; a super-linear pattern on 1 MB costs minutes of CPU either way.
    """
    text = (_TOKENS[token] * (1_000_000 // len(_TOKENS[token]) + 1))[:1_000_000]
    slow = []
    for name, pattern in _patterns().items():
        start = time.process_time()
        for _ in pattern.finditer(text):
            pass
        took = time.process_time() - start
        if took > 1.0:
            slow.append(f"{name}: {took:.1f} s")
    assert not slow, slow


def test_terminal_text_loses_escape_sequences_but_keeps_colours() -> None:
    hostile = "a\x1b]0;title\x07b\x1b]8;;https://x\x1b\\link\x1b]8;;\x1b\\c\rd\x07e\x1b[2Jf\u009bg"
    out = neutral.terminal_safe(hostile)
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out and "\u009b" not in out
    assert "link" in out and "␍" in out and "␇" in out
    assert neutral.terminal_safe("\x1b[31mred\x1b[0m\r\n") == "\x1b[31mred\x1b[0m\n"


def test_markdown_mentions_and_autolinks_are_inert() -> None:
    out = neutral.markdown_inert("@everyone see https://evil.example/x and www.evil.example")
    assert "@everyone" not in out and "https://" not in out and "www.evil" not in out
    assert out.replace("\u200b", "") == "@everyone see https://evil.example/x and www.evil.example"


@pytest.mark.parametrize(("cell", "written"), [("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+1+1", "'+1+1"),
                                               ("-mtx+1", "'-mtx+1"), ("@SUM(A1)", "'@SUM(A1)"), ("-3", "-3"),
                                               ("compute1", "compute1")])
def test_csv_formula_cells_are_text(cell: str, written: str) -> None:
    assert neutral.csv_cell(cell) == written


def test_chart_labels_are_escaped() -> None:
    assert neutral.chart_label('<a href="x">h</a> & co') == '&lt;a href="x"&gt;h&lt;/a&gt; &amp; co'
