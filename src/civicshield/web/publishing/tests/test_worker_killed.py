"""The worker process is killed (SIGKILL) after the platform call and before the commit; the
next worker publishes nothing new: exactly one post.

Real processes and a real SQLite file; the platform is the recorded-response Mastodon server
(tests/connectors/fake_social.py) on 127.0.0.1, which honours Idempotency-Key as Mastodon does.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.connectors.fake_social import fake_social

ROOT = Path(__file__).resolve().parents[5]


def _run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CIVICSHIELD_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "civicshield.web.settings",
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "ERROR",
    }
    env.pop("CIVICSHIELD_ENCRYPTION_KEYS", None)
    # Always the SQLite file in data_dir and the embedded engine, whatever profile CI runs.
    for name in ("DATABASE_URL", "DATABASE_URL_FILE", "CELERY_BROKER_URL"):
        env.pop(name, None)
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "civicshield.web.publishing.tests.crash_worker", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_a_killed_worker_never_double_posts(tmp_path):
    with fake_social() as server:
        setup = _run(tmp_path, "setup", server.url)
        assert setup.returncode == 0, setup.stderr

        crash = _run(tmp_path, "crash")
        assert crash.returncode == -signal.SIGKILL, crash.stderr
        assert server.recorder.posts == 1  # it reached Mastodon, then died

        recover = _run(tmp_path, "recover")
        assert recover.returncode == 0, recover.stderr
        result = json.loads(recover.stdout.strip().splitlines()[-1])
        assert result["requeued"] == 1
        assert (result["state"], result["attempt"], result["tries"]) == (
            "published",
            "confirmed",
            2,
        )
        assert server.recorder.posts == 1
        # The retry found the post among the account's own and did not send it again.
        assert server.recorder.status_posts == 1
        assert result["platform_id"] in server.recorder.statuses
