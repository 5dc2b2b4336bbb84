"""`python -m standin.replay`: the Frappe harness (its figure line first), then the
Django-CRM one (`djangocrm: reproduced N of M recordings ...`), then the EspoCRM one
(`espocrm: reproduced N of M recordings ..., D of 20 deliveries`)."""

from __future__ import annotations

from standin.djangocrm import replay as djangocrm
from standin.espocrm import replay as espocrm
from standin.frappe.replay import runner as frappe


def main(argv: list[str] | None = None) -> int:
    args = frappe.parser().parse_args(argv)
    code = frappe.run(args)
    if code == 2:  # no Frappe replay.json: nothing was replayed
        return code
    # The Django-CRM and EspoCRM stand-ins have their own recordings and harnesses
    # (standin/djangocrm/replay.py, standin/espocrm/replay.py).
    djangocrm_code = djangocrm.main(verbose=args.verbose)
    espocrm_code = espocrm.main(verbose=args.verbose)
    return 0 if code == 0 and djangocrm_code == 0 and espocrm_code == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
