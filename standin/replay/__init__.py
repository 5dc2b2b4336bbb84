"""The replay harness: measures how faithfully the stand-in reproduces the
recordings of a real site, under the rules of `recordings/replay.json`.

Run it with `python -m standin.replay [--recordings DIR] [--flavour F]
[--part 1|2] [--only NNN] [-v]`. Unlike the server, the harness reads the
recordings: they are its expected answers.
"""
