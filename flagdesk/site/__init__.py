"""The composition layer (STYLE S1b): the one package that may import every app.

Apps offer services; a step that joins several apps is written here as plain calls in order,
so a reader sees in one place what runs after what (no signals, S8). Today: registering a
platform or adding a domain (platforms) adopts the items waiting for it (cases).
"""
