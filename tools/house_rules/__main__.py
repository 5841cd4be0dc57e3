"""``python -m tools.house_rules``: check the house rules (``make rules``)."""

from __future__ import annotations

import sys

from tools.house_rules.engine import main

sys.exit(main())
