"""Accounts' pages: login (login.py), second factor and re-authentication (twofactor.py),
passwords (passwords.py), the user's own account and tokens (account.py), user management
for administrators (users.py)."""
