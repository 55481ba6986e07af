"""Email intake: mails sent to the intake mailbox become draft reports for an intake officer.

``reading`` turns one raw mail into plain facts (never raises, trusts nothing);
``attachments`` hashes each attachment with the matching code, or refuses it, and keeps only
the record; ``services`` polls the mailbox and holds the officer's three decisions (confirm,
merge, discard). docs/intake.md, "Email", is the user's description.
"""
