# The real-server fixtures. Imported rather than listed in ``pytest_plugins``, which pytest only
# accepts in the top-level conftest; once the lead registers ``tests.servers.plugin`` there,
# this file can go.
from tests.servers.plugin import (  # noqa: F401
    dovecot_factory,
    dovecot_server,
    mail_account,
    smtp_sink,
)
