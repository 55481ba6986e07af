from django.contrib.auth.views import LogoutView
from django.urls import path

from .views import account, login, passwords, twofactor, users

app_name = "accounts"
urlpatterns = [
    path("login", login.StaffLoginView.as_view(), name="login"),
    path("logout", LogoutView.as_view(), name="logout"),
    path("login/two-factor", twofactor.verify, name="two-factor-verify"),
    path("login/two-factor/setup", twofactor.setup, name="two-factor-setup"),
    path("login/confirm", twofactor.confirm, name="confirm"),
    path("password/reset", passwords.PasswordResetView.as_view(), name="password-reset"),
    path(
        "password/reset/sent", passwords.PasswordResetDoneView.as_view(), name="password-reset-done"
    ),
    path(
        "password/reset/<uidb64>/<token>",
        passwords.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/complete",
        passwords.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("staff/start", login.landing, name="landing"),
    path("staff/account", account.account, name="account"),
    path("staff/account/password", passwords.PasswordChangeView.as_view(), name="password-change"),
    path("staff/account/recovery-codes", twofactor.recovery_codes, name="recovery-codes"),
    path(
        "staff/account/tokens/<str:prefix>/revoke",
        account.revoke_own_token,
        name="own-token-revoke",
    ),
    path("staff/account/sessions/end", account.end_other_sessions, name="end-other-sessions"),
    path("staff/users", users.user_list, name="user-list"),
    path("staff/users/invite", users.user_invite, name="user-invite"),
    path("staff/users/<int:user_id>", users.user_detail, name="user-detail"),
    path("staff/users/<int:user_id>/access", users.user_access, name="user-access"),
    path("staff/users/<int:user_id>/active", users.user_active, name="user-active"),
    path(
        "staff/users/<int:user_id>/second-factor", users.user_reset_factor, name="user-reset-factor"
    ),
    path("staff/users/<int:user_id>/unlock", users.user_unlock, name="user-unlock"),
    path(
        "staff/users/<int:user_id>/sessions/end", users.user_end_sessions, name="user-end-sessions"
    ),
    path(
        "staff/users/<int:user_id>/password-link",
        users.user_password_link,
        name="user-password-link",
    ),
    path("staff/users/<int:user_id>/tokens", users.user_token_issue, name="user-token-issue"),
    path(
        "staff/users/<int:user_id>/tokens/<str:prefix>/revoke",
        users.user_token_revoke,
        name="user-token-revoke",
    ),
]
