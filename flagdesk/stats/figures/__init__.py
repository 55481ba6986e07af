"""The dashboard's figures, each a plain function of a ``Filters`` (docs/statistics.md).

Every figure is counted in the database from items, reports, notices, decisions and the case
facts (``values()``/``annotate()``), never by looping over rows in Python, so the page costs
the same number of queries whatever the amount of data, and any past period can be computed
again with the same result. One module per concept: ``reports`` (volumes per month, year and
phenomenon, year on year), ``victims`` (age bands, gender, school level, sextortion and
grooming facts), ``notices`` (rates per platform), ``timing`` (hours to an answer),
``conduct`` (the EU hate-speech Code of Conduct), ``quality`` (refusals, re-notices, items past
their SLA).
"""

from .period import Filters, default_filters

__all__ = ["Filters", "default_filters"]
