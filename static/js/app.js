// A form is sent once: after the first submit its buttons are disabled (a double click on
// "Lưu" must not send two requests). The server also refuses a form sent twice.
// An action that cannot be undone (Gửi, Phê duyệt, Phê duyệt tất cả, Ban hành) asks first: its
// form carries the question in data-confirm.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.dataset.sent) { event.preventDefault(); return; }
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) { event.preventDefault(); return; }
  form.dataset.sent = "1";
  setTimeout(function () {
    form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) { b.disabled = true; });
  }, 0);
});
