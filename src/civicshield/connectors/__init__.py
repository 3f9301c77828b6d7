"""Adapters for outside systems (IMAP, ManageSieve, SMTP, Mastodon, Bluesky, ...). No Django here."""
