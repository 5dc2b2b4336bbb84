import sys

from standin.espocrm.demo import main

sys.exit(main())
