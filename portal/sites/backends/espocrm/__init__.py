"""EspoCRM sites (contract/espocrm/README.md): the Task API under ``/api/v1``."""
