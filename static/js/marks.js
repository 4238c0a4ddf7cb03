// Tracked changes kept in the text until someone reviews them (SPEC §11).
//
// With "Show changes since <revision>" on, every insertion and deletion since that revision
// is marked in the live editor (editor.js renders the marks and keeps them in place while
// anyone types); the committee and the PPT accept or reject each change from the list under
// its paragraph, all of a paragraph's at once, or all of one delegation's. The marks are the
// server's attribution of one paragraph: pushed to the room with every new version
// (`changes_updated`, since the latest circulated revision: computed once per version, one
// diff on the memo), and asked for (GET …/changes?paragraph=<id>) when another revision is
// chosen, when the page opens, or when no push followed a new version.
// On the Changes page the same answers repaint the paragraphs as others type.
// The toggle and the revision are remembered per person and document in localStorage.
(function () {
  "use strict";
  var box = document.getElementById("tracked");
  if (!box || typeof diff_match_patch === "undefined") return;

  var DEBOUNCE_MS = 250;
  var PUSH_WAIT_MS = 1500; // a new version whose changes were not pushed by then is asked for
  var documentId = parseInt(box.getAttribute("data-document-id"), 10);
  var canReview = box.getAttribute("data-can-review") === "true";
  var canSuggest = box.getAttribute("data-can-suggest") === "true";
  var delegations = JSON.parse(box.getAttribute("data-delegations") || "{}");
  var changesPage = document.getElementById("tracked-text");
  var storeKey = "drafting.tracked." + box.getAttribute("data-user") + "." + documentId;
  var toggle = document.getElementById("tracked-on");
  var select = document.getElementById("tracked-from");
  var dmp = new diff_match_patch();
  dmp.Diff_Timeout = 0;
  var answers = {}; // "pid:lang" -> the paragraph's entry in the changes answer
  var timers = {}, inflight = {}, again = {};

  function msg(key) {
    var text = box.getAttribute("data-msg-" + key) || key;
    for (var i = 1; i < arguments.length; i++) text = text.split("{" + i + "}").join(arguments[i]);
    return text;
  }
  function keyOf(pid, lang) { return pid + ":" + lang; }
  function csrf() {
    var input = document.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }
  function nameOf(code) { return (delegations[code] && delegations[code].name) || code || "?"; }
  function colorOf(code) { return (delegations[code] && delegations[code].color) || "#7d8696"; }

  // ---- the person's choice -----------------------------------------------------------------

  function load() {
    var saved = null;
    try { saved = JSON.parse(window.localStorage.getItem(storeKey) || "null"); } catch (e) { saved = null; }
    var from = box.getAttribute("data-default-from");
    if (saved && saved.from && select && select.querySelector("option[value='" + saved.from + "']")) from = saved.from;
    return { on: changesPage ? true : saved ? !!saved.on : true, from: changesPage ? box.getAttribute("data-default-from") : from };
  }
  var choice = load();

  function save() {
    try { window.localStorage.setItem(storeKey, JSON.stringify(choice)); } catch (e) { /* private mode */ }
  }

  // ---- which paragraphs and texts are on the page -----------------------------------------

  function editor() { return window.Drafting && window.Drafting.editor; }

  function texts() {
    var selector = changesPage ? "#tracked-text article.para .ptext" : "#text article.para .ptext[data-lang]";
    return Array.prototype.slice.call(document.querySelectorAll(selector));
  }

  function langOf(el) { return el.getAttribute("data-lang") || box.getAttribute("data-lang"); }
  function pidOf(el) { return parseInt(el.closest("article.para").getAttribute("data-paragraph-id"), 10); }

  // ---- asking the server -----------------------------------------------------------------

  function url(pid, lang) {
    return "/api/documents/" + documentId + "/changes?from=" + encodeURIComponent(choice.from) +
      "&lang=" + encodeURIComponent(lang) + "&paragraph=" + pid;
  }

  function refresh(pid, lang) {
    var key = keyOf(pid, lang);
    if (!choice.on) return;
    if (inflight[key]) { again[key] = true; return; }
    clearTimeout(timers[key]);
    timers[key] = setTimeout(function () {
      inflight[key] = true;
      fetch(url(pid, lang), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (answer) {
          var entry = answer && answer.paragraphs && answer.paragraphs[0];
          if (entry && choice.on) { answers[key] = entry; entry.version = entry.version || 0; show(pid, lang); }
        })
        .catch(function () {})
        .then(function () {
          inflight[key] = false;
          if (again[key]) { again[key] = false; refresh(pid, lang); }
        });
    }, DEBOUNCE_MS);
  }

  function refreshAll() { texts().forEach(function (el) { refresh(pidOf(el), langOf(el)); }); }

  // ---- marks in the editor ---------------------------------------------------------------

  function pending(entry) {
    return entry.ops.filter(function (op) { return op[0] !== 0 && op[3] && !entry.accepted[op[3]]; });
  }

  // The answer's marks, in the coordinates of the text it describes (equal + inserted).
  function marksOf(entry) {
    var marks = [], pos = 0;
    entry.ops.forEach(function (op) {
      var kind = op[0], text = op[1], code = op[2], id = op[3];
      var open = id && !entry.accepted[id];
      var base = { code: code, name: nameOf(code), color: colorOf(code), at: Date.parse(entry.times[id] || "") || Date.now(), persist: true, change: id };
      if (kind === 1) {
        if (open) marks.push(Object.assign({ kind: "ins", start: pos, end: pos + text.length }, base));
        pos += text.length;
      } else if (kind === -1) {
        if (open) marks.push(Object.assign({ kind: "del", start: pos, end: pos, text: text }, base));
      } else {
        pos += text.length;
      }
    });
    return marks;
  }

  function textOf(entry) {
    return entry.ops.filter(function (op) { return op[0] !== -1; }).map(function (op) { return op[1]; }).join("");
  }

  function show(pid, lang) {
    var entry = answers[keyOf(pid, lang)];
    if (!entry) return;
    if (changesPage) { paint(pid, entry); return; }
    var ed = editor(), r = ed && ed.replica(pid, lang);
    if (!r) return;
    var marks = marksOf(entry), served = textOf(entry);
    if (served !== r.local) {
      // Typed (or received) since the answer was computed: carry the marks over.
      var diffs = ed.charDiff(served, r.local);
      marks = marks.map(function (m) {
        var copy = Object.assign({}, m);
        copy.start = dmp.diff_xIndex(diffs, m.start);
        copy.end = m.kind === "del" ? copy.start : dmp.diff_xIndex(diffs, m.end);
        return copy;
      }).filter(function (m) { return m.kind === "del" || m.end > m.start; });
    }
    r.marks = marks;
    ed.render(pid, lang);
    strip(pid, lang, entry);
  }

  function clear() {
    var ed = editor();
    texts().forEach(function (el) {
      var pid = pidOf(el), lang = langOf(el), r = ed && ed.replica(pid, lang);
      if (r) { r.marks = r.marks.filter(function (m) { return !m.persist; }); ed.render(pid, lang); }
    });
    document.querySelectorAll(".review-strip").forEach(function (el) { el.remove(); });
    answers = {};
  }

  // ---- the list of changes under a paragraph (the buttons on each mark) -------------------

  function piece(kind, text, code) {
    var el = document.createElement(kind === 1 ? "ins" : kind === -1 ? "del" : "span");
    el.textContent = text;
    if (kind !== 0) {
      el.className = "chg";
      el.style.color = colorOf(code);
    }
    return el;
  }

  function button(label, action, title) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "small review-" + action;
    b.textContent = label;
    if (title) b.title = title;
    return b;
  }

  function strip(pid, lang, entry) {
    var article = document.getElementById("p-" + pid);
    if (!article) return;
    var id = "review-" + pid + "-" + lang;
    var list = document.getElementById(id);
    var changes = pending(entry), suggestions = entry.suggestions || [];
    if (!changes.length && !suggestions.length && !canSuggest) { if (list) list.remove(); return; }
    if (!list) {
      list = document.createElement("div");
      list.id = id;
      list.className = "review-strip";
      list.setAttribute("data-lang", lang);
      // under the text and its badges, across the paragraph's width
      var after = article.querySelector(".pmeta") || article.querySelector(".texts") || article.lastChild;
      after.parentNode.insertBefore(list, after.nextSibling);
    }
    var focused = document.activeElement && list.contains(document.activeElement) ? document.activeElement.getAttribute("data-change") : null;
    var items = document.createElement("ul");
    items.className = "review-items";
    changes.forEach(function (op) { items.appendChild(item(pid, lang, op[3], op[0], [[op[0], op[1]]], op[2], entry.times[op[3]])); });
    suggestions.forEach(function (s) { items.appendChild(item(pid, lang, s.change_id, "s", s.ops, s.author, s.at)); });
    var parts = [];
    if (changes.length || suggestions.length) {
      var head = document.createElement("p");
      head.className = "review-head";
      head.textContent = msg("pending", String(changes.length + suggestions.length));
      if (canReview && changes.length + suggestions.length > 1) {
        var all = button(msg("accept-all"), "accept-all"), none = button(msg("reject-all"), "reject-all");
        all.addEventListener("click", function () { everything(pid, lang, "accept"); });
        none.addEventListener("click", function () { everything(pid, lang, "reject"); });
        head.appendChild(all);
        head.appendChild(none);
      }
      parts.push(head, items);
    }
    if (canSuggest) parts.push(suggester(pid, lang));
    list.replaceChildren.apply(list, parts);
    if (focused) {
      var again = list.querySelector("[data-change='" + focused + "']");
      if (again) again.focus();
    }
  }

  function item(pid, lang, change, kind, ops, code, at) {
    var li = document.createElement("li");
    li.className = "review-item";
    li.tabIndex = 0;
    li.setAttribute("data-change", change);
    li.setAttribute("data-author", code || "");
    li.style.borderLeftColor = colorOf(code);
    var who = document.createElement("strong");
    who.textContent = code || "?";
    who.style.color = colorOf(code);
    var what = kind === "s" ? msg("suggested", nameOf(code)) : kind === 1 ? msg("inserted", nameOf(code)) : msg("deleted", nameOf(code));
    var when = at ? " · " + new Date(at).toLocaleString() : "";
    li.title = what + when;
    li.appendChild(who);
    li.appendChild(document.createTextNode(" "));
    var body = document.createElement("span");
    body.className = "review-text";
    ops.forEach(function (op) {
      var text = op[1];
      if (op[0] === 0 && text.length > 40) text = text.slice(0, 18) + " … " + text.slice(-18);
      body.appendChild(piece(op[0], text, code));
    });
    li.appendChild(body);
    if (canReview) {
      var yes = button(msg("accept"), "accept", msg("accept-key")), no = button(msg("reject"), "reject", msg("reject-key"));
      yes.addEventListener("click", function () { decide(pid, lang, change, "accept"); });
      no.addEventListener("click", function () { decide(pid, lang, change, "reject"); });
      li.appendChild(yes);
      li.appendChild(no);
      li.addEventListener("keydown", function (e) {
        if (e.target !== li) return;
        if (e.key === "a") { e.preventDefault(); decide(pid, lang, change, "accept"); }
        if (e.key === "r") { e.preventDefault(); decide(pid, lang, change, "reject"); }
      });
    }
    return li;
  }

  // ---- decisions -------------------------------------------------------------------------

  function post(path, body) {
    return fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(data.error || String(response.status));
        return data;
      });
    });
  }

  function decide(pid, lang, change, verb) {
    var path = "/api/documents/" + documentId + "/changes/" + encodeURIComponent(change) + "/" + verb + "?from=" + encodeURIComponent(choice.from);
    return post(path).then(function () { refresh(pid, lang); })
      .catch(function (error) { say(msg("failed", error.message)); refresh(pid, lang); });
  }

  // One after another: each decision is a new version the next one is computed on.
  function sequence(jobs) {
    return jobs.reduce(function (done, job) { return done.then(job); }, Promise.resolve());
  }

  function idsOf(entry, code) {
    var ids = pending(entry).filter(function (op) { return !code || op[2] === code; }).map(function (op) { return op[3]; });
    (entry.suggestions || []).forEach(function (s) { if (!code || s.author === code) ids.push(s.change_id); });
    return ids;
  }

  function everything(pid, lang, verb) {
    var entry = answers[keyOf(pid, lang)];
    if (!entry) return Promise.resolve();
    return sequence(idsOf(entry, null).map(function (id) { return function () { return decide(pid, lang, id, verb); }; }));
  }

  function delegationWide(code, verb) {
    var jobs = [];
    Object.keys(answers).forEach(function (key) {
      var parts = key.split(":"), pid = parseInt(parts[0], 10), lang = parts[1];
      idsOf(answers[key], code).forEach(function (id) { jobs.push(function () { return decide(pid, lang, id, verb); }); });
    });
    return sequence(jobs);
  }

  function say(text) {
    var out = document.getElementById("tracked-notice");
    if (out) out.textContent = text;
  }

  // ---- suggestions -----------------------------------------------------------------------

  function suggester(pid, lang) {
    var wrap = document.createElement("details");
    wrap.className = "suggest";
    var summary = document.createElement("summary");
    summary.textContent = msg("suggest");
    var area = document.createElement("textarea");
    area.className = "suggest-text";
    area.rows = 3;
    area.lang = lang;
    area.setAttribute("aria-label", msg("suggest"));
    var send = button(msg("send-suggestion"), "suggest");
    wrap.addEventListener("toggle", function () {
      var ed = editor(), r = ed && ed.replica(pid, lang);
      if (wrap.open && r && !area.value) area.value = r.local;
    });
    send.addEventListener("click", function () {
      var ed = editor(), r = ed && ed.replica(pid, lang);
      post("/api/documents/" + documentId + "/paragraphs/" + pid + "/suggestions", {
        lang: lang, text: area.value, base_version: r ? r.version : 0
      }).then(function () { say(msg("suggestion-sent")); refresh(pid, lang); })
        .catch(function (error) { say(msg("failed", error.message)); });
    });
    wrap.appendChild(summary);
    wrap.appendChild(area);
    wrap.appendChild(send);
    return wrap;
  }

  // ---- the Changes page ------------------------------------------------------------------

  function paint(pid, entry) {
    var el = document.querySelector("#p-" + pid + " .ptext");
    if (!el) return;
    var frag = document.createDocumentFragment();
    entry.ops.forEach(function (op) {
      var node = piece(op[0], op[1], op[2]);
      if (op[0] !== 0) {
        var accepted = entry.accepted[op[3]];
        node.setAttribute("data-author", op[2] || "");
        if (op[3]) node.setAttribute("data-change", op[3]);
        node.title = (op[0] === 1 ? msg("inserted", nameOf(op[2])) : msg("deleted", nameOf(op[2]))) +
          (accepted ? " · " + msg("accepted-by", accepted.by_name + " (" + accepted.by + ")") : "");
        if (accepted) node.setAttribute("data-accepted", accepted.by);
      }
      frag.appendChild(node);
    });
    el.replaceChildren(frag);
  }

  // ---- pushed answers --------------------------------------------------------------------

  var seen = {}; // "pid:lang" -> newest version whose changes were pushed

  function pushed(data) {
    var key = keyOf(data.paragraph_id, data.lang);
    if (data.version < (seen[key] || 0)) return; // an older push overtaken by a newer one
    seen[key] = data.version;
    if (!choice.on || data.from !== choice.from) return;
    data.paragraph.version = data.version;
    answers[key] = data.paragraph;
    show(data.paragraph_id, data.lang);
  }

  // A new version (or decision) is here: its changes are pushed for the default revision;
  // ask if another revision is shown, or if the push has not come.
  function expect(pid, lang, version) {
    if (!choice.on) return;
    var pushedFrom = box.getAttribute("data-pushed-from") || box.getAttribute("data-default-from");
    if (choice.from !== pushedFrom || changesPage && !version) { refresh(pid, lang); return; }
    setTimeout(function () {
      if ((seen[keyOf(pid, lang)] || 0) < version) refresh(pid, lang);
    }, PUSH_WAIT_MS);
  }

  // ---- wiring ----------------------------------------------------------------------------

  function keyboard(e) {
    if (!canReview || !e.altKey || !e.shiftKey || !e.target.classList.contains("live-input")) return;
    var verb = e.code === "KeyA" ? "accept" : e.code === "KeyR" ? "reject" : null;
    if (!verb) return;
    var article = e.target.closest("article.para"), ptext = e.target.closest(".ptext");
    var pid = parseInt(article.getAttribute("data-paragraph-id"), 10), lang = ptext.getAttribute("data-lang");
    var r = editor().replica(pid, lang), at = e.target.selectionStart;
    var mark = r && r.marks.filter(function (m) { return m.persist && m.change && m.start <= at && at <= m.end; })[0];
    if (!mark) return;
    e.preventDefault();
    decide(pid, lang, mark.change, verb);
  }

  function start() {
    if (toggle) {
      toggle.checked = choice.on;
      toggle.addEventListener("change", function () {
        choice.on = toggle.checked;
        save();
        var live = window.Drafting && window.Drafting.socket;
        if (live && live.connected) live.emit("tracked", { on: choice.on });
        if (choice.on) refreshAll(); else clear();
      });
    }
    if (select) {
      select.value = choice.from;
      select.addEventListener("change", function () {
        choice.from = select.value;
        save();
        clear();
        refreshAll();
        var link = document.getElementById("tracked-page");
        if (link) link.href = link.getAttribute("data-base") + "?from=" + encodeURIComponent(choice.from);
      });
    }
    var who = document.getElementById("tracked-delegation");
    ["accept", "reject"].forEach(function (verb) {
      var b = document.getElementById("tracked-" + verb + "-delegation");
      if (b && who) b.addEventListener("click", function () { if (who.value) delegationWide(who.value, verb); });
    });
    document.addEventListener("keydown", keyboard);
    document.addEventListener("drafting:version", function (e) { expect(e.detail.paragraphId, e.detail.lang, e.detail.version); });
    var socket = window.Drafting && window.Drafting.socket;
    if (!socket && changesPage && typeof io !== "undefined") {
      socket = io({ transports: ["websocket", "polling"], tryAllTransports: true });
      socket.on("connect", function () { socket.emit("join", { document_id: documentId, tracked: true }); });
      socket.on("paragraph_updated", function (u) {
        (u.updates || [u]).forEach(function (one) { if (one.lang === box.getAttribute("data-lang")) expect(one.paragraph_id, one.lang, one.version); });
      });
    }
    if (socket) {
      socket.on("changes_updated", pushed);
      socket.on("change_reviewed", function (data) { expect(data.paragraph_id, data.lang, data.version || 0); });
      socket.on("amendment", function (data) { if (data.paragraph_id) texts().forEach(function (el) { if (pidOf(el) === data.paragraph_id) refresh(data.paragraph_id, langOf(el)); }); });
    }
    if (choice.on && !changesPage) refreshAll();
  }

  window.Drafting = window.Drafting || {};
  window.Drafting.marks = {
    on: function () { return choice.on; },
    answer: function (pid, lang) { return answers[keyOf(pid, lang)] || null; },
    refresh: refresh,
    decide: decide
  };
  start();
})();
