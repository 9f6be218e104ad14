"""``python -m gan_course`` is the ``gan-course`` command line."""

import sys

from gan_course.cli import main

sys.exit(main())
