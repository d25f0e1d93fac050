// A form is sent once: after the first submit its buttons are disabled (a double click on
// "Lưu" must not send two requests). The server also refuses a form sent twice.
// An action that cannot be undone (Gửi, Phê duyệt, Phê duyệt tất cả, Ban hành) asks first: its
// form carries the question in data-confirm.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (event.submitter && event.submitter.formTarget === "_blank") { return; }  // a preview in a new tab
  if (form.dataset.sent) { event.preventDefault(); return; }
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) { event.preventDefault(); return; }
  form.dataset.sent = "1";
  setTimeout(function () {
    form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) { b.disabled = true; });
  }, 0);
});

// Phones: the header's menu opens and closes with its button.
document.querySelectorAll(".menu-button").forEach(function (button) {
  button.addEventListener("click", function () {
    var open = button.closest(".topbar").classList.toggle("open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
});

// A table wider than its box scrolls sideways inside it: say so above it.
function markWideTables() {
  document.querySelectorAll("table.grid").forEach(function (table) {
    var box = table.parentElement;
    var wide = table.scrollWidth > table.clientWidth + 2 || table.scrollWidth > box.clientWidth + 2;
    var hint = table.previousElementSibling;
    var has = hint && hint.classList.contains("scroll-hint");
    if (wide && !has) {
      var p = document.createElement("p");
      p.className = "scroll-hint";
      p.setAttribute("data-testid", "scroll-hint");
      p.textContent = "Bảng rộng: kéo ngang trong bảng để xem các cột còn lại →";
      table.parentNode.insertBefore(p, table);
    } else if (!wide && has) {
      hint.remove();
    }
  });
}
markWideTables();
window.addEventListener("resize", markWideTables);
