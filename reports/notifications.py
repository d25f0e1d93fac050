"""In-app notifications, and e-mail when the server is configured to send it (NOTIFY_BY_EMAIL)."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from reports.models import Notification

logger = logging.getLogger(__name__)


def notify(users, text: str, submission=None) -> None:
    url = reverse("reports:submission", args=[submission.pk]) if submission is not None else ""
    Notification.objects.bulk_create([Notification(user=u, text=text[:300], url=url) for u in users])
    if getattr(settings, "NOTIFY_BY_EMAIL", False):
        recipients = [u.email for u in users if u.email]
        if recipients:
            try:
                send_mail("Hệ thống báo cáo giảm nghèo", text, None, recipients)
            except OSError:  # the notification is in the app: a mail server down must not undo the decision
                logger.exception("notification e-mail not sent")
