from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_screenshots(settings):
    # Tests that want the browser switch it back on; the rest never start chromium.
    settings.CIVICSHIELD_SCREENSHOTS = False
