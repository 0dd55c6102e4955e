"""``python -m bench.search``: run the search benchmark."""

from bench.search.cli import main

raise SystemExit(main())
