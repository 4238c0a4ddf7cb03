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

  // Anchored scrolling stops below the sticky live bar, so it never hides what it points at.
  var bar = document.querySelector(".live");
  var clearBar = function () {
    if (bar) document.documentElement.style.scrollPaddingTop = (bar.offsetHeight + 12) + "px";
  };
  clearBar();
  window.addEventListener("resize", clearBar);

  // After a form post the page comes back at what was acted on (#p-12, #a-3): its message
  // moves next to it, its panel opens to show the result, and the message takes the focus
  // (once the page has loaded, after the browser's own jump to the anchor).
  window.addEventListener("load", function () {
    var id = location.hash ? decodeURIComponent(location.hash.slice(1)) : "";
    var target = id && document.getElementById(id);
    var flashes = document.querySelectorAll("main > .flash");
    if (!target || !flashes.length) return;
    var here = document.createElement("div");
    here.className = "flash-here";
    here.tabIndex = -1;
    flashes.forEach(function (flash) { here.appendChild(flash); });
    var place = target.tagName === "TR" ? target.lastElementChild : target;
    place.insertBefore(here, place.firstChild);
    for (var open = target.closest("details"); open; open = open.parentElement.closest("details")) {
      open.open = true;
    }
    var panel = target.querySelector("details.para-panel");
    if (panel) panel.open = true;
    clearBar();
    target.scrollIntoView({ block: "start" });
    here.focus({ preventScroll: true });
  });
})();
