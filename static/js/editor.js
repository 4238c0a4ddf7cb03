// Live editing of the document page over Socket.IO.
//
// The algorithm is the one in drafting/text/replica.py and drafting/text/rebase.py (the convergence
// tests drive that Python twin): per paragraph and language a replica keeps `shadow` (the
// last server text) and its `version`, and `local`, what the person sees. Keystrokes are
// batched every BATCH_MS into one diff-match-patch patch shadow -> local, sent against
// `version`, at most one in flight per paragraph. The server stores it before answering
// {version, text}; keystrokes typed meanwhile are carried over (rebased) onto that text.
// Others' changes that arrive while an edit is in flight wait for its answer, because only
// then is it clear whether they already contain it. Offline, edits accumulate and go out
// after the reconnect; the join answer is a full snapshot to resynchronise from.
// Others' updates carry the patch from the version before and the text it makes, or (with
// LIVE_UPDATE_HASHES) only its SHA-1: the server's copy of each paragraph (`incoming`, as
// Incoming in replica.py) applies hashed ones in version order, and asks for the text again
// (`resync`) when a version is missing or the hash does not match.
(function () {
  "use strict";
  var root = document.getElementById("document");
  var live = document.getElementById("live");
  if (!root || !live || typeof io === "undefined" || typeof diff_match_patch === "undefined" || typeof sha1 === "undefined") return;

  var BATCH_MS = 300;
  var MARK_MS = 8000;
  var ACK_TIMEOUT_MS = 15000;
  var RETRY_MS = 1000; // an edit the database could not take (503, retry) goes again after this
  var GAP_MS = 500; // a missing version's time to arrive before the text is asked again
  var documentId = parseInt(root.getAttribute("data-document-id"), 10);
  var canEdit = root.getAttribute("data-can-edit") === "true";
  var dmp = new diff_match_patch();
  dmp.Diff_Timeout = 0;

  function msg(key) {
    var text = live.getAttribute("data-msg-" + key) || key;
    for (var i = 1; i < arguments.length; i++) text = text.split("{" + i + "}").join(arguments[i]);
    return text;
  }

  // ---- text: the same carrying-over as drafting/text/rebase.py -------------------------------

  function charDiff(a, b) {
    var diffs = dmp.diff_main(a, b, false);
    dmp.diff_cleanupSemanticLossless(diffs);
    return diffs;
  }

  // Minimal edited regions [start, end, inserted] turning base into next, in base offsets.
  function edits(base, next) {
    var out = [], pos = 0, start = -1, end = -1, inserted = "";
    charDiff(base, next).forEach(function (d) {
      if (d[0] === DIFF_EQUAL) {
        if (start >= 0) { out.push([start, end, inserted]); start = -1; inserted = ""; }
        pos += d[1].length;
        return;
      }
      if (start < 0) { start = end = pos; }
      if (d[0] === DIFF_DELETE) { pos += d[1].length; end = pos; } else { inserted += d[1]; }
    });
    if (start >= 0) out.push([start, end, inserted]);
    return out;
  }

  function union(ranges) {
    ranges.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    var merged = [];
    ranges.forEach(function (r) {
      var last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
      else merged.push([r[0], r[1]]);
    });
    return merged;
  }

  // ---- words stay whole where two people type at one spot (drafting/text/rebase.py) -------

  // Where, in next, each text inserted by the edits base -> next ends: where its author typed.
  function insertionEnds(base, next) {
    var out = [], shift = 0;
    edits(base, next).forEach(function (e) {
      shift += e[2].length - (e[1] - e[0]);
      if (e[2]) out.push(e[1] + shift);
    });
    return out;
  }

  var WORD_CHAR = /[\p{L}\p{N}_]/u;
  function isWordChar(ch) { return WORD_CHAR.test(ch); }

  // Whether mine goes before theirs, both inserted at `spot` of base: the author continuing
  // their own word (mineAt) first; else the side joining the word on the left, else the side
  // joining the word on the right goes next to it; else mineFirst.
  function mineGoesFirst(base, spot, mine, theirs, mineFirst, mineAt) {
    if (mineAt.indexOf(spot) >= 0) return true;
    var left = spot > 0 && isWordChar(base.charAt(spot - 1));
    var right = spot < base.length && isWordChar(base.charAt(spot));
    var mineLeft = left && isWordChar(mine.charAt(0)), theirsLeft = left && isWordChar(theirs.charAt(0));
    if (mineLeft !== theirsLeft) return mineLeft;
    var mineRight = right && isWordChar(mine.charAt(mine.length - 1));
    var theirsRight = right && isWordChar(theirs.charAt(theirs.length - 1));
    if (mineRight !== theirsRight) return theirsRight;
    return !!mineFirst;
  }

  // theirs with the edits base -> mine carried over; every insertion of both sides survives.
  // At one spot the order keeps words whole (mineGoesFirst); mineAt: where I was typing.
  function rebase(base, mine, theirs, mineFirst, mineAt) {
    if (mine === base) return theirs;
    if (theirs === base) return mine;
    mineAt = mineAt || [];
    var ours = edits(base, mine), other = edits(base, theirs);
    var mineInserts = {}, theirInserts = {}, insertions = [], ranges = [];
    ours.forEach(function (e) { if (e[2]) mineInserts[e[0]] = e[2]; if (e[1] > e[0]) ranges.push([e[0], e[1]]); });
    other.forEach(function (e) { if (e[2]) theirInserts[e[0]] = e[2]; if (e[1] > e[0]) ranges.push([e[0], e[1]]); });
    Object.keys(mineInserts).forEach(function (key) {
      var spot = Number(key), text = mineInserts[key], there = theirInserts[key];
      var first = there === undefined || mineGoesFirst(base, spot, text, there, mineFirst, mineAt);
      insertions.push([spot, first ? 0 : 1, text]);
      if (there !== undefined) insertions.push([spot, first ? 1 : 0, there]);
    });
    Object.keys(theirInserts).forEach(function (key) {
      if (!(key in mineInserts)) insertions.push([Number(key), 0, theirInserts[key]]);
    });
    insertions.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    var deleted = union(ranges);
    var cutSet = {}; cutSet[0] = true; cutSet[base.length] = true;
    insertions.forEach(function (x) { cutSet[x[0]] = true; });
    deleted.forEach(function (r) { cutSet[r[0]] = true; cutSet[r[1]] = true; });
    var cuts = Object.keys(cutSet).map(Number).sort(function (a, b) { return a - b; });
    var out = [], atInsert = 0, atDelete = 0, previous = 0;
    cuts.forEach(function (cut) {
      if (cut > previous) {
        while (atDelete < deleted.length && deleted[atDelete][1] <= previous) atDelete++;
        var gone = atDelete < deleted.length && deleted[atDelete][0] <= previous;
        if (!gone) out.push(base.slice(previous, cut));
        previous = cut;
      }
      while (atInsert < insertions.length && insertions[atInsert][0] === cut) {
        out.push(insertions[atInsert][2]);
        atInsert++;
      }
    });
    return out.join("");
  }

  // Where my typing spots go when the text changes: like a caret (mapCaret).
  function followTyping(before, after, spots) {
    if (!spots.length) return spots;
    var diffs = charDiff(before, after);
    return spots.map(function (at) { return mapCaret(diffs, at); });
  }

  // ---- replicas: drafting/text/replica.py -----------------------------------------------------

  function Replica(el, paragraphId, lang, text, version) {
    this.el = el;
    this.paragraphId = paragraphId;
    this.lang = lang;
    this.shadow = text;
    this.version = version;
    this.local = text;
    this.inflight = null;
    this.buffered = null;
    this.held = null;
    this.typingAt = []; // where in shadow my last insertions end (rebase's mineAt)
    this.timer = null;
    this.token = 0;
    this.marks = [];
    this.input = null;
    this.backdrop = null;
    this.lost = false; // the connection dropped while an edit was in flight
  }

  Replica.prototype.edit = function (text) { this.local = text; this.held = null; };

  Replica.prototype.outgoing = function () {
    if (this.inflight || this.held || this.local === this.shadow) return null;
    this.inflight = {
      base_version: this.version,
      patch: dmp.patch_toText(dmp.patch_make(this.shadow, this.local)),
      shadow: this.shadow,
      sent: this.local
    };
    return this.inflight;
  };

  // The answer to the edit in flight. Changes that waited for it are applied by drain().
  Replica.prototype.acknowledged = function (ack) {
    var sent = this.inflight;
    this.inflight = null;
    this.lost = false;
    if (!sent) return;
    if (!ack.error) {
      var typingAt = insertionEnds(sent.shadow, sent.sent);
      this.local = rebase(sent.sent, this.local, ack.text, true, typingAt);
      this.typingAt = followTyping(sent.sent, ack.text, typingAt);
      this.shadow = ack.text;
      this.version = ack.version;
    } else if (ack.current) {
      this.remote(ack.current.version, ack.current.text);
    } else {
      this.held = ack.error;
    }
  };

  // Apply the newest change that arrived while an edit was in flight; returns it if applied.
  Replica.prototype.drain = function () {
    var b = this.buffered;
    this.buffered = null;
    return b && this.remote(b.version, b.text, b.meta) ? b : null;
  };

  Replica.prototype.remote = function (version, text, meta) {
    if (this.inflight) {
      if (!this.buffered || version > this.buffered.version) this.buffered = { version: version, text: text, meta: meta };
      return false;
    }
    if (version <= this.version) return false;
    this.local = rebase(this.shadow, this.local, text, true, this.typingAt);
    this.typingAt = followTyping(this.shadow, text, this.typingAt);
    this.shadow = text;
    this.version = version;
    return true;
  };

  Replica.prototype.settled = function () {
    return !this.inflight && !this.buffered && this.local === this.shadow;
  };

  // ---- page state ------------------------------------------------------------------------

  var replicas = {};
  var people = [];
  var me = null;
  var joined = false;
  var socket = io({
    transports: ["websocket", "polling"],
    tryAllTransports: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000
  });

  function keyOf(paragraphId, lang) { return paragraphId + ":" + lang; }
  function articleOf(paragraphId) { return document.getElementById("p-" + paragraphId); }
  function numberOf(paragraphId) {
    var a = articleOf(paragraphId);
    return a ? a.getAttribute("data-number") : "?";
  }

  function colorOf(code) {
    for (var i = 0; i < people.length; i++) if (people[i].delegation === code) return people[i].color;
    var chip = document.querySelector(".live-person[data-delegation='" + code + "']");
    return chip ? chip.getAttribute("data-color") : "#7d8696";
  }

  function tint(color, alpha) {
    var m = /^hsl\((.*)\)$/.exec(color || "");
    return m ? "hsla(" + m[1] + ", " + alpha + ")" : "rgba(125, 134, 150, " + alpha + ")";
  }

  function replicaFor(el) {
    var article = el.closest("article.para");
    if (!article) return null;
    var pid = parseInt(article.getAttribute("data-paragraph-id"), 10);
    var lang = el.getAttribute("data-lang");
    var key = keyOf(pid, lang);
    if (!replicas[key]) {
      replicas[key] = new Replica(el, pid, lang, el.textContent, parseInt(el.getAttribute("data-version") || "0", 10));
    }
    return replicas[key];
  }

  document.querySelectorAll("article.para .ptext[data-lang]").forEach(replicaFor);

  // ---- rendering -----------------------------------------------------------------------------

  // Keep marks (and the caret) where they were when the text changes underneath them.
  function changeLocal(r, before, author) {
    if (before === r.local) return;
    var diffs = charDiff(before, r.local);
    r.marks = r.marks.map(function (m) {
      var copy = Object.assign({}, m);
      copy.start = dmp.diff_xIndex(diffs, m.start);
      copy.end = m.kind === "del" ? copy.start : dmp.diff_xIndex(diffs, m.end);
      return copy;
    }).filter(function (m) { return m.kind === "del" || m.end > m.start; });
    if (author) {
      var now = Date.now(), pos = 0, color = colorOf(author.code);
      diffs.forEach(function (d) {
        if (d[0] === DIFF_INSERT) {
          r.marks.push({ kind: "ins", start: pos, end: pos + d[1].length, code: author.code, name: author.name, color: color, at: now });
        } else if (d[0] === DIFF_DELETE) {
          r.marks.push({ kind: "del", start: pos, end: pos, text: d[1], code: author.code, name: author.name, color: color, at: now });
        }
        if (d[0] !== DIFF_DELETE) pos += d[1].length;
      });
      setTimeout(function () { expireMarks(r); }, MARK_MS + 50);
    }
    if (r.input && r.input.value !== r.local) {
      var inputDiffs = r.input.value === before ? diffs : charDiff(r.input.value, r.local);
      var start = r.input.selectionStart, end = r.input.selectionEnd;
      var focused = document.activeElement === r.input;
      r.input.value = r.local;
      if (focused) r.input.setSelectionRange(mapCaret(inputDiffs, start), mapCaret(inputDiffs, end));
    }
  }

  // Where a caret at `loc` goes when the text changes: like diff_xIndex, except that text
  // inserted exactly at the caret goes after it, so someone else's typing next to mine does
  // not push my caret past their words.
  function mapCaret(diffs, loc) {
    var c1 = 0, c2 = 0;
    for (var i = 0; i < diffs.length; i++) {
      var op = diffs[i][0], n = diffs[i][1].length;
      if (op === DIFF_INSERT) {
        if (c1 >= loc) return c2;
        c2 += n;
        continue;
      }
      if (c1 + n >= loc) return op === DIFF_EQUAL ? c2 + (loc - c1) : c2;
      c1 += n;
      if (op === DIFF_EQUAL) c2 += n;
    }
    return c2;
  }

  function expireMarks(r) {
    var now = Date.now();
    // Tracked changes shown since a revision (marks.js) stay until reviewed.
    var kept = r.marks.filter(function (m) { return m.persist || now - m.at < MARK_MS; });
    if (kept.length !== r.marks.length) { r.marks = kept; render(r); }
  }

  // Text with tracked-change marks; `plain` leaves out everything that takes space (for the
  // backdrop behind a textarea, whose letters must sit exactly under the typed ones).
  function fill(target, text, marks, plain) {
    var sorted = marks.slice().sort(function (a, b) { return a.start - b.start || (a.kind === "del" ? -1 : 1); });
    var frag = document.createDocumentFragment(), pos = 0;
    sorted.forEach(function (m) {
      if (m.start < pos || m.start > text.length) return;
      if (m.start > pos) frag.appendChild(document.createTextNode(text.slice(pos, m.start)));
      var time = new Date(m.at).toLocaleTimeString();
      if (m.kind === "del") {
        if (plain) {
          // No room in the backdrop for deleted text: a coloured caret where it was.
          var at = document.createElement("span");
          at.className = "live-del-at";
          at.style.color = m.color;
          frag.appendChild(at);
          return;
        }
        var del = document.createElement("del");
        del.className = "live-del";
        del.setAttribute("data-text", m.text);
        del.title = m.name + " (" + m.code + ") · " + time;
        del.style.color = m.color;
        if (m.change) del.setAttribute("data-change", m.change);
        frag.appendChild(del);
        pos = m.start;
        return;
      }
      var end = Math.min(m.end, text.length);
      var ins = document.createElement(plain ? "mark" : "ins");
      ins.className = plain ? "live-mark" : "live-ins";
      ins.textContent = text.slice(m.start, end);
      ins.style.backgroundColor = tint(m.color, 0.22);
      ins.style.borderBottomColor = m.color;
      if (!plain) {
        ins.setAttribute("data-author", m.code);
        ins.title = m.name + " (" + m.code + ") · " + time;
      }
      if (m.change) ins.setAttribute("data-change", m.change);
      frag.appendChild(ins);
      pos = end;
    });
    if (pos < text.length) frag.appendChild(document.createTextNode(text.slice(pos)));
    target.replaceChildren(frag);
  }

  function render(r) {
    if (r.el.getAttribute("data-version") !== String(r.version)) {
      // marks.js follows the stored text: tell it a new version is here.
      document.dispatchEvent(new CustomEvent("drafting:version", { detail: { paragraphId: r.paragraphId, lang: r.lang, version: r.version } }));
    }
    r.el.setAttribute("data-version", String(r.version));
    r.el.classList.toggle("live-unsaved", !r.settled());
    r.el.classList.toggle("live-held", !!r.held);
    if (r.held) r.el.setAttribute("data-held", r.held); else r.el.removeAttribute("data-held");
    if (r.input) {
      if (r.input.value !== r.local) r.input.value = r.local;
      fill(r.backdrop, r.local + "\n", r.marks, true);
      autosize(r.input);
    } else {
      fill(r.el, r.local, r.marks, false);
    }
  }

  function autosize(input) {
    input.style.height = "auto";
    input.style.height = input.scrollHeight + "px";
  }

  // A box sized while its language was hidden (the ES or Parallel view not chosen yet) would
  // stay one line high: size it again whenever its width changes, shown or resized.
  var widths = new WeakMap();
  var sizer = typeof ResizeObserver === "function" ? new ResizeObserver(function (entries) {
    entries.forEach(function (entry) {
      var input = entry.target.querySelector(".live-input");
      var width = entry.contentRect.width;
      if (input && width && widths.get(entry.target) !== width) {
        widths.set(entry.target, width);
        autosize(input);
      }
    });
  }) : null;

  // ---- editing in place ------------------------------------------------------------------------

  function makeEditable(r) {
    if (r.input) return;
    r.el.classList.add("live-editable");
    r.el.replaceChildren();
    r.backdrop = document.createElement("div");
    r.backdrop.className = "live-backdrop";
    r.backdrop.setAttribute("aria-hidden", "true");
    r.input = document.createElement("textarea");
    r.input.className = "live-input";
    r.input.rows = 1;
    r.input.spellcheck = true;
    r.input.lang = r.lang;
    r.input.setAttribute("aria-label", msg("edit-label", numberOf(r.paragraphId), r.lang.toUpperCase()));
    r.input.value = r.local;
    r.el.appendChild(r.backdrop);
    r.el.appendChild(r.input);
    if (sizer) sizer.observe(r.el);
    var composing = false;
    r.input.addEventListener("compositionstart", function () { composing = true; });
    r.input.addEventListener("compositionend", function () { composing = false; typed(r); });
    r.input.addEventListener("input", function () { if (!composing) typed(r); });
    r.input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") e.preventDefault(); // a paragraph is one block of text
      if (e.key === "Escape") r.input.blur();
    });
    r.input.addEventListener("focus", function () {
      autosize(r.input);
      if (joined) socket.emit("editing", { paragraph_id: r.paragraphId, lang: r.lang });
    });
    r.input.addEventListener("blur", function () {
      if (joined) socket.emit("editing", { paragraph_id: null });
      flush(r);
    });
    render(r);
  }

  function makeReadOnly(r) {
    if (!r.input) return;
    if (sizer) sizer.unobserve(r.el);
    r.el.classList.remove("live-editable");
    r.input = null;
    r.backdrop = null;
    render(r);
  }

  function typed(r) {
    var before = r.local;
    r.edit(r.input.value);
    changeLocal(r, before, null);
    render(r);
    schedule(r);
    status();
  }

  function schedule(r) {
    if (r.timer) return;
    r.timer = setTimeout(function () { r.timer = null; flush(r); }, BATCH_MS);
  }

  function flush(r) {
    if (r.timer) { clearTimeout(r.timer); r.timer = null; }
    if (!joined || !socket.connected) return; // sent after the reconnect
    var edit = r.outgoing();
    if (edit) send(r, edit);
  }

  function send(r, edit) {
    var token = ++r.token;
    var data = { paragraph_id: r.paragraphId, lang: r.lang, base_version: edit.base_version, patch: edit.patch };
    var timeout = setTimeout(function () {
      if (r.token === token && r.inflight === edit && socket.connected) send(r, edit); // same edit again
    }, ACK_TIMEOUT_MS);
    socket.emit("edit", data, function (ack) {
      clearTimeout(timeout);
      if (r.token !== token || r.inflight !== edit) return; // superseded by a resend
      if (ack && ack.retry) { // the database did not answer: the same edit again, shortly
        setTimeout(function () {
          if (r.token === token && r.inflight === edit && socket.connected) send(r, edit);
        }, RETRY_MS);
        return;
      }
      var before = r.local;
      r.acknowledged(ack || { error: "no answer" });
      if (ack && !ack.error) updateBadges(r.paragraphId, ack);
      var server = ack && (ack.error ? ack.current : ack);
      var waiting = server ? know(r.paragraphId, r.lang, server.version, server.text) : [];
      changeLocal(r, before, null);
      before = r.local;
      var waited = r.drain();
      if (waited) changeLocal(r, before, waited.meta);
      if (ack && ack.error && !ack.current) notice(msg("not-saved", numberOf(r.paragraphId), ack.error), "warn");
      render(r);
      took(waiting);
      resyncIfNeeded(r.paragraphId, r.lang);
      if (!r.settled() && !r.held) schedule(r);
      status();
    });
    status();
  }

  // ---- the server's texts, from patches and hashes (Incoming in drafting/text/replica.py) ----

  var incoming = {}; // "pid:lang" -> {version, text, ahead: {version: update}, mismatched, asking}

  function serverCopy(pid, lang) {
    var key = keyOf(pid, lang);
    return incoming[key] || (incoming[key] = { version: 0, text: "", ahead: {}, mismatched: false, asking: false });
  }

  // A whole text from the server (an ack, the join's snapshot, a resync answer); returns the
  // held updates it makes readable, as [update, text] pairs in version order.
  function know(pid, lang, version, text) {
    var copy = serverCopy(pid, lang);
    if (version > copy.version) {
      copy.version = version;
      copy.text = text;
      copy.mismatched = false;
    }
    return readable(copy);
  }

  function receive(u) {
    if (typeof u.text === "string") return [[u, u.text]].concat(know(u.paragraph_id, u.lang, u.version, u.text));
    var copy = serverCopy(u.paragraph_id, u.lang);
    if (u.version > copy.version) copy.ahead[u.version] = u;
    return readable(copy);
  }

  // A patch applied to the very text it was made from (textdiff.apply_exact in Python): each
  // hunk where it says, its context checked, nothing searched for; null where the text is another.
  function applyExact(patchText, text) {
    var patches = dmp.patch_fromText(patchText);
    for (var i = 0; i < patches.length; i++) {
      var at = patches[i].start1, out = text.slice(0, at);
      for (var j = 0; j < patches[i].diffs.length; j++) {
        var op = patches[i].diffs[j][0], segment = patches[i].diffs[j][1];
        if (op !== DIFF_INSERT) {
          if (text.substr(at, segment.length) !== segment) return null;
          at += segment.length;
        }
        if (op !== DIFF_DELETE) out += segment;
      }
      text = out + text.slice(at);
    }
    return text;
  }

  function readable(copy) {
    var out = [];
    while (!copy.mismatched) {
      Object.keys(copy.ahead).forEach(function (v) { if (+v <= copy.version) delete copy.ahead[v]; });
      var u = copy.ahead[copy.version + 1];
      if (!u) break;
      var text = applyExact(u.patch, copy.text);
      if (text === null || sha1(text) !== u.text_sha1) {
        copy.mismatched = true;
        break;
      }
      delete copy.ahead[u.version];
      copy.version = u.version;
      copy.text = text;
      out.push([u, text]);
    }
    return out;
  }

  function needsResync(copy) {
    return copy.mismatched || Object.keys(copy.ahead).length > 0;
  }

  // Ask for a paragraph's text where a version is missing, unless our edit's answer may bring
  // it; a missing version is given GAP_MS to arrive first (with several server processes the
  // updates of one paragraph come by two ways, not always in order).
  function resyncIfNeeded(pid, lang, waited) {
    var copy = serverCopy(pid, lang), r = replicas[keyOf(pid, lang)];
    if (!joined || copy.asking || !needsResync(copy) || (r && r.inflight)) return;
    copy.asking = true;
    if (!waited && !copy.mismatched) {
      setTimeout(function () { copy.asking = false; resyncIfNeeded(pid, lang, true); }, GAP_MS);
      return;
    }
    socket.emit("resync", { paragraph_id: pid, lang: lang }, function (current) {
      copy.asking = false;
      if (current && current.retry) { setTimeout(function () { resyncIfNeeded(pid, lang, true); }, RETRY_MS); return; }
      if (!current || current.error) return;
      var waiting = know(pid, lang, current.version, current.text);
      if (r) {
        var before = r.local;
        if (r.remote(current.version, current.text, null)) changeLocal(r, before, null);
        render(r);
      }
      took(waiting);
    });
  }

  // Apply readable updates: others' to their paragraphs, ours (in a batch) only to the copy.
  function took(pairs) {
    pairs.forEach(function (pair) { if (!pair[0].by || pair[0].by !== me) updated(pair[0], pair[1]); });
  }

  // ---- presence ------------------------------------------------------------------------------

  function chip(person, withName) {
    var span = document.createElement("span");
    span.className = "live-person";
    span.setAttribute("data-delegation", person.delegation);
    span.setAttribute("data-color", person.color);
    span.style.borderColor = person.color;
    var code = document.createElement("strong");
    code.textContent = person.delegation;
    code.style.color = person.color;
    span.appendChild(code);
    if (withName) span.appendChild(document.createTextNode(" " + person.name + (person.id === me ? " (" + msg("you") + ")" : "")));
    if (person.paragraph_id) {
      span.title = msg("is-editing", person.name, numberOf(person.paragraph_id));
      if (withName) span.appendChild(document.createTextNode(" · " + numberOf(person.paragraph_id)));
    }
    return span;
  }

  function renderPresence(list) {
    people = list || [];
    var bar = document.getElementById("live-people");
    bar.replaceChildren.apply(bar, people.map(function (p) { return chip(p, true); }));
    document.querySelectorAll(".live-here").forEach(function (el) { el.remove(); });
    document.querySelectorAll("article.para.live-occupied").forEach(function (a) {
      a.classList.remove("live-occupied");
      a.style.borderLeftColor = "";
    });
    people.forEach(function (p) {
      if (!p.paragraph_id || p.id === me) return;
      var article = articleOf(p.paragraph_id);
      if (!article) return;
      var here = article.querySelector(".live-here");
      if (!here) {
        here = document.createElement("span");
        here.className = "live-here";
        (article.querySelector(".pmeta") || article).appendChild(here);
      }
      var c = chip(p, false);
      c.title = msg("is-editing", p.name, numberOf(p.paragraph_id));
      here.appendChild(c);
      article.classList.add("live-occupied");
      article.style.borderLeftColor = p.color;
    });
  }

  // ---- connection ----------------------------------------------------------------------------

  function status() {
    var el = document.getElementById("live-status");
    var pending = Object.keys(replicas).some(function (k) { return !replicas[k].settled(); });
    var state = !socket.connected ? "offline" : !joined ? "connecting" : pending ? "saving" : "saved";
    el.textContent = msg(state);
    el.className = "live-status live-" + state;
    live.setAttribute("data-connection", state);
  }

  function join() {
    // Pushed tracked changes only for a page that shows them (marks.js says whether it does).
    var marks = window.Drafting && window.Drafting.marks;
    socket.emit("join", { document_id: documentId, tracked: !!(marks && marks.on()) }, function (ack) {
      if (!ack || ack.error) {
        notice((ack && ack.error) || "join failed", "warn");
        return;
      }
      joined = true;
      me = ack.you;
      resync(ack);
      renderPresence(ack.people);
      status();
    });
  }

  // The snapshot after (re)joining: every paragraph's current text and version.
  function resync(snapshot) {
    var wasEditor = canEdit;
    canEdit = !!snapshot.can_edit;
    root.setAttribute("data-can-edit", canEdit ? "true" : "false");
    setState(snapshot.state);
    var unknown = false;
    snapshot.paragraphs.forEach(function (p) {
      updateBadges(p.id, p);
      Object.keys(p.text).forEach(function (lang) {
        var el = document.querySelector("#p-" + p.id + " .ptext[data-lang='" + lang + "']");
        if (!el) { unknown = true; return; }
        var r = replicaFor(el), before = r.local;
        if (!canEdit && !r.settled()) {
          // The server no longer takes edits from us (the workflow moved on): say so.
          notice(msg("not-saved", numberOf(r.paragraphId), msg("read-only")), "warn");
          r.inflight = null; r.buffered = null; r.held = null; r.local = r.shadow;
        }
        r.remote(p.version[lang], p.text[lang], null);
        changeLocal(r, before, null);
        render(r);
        took(know(p.id, lang, p.version[lang], p.text[lang]));
      });
    });
    Object.keys(incoming).forEach(function (k) { incoming[k].asking = false; }); // answers lost with the connection
    Object.keys(replicas).forEach(function (k) {
      var r = replicas[k];
      if (canEdit) makeEditable(r); else makeReadOnly(r);
      if (r.inflight && r.lost) {
        r.lost = false;
        send(r, r.inflight); // its answer was lost with the connection; the server knows it if stored
      } else if (!r.settled()) {
        schedule(r);
      }
    });
    Object.keys(replicas).forEach(function (k) { resyncIfNeeded(replicas[k].paragraphId, replicas[k].lang); });
    if (unknown) refreshText();
    if (wasEditor !== canEdit) notice(msg(canEdit ? "now-editable" : "read-only"), "info");
  }

  socket.on("connect", join);
  socket.on("disconnect", function () {
    joined = false;
    Object.keys(replicas).forEach(function (k) { if (replicas[k].inflight) replicas[k].lost = true; });
    renderPresence([]); // who is where is unknown until we are back
    if (window.LiveAnnouncer) window.LiveAnnouncer.reset();
    status();
  });
  socket.on("connect_error", function () { joined = false; status(); });

  socket.on("presence", function (data) {
    if (data.document_id === documentId) renderPresence(data.people);
    if (data.document_id === documentId && window.LiveAnnouncer) window.LiveAnnouncer.presence(data.people, me);
  });

  // Updates committed while the last one was being sent come together ({updates: [...]});
  // a batch carries this connection's own edits too, which the ack already brought.
  socket.on("paragraph_updated", function (data) {
    (data.updates || [data]).forEach(function (u) {
      took(receive(u));
      resyncIfNeeded(u.paragraph_id, u.lang);
    });
  });

  function updated(u, text) {
    var el = document.querySelector("#p-" + u.paragraph_id + " .ptext[data-lang='" + u.lang + "']");
    if (!el) { refreshText(); return; }
    var r = replicaFor(el), before = r.local;
    var meta = { code: u.author, name: u.author_name || u.author };
    if (r.remote(u.version, text, meta)) changeLocal(r, before, meta);
    if (window.LiveAnnouncer) window.LiveAnnouncer.textChanged(meta.name + " (" + (meta.code || "") + ")", numberOf(u.paragraph_id));
    updateBadges(u.paragraph_id, u);
    render(r);
  }

  socket.on("status_changed", function (data) {
    setStatus(data.paragraph_id, data.status);
    notice(msg("status-changed", numberOf(data.paragraph_id), statusName(data.status), data.by || ""), "info");
  });

  socket.on("state_changed", function (data) {
    setState(data.state);
    notice(msg("state-changed", stateName(data.state), data.by || ""), "info");
    refreshWorkflow();
    if (socket.connected) join(); // the snapshot says whether we may still edit
  });

  socket.on("amendment", function (data) {
    var who = data.delegation || data.by || "";
    var where = data.paragraph_id ? numberOf(data.paragraph_id) : "";
    notice(msg("amendment", who, where, (data.status || "").replace(/_/g, " ")), "info");
    refreshPanels(data.paragraph_id);
  });

  socket.on("paragraph_inserted", function () { refreshText(); });

  socket.on("comment", function (data) {
    var who = data.delegation || data.by || data.author || "";
    notice(msg("comment", who, data.paragraph_id ? numberOf(data.paragraph_id) : ""), "info");
    refreshPanels(data.paragraph_id);
  });

  socket.on("deadline", function (data) {
    notice(msg("deadline", (data.outcome || data.kind || "").replace(/_/g, " ")), "info");
    refreshWorkflow();
  });

  // ---- document chrome ------------------------------------------------------------------------

  function stateName(state) { return live.getAttribute("data-state-" + state) || state.replace(/_/g, " "); }
  function statusName(status) { return live.getAttribute("data-status-" + status) || status; }

  function setState(state) {
    if (!state) return;
    var badge = document.getElementById("doc-state");
    root.setAttribute("data-state", state);
    if (badge) {
      badge.textContent = stateName(state);
      badge.className = "state state-" + state;
    }
  }

  // The badge is shown for every status but "open", as the page renders it.
  function setStatus(paragraphId, status) {
    var article = articleOf(paragraphId);
    if (!article || !status) return;
    article.className = article.className.replace(/\bstatus-\S+/g, "").replace(/\s+/g, " ").trim() + " status-" + status;
    var meta = article.querySelector(".pmeta");
    var badge = article.querySelector(".pmeta .badge.status");
    if (status === "open") {
      if (badge) badge.remove();
      return;
    }
    if (!badge && meta) {
      badge = document.createElement("span");
      meta.insertBefore(badge, meta.firstChild);
    }
    if (badge) {
      badge.className = "badge status status-" + status;
      badge.textContent = statusName(status);
    }
  }

  // ---- badges beside a paragraph, as every change of it reports them ---------------------
  // (drafting/services/paragraphs.badges: status, translation_pending, brackets per language)

  function updateBadges(paragraphId, info) {
    if (info.status) setStatus(paragraphId, info.status);
    var meta = articleOf(paragraphId) && articleOf(paragraphId).querySelector(".pmeta");
    if (!meta) return;
    if (info.translation_pending) {
      replaceBadges(meta, "translation", info.translation_pending.map(function (lang) {
        return badge("badge warn", "translation", lang, msg("translation-pending") + " (" + lang.toUpperCase() + ")");
      }));
    }
    if (info.brackets) {
      replaceBadges(meta, "bracket", Object.keys(info.brackets).sort().map(function (lang) {
        var found = info.brackets[lang];
        var code = "bracket_" + found.kind + (found.before ? "_before" : "");
        return badge("badge bracket-marker", "bracket", lang, msg(code, found.word) + " (" + lang.toUpperCase() + ")");
      }));
    }
  }

  function badge(className, kind, lang, text) {
    var span = document.createElement("span");
    span.className = className;
    span.setAttribute("data-badge", kind);
    span.setAttribute("data-lang", lang);
    span.textContent = text;
    return span;
  }

  // Swap the badges of one kind for fresh ones, where the old ones were (after the status).
  function replaceBadges(meta, kind, fresh) {
    var old = meta.querySelectorAll("[data-badge='" + kind + "']");
    var anchor = old.length ? old[old.length - 1].nextSibling : afterBadges(meta);
    old.forEach(function (el) { el.remove(); });
    fresh.forEach(function (el) { meta.insertBefore(el, anchor); });
  }

  function afterBadges(meta) {
    var badges = meta.querySelectorAll(".badge.status, [data-badge]");
    return badges.length ? badges[badges.length - 1].nextSibling : meta.firstChild;
  }

  function notice(text, kind) {
    var area = document.getElementById("live-notices");
    var item = document.createElement("p");
    item.className = "live-notice live-" + (kind || "info");
    item.textContent = text;
    area.appendChild(item);
    while (area.children.length > 5) area.removeChild(area.firstChild);
    setTimeout(function () { item.remove(); }, 12000);
  }

  function fetchPage() {
    return fetch(window.location.pathname + window.location.search, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) { return new DOMParser().parseFromString(html, "text/html"); });
  }

  // Workflow card and deadline, as the server renders them now.
  function refreshWorkflow() {
    fetchPage().then(function (page) {
      [".card.workflow", "#deadline"].forEach(function (selector) {
        var fresh = page.querySelector(selector), old = document.querySelector(selector);
        if (old && fresh) old.replaceWith(document.importNode(fresh, true));
        else if (old) old.remove();
        else if (fresh && selector === "#deadline") {
          var head = document.querySelector(".doc-head");
          if (head) head.appendChild(document.importNode(fresh, true));
        }
      });
      countdown();
    }).catch(function () {});
  }

  function countdown() {
    var deadline = document.getElementById("deadline");
    if (!deadline || deadline.getAttribute("data-live-ticking")) return;
    deadline.setAttribute("data-live-ticking", "1");
    var due = Date.parse(deadline.getAttribute("data-due"));
    var out = deadline.querySelector(".countdown");
    var tick = function () {
      if (!out || !document.body.contains(out)) return;
      var left = Math.max(0, Math.round((due - Date.now()) / 60000));
      var d = Math.floor(left / 1440), h = Math.floor((left % 1440) / 60), m = left % 60;
      out.textContent = left ? msg("time-left", (d ? d + " d " : "") + (h || d ? h + " h " : "") + m + " min") : msg("deadline-passed");
      setTimeout(tick, 30000);
    };
    tick();
  }

  // A paragraph's amendments and comments panel (or all of them) as rendered now; a panel
  // someone is typing in is left alone, and an open one stays open.
  function refreshPanels(paragraphId) {
    fetchPage().then(function (page) {
      var selector = paragraphId ? ".para-panel[data-panel='" + paragraphId + "']" : ".para-panel";
      page.querySelectorAll(selector).forEach(function (fresh) {
        var id = fresh.getAttribute("data-panel");
        var old = document.querySelector(".para-panel[data-panel='" + id + "']");
        if (!old || old.contains(document.activeElement)) return;
        var copy = document.importNode(fresh, true);
        if (old.open) copy.open = true;
        old.replaceWith(copy);
      });
    }).catch(function () {});
  }

  // Paragraphs added or removed (an accepted insertion): take the text section as rendered
  // now, unless someone is in the middle of typing here.
  function refreshText() {
    var busy = Object.keys(replicas).some(function (k) { return !replicas[k].settled(); }) ||
      (document.activeElement && document.activeElement.classList.contains("live-input"));
    if (busy) { notice(msg("structure-changed"), "info"); return; }
    fetchPage().then(function (page) {
      var fresh = page.getElementById("text"), old = document.getElementById("text");
      if (!fresh || !old) return;
      old.replaceChildren.apply(old, Array.prototype.map.call(fresh.childNodes, function (n) { return document.importNode(n, true); }));
      replicas = {};
      document.querySelectorAll("article.para .ptext[data-lang]").forEach(function (el) {
        var r = replicaFor(el);
        if (canEdit) makeEditable(r);
      });
      renderPresence(people);
    }).catch(function () {});
  }

  // ---- start ---------------------------------------------------------------------------------

  Object.keys(replicas).forEach(function (k) { if (canEdit) makeEditable(replicas[k]); });
  status();
  window.addEventListener("beforeunload", function (e) {
    var pending = Object.keys(replicas).some(function (k) { return !replicas[k].settled(); });
    if (pending) { e.preventDefault(); e.returnValue = ""; }
  });

  window.Drafting = window.Drafting || {};
  window.Drafting.socket = socket;
  window.Drafting.editor = {
    socket: socket,
    rebase: rebase,
    insertionEnds: insertionEnds,
    mapCaret: mapCaret,
    replica: function (paragraphId, lang) { return replicas[keyOf(paragraphId, lang)] || null; },
    render: function (paragraphId, lang) { var r = replicas[keyOf(paragraphId, lang)]; if (r) render(r); },
    charDiff: charDiff,
    text: function (paragraphId, lang) { var r = replicas[keyOf(paragraphId, lang)]; return r ? r.local : null; },
    settled: function () {
      return joined && Object.keys(replicas).every(function (k) { return replicas[k].settled(); });
    }
  };
})();
