// Irreversible steps ask first: a form with data-confirm opens a native dialog saying what will
// happen; Enter (the focused button) confirms, Esc or Cancel goes back. Without this script the
// form's required "I understand" box asks the same, so nothing depends on it.
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-confirm]");
  if (!forms.length || typeof HTMLDialogElement !== "function") return;

  var dialog = document.createElement("dialog");
  dialog.className = "confirm-dialog";
  dialog.setAttribute("aria-labelledby", "confirm-message");
  var body = document.createElement("form");
  body.method = "dialog";
  var message = document.createElement("p");
  message.id = "confirm-message";
  var buttons = document.createElement("div");
  buttons.className = "confirm-buttons";
  var no = document.createElement("button");
  no.value = "cancel";
  no.className = "confirm-no";
  var yes = document.createElement("button");
  yes.value = "ok";
  yes.className = "primary confirm-yes";
  buttons.append(no, yes);
  body.append(message, buttons);
  dialog.append(body);
  document.body.append(dialog);

  var pending = null;
  forms.forEach(function (form) {
    var check = form.querySelector(".confirm-check");
    if (check) {
      check.hidden = true;
      check.querySelector("input").required = false;
    }
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-confirmed") === "yes") return;
      event.preventDefault();
      pending = { form: form, submitter: event.submitter || null };
      message.textContent = form.getAttribute("data-confirm");
      yes.textContent = form.getAttribute("data-confirm-yes");
      no.textContent = form.getAttribute("data-confirm-no");
      dialog.returnValue = "";
      dialog.showModal();
      yes.focus();
    });
  });

  dialog.addEventListener("close", function () {
    var asked = pending;
    pending = null;
    if (!asked) return;
    if (dialog.returnValue !== "ok") {
      if (asked.submitter) asked.submitter.focus();
      return;
    }
    var check = asked.form.querySelector(".confirm-check input");
    if (check) check.checked = true;
    asked.form.setAttribute("data-confirmed", "yes");
    if (asked.submitter) asked.form.requestSubmit(asked.submitter); else asked.form.requestSubmit();
  });
})();
