// Upload forms with a preview (import, translation, marked-up Word file): the Preview
// button fetches the server's preview into the page, so the chosen file stays in the form
// and the final button posts it again. Without this script Preview is a full page.
(function () {
  "use strict";
  document.querySelectorAll("form[data-preview-target]").forEach(function (form) {
    var target = document.getElementById(form.getAttribute("data-preview-target"));
    var button = form.querySelector("button[name=preview]");
    if (!target || !button || !window.fetch) return;
    form.classList.add("js-preview");
    button.addEventListener("click", function (event) {
      event.preventDefault();
      if (!form.reportValidity()) return;
      var data = new FormData(form);
      data.set("preview", "1");
      data.delete("choose");
      button.disabled = true;
      form.setAttribute("aria-busy", "true");
      fetch(form.action || window.location.href, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-Preview-Fragment": "1" }
      }).then(function (response) {
        return response.text();
      }).then(function (html) {
        target.innerHTML = html;
        var heading = target.querySelector("[data-preview-heading]");
        if (heading) heading.focus();
        var flash = target.querySelector(".flash");
        if (flash) flash.focus();
      }).catch(function () {
        target.textContent = form.getAttribute("data-failed") || "";
      }).then(function () {
        button.disabled = false;
        form.removeAttribute("aria-busy");
      });
    });
  });
})();
