// GCM coverage chart: choosing an objective highlights the paragraphs that carry it.
(function () {
  "use strict";
  var cells = document.querySelectorAll(".gcm-cell[data-gcm]");
  if (!cells.length) return;
  var active = null;
  function show(code) {
    active = active === code ? null : code;
    cells.forEach(function (cell) {
      cell.classList.toggle("highlight", cell.getAttribute("data-gcm") === active);
      cell.setAttribute("aria-pressed", cell.getAttribute("data-gcm") === active ? "true" : "false");
    });
    document.querySelectorAll(".para").forEach(function (para) {
      var hit = active && para.querySelector('.tag[data-tag="gcm:' + active + '"]');
      para.classList.toggle("tag-match", !!hit);
    });
    if (active) {
      var first = document.querySelector(".para.tag-match");
      if (first) first.scrollIntoView({ behavior: "smooth", block: "center" });
    }
  }
  cells.forEach(function (cell) {
    if (cell.getAttribute("data-count") === "0") return;
    cell.setAttribute("tabindex", "0");
    cell.setAttribute("role", "button");
    cell.addEventListener("click", function () { show(cell.getAttribute("data-gcm")); });
    cell.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        show(cell.getAttribute("data-gcm"));
      }
    });
  });
})();
