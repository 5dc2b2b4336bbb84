"""Views of the task pages, one module per page; every view checks access in Python."""
