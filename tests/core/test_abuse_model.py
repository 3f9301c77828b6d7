"""The committed model artefact: small, plain NumPy (no pickle), loads with no network."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from civicshield.core.abuse.model import MODEL_PATH, load_model


def test_artefact_is_small_and_not_pickled():
    assert MODEL_PATH.exists()
    assert MODEL_PATH.stat().st_size < 10 * 1024 * 1024
    with np.load(MODEL_PATH, allow_pickle=False) as archive:
        assert {"idf_word", "idf_char", "coef", "intercept", "thresholds", "meta"} <= set(
            archive.files
        )


def test_model_loads_once_and_predicts():
    model = load_model()
    assert load_model() is model
    assert set(model.thresholds) == {"offensive", "hate"}
    probs = model.predict(
        ["you are a disgusting idiot", "lovely day"], np.zeros((2, 10), np.float32)
    )
    assert probs.shape == (2, 2)
    assert probs[0, 0] > probs[1, 0]


def test_classifies_with_the_network_switched_off():
    code = (
        "import socket\n"
        "def refuse(*a, **k):\n"
        "    raise RuntimeError('network used')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "socket.getaddrinfo = refuse\n"
        "from civicshield.core.abuse import classify\n"
        "print(classify('I know where you live').labels)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "threat" in out.stdout
