"""Creating a record once, however often the request arrives (issue 8 #15).

A double click, a browser's resubmission or a client retrying after a timeout
sends the same create twice; without a guard the clinic gets two patients or
two medication entries. Every create in the UI carries a form token and every
create in the API an ``Idempotency-Key`` header; :func:`services.once` stores
the key with the result in the same transaction as the record, so a repeat
gets the first result back instead of a second record.
"""
