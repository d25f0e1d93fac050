// Follows a background import: polls the status URL, moves the bar, reloads when it ends.
(function () {
  var box = document.querySelector("[data-status-url]");
  if (!box) return;
  var bar = document.getElementById("job-progress");
  var text = document.getElementById("job-progress-text");
  var format = function (n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "."); };
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        bar.max = Math.max(data.total, 1);
        bar.value = data.done;
        text.textContent = data.total ? format(data.done) + " / " + format(data.total) + " dòng" : "đang chờ xử lý…";
        if (data.status === "checking" || data.status === "importing") {
          setTimeout(poll, 1000);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
