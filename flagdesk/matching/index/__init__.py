"""PDQ indexes behind one interface (``HashIndex``); see ``base.py``."""
