// Keyboard use of the document page: each paragraph is one Tab stop; inside it the arrow
// keys reach its actions (Enter or → goes in, ← and → move, Escape comes back out); single
// keys move through the text: j / k next and previous paragraph, n / p next and previous
// paragraph with amendments, ? shows the shortcuts. Keys typed into a field are left alone.
(function () {
  "use strict";
  var text = document.getElementById("text");
  if (!text) return;
  var FOCUSABLE = "a[href], button, summary, input, select, textarea, [tabindex], [contenteditable=true]";
  var help = document.getElementById("keyboard-help");

  function visible(el) {
    return el.checkVisibility ? el.checkVisibility() : el.offsetParent !== null;
  }

  function paragraphs(filter) {
    return Array.prototype.filter.call(text.querySelectorAll("article.para"), function (a) {
      return visible(a) && (!filter || filter(a));
    });
  }

  // The actions of a paragraph outside its opened panel (a panel's own forms keep Tab).
  function actions(article) {
    return Array.prototype.filter.call(article.querySelectorAll(FOCUSABLE), function (el) {
      return el !== article && !el.closest(".panel-body") && visible(el);
    });
  }

  function prepare(article) {
    if (article.hasAttribute("tabindex")) return;
    article.setAttribute("tabindex", "0");
    var number = article.querySelector(".num");
    if (number && !article.hasAttribute("aria-label")) {
      article.setAttribute("aria-label", number.getAttribute("title") || number.textContent);
    }
    actions(article).forEach(function (el) { el.setAttribute("tabindex", "-1"); });
  }

  paragraphs().forEach(prepare);
  text.addEventListener("focusin", function (event) {
    var article = event.target.closest("article.para");
    if (article) prepare(article);
  });

  function typing(el) {
    return el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName);
  }

  function move(step, filter) {
    var list = paragraphs(filter);
    if (!list.length) return;
    var current = document.activeElement && document.activeElement.closest("article.para");
    var all = paragraphs();
    var here = current ? all.indexOf(current) : -1;
    var target = null;
    if (step > 0) {
      target = list.filter(function (a) { return all.indexOf(a) > here; })[0] || null;
    } else {
      var before = list.filter(function (a) { return here < 0 || all.indexOf(a) < here; });
      target = before[before.length - 1] || null;
    }
    if (target) {
      prepare(target);
      target.focus();
      target.scrollIntoView({ block: "center" });
    }
  }

  function amended(article) { return parseInt(article.getAttribute("data-amendments") || "0", 10) > 0; }

  document.addEventListener("keydown", function (event) {
    var el = document.activeElement || document.body;
    if (event.ctrlKey || event.metaKey || event.altKey || typing(el)) return;
    var article = el.closest && el.closest("article.para");
    var key = event.key;
    if (article && el === article && (key === "Enter" || key === "ArrowRight")) {
      var first = actions(article)[0];
      if (first) { event.preventDefault(); first.focus(); }
      return;
    }
    if (article && el !== article) {
      var list = actions(article), at = list.indexOf(el);
      if (at >= 0 && (key === "ArrowRight" || key === "ArrowLeft")) {
        event.preventDefault();
        list[(at + (key === "ArrowRight" ? 1 : list.length - 1)) % list.length].focus();
        return;
      }
      if (key === "Escape") { event.preventDefault(); article.focus(); return; }
    }
    if (article && el === article && (key === "ArrowDown" || key === "ArrowUp")) {
      event.preventDefault();
      move(key === "ArrowDown" ? 1 : -1);
      return;
    }
    if (key === "j" || key === "k") { event.preventDefault(); move(key === "j" ? 1 : -1); }
    else if (key === "n" || key === "p") { event.preventDefault(); move(key === "n" ? 1 : -1, amended); }
    else if (key === "?" && help) { event.preventDefault(); help.open = !help.open; if (help.open) help.querySelector("summary").focus(); }
  });
})();
