// Small helpers shared by every page; no inline scripts (the CSP forbids them).
(function () {
  "use strict";
  document.querySelectorAll("[data-color]").forEach(function (el) {
    el.style.color = el.getAttribute("data-color");
  });
  var print = document.getElementById("print");
  if (print) print.addEventListener("click", function () { window.print(); });
})();
