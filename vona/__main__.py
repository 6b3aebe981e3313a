"""``python -m vona`` runs the ``vona`` command."""

from vona.cli import main

raise SystemExit(main())
