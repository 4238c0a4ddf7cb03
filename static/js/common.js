// Small helpers shared by every page; no inline scripts (the CSP forbids them).
(function () {
  "use strict";
  // A delegation's colour: badges are white on it, other marks are written in it (both
  // readable: the colours are dark enough, see Delegation.color).
  document.querySelectorAll("[data-color]").forEach(function (el) {
    var colour = el.getAttribute("data-color");
    if (el.classList.contains("deleg-chip")) {
      el.style.backgroundColor = colour;
      el.style.borderColor = colour;
      el.style.color = "#fff";
    } else {
      el.style.color = colour;
    }
  });
  var print = document.getElementById("print");
  if (print) print.addEventListener("click", function () { window.print(); });
})();
