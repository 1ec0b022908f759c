"""Fuzzing intake's documented API: schemathesis reads the OpenAPI document the running intake
serves, generates requests from it (its examples, the boundaries and invalid values of every
parameter and body, then random ones), sends them with real credentials, and checks each answer:
never a 5xx, and always a status code, a content type and a body that the document declares.

Bounded for CI on two cores: deterministic generation (the same requests every run) and a cap on
the random examples per operation."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import partner_token

pytestmark = pytest.mark.e2e

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
MAX_EXAMPLES = 40
# Failed client-credentials attempts are rate limited per address (10 a minute), so after the first
# few the token endpoint answers only 429: fuzz it once, without credentials, last.
TOKEN_PATH = "/oauth/token"
# ending the session of the token sent: fuzzed with a throwaway token of its own, so the other runs
# keep theirs for every operation
SESSION_PATH = "/api/v1/session"


def _base(platform: Any) -> str:
    return f"http://127.0.0.1:{platform.ports['intake']}"


def _staff_token(platform: Any, user_key: str) -> str:
    """A member of staff's session token, signed in through the form, sent as a bearer token."""
    user = platform.seed_demo()["users"][user_key]
    with httpx.Client(base_url=_base(platform), follow_redirects=False, timeout=10) as browser:
        browser.get("/sign-in")
        signed_in = browser.post("/sign-in", data={"email": user["email"], "password": user["password"],
                                                   "csrf_token": browser.cookies["fd_csrf"], "next": "/concerns"})
        assert signed_in.status_code == 303
        return signed_in.cookies["fd_session"]


@pytest.fixture(scope="module")
def tokens(platform: Any) -> dict[str, str]:
    # a partner system, a referrer (sees only what they submitted), and the council's admin (sees
    # every concern and referral, so the claim check's details are read and checked too)
    return {"partner": partner_token(platform), "referrer": _staff_token(platform, "health-visitor"),
            "admin": _staff_token(platform, "council-admin")}


@pytest.fixture(scope="module")
def document(platform: Any) -> dict[str, Any]:
    r = httpx.get(f"{_base(platform)}/openapi.json", timeout=10)
    r.raise_for_status()
    return r.json()  # type: ignore[no-any-return]


def _operations(document: dict[str, Any], *, without: tuple[str, ...] = ()) -> int:
    return sum(len(ops) for path, ops in document["paths"].items() if path not in without)


def schemathesis(location: str, *args: str, token: str | None = None, url: str | None = None,
                 max_examples: int = MAX_EXAMPLES) -> tuple[int, str]:
    command = [str(Path(sys.executable).parent / "st"), "run", location, "--checks", CHECKS,
               "--phases", "examples,coverage,fuzzing", "--generation-deterministic",
               "--max-examples", str(max_examples), "--workers", "1", "--request-timeout", "20",
               "--no-color", "--warnings", "off", *args]
    if url:
        command += ["--url", url]
    if token:
        command += ["--header", f"Authorization: Bearer {token}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=240)
    return done.returncode, done.stdout + done.stderr


def _tested(output: str) -> int:
    found = re.search(r"Tested: (\d+)", output)
    assert found, output
    return int(found.group(1))


@pytest.mark.parametrize("who", ["partner", "referrer", "admin"])
def test_every_documented_operation_holds_to_its_document(platform, tokens, document, who) -> None:  # type: ignore[no-untyped-def]
    code, output = schemathesis(f"{_base(platform)}/openapi.json", "--exclude-path", TOKEN_PATH,
                                "--exclude-path", SESSION_PATH, token=tokens[who])
    assert code == 0, output
    assert _tested(output) == _operations(document, without=(TOKEN_PATH, SESSION_PATH)), output


def test_ending_a_session_holds_to_its_document(platform) -> None:  # type: ignore[no-untyped-def]
    """With a session of its own: the first call ends it, every later one is refused (401, documented)."""
    code, output = schemathesis(f"{_base(platform)}/openapi.json", "--include-path", SESSION_PATH,
                                token=_staff_token(platform, "panel-chair"))
    assert code == 0, output
    assert _tested(output) == 1, output


def test_without_credentials_every_refusal_is_documented(platform, tokens, document) -> None:  # type: ignore[no-untyped-def]
    """Also the token endpoint (`tokens` are taken first: this run drives it into its rate limit)."""
    code, output = schemathesis(f"{_base(platform)}/openapi.json")
    assert code == 0, output
    assert _tested(output) == _operations(document), output


def test_the_fuzzer_fails_on_an_undocumented_status(platform, document, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The harness is live: the same run against the document less its 401 for one operation fails."""
    undocumented = copy.deepcopy(document)
    del undocumented["paths"]["/api/v1/concerns"]["get"]["responses"]["401"]
    broken = tmp_path / "openapi.json"
    broken.write_text(json.dumps(undocumented))
    code, output = schemathesis(str(broken), "--include-path", "/api/v1/concerns", "--include-method", "GET",
                                url=_base(platform), max_examples=5)
    assert code != 0, output
    assert "Undocumented status code" in output, output
