"""Index the corpus from a checkout: ``python -m ingest [PATH ...] [--rebuild] [--index DIR]``.

The same as ``cluster-assistant ingest``; the code lives in ``assistant.ingest``.
"""

import sys

from assistant.cli import main

if __name__ == "__main__":
    sys.argv = ["cluster-assistant", "ingest", *sys.argv[1:]]
    main()
