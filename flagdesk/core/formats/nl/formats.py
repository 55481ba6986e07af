"""ISO dates and times, as in every language (see ``flagdesk.core.formats``)."""

from flagdesk.core.formats import *  # noqa: F403 - the same formats in every language
