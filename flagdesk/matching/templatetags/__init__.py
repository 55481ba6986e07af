"""Template tags of the matching app: the item page's panel and hash display filters."""
