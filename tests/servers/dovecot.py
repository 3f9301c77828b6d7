"""A private, throw-away Dovecot (IMAP + ManageSieve) for tests, on loopback ports.

Facts behind the choices (see /work/shared/research/test-servers.md):

1. The packaged service never starts on CI (``policy-rc.d`` denies it), so each test session
   starts its own ``dovecot -c CONFIG`` with its own ``base_dir``, ``state_dir`` and log in a
   temporary folder, and stops it by the PID in ``base_dir/master.pid``. Nothing outside that
   folder is touched.
2. Dovecot's login processes refuse to run as root, so when the tests run as root the login and
   internal processes use Debian's ``dovenull`` and ``dovecot`` users, and mail is stored by a
   dedicated unprivileged user (``civicshield-mail`` unless ``CIVICSHIELD_TEST_MAIL_USER`` says
   otherwise) that owns the mail folder. Run as an ordinary user, every process is that user.
3. ``dovecot -c`` forks into the background but keeps the caller's stdout open, which hangs a test
   harness that reads the pipe: its output goes to a file.
4. If Dovecot is missing the tests are skipped with a reason, except when ``CI=true``: there
   they fail, so CI can never silently skip the real-server tests.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

DOVECOT = "dovecot"
DEFAULT_MAIL_USER = "civicshield-mail"
MAIL_USER_VARIABLE = "CIVICSHIELD_TEST_MAIL_USER"
DEBIAN_PACKAGES = ("dovecot-imapd", "dovecot-managesieved", "dovecot-sieve")

SPARE_ACCOUNTS = 200

#: The office's test accounts: address -> password.
DEFAULT_USERS = {
    "office@example.gov.uk": "correct horse battery staple",
    "abuse@example.gov.uk": "tulip anchor lantern",
}

NOT_INSTALLED = (
    "Dovecot is not installed (need the Debian packages " + ", ".join(DEBIAN_PACKAGES) + ")"
)
MAIL_USER_MISSING = (
    "the unprivileged mail user {user!r} does not exist; create it with "
    "`useradd --system --user-group --no-create-home --shell /usr/sbin/nologin {user}`"
)


@dataclass
class DovecotServer:
    """A running private Dovecot. Addresses are loopback; ``users`` maps login name to password."""

    host: str
    """Always 127.0.0.1."""
    imap_port: int
    """Plain IMAP (no TLS; loopback only)."""
    sieve_port: int
    """ManageSieve (RFC 5804)."""
    users: dict[str, str]
    """Login name -> password, as configured in the passwd-file."""
    root: Path
    """The temporary folder holding configuration, runtime files, log and mail."""
    pid: int = 0
    """Dovecot master process id, read from ``master.pid``."""
    imaps_port: int = 0
    """IMAP over TLS, when started with ``tls=True`` (0 otherwise)."""
    log_path: Path = field(init=False)
    """Dovecot's own log, useful when a test fails."""

    def __post_init__(self) -> None:
        self.log_path = self.root / "dovecot.log"

    spare: list[tuple[str, str]] = field(default_factory=list)
    """Logins made at start-up and not yet handed out (see ``take_account``)."""

    @property
    def cert_path(self) -> Path:
        """The self-signed certificate (PEM) of a ``tls=True`` server."""
        return self.root / "cert.pem"

    def trusting_context(self) -> ssl.SSLContext:
        """A TLS context that trusts this server's certificate and nothing else."""
        return ssl.create_default_context(cafile=str(self.cert_path))

    def take_account(self) -> tuple[str, str]:
        """A login (address, password) no other test has used, so tests never share mail.

        Comes from a pool written at start-up: Dovecot re-reads a changed passwd-file at most once
        a second, so a login added during the run can be refused for up to a second.
        """
        if self.spare:
            return self.spare.pop(0)
        name = f"extra{len(self.users)}-{secrets.token_hex(3)}@example.gov.uk"
        password = secrets.token_urlsafe(12)
        with open(self.root / "passwd", "a") as passwd:
            passwd.write(f"{name}:{{PLAIN}}{password}::::::\n")
        self.users[name] = password
        time.sleep(1.1)  # let Dovecot's once-a-second passwd-file check see the new line
        return name, password

    def log(self) -> str:
        """Dovecot's log so far (attach it to failing assertions)."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""


class DovecotUnavailable(Exception):
    """Dovecot cannot be started here; the message says why."""


def skip_or_fail(reason: str) -> None:
    """Skip the test with ``reason``, or fail when CI=true so CI never silently skips."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    """An unprivileged TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _accounts() -> tuple[str, str, str, int, int]:
    """(login user, internal user, mail user, mail uid, mail gid) for the current privileges."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        return me.pw_name, me.pw_name, me.pw_name, me.pw_uid, me.pw_gid
    mail_user = os.environ.get(MAIL_USER_VARIABLE, DEFAULT_MAIL_USER)
    for user in ("dovenull", "dovecot"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            raise DovecotUnavailable(
                f"the system user {user!r} is missing (the Debian Dovecot packages create it)"
            ) from None
    try:
        entry = pwd.getpwnam(mail_user)
    except KeyError:
        raise DovecotUnavailable(MAIL_USER_MISSING.format(user=mail_user)) from None
    return "dovenull", "dovecot", mail_user, entry.pw_uid, entry.pw_gid


def _config(
    root: Path,
    imap_port: int,
    sieve_port: int,
    accounts: tuple[str, str, str, int, int],
    imaps_port: int,
) -> str:
    login_user, internal_user, _mail_user, uid, gid = accounts
    tls = (
        f"ssl = yes\nssl_cert = <{root}/cert.pem\nssl_key = <{root}/key.pem"
        if imaps_port
        else "ssl = no"
    )
    # Run as an ordinary user, Dovecot cannot hand its sockets to the "dovecot" group.
    internal_group = (
        f"default_internal_group = {grp.getgrgid(gid).gr_name}\n" if os.geteuid() != 0 else ""
    )
    return f"""\
