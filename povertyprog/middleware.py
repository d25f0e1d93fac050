"""Security headers Django does not set itself: a Content-Security-Policy that allows only the
app's own assets (no CDN, no inline script), and a Permissions-Policy that turns off device APIs."""

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class MalformedRequestMiddleware:
    """A NUL character in the path or the query (/bao-cao/%00/) cannot name anything and PostgreSQL
    refuses it in any text parameter: answer 400 before a view turns it into a server error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http import HttpResponseBadRequest

        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            return HttpResponseBadRequest(
                "Địa chỉ không hợp lệ.".encode(), content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # A view may widen it (the document preview carries its print stylesheet inline).
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS)
        return response


class WriteLogMiddleware:
    """One structured log line per write (POST, PUT, PATCH, DELETE): who, which unit, what, result,
    how long — key=value pairs a log collector can parse. The audit tables keep the values."""

    WRITES = {"POST", "PUT", "PATCH", "DELETE"}

    def __init__(self, get_response):
        import logging
        import time

        self.get_response = get_response
        self.logger = logging.getLogger("povertyprog.writes")
        self.clock = time.perf_counter

    def __call__(self, request):
        started = self.clock()
        response = self.get_response(request)
        if request.method in self.WRITES:
            user = getattr(request, "user", None)
            known = user is not None and user.is_authenticated
            self.logger.info(
                "write method=%s path=%s status=%s user=%s unit=%s ms=%.0f",
                request.method,
                request.path,
                response.status_code,
                user.username if known else "-",
                (user.unit.code if known and user.unit_id else "-"),
                (self.clock() - started) * 1000,
            )
        return response
