import sys

from jax_zoo.cli import main

sys.exit(main())
