"""``python -m ketaclinic.cli``: the ``ketaclinic`` console script without its launcher."""

from __future__ import annotations

import sys

from ketaclinic.cli import main

if __name__ == "__main__":
    sys.exit(main())
