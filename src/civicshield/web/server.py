"""Serve the WSGI app with gunicorn (a production server, not Django's development one)."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


class _CivicShieldServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from civicshield.web.wsgi import application

        return application


def run_gunicorn(*, bind: str, workers: int) -> None:
    _CivicShieldServer(
        {
            "bind": bind,
            "workers": max(1, workers),
            "threads": 4,
            "worker_class": "gthread",
            "accesslog": "-",
            "timeout": 60,
            "graceful_timeout": 20,
            # Behind a proxy, only trust X-Forwarded-* from loopback.
            "forwarded_allow_ips": "127.0.0.1",
            # No admin control socket: several servers (tests, benchmarks) may share a home.
            "control_socket_disable": True,
        }
    ).run()
