from hofstadter.cli import main

raise SystemExit(main())
