"""Reads for the task pages: what each site contributes, merged across sites."""
