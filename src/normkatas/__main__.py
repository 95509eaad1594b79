"""`python -m normkatas` is the `grade` command."""

from normkatas.app.cli import main

raise SystemExit(main())
