"""Administration of staff accounts: users, their passwords and personal API tokens (``/admin/users/...``).
Admins manage everyone; a manager manages the clerks and managers of their own offices."""
from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_user
from sqlalchemy import select

from queue_service.clock import now
from queue_service.domain.errors import ValidationFailed
from queue_service.extensions import db
from queue_service.models import ApiToken, User
from queue_service.services import admin as uc
from queue_service.web.access import accessible_offices, principal, require
from queue_service.web.admin.common import ROLE_LABELS, STAFF, invalid_page, no_store, save_form, acting_user, bp
from queue_service.web.admin.forms import PasswordForm, TokenForm, UserForm
from queue_service.web.forms import apply_error, choices


def _scope() -> set[int] | None:
    """Offices the current user may hand out (None = all: an admin)."""
    p = principal()
    return None if p.is_admin else set(p.office_ids)


def _manageable(user: User) -> bool:
    scope = _scope()
    if scope is None:
        return True
    ids = {o.id for o in user.offices}
    return user.role != "admin" and bool(ids) and ids <= scope


def _user_or_403(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if not _manageable(user):
        abort(403, description="You may not manage this user.")
    return user


@bp.get("/users")
@require(roles=STAFF)
def users():
    rows = [u for u in db.session.scalars(select(User).order_by(User.username)) if _manageable(u)]
    return render_template("admin/users.html", users=rows)


def _user_form(user: User | None) -> UserForm:
    form = UserForm(obj=user)
    scope = _scope()
    roles = ("admin", "manager", "clerk") if scope is None else ("manager", "clerk")
    form.role.choices = choices((r, str(ROLE_LABELS[r])) for r in roles)
    form.offices.choices = choices((o.id, f"{o.code} — {o.name}") for o in accessible_offices())
    if not form.is_submitted():
        form.password.data = ""
        if user is not None:
            form.offices.data = [o.id for o in user.offices if scope is None or o.id in scope]
        elif scope is not None and len(scope) == 1:
            form.offices.data = list(scope)
        if user is None:
            form.role.data = "clerk"
    return form


def _user_page(user: User, form=None, pw_form=None, token_form=None, status=200, new_token=None):
    tokens = list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                     .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))
    html = render_template("admin/user_form.html", user=user, form=form or _user_form(user),
                           pw_form=pw_form or PasswordForm(formdata=None),
                           token_form=token_form or TokenForm(formdata=None), tokens=tokens,
                           new_token=new_token)
    response = make_response(html, status)
    return no_store(response) if new_token else response


def _user_data(form: UserForm) -> uc.UserData:
    return uc.UserData(username=form.username.data or "", full_name=form.full_name.data or "", role=form.role.data,
                       office_ids=form.offices.data or [], active=form.active.data, password=form.password.data)


@bp.route("/users/new", methods=["GET", "POST"])
@require(roles=STAFF)
def user_new():
    form = _user_form(None)
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors = [*form.password.errors, _("Wajib diisi.")]
        else:
            saved = save_form(form, lambda: uc.save_user(db.session, None, _user_data(form), actor=acting_user(),
                                                     allowed_office_ids=_scope()), integrity_field="username")
            if saved is not None:
                flash(_("Pengguna %(username)s dibuat.", username=saved.username))
                return redirect(url_for("admin.user_edit", user_id=saved.id))
    if form.is_submitted():
        return invalid_page("admin/user_new.html", form=form)
    return render_template("admin/user_new.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@require(roles=STAFF)
def user_edit(user_id: int):
    user = _user_or_403(user_id)
    form = _user_form(user)
    if form.validate_on_submit():
        data = _user_data(form)
        data.password = None  # the password is changed with its own form
        saved = save_form(form, lambda: uc.save_user(db.session, user, data, actor=acting_user(),
                                                 allowed_office_ids=_scope()), integrity_field="username")
        if saved is not None:
            flash(_("Pengguna %(username)s disimpan.", username=saved.username))
            return redirect(url_for("admin.user_edit", user_id=user_id))
        user = _user_or_403(user_id)
    if form.is_submitted():
        return _user_page(user, form=form, status=422)
    return _user_page(user, form=form)


@bp.post("/users/<int:user_id>/password")
@require(roles=STAFF)
def user_password(user_id: int):
    user = _user_or_403(user_id)
    pw_form = PasswordForm()
    if pw_form.validate_on_submit():
        try:
            uc.set_password(db.session, user, pw_form.new_password.data)
            db.session.commit()
            if user.id == acting_user().id:  # their own password: this session goes on, every other one ends
                login_user(user)
            flash(_("Kata sandi %(username)s diganti.", username=user.username))
            return redirect(url_for("admin.user_edit", user_id=user_id))
        except ValidationFailed as exc:
            db.session.rollback()
            exc.details["field"] = "new_password"
            apply_error(pw_form, exc)
    return _user_page(user, pw_form=pw_form, status=422)


@bp.post("/users/<int:user_id>/tokens")
@require(roles=STAFF)
def user_token_new(user_id: int):
    user = _user_or_403(user_id)
    token_form = TokenForm()
    if token_form.validate_on_submit():
        result = save_form(token_form, lambda: uc.issue_api_token(db.session, user, name=token_form.name.data,
                                                              now=now()), integrity_field="name")
        if result is not None:
            return _user_page(user, token_form=TokenForm(formdata=None), status=201, new_token=result[1])
    return _user_page(user, token_form=token_form, status=422)


@bp.post("/users/<int:user_id>/tokens/<int:token_id>/revoke")
@require(roles=STAFF)
def user_token_revoke(user_id: int, token_id: int):
    user = _user_or_403(user_id)
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        abort(404)
    uc.revoke_api_token(db.session, token, now=now())
    db.session.commit()
    flash(_("Token \"%(name)s\" dicabut.", name=token.name))
    return redirect(url_for("admin.user_edit", user_id=user_id))
