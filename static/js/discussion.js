// Amendments, comments and footnotes on the document page; the three-way merge form.
(function () {
  "use strict";
  var es = (document.documentElement.lang || "en").indexOf("es") === 0;

  // Footnote numbers after the paragraph text, drawn by CSS from data-fn (the text itself
  // stays untouched, so live editing never sees them).
  document.querySelectorAll(".fn-data").forEach(function (data) {
    var para = document.getElementById("p-" + data.getAttribute("data-paragraph"));
    if (!para) return;
    para.querySelectorAll(".ptext").forEach(function (text) {
      text.setAttribute("data-fn", data.getAttribute("data-fn"));
    });
  });

  // Reservations on the whole document: their numbers after the title.
  var onDocument = document.querySelector(".fn-doc");
  var title = document.querySelector(".doc-head h1");
  if (onDocument && title) {
    onDocument.getAttribute("data-fn").split(",").forEach(function (number) {
      var sup = document.createElement("sup");
      sup.className = "fn-title";
      var link = document.createElement("a");
      link.href = "#fn-" + number;
      link.textContent = number;
      sup.appendChild(link);
      title.appendChild(sup);
    });
  }

  // Comments anchored to a stretch of text: remember the last selection inside a paragraph
  // as code-point offsets (as the server counts them) and hand it to that paragraph's form.
  // A committee member's paragraph is a textarea, whose selection is its own, not the page's.
  var selected = null;
  function codePoints(s) { return Array.from(s).length; }

  function selectionInTextarea(input) {
    if (input.selectionStart === input.selectionEnd) return null;
    var value = input.value;
    var start = codePoints(value.slice(0, input.selectionStart));
    var quote = value.slice(input.selectionStart, input.selectionEnd);
    return { text: input.closest(".ptext[data-lang]"), start: start, quote: quote };
  }

  function selectionInPage() {
    var sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    var range = sel.getRangeAt(0);
    var start = range.startContainer.nodeType === 1 ? range.startContainer : range.startContainer.parentElement;
    var text = start && start.closest(".ptext[data-lang]");
    if (!text || !text.contains(range.endContainer)) return null;
    var before = document.createRange();
    before.setStart(text, 0);
    before.setEnd(range.startContainer, range.startOffset);
    return { text: text, start: codePoints(before.toString()), quote: range.toString() };
  }

  function remember(event) {
    var target = event.target;
    var found = target && target.matches && target.matches(".ptext[data-lang] textarea")
      ? selectionInTextarea(target)
      : selectionInPage();
    if (!found || !found.text) return;
    var para = found.text.closest("[data-paragraph-id]");
    if (!para) return;
    selected = {
      paragraph: para.getAttribute("data-paragraph-id"),
      lang: found.text.getAttribute("data-lang"),
      start: found.start,
      end: found.start + codePoints(found.quote),
      quote: found.quote
    };
    document.querySelectorAll('.comment-form[data-paragraph="' + selected.paragraph + '"]').forEach(function (form) {
      var hint = form.querySelector(".anchor-quote");
      if (hint) hint.textContent = (es ? "Sobre: «" : "On: “") + found.quote + (es ? "»" : "”");
    });
  }
  document.addEventListener("mouseup", remember);
  document.addEventListener("keyup", function (event) {
    if (event.shiftKey || event.key === "Shift") remember(event); // Shift+arrows select too
  });
  document.querySelectorAll(".comment-form").forEach(function (form) {
    form.addEventListener("submit", function () {
      var pid = form.getAttribute("data-paragraph");
      if (!selected || !pid || selected.paragraph !== pid || form.querySelector("[name=parent_id]")) return;
      form.querySelector("[name=anchor_start]").value = selected.start;
      form.querySelector("[name=anchor_end]").value = selected.end;
      form.querySelector("[name=lang]").value = selected.lang;
    });
  });

  // Open the panel a link points at (#a-12, #c-3) after a form post.
  if (location.hash) {
    var target = document.getElementById(location.hash.slice(1));
    var panel = target && target.closest("details.para-panel");
    if (panel) { panel.open = true; target.scrollIntoView({ block: "center" }); }
  }

  // Three-way merge: start the wording from one side.
  var merged = document.getElementById("merged");
  document.querySelectorAll("[data-fill]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (merged) { merged.value = button.getAttribute("data-text"); merged.focus(); }
    });
  });
})();

// The stretches of text comments are anchored to, highlighted in the paragraph (CSS Custom
// Highlight API: no element is added to the text, so the live editor is untouched). A
// stretch is found where the comment was made, else where its words now stand; words no
// longer in the text are not highlighted.
(function () {
  "use strict";
  if (!window.CSS || !CSS.highlights || typeof Highlight === "undefined") return;
  function rangeFor(comment) {
    var quote = comment.getAttribute("data-anchor-quote");
    var start = parseInt(comment.getAttribute("data-anchor-start"), 10);
    var texts = document.querySelectorAll("#p-" + comment.getAttribute("data-paragraph-id") + " .ptext");
    for (var i = 0; i < texts.length; i++) {
      var node = texts[i].firstChild;
      if (!node || node.nodeType !== Node.TEXT_NODE) continue;
      var at = node.data.substr(start, quote.length) === quote ? start : node.data.indexOf(quote);
      if (at < 0) continue;
      var range = new Range();
      range.setStart(node, at);
      range.setEnd(node, at + quote.length);
      return range;
    }
    return null;
  }
  function paint() {
    var highlight = new Highlight();
    document.querySelectorAll(".comment[data-anchor-quote]").forEach(function (comment) {
      var range = rangeFor(comment);
      if (range) highlight.add(range);
    });
    CSS.highlights.set("comment-range", highlight);
  }
  paint();
  // The live editor rewrites paragraphs: paint again after it did.
  var text = document.getElementById("text"), queued = false;
  if (text) {
    new MutationObserver(function () {
      if (queued) return;
      queued = true;
      requestAnimationFrame(function () { queued = false; paint(); });
    }).observe(text, { childList: true, characterData: true, subtree: true });
  }
})();
