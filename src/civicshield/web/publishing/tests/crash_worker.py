"""Run by test_worker_killed.py in child processes: a real worker, really killed (SIGKILL).

    python -m civicshield.web.publishing.tests.crash_worker setup URL   # office, approved post
    python -m civicshield.web.publishing.tests.crash_worker crash       # dies after posting
    python -m civicshield.web.publishing.tests.crash_worker recover     # a new worker retries

Each prints one JSON line. The data directory comes from CIVICSHIELD_DATA_DIR.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sys


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicshield.web.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from civicshield.web.jobs.models import Job
    from civicshield.web.jobs.services import requeue_stale
    from civicshield.web.jobs.worker import Worker
    from civicshield.web.publishing import publish, services
    from civicshield.web.publishing.models import ConnectedAccount, Draft, PublishAttempt

    command = argv[0]
    if command == "setup":
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        call_command("migrate", interactive=False, verbosity=0)
        from civicshield.web.testing import make_cast
        from tests.connectors.fake_social import MASTODON_TOKEN

        cast = make_cast()
        account = ConnectedAccount.objects.create(
            office=cast.office_a,
            platform="mastodon",
            handle="@alice@mastodon.test",
            server_url=argv[1],
            access_token=MASTODON_TOKEN,
        )
        draft = services.draft_create(member=cast.volunteer, account=account, text="Once only")
        services.draft_submit(member=cast.volunteer, draft=draft)
        services.draft_approve(member=cast.manager, draft=draft)
        services.draft_schedule(member=cast.comms, draft=draft)
        result: dict[str, object] = {"draft": draft.pk}
    elif command == "crash":

        def kill_myself(post: object) -> None:
            os.kill(os.getpid(), signal.SIGKILL)

        publish.after_platform_call = kill_myself
        Worker().run_once()
        result = {"survived": True}  # never printed when the kill works
    else:
        # Time passes: the dead worker's lease runs out (STALE_AFTER), then a new worker runs.
        Job.objects.filter(state=Job.State.RUNNING).update(
            locked_at=timezone.now() - dt.timedelta(minutes=11)
        )
        requeued = requeue_stale()
        Worker().run_once()
        draft = Draft.objects.get()
        attempt = PublishAttempt.objects.get()
        result = {
            "requeued": requeued,
            "state": draft.state,
            "attempt": attempt.state,
            "tries": attempt.tries,
            "platform_id": draft.platform_id,
        }
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
