// The clients of `bench/live.py --profile etherpad --client node`: socket.io-client, as in
// Etherpad's own load test, so the load generator costs what a browser's would and leaves the
// two cores to the server.
//
// bench/live.py starts one of these per client process. It writes one line of JSON on stdin
// ({clients, document_id, targets, lang, interval, duration}), then "go" and later "done";
// this prints one JSON line per step on stdout ({kind: "ready" | "settled" | "result" |
// "finished" | "failed", payload}), the results in the shape of bench/live.py's BenchClient.
//
// Each author appends 4 characters to the end of its own paragraph every `interval` seconds,
// with at most one change in flight (what is typed meanwhile joins the next change, sent when
// the answer arrives). Nobody else writes in an author's paragraph, so a client's copy of a
// paragraph never needs the browser's rebase (drafting/text/replica.py): an update someone
// else made while this client had unsent typing in that paragraph is reported as an error.
// Times are CLOCK_MONOTONIC seconds, the clock of Python's time.monotonic().

import { createHash } from "node:crypto";
import { createInterface } from "node:readline";
import DiffMatchPatch from "diff-match-patch";
import { io } from "socket.io-client";

const dmp = new DiffMatchPatch();
dmp.Diff_Timeout = 0;
const now = () => Number(process.hrtime.bigint()) / 1e9;
// stdout is a pipe, written asynchronously: exit only once the last line is out (`then`)
const say = (kind, payload = null, then = undefined) =>
  process.stdout.write(JSON.stringify({ kind, payload }) + "\n", then);

const GAP_MS = 500; // a missing version's time to arrive before the text is asked again
/** A patch applied to the very text it was made from (textdiff.apply_exact): each hunk where it
 * says, its context checked, nothing searched for; null where the text is another. */
function applyExact(patchText, text) {
  for (const patch of dmp.patch_fromText(patchText)) {
    let at = patch.start1;
    let out = text.slice(0, at);
    for (const [op, segment] of patch.diffs) {
      if (op !== 1) {
        if (text.substr(at, segment.length) !== segment) return null;
        at += segment.length;
      }
      if (op !== -1) out += segment;
    }
    text = out + text.slice(at);
  }
  return text;
}

const sha1 = (text) => createHash("sha1").update(text, "utf8").digest("hex");

/** The server's newest text of one paragraph, rebuilt from updates that carry a patch from the
 * version before and the SHA-1 of the text it makes (drafting/text/replica.py's Incoming):
 * an update past a missing version waits; `needsResync` says when to ask for the text. */
class Incoming {
  constructor(text, version) {
    this.text = text;
    this.version = version;
    this.ahead = new Map(); // version -> update
    this.mismatched = false;
  }

  know(version, text) {
    if (version > this.version) {
      this.version = version;
      this.text = text;
      this.mismatched = false;
    }
    return this.readable();
  }

  update(update) {
    if (update.text !== undefined) return [[update, update.text], ...this.know(update.version, update.text)];
    if (update.version > this.version) this.ahead.set(update.version, update);
    return this.readable();
  }

  get needsResync() {
    return this.mismatched || this.ahead.size > 0;
  }

  readable() {
    const out = [];
    while (this.ahead.size && !this.mismatched) {
      for (const version of this.ahead.keys()) if (version <= this.version) this.ahead.delete(version);
      const update = this.ahead.get(this.version + 1);
      if (!update) break;
      const text = applyExact(update.patch, this.text);
      if (text === null || sha1(text) !== update.text_sha1) {
        this.mismatched = true;
        break;
      }
      this.ahead.delete(update.version);
      this.version = update.version;
      this.text = text;
      out.push([update, text]);
    }
    return out;
  }
}

/** One client's copy of one paragraph: the server's text (`shadow`, `version`) and `local`. */
class Copy {
  constructor(text, version) {
    this.shadow = text;
    this.version = version;
    this.local = text;
    this.inflight = null; // {base, sent}: the text the change in flight produces
    this.buffered = null; // [version, text]: the newest update that came meanwhile
  }

