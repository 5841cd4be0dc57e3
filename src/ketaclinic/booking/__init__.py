"""Booking from the public site, the patient's manage link, and the emails every
appointment sends: confirmation, change, cancellation and reminders with a calendar file
(issue 12 §1 and §6; docs/booking.md)."""
