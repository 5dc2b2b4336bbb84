"""A stand-in Frappe CRM site: one process, many sites, each on its own port.

The package only uses the Python standard library so that it starts anywhere
(`python -m standin --demo`). Behaviour follows `contract/README.md`
and the recordings it cites; the numbers in comments (e.g. [016]) are recording
files. The server never reads the recordings themselves: only the replay harness
(`standin.replay`) does.
"""

__version__ = "0.1.0"
