// Document page: language view, deadline countdown.
(function () {
  "use strict";
  var root = document.getElementById("document");
  if (!root) return;
  var text = document.getElementById("text");
  var es = (document.documentElement.lang || "en").indexOf("es") === 0;

  document.querySelectorAll(".lang-toggle").forEach(function (button) {
    button.addEventListener("click", function () {
      text.setAttribute("data-show", button.getAttribute("data-lang"));
      document.querySelectorAll(".lang-toggle").forEach(function (b) {
        b.setAttribute("aria-pressed", b === button ? "true" : "false");
      });
    });
  });

  // "closes in 3 h 12 min", corrected for the difference between server and browser clocks.
  var deadline = document.getElementById("deadline");
  if (deadline) {
    var due = Date.parse(deadline.getAttribute("data-due"));
    var skew = Date.parse(root.getAttribute("data-now")) - Date.now();
    var out = deadline.querySelector(".countdown");
    var tick = function () {
      var left = Math.round((due - (Date.now() + skew)) / 60000);
      if (left <= 0) {
        out.textContent = es ? "plazo vencido" : "deadline passed";
        return;
      }
      var d = Math.floor(left / 1440), h = Math.floor((left % 1440) / 60), m = left % 60;
      var parts = [];
      if (d) parts.push(d + (es ? " d" : " d"));
      if (h || d) parts.push(h + " h");
      parts.push(m + " min");
      out.textContent = (es ? "quedan " : "in ") + parts.join(" ");
    };
    tick();
    setInterval(tick, 30000);
  }
  // Numbered lines are the server's; a live change to the text makes them out of date.
  var numbered = document.querySelector(".text.numbered");
  if (numbered && window.MutationObserver) {
    var stale = numbered.getAttribute("data-stale-note") || "";
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        var text = change.target.nodeType === 1 ? change.target : change.target.parentNode;
        var own = text && text.closest ? text.closest(".ptext") : null;
        if (!own) return;
        var lines = own.parentNode.querySelector(".plines.lang-" + own.getAttribute("data-lang"));
        if (lines) { lines.classList.add("stale"); lines.title = stale; }
      });
    }).observe(numbered, { subtree: true, characterData: true, childList: true });
  }
  window.Drafting = window.Drafting || {};
  window.Drafting.root = root;
})();
