"""python -m local_gateway: serve (default), invoke, routes."""
from __future__ import annotations

import sys

from local_gateway.cli import main

sys.exit(main())
