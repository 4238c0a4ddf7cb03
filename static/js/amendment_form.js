// The amendment form follows its choices: another paragraph brings that paragraph's text
// (card, pre-filled wording and the versions it is based on); the kind shows only the
// fields that apply to it, and disables the others so they are not sent.
(function () {
  "use strict";
  var form = document.getElementById("amendment-form");
  var data = document.getElementById("amendment-paragraphs");
  if (!form || !data) return;
  var paragraphs = JSON.parse(data.textContent);
  var select = form.elements.paragraph_id;
  var card = document.getElementById("current-card");
  var shown = select.value; // the paragraph whose text the form holds
  var first = form.querySelector("textarea[data-lang]");

  function kind() {
    var checked = form.querySelector('input[name="kind"]:checked');
    return checked ? checked.value : "modify";
  }

  function prefill(id) {
    return kind() === "modify" ? (paragraphs[id].text[first.dataset.lang] || "") : "";
  }

  function edited() {
    return form.querySelectorAll("textarea[data-lang]").length && Array.prototype.some.call(
      form.querySelectorAll("textarea[data-lang]"),
      function (area) { return area.value !== (area === first ? prefill(shown) : ""); }
    );
  }

  function showParagraph(id) {
    var p = paragraphs[id];
    card.querySelector(".para-number").textContent = p.number;
    card.querySelectorAll(".current-text").forEach(function (line) {
      line.querySelector(".current-body").textContent = p.text[line.dataset.lang] || "";
    });
    form.elements.base_paragraph_id.value = id;
    Object.keys(p.version).forEach(function (lang) {
      var field = form.elements["base_version_" + lang];
      if (field) field.value = p.version[lang];
    });
    form.querySelectorAll("textarea[data-lang]").forEach(function (area) {
      area.value = area === first ? prefill(id) : "";
    });
    shown = id;
  }

  select.addEventListener("change", function () {
    if (edited() && !window.confirm(form.dataset.replaceWarning)) {
      select.value = shown;
      return;
    }
    showParagraph(select.value);
  });

  function reshape() {
    var now = kind();
    form.querySelectorAll("[data-kinds]").forEach(function (part) {
      var applies = part.dataset.kinds.split(" ").indexOf(now) >= 0;
      part.hidden = !applies;
      part.querySelectorAll("input, select, textarea").forEach(function (field) {
        field.disabled = !applies;
      });
    });
  }

  var previous = kind();
  form.querySelectorAll('input[name="kind"]').forEach(function (radio) {
    radio.addEventListener("change", function () {
      // Switching between new wording and a new paragraph: an untouched pre-filled text
      // becomes an empty box and back.
      var untouched = first.value === (previous === "modify" ? paragraphs[shown].text[first.dataset.lang] || "" : "");
      if (untouched) first.value = prefill(shown);
      previous = kind();
      reshape();
    });
  });
  reshape();
})();
