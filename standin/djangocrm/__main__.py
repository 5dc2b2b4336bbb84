import sys

from standin.djangocrm.demo import main

sys.exit(main())
