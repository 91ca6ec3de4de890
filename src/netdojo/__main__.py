from netdojo.cli import main

raise SystemExit(main())
