"""chartkit.checks.redaction: what the no-secret-literals rule would flag is never printed."""

from __future__ import annotations

import pytest

from chartkit.checks.redaction import MASK, Redactor, mask, secret_literals

KEY = "sk-proj-4fJq9ZxT2mLw8RbN6yHc3VdK"


def test_a_long_value_keeps_its_first_four_characters_a_short_one_none() -> None:
    assert mask(KEY) == "sk-p…(redacted)"
    assert mask("hunter22") == MASK


def test_the_literals_of_a_values_file_are_those_under_secret_env_names() -> None:
    values = {
        "env": {"DB_PASSWORD": "hunter22", "LOG_LEVEL": "info", "CONFIG_PATH": "/etc/x"},
        "extraEnv": [{"name": "API_TOKEN", "value": "tok-7f3a"}, {"name": "A", "value": "b"}],
        # key names of a Secret, not secrets: camelCase keys are values keys, not env names
        "apiKeys": {"env": {"OPENAI_API_KEY": {"key": "OPENAI_API_KEY"}}},
        "firebase": {"key": "serviceAccountKey.json"},
    }
    assert secret_literals(values) == {"hunter22", "tok-7f3a"}


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        (f"at '/image/tag': '{KEY}' does not match pattern", "'sk-p…(redacted)'"),
        (f"env.X: {{'value': '{KEY}'}} is not valid", "{'value': 'sk-p…(redacted)'}"),
        ("url postgres://app:pa55word@db:5432/app", "postgres://app:…(redacted)@db:5432/app"),
        ("AKIAABCDEFGHIJKLMNOP", "AKIA…(redacted)"),
        ("'-----BEGIN RSA PRIVATE KEY-----\\nMIIEow\\n-----END RSA PRIVATE KEY-----'", "'----"),
    ],
    ids=["quoted", "in-a-mapping", "url-password", "aws-key", "private-key"],
)
def test_credential_shapes_are_masked_anywhere(text: str, printed: str) -> None:
    masked = Redactor()(text)
    assert printed in masked
    assert "MIIEow" not in masked and "pa55word" not in masked and "4fJq9" not in masked


def test_literals_are_masked_as_written_and_as_quoted_but_not_inside_other_words() -> None:
    redact = Redactor.of([{"env": {"DB_PASSWORD": 'pa"ss\nword'}}, {"env": {"TOKEN": "abc1"}}])
    assert redact('got "pa\\"ss\\nword"') == 'got "…(redacted)"'  # JSON quoting
    assert redact("got 'pa\"ss\\nword'") == "got '…(redacted)'"  # Python quoting
    assert redact("abc1 abc12 xabc1") == "…(redacted) abc12 xabc1"