  outgoing() {
    if (this.inflight || this.local === this.shadow) return null;
    const patch = dmp.patch_toText(dmp.patch_make(this.shadow, this.local));
    this.inflight = { base: this.version, sent: this.local };
    return { base_version: this.version, patch };
  }

  acknowledged(ack, errors) {
    const sent = this.inflight;
    this.inflight = null;
    if (!ack.error) {
      if (!this.local.startsWith(sent.sent)) errors.push("typed text lost its prefix");
      this.local = ack.text + this.local.slice(sent.sent.length);
      this.shadow = ack.text;
      this.version = ack.version;
    } else if (ack.current) {
      errors.push(ack.error);
      this.remote(ack.current.version, ack.current.text, errors);
    } else {
      errors.push(ack.error);
    }
    if (this.buffered) {
      const [version, text] = this.buffered;
      this.buffered = null;
      this.remote(version, text, errors);
    }
  }

  remote(version, text, errors) {
    if (this.inflight) {
      if (!this.buffered || version > this.buffered[0]) this.buffered = [version, text];
      return;
    }
    if (version <= this.version) return;
    if (this.local !== this.shadow) errors.push("someone else changed a paragraph being typed in");
    this.shadow = this.local = text;
    this.version = version;
  }

  get settled() {
    return !this.inflight && !this.buffered && this.local === this.shadow;
  }
}

class Client {
  constructor(spec, setup) {
    this.spec = spec;
    this.setup = setup;
    this.copies = new Map();
    this.received = new Map(); // "paragraph:version" -> [paragraph, version, arrived]
    this.sent = [];
    this.typed = [];
    this.errors = [];
    this.messages = this.singles = this.batched = this.resyncs = 0;
    this.incoming = new Map(); // paragraph -> Incoming
    this.asking = new Set(); // paragraphs whose resync is unanswered
  }

  async connect() {
    this.socket = io(this.spec.url, {
      transports: ["websocket"],
      extraHeaders: { Cookie: this.spec.cookie },
      forceNew: true, // one connection per client, as one browser each
      reconnection: false,
    });
    await new Promise((resolve, reject) => {
      this.socket.once("connect", resolve);
      this.socket.once("connect_error", reject);
    });
    this.socket.on("paragraph_updated", (data) => this.updated(data, now()));
    const snapshot = await this.socket.timeout(120000).emitWithAck("join", {
      document_id: this.setup.document_id,
      tracked: false,
    });
    if (snapshot.error) throw new Error(`join refused: ${JSON.stringify(snapshot)}`);
    this.you = snapshot.you;
    for (const paragraph of snapshot.paragraphs) {
      if (this.setup.targets.includes(paragraph.id)) {
        const lang = this.setup.lang;
        this.copies.set(paragraph.id, new Copy(paragraph.text[lang], paragraph.version[lang]));
        this.incoming.set(paragraph.id, new Incoming(paragraph.text[lang], paragraph.version[lang]));
      }
    }
  }

  updated(data, arrived) {
    this.messages += 1;
    const updates = data.updates || [data];
    if (data.updates) this.batched += updates.length;
    else this.singles += 1;
    for (const update of updates) {
      if (update.lang !== this.setup.lang || !this.copies.has(update.paragraph_id)) continue;
      this.take(this.incoming.get(update.paragraph_id).update(update), arrived);
      this.resyncIfNeeded(update.paragraph_id);
    }
  }

  take(readable, arrived) {
    for (const [update, text] of readable) {
      if (update.by === this.you) continue; // its own edit, sent along in a batch: the ack had it
      this.received.set(`${update.paragraph_id}:${update.version}`, [
        update.paragraph_id,
        update.version,
        arrived,
      ]);
      this.copies.get(update.paragraph_id).remote(update.version, text, this.errors);
    }
  }

