"""The DSA Transparency Database cross-check (docs/transparency-database.md): dump files read
as a stream (``reading``, ``rows``), imported (``importing.import_dump``), statements linked to
our notices (``linking``) and compared with what platforms told us (``queries``)."""
