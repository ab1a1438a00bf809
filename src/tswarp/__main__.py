"""``python -m tswarp``: the ``tswarp`` command line (see :mod:`tswarp.cli`)."""

import sys

from tswarp.cli import main

# Guarded so that importing this module (as documentation tools do) runs nothing.
if __name__ == "__main__":
    sys.exit(main())
