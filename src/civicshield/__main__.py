"""``python -m civicshield`` runs the command line."""

import sys

from civicshield.cli import main

sys.exit(main())
