/* 评优台账 form helpers (no inline script: the Content-Security-Policy forbids it): a live
   character counter for text areas with data-max, e.g. the nomination's 主要事迹 (≤ 800 字). */
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("textarea[data-max]"), function (area) {
    var max = Number(area.dataset.max);
    var counter = document.getElementById(area.getAttribute("aria-describedby"));
    function update() {
      var used = Array.from(area.value).length;  // characters, not UTF-16 units
      counter.textContent = "已填写 " + used + " 字,最多 " + max + " 字" + (used > max ? ",超出 " + (used - max) + " 字" : "");
      counter.className = used > max ? "hint over" : "hint";
    }
    area.addEventListener("input", update);
    update();
  });
})();
