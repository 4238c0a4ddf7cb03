// What screen readers hear of other people's work in the live editor: one polite,
// summarised sentence at most every few seconds ("Mexico changed 8.a and 8.b. Canada
// joined."), never one per keystroke. editor.js tells it what happened; this file only
// collects, summarises and writes into the live region #live-announcer.
(function () {
  "use strict";
  var region = document.getElementById("live-announcer");
  var PERIOD = 4000; // at most one announcement per period
  var edits = {}; // who -> [paragraph numbers], in order
  var joined = [], left = [];
  var known = null; // id -> name of the people present, after the first presence report
  var timer = null;

  function msg(name, a, b) {
    var text = region.getAttribute("data-msg-" + name) || "";
    return text.replace("{1}", a).replace("{2}", b === undefined ? "" : b);
  }

  function schedule() {
    if (!timer) timer = setTimeout(flush, PERIOD);
  }

  function flush() {
    timer = null;
    var parts = Object.keys(edits).map(function (who) {
      return msg("changed", who, edits[who].join(", "));
    });
    if (joined.length) parts.push(msg("joined", joined.join(", ")));
    if (left.length) parts.push(msg("left", left.join(", ")));
    edits = {}; joined = []; left = [];
    if (parts.length) region.textContent = parts.join(" ");
  }

  function textChanged(who, number) {
    if (!region || !who) return;
    var list = edits[who] || (edits[who] = []);
    if (number && list.indexOf(number) < 0) list.push(number);
    schedule();
  }

  function presence(people, me) {
    if (!region) return;
    var now = {};
    (people || []).forEach(function (p) { if (p.id !== me) now[p.id] = p.name + " (" + p.delegation + ")"; });
    if (known) {
      Object.keys(now).forEach(function (id) { if (!known[id]) joined.push(now[id]); });
      Object.keys(known).forEach(function (id) { if (!now[id]) left.push(known[id]); });
      if (joined.length || left.length) schedule();
    }
    known = now;
  }

  function reset() { known = null; } // after a reconnection the first report is the baseline

  window.LiveAnnouncer = { textChanged: textChanged, presence: presence, reset: reset };
})();
