from tavo_tui.cli import main

raise SystemExit(main())
