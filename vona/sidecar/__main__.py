"""``python -m vona.sidecar``: the same as ``vona sidecar``."""

from vona.sidecar.server import sidecar_main

raise SystemExit(sidecar_main())
