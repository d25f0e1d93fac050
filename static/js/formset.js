// "Thêm thành viên": clone the formset's empty form (Django's __prefix__) and bump TOTAL_FORMS.
(function () {
  var button = document.getElementById("add-member");
  var box = document.getElementById("members");
  var template = document.getElementById("member-template");
  if (!button || !box || !template) return;
  var prefix = box.dataset.prefix;
  var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
  button.addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    box.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var first = box.lastElementChild.querySelector("input[type=text]");
    if (first) first.focus();
  });
})();
