# The one import that runs up the layers: `python -m challenges` is the bench's command line.
from hofstadter.cli import main

raise SystemExit(main())
