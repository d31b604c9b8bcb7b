/* 评优台账 web import: while the upload is checked and written (the form posts as usual and the
   browser waits for the answer), poll the import's progress and show it. Without this script
   the form works the same, without the bar. */
(function () {
  "use strict";
  function watch(form) {
    form.addEventListener("submit", function () {
      var box = document.getElementById("import-progress");
      var bar = document.getElementById("import-bar");
      var count = document.getElementById("import-count");
      var key = form.elements.progress_key.value;
      if (!box || !key) return;
      box.hidden = false;
      count.textContent = "正在上传并检查…";
      var timer = setInterval(function () {
        fetch("/ui/imports/progress/" + encodeURIComponent(key), { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (p) {
            if (p.total > 0) {
              bar.max = p.total;
              bar.value = p.done;
              count.textContent = "已写入 " + p.done + " / " + p.total + " 行";
            } else if (p.running) {
              count.textContent = "正在检查每一行…";
            }
          }, function () { clearInterval(timer); });
      }, 700);
    });
  }
  ["import-form", "mapping-form"].forEach(function (id) {
    var form = document.getElementById(id);
    if (form) watch(form);
  });
})();
