"""Template tags of the notices app: the item page's panel with the platform's decision."""
