"""User management for administrators: invite, change access, deactivate, reset a second
factor, unlock, issue and revoke tokens. Administrators manage accounts; they see no case
content unless they also hold a case role (the permission table has no case row for them).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from flagdesk.core.errors import FlagdeskError

from ..forms import AccessForm, InviteForm, ReasonForm, TokenForm
from ..lockout import fold
from ..models import RecoveryCodes, TotpDevice, User
from ..permissions import role_required, staff_user
from ..policy import Action, roles_for
from ..reauth import recent_login_required
from ..services import issue_token, revoke_token, twofactor
from ..services import users as accounts
from ..services.sessions import end_sessions
from ..services.tokens import default_scope, tokens_of

MANAGERS = roles_for(Action.USERS_MANAGE)


@role_required(*MANAGERS)
def user_list(request: HttpRequest) -> HttpResponse:
    users = list(User.objects.order_by("username"))
    with_factor = set(TotpDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    locked = accounts.locked_usernames()
    rows = [
        {"user": u, "has_factor": u.pk in with_factor, "locked": fold(u.username) in locked}
        for u in users
    ]
    return render(request, "accounts/user_list.html", {"rows": rows})


@role_required(*MANAGERS)
def user_invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None, initial={"language": request.LANGUAGE_CODE})
    if form.is_valid():
        data = form.cleaned_data
        try:
            user = accounts.invite(
                data["username"],
                email=data["email"],
                role=data["role"],
                minors_clearance=data["minors_clearance"],
                language=data["language"],
                actor=staff_user(request),
            )
        except accounts.MailNotSent as e:
            created = User.objects.get(username=data["username"])
            messages.error(
                request,
                _("%(username)s is created, but the invitation did not leave: %(why)s")
                % {"username": created.username, "why": e.message},
            )
            return redirect("accounts:user-detail", user_id=created.pk)
        except FlagdeskError as e:
            form.add_error(None, e.message)
            for field, errors in e.fields.items():
                if field in form.fields:
                    for error in errors:
                        form.add_error(field, error)
        else:
            messages.success(
                request,
                _("%(username)s is invited: a link to choose a password went to %(email)s.")
                % {"username": user.username, "email": user.email},
            )
            return redirect("accounts:user-detail", user_id=user.pk)
    return render(request, "accounts/user_invite.html", {"form": form})


@role_required(*MANAGERS)
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    subject = get_object_or_404(User, pk=user_id)
    recovery = RecoveryCodes.objects.filter(user=subject).first()
    return render(
        request,
        "accounts/user_detail.html",
        {
            "subject": subject,
            "access_form": AccessForm(
                initial={"role": subject.role, "minors_clearance": subject.minors_clearance}
            ),
            "reason_form": ReasonForm(),
            "token_form": TokenForm(
                initial={"scope": default_scope(subject), "expires_days": settings.TOKEN_DAYS}
            ),
            "has_factor": twofactor.has_second_factor(subject),
            "recovery_left": recovery.remaining() if recovery else 0,
            "locked": accounts.is_locked_out(subject),
            "tokens": tokens_of(subject),
            "is_self": subject.pk == request.user.pk,
        },
    )


def _done(
    request: HttpRequest, subject: User, error: FlagdeskError | None, ok: str
) -> HttpResponse:
    if error is not None:
        messages.error(request, str(error.message))
    else:
        messages.success(request, ok)
    return redirect("accounts:user-detail", user_id=subject.pk)


def _reason(request: HttpRequest) -> str:
    return str(request.POST.get("reason", ""))


@require_POST
@role_required(*MANAGERS)
@recent_login_required
def user_access(request: HttpRequest, user_id: int) -> HttpResponse:
    subject = get_object_or_404(User, pk=user_id)
    form = AccessForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role and say why."))
        return redirect("accounts:user-detail", user_id=subject.pk)
    try:
        accounts.change_access(
            subject,
            role=form.cleaned_data["role"],
            minors_clearance=form.cleaned_data["minors_clearance"],
            actor=staff_user(request),
            reason=form.cleaned_data["reason"],
        )
    except FlagdeskError as e:
        return _done(request, subject, e, "")
    return _done(request, subject, None, _("The access of %(u)s is changed.") % {"u": subject})


@require_POST
@role_required(*MANAGERS)
def user_active(request: HttpRequest, user_id: int) -> HttpResponse:
    subject = get_object_or_404(User, pk=user_id)
    active = request.POST.get("active") == "1"
    try:
        accounts.set_active(
            subject, active=active, actor=staff_user(request), reason=_reason(request)
        )
    except FlagdeskError as e:
        return _done(request, subject, e, "")
    ok = _("%(u)s can log in again.") if active else _("%(u)s can no longer log in.")
    return _done(request, subject, None, ok % {"u": subject})


@require_POST
@role_required(*MANAGERS)
@recent_login_required
def user_reset_factor(request: HttpRequest, user_id: int) -> HttpResponse:
    subject = get_object_or_404(User, pk=user_id)
    try:
        twofactor.reset(subject, actor=staff_user(request), reason=_reason(request))
    except FlagdeskError as e:
        return _done(request, subject, e, "")
    return _done(
        request,
        subject,
        None,
        _("The second factor of %(u)s is removed; they set up a new one at their next login.")
        % {"u": subject},
    )


@require_POST
@role_required(*MANAGERS)
def user_unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    subject = get_object_or_404(User, pk=user_id)
    accounts.unlock(subject, actor=staff_user(request))
    return _done(request, subject, None, _("%(u)s may try to log in again.") % {"u": subject})


@require_POST
@role_required(*MANAGERS)
@recent_login_required
def user_token_issue(request: HttpRequest, user_id: int) -> HttpResponse:
    subject = get_object_or_404(User, pk=user_id)
    form = TokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a scope and a lifetime in days."))
        return redirect("accounts:user-detail", user_id=subject.pk)
    try:
        token = issue_token(
            subject,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            expires_days=form.cleaned_data["expires_days"],
            actor=staff_user(request),
        )
    except FlagdeskError as e:
        return _done(request, subject, e, "")
    return render(request, "accounts/token_issued.html", {"subject": subject, "token": token})


@require_POST
@role_required(*MANAGERS)
def user_token_revoke(request: HttpRequest, user_id: int, prefix: str) -> HttpResponse:
    subject = get_object_or_404(User, pk=user_id)
    try:
        revoke_token(prefix, actor=staff_user(request), owner=subject)
    except FlagdeskError as e:
        return _done(request, subject, e, "")
    return _done(
        request, subject, None, _("The token %(prefix)s… is revoked.") % {"prefix": prefix}
    )


@require_POST
@role_required(*MANAGERS)
def user_end_sessions(request: HttpRequest, user_id: int) -> HttpResponse:
    subject = get_object_or_404(User, pk=user_id)
    reason = _reason(request).strip()
    if not reason:
        return _done(request, subject, FlagdeskError(_("Say why.")), "")
    end_sessions(subject, actor=staff_user(request), reason=reason)
    return _done(
        request, subject, None, _("Every session of %(u)s is signed out.") % {"u": subject}
    )


@require_POST
@role_required(*MANAGERS)
def user_password_link(request: HttpRequest, user_id: int) -> HttpResponse:
    """Mail the user a link to choose a new password: administrators never choose it."""
    subject = get_object_or_404(User, pk=user_id)
    try:
        accounts.send_password_link(subject, actor=staff_user(request))
    except FlagdeskError as e:
        return _done(request, subject, e, "")
    return _done(
        request,
        subject,
        None,
        _("A link to choose a new password went to %(email)s.") % {"email": subject.email},
    )
