"""House rules checked by a machine (issue 9 #8): ``make rules``, part of ``make check``.

Run ``python -m tools.house_rules`` from the checkout (``--list`` names the rules,
``--rule ID`` runs one). Each violation prints as ``file:line: rule: message`` and the
exit status is 1 if there is any. The rules, with their exact definitions and limits:

- ``no-orm-in-views`` (rule_views.py): views and API modules never touch the ORM.
- ``save-update-fields`` (rule_services.py): services save existing rows with update_fields.
- ``service-atomic-audited`` (rule_services.py): a public service that writes is atomic
  and writes its audit record in that transaction.
- ``route-matrix`` (rule_routes.py): URL routes == keys of security.ROUTE_ACCESS.
- ``ketacore-private-import`` (rule_ketacore.py): private core modules stay in their package.
- ``ketacore-all`` (rule_ketacore.py): public core modules declare a true ``__all__``.

config.py lists the rules and the allowlist of known violations.
"""
