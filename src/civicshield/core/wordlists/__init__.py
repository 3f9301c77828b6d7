"""Word lists shipped with CivicShield (see README.md here for sources and licences)."""
