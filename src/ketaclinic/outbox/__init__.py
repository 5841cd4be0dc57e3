"""Email the clinic owes someone at a given time (appointment reminders), delivered by the
task queue exactly as scheduled, surviving a lost worker (docs/deploy.md "Background work")."""
