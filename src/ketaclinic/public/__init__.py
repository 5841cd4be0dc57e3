"""The clinic's public site: who the clinic is and what it offers, in its own name, for
visitors who are not signed in (issue 12 §1; docs/public-site.md)."""
