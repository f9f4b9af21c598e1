"""GET/POST /set_password: the page a set_password_link or a welcome e-mail's code leads to.

A plain HTML form (no scripts, no third-party assets) under Django's CSRF protection. The code
travels in the query string of the link only; the form posts it in the body, and server logs
redact ``signup_token=`` (apps/core/logsafety.py).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from apps.accounts.services import invitations
from apps.core.errors import RateLimited, ValidationFailed

# The page shows a secret and takes a password: no caching, no framing, no referrer, nothing
# loaded from anywhere, posts only to itself.
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
}


def _page(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, "accounts/set_password.html", context, status=status)
    for name, value in _HEADERS.items():
        response[name] = value
    return response


@csrf_protect
@require_http_methods(["GET", "POST"])
def set_password(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        code = request.GET.get("signup_token", "")[: invitations.MAX_CODE_LENGTH]
        return _page(request, {"code": code, "code_given": bool(code)})
    code = request.POST.get("signup_token", "")
    try:
        invitations.invitation_accept(
            code=code, password=request.POST.get("password"),
            password_confirmation=request.POST.get("password_confirmation"),
            client_address=request.META.get("REMOTE_ADDR") or "unknown")
    except RateLimited as error:
        response = _page(request, {"refused": str(error)}, status=429)
        response["Retry-After"] = str(error.retry_after)
        return response
    except ValidationFailed as error:
        messages = error.messages
        if any(m.field == "signup_token" for m in messages):
            return _page(request, {"refused": invitations.REFUSED}, status=400)
        # The code is still good: the form comes back with it, and with what to change.
        return _page(request, {"code": code[: invitations.MAX_CODE_LENGTH], "code_given": True,
                               "errors": [f"{m.field.replace('_', ' ').capitalize()} {m.message}"
                                          if m.message[:1].islower() else m.message for m in messages]},
                     status=400)
    return _page(request, {"done": True})