# Private test instance: everything lives under {root}.
instance_name = civicshield-test-{root.name}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
listen = 127.0.0.1
protocols = imap sieve
# Loopback tests only: plain passwords allowed. TLS only when the test asks for it.
{tls}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_login_user = {login_user}
default_internal_user = {internal_user}
{internal_group}first_valid_uid = {min(uid, 100)}
first_valid_gid = 0
mail_location = maildir:~/Maildir
mailbox_list_index = yes
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
# No chroot: an ordinary user cannot chroot, and a throw-away loopback server gains nothing.
service anvil {{
  chroot =
  # No brute-force penalty: after the wrong-password tests it would delay every later login
  # from 127.0.0.1 by up to 15 seconds.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
  }}
}}
service managesieve-login {{
  chroot =
  inet_listener sieve {{
    address = 127.0.0.1
    port = {sieve_port}
  }}
}}
protocol imap {{
  mail_max_userip_connections = 50
}}
plugin {{
  sieve = file:~/sieve;active=~/.dovecot.sieve
}}
"""


def start_dovecot(
    users: dict[str, str] | None = None, *, tls: bool = False, timeout: float = 15.0
) -> DovecotServer:
    """Start a private Dovecot and wait until its ports accept connections.

    With ``tls``, it also offers STARTTLS and IMAP over TLS (``imaps_port``) with a fresh
    self-signed certificate for 127.0.0.1 (``cert_path``; trust it with ``trusting_context``).

    Raises DovecotUnavailable when the packages or users it needs are missing.
    """
    binary = shutil.which(DOVECOT) or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.path.exists(p)), None
    )
    if binary is None:
        raise DovecotUnavailable(NOT_INSTALLED)
    if not os.path.exists("/usr/lib/dovecot/managesieve") and os.geteuid() == 0:
        raise DovecotUnavailable(NOT_INSTALLED + ": ManageSieve (dovecot-managesieved) is missing")
    accounts = _accounts()
    users = dict(users or DEFAULT_USERS)
    spare = [
        (f"user{n:03d}-{secrets.token_hex(3)}@example.gov.uk", secrets.token_urlsafe(12))
        for n in range(SPARE_ACCOUNTS)
    ]
    # Not under pytest's tmp_path: that folder is private to root (0700), and the mail user must
    # be able to reach its own mail folder.
    root = Path(tempfile.mkdtemp(prefix="civicshield-dovecot-"))
    root.chmod(0o755)
    (root / "mail").mkdir()
    os.chown(root / "mail", accounts[3], accounts[4])
    passwd = root / "passwd"
    logins = [*users.items(), *spare]
    passwd.write_text("".join(f"{name}:{{PLAIN}}{secret}::::::\n" for name, secret in logins))
    passwd.chmod(0o644)
    imap_port, sieve_port = free_port(), free_port()
    while sieve_port == imap_port:
        sieve_port = free_port()
    imaps_port = 0
    if tls:
        _write_certificate(root)
        while imaps_port in (0, imap_port, sieve_port):
            imaps_port = free_port()
    config = root / "dovecot.conf"
    config.write_text(_config(root, imap_port, sieve_port, accounts, imaps_port))
    config.chmod(0o644)
    server = DovecotServer(
        "127.0.0.1", imap_port, sieve_port, users, root, spare=spare, imaps_port=imaps_port
    )
    with open(root / "stdout.log", "wb") as output:
        # Output to a file, stdin from /dev/null: the forked master keeps both open (fact 3).
        result = subprocess.run(
            [binary, "-c", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            check=False,
            timeout=timeout,
        )
    if result.returncode != 0:
        detail = (root / "stdout.log").read_text(errors="replace") + server.log()
        shutil.rmtree(root, ignore_errors=True)
        raise DovecotUnavailable(f"dovecot did not start (exit {result.returncode}): {detail}")
    deadline = time.monotonic() + timeout
    pid_file = root / "run" / "master.pid"
    while time.monotonic() < deadline:
        ports = (imap_port, sieve_port, *([imaps_port] if imaps_port else []))
        if pid_file.exists() and all(_accepts(port) for port in ports):
            server.pid = int(pid_file.read_text().strip())
            return server
        time.sleep(0.05)
    log = server.log()
    stop_dovecot(server)
    raise DovecotUnavailable(f"dovecot did not open its ports within {timeout} s: {log}")


def _write_certificate(root: Path) -> None:
    """A one-day self-signed certificate for 127.0.0.1 and localhost (key readable by root)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CivicShield test Dovecot")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (root / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path = root / "key.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def stop_dovecot(server: DovecotServer, *, timeout: float = 20.0) -> None:
    """Stop the master by the PID in master.pid, wait for it to go, and delete its folder.

    Dovecot's master takes a few seconds to exit after SIGTERM (about 6 s here, after its
    children are long gone); that happens once per test session.
    """
    pid = server.pid
    pid_file = server.root / "run" / "master.pid"
    if not pid and pid_file.exists():
        pid = int(pid_file.read_text().strip())
    if pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(pid):
                break
            time.sleep(0.05)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    shutil.rmtree(server.root, ignore_errors=True)


def _alive(pid: int) -> bool:
    """True while the process runs. A zombie counts as gone: the daemonised master's parent is
    PID 1, which may take a while to reap it, and a zombie holds no ports or files."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


@contextlib.contextmanager
def running_dovecot(
    users: dict[str, str] | None = None, *, tls: bool = False
) -> Iterator[DovecotServer]:
    """``with running_dovecot() as server:`` — a private Dovecot for the block's duration."""
    server = start_dovecot(users, tls=tls)
    try:
        yield server
    finally:
        stop_dovecot(server)
