"""``python -m dreamlang``: the same as the ``dreamc`` command."""

import sys

from dreamlang.cli import main

if __name__ == "__main__":
    sys.exit(main())
