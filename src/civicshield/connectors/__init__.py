"""Adapters for outside systems (IMAP, ManageSieve, SMTP, Graph, Gmail, ...). No Django here."""
