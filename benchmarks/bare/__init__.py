"""A bare Django endpoint for benchmarks/bench_vitals.py: never part of the product.

It validates a small JSON body of vital signs with a Django form and inserts one row and
one (unchained) audit row in a transaction: the least a Django view can do for the same
request, to measure the product's vitals endpoint against. It exists only in a server
started with ``DJANGO_SETTINGS_MODULE=bare.settings`` (and ``benchmarks/`` on the Python
path); ``ketaclinic.settings`` and ``ketaclinic.urls`` never name it, so the product's routes
(``ketaclinic.security.ROUTE_ACCESS``, checked by ``make rules``) do not change.
"""
