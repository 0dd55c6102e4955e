"""``python -m bench.vs_langchain_postgres``: run the comparison."""

from bench.vs_langchain_postgres.cli import main

raise SystemExit(main())
