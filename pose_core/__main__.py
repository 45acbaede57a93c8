import sys

from pose_core.cli import main

sys.exit(main())