  // As bench/soak.py's: a missing version is given GAP_MS to come by the other way first.
  resyncIfNeeded(paragraphId, waited = false) {
    const copy = this.copies.get(paragraphId);
    const incoming = this.incoming.get(paragraphId);
    if (copy.inflight || !incoming.needsResync || this.asking.has(paragraphId)) return;
    this.asking.add(paragraphId);
    if (!waited && !incoming.mismatched) {
      setTimeout(() => {
        this.asking.delete(paragraphId);
        this.resyncIfNeeded(paragraphId, true);
      }, GAP_MS);
      return;
    }
    this.resyncs += 1;
    this.socket.emit("resync", { paragraph_id: paragraphId, lang: this.setup.lang }, (current) => {
      this.asking.delete(paragraphId);
      if (current.retry) {
        setTimeout(() => this.resyncIfNeeded(paragraphId, true), 500);
        return;
      }
      if (current.error) {
        this.errors.push(current.error);
        return;
      }
      const readable = this.incoming.get(paragraphId).know(current.version, current.text);
      copy.remote(current.version, current.text, this.errors);
      this.take(readable, now());
    });
  }

  append(chunk) {
    const copy = this.copies.get(this.spec.paragraph_id);
    copy.local += chunk;
    this.typed.push(chunk);
    this.send(this.spec.paragraph_id);
  }

  send(paragraphId) {
    const copy = this.copies.get(paragraphId);
    const edit = copy.outgoing();
    if (!edit) return;
    this.emitEdit(copy, { paragraph_id: paragraphId, lang: this.setup.lang, ...edit }, now());
  }

  emitEdit(copy, data, started) {
    this.socket.emit("edit", data, (ack) => {
      const acked = now();
      if (ack.retry) {
        // the database did not answer: the same change goes again shortly, as the browser's
        setTimeout(() => this.emitEdit(copy, data, started), 500);
        return;
      }
      if (ack.error) this.errors.push(ack.error);
      else this.sent.push([data.paragraph_id, ack.version, started, acked]);
      copy.acknowledged(ack, this.errors);
      const server = ack.error ? ack.current : ack;
      if (server) this.take(this.incoming.get(data.paragraph_id).know(server.version, server.text), acked);
      this.resyncIfNeeded(data.paragraph_id);
      this.send(data.paragraph_id); // what was typed while this one was in flight
    });
  }

  get settled() {
    return [...this.copies.entries()].every(
      ([id, copy]) => copy.settled && !this.incoming.get(id).needsResync,
    );
  }

  result() {
    const texts = {};
    for (const [id, copy] of this.copies) texts[id] = copy.local;
    return {
      index: this.spec.index,
      received: [...this.received.values()],
      sent: this.sent,
      typed: this.typed,
      own: this.spec.editor ? this.spec.paragraph_id : null,
      errors: this.errors,
      texts,
      settled: this.settled,
      change_ms: [],
      change_errors: 0,
      pushes: 0,
      messages: this.messages,
      singles: this.singles,
      batched: this.batched,
      resyncs: this.resyncs,
    };
  }
}

const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, Math.max(0, seconds * 1000)));

/** Etherpad's load: 4 characters at the end of one's own paragraph every `interval` s. */
async function author(client, interval, start, stop) {
  let tick = start + Math.random() * interval;
  let count = 0;
  while (tick < stop) {
    await sleep(tick - now());
    count += 1;
    client.append(` ${String(count % 1000).padStart(3, "0")}`);
    tick += interval;
  }
}

async function main() {
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const setup = JSON.parse((await lines.next()).value);
  const clients = setup.clients.map((spec) => new Client(spec, setup));
  for (let first = 0; first < clients.length; first += 10) {
    await Promise.all(clients.slice(first, first + 10).map((c) => c.connect()));
  }
  say("ready", clients.length);
  await lines.next(); // "go"
  const start = now();
  const authors = clients.filter((c) => c.spec.editor);
  await Promise.all(authors.map((c) => author(c, setup.interval, start, start + setup.duration)));
  const deadline = now() + 30;
  while (now() < deadline && !authors.every((c) => c.settled)) {
    for (const client of authors) client.send(client.spec.paragraph_id);
    await sleep(0.05);
  }
  say("settled", authors.length);
  await lines.next(); // "done"
  for (const client of clients) say("result", client.result());
  for (const client of clients) client.socket.close();
  say("finished", clients.length, () => process.exit(0));
}

main().catch((error) => {
  say("failed", String(error && error.stack ? error.stack : error), () => process.exit(1));
});
