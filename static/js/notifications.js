// The bell: its unread count follows the `notification` event sent to the person's own
// room; on the notifications page a new notification also appears at the top of the list.
(function () {
  "use strict";
  var bell = document.getElementById("bell");
  if (!bell || typeof io === "undefined") return;
  var count = document.getElementById("bell-count");

  function show(unread) {
    count.textContent = String(unread);
    count.hidden = unread < 1;
    bell.classList.toggle("has-unread", unread > 0);
    bell.setAttribute("aria-label", unread > 0
      ? bell.getAttribute("data-label-some").replace("{1}", unread)
      : bell.getAttribute("data-label-none"));
  }

  function prepend(note) {
    var list = document.getElementById("notification-list");
    if (!list) return;
    var empty = document.getElementById("no-notifications");
    if (empty) empty.remove();
    var item = document.createElement("li");
    item.className = "notification unread";
    item.setAttribute("data-id", note.id);
    item.setAttribute("data-event", note.event);
    var text = document.createElement("p");
    text.className = "notification-text";
    text.textContent = note.text;
    item.appendChild(text);
    if (note.document_id) {
      var meta = document.createElement("div");
      meta.className = "notification-meta muted";
      var link = document.createElement("a");
      link.href = "/documents/" + note.document_id;
      link.textContent = list.getAttribute("data-msg-open");
      meta.appendChild(link);
      item.appendChild(meta);
    }
    list.insertBefore(item, list.firstChild);
  }

  var socket = io({ transports: ["websocket", "polling"], tryAllTransports: true });
  // The server joins the person's room before it accepts the connection.
  socket.on("connect", function () { bell.setAttribute("data-live", "connected"); });
  socket.on("disconnect", function () { bell.removeAttribute("data-live"); });
  socket.on("notification", function (note) {
    if (typeof note.unread === "number") show(note.unread);
    prepend(note);
  });
})();
