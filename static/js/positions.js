// The map of positions, kept live: each `position` event repaints one cell and its counts.
(function () {
  "use strict";
  var root = document.getElementById("positions");
  if (!root || typeof io === "undefined") return;
  var documentId = parseInt(root.getAttribute("data-document-id"), 10);
  var socket = io({ transports: ["websocket", "polling"], tryAllTransports: true });

  function name(stance) { return root.getAttribute("data-name-" + (stance || "none")); }

  function paint(data) {
    var row = document.getElementById("pos-" + data.paragraph_id);
    if (!row) return;
    var cell = row.querySelector(".pos-cell[data-delegation='" + data.delegation + "']");
    if (cell) {
      var stance = data.position || "none";
      cell.className = "pos-cell pos-" + stance;
      cell.setAttribute("data-position", data.position || "");
      var title = cell.getAttribute("title").split(":")[0];
      cell.setAttribute("title", title + ": " + name(data.position) + (data.note ? " — " + data.note : ""));
      cell.firstElementChild.textContent = data.position ? root.getAttribute("data-mark-" + stance) : "·";
      cell.lastElementChild.textContent = data.delegation + ": " + name(data.position);
    }
    Object.keys(data.counts || {}).forEach(function (stance) {
      var count = row.querySelector("[data-count='" + stance + "'] .n");
      if (count) count.textContent = data.counts[stance];
    });
  }

  socket.on("connect", function () { socket.emit("join", { document_id: documentId }); });
  socket.on("position", paint);
})();
