// The inbox: drops duplicates, emits each conversation strictly in seq
// order, pulls exactly the missing range when it sees a gap, and syncs
// every conversation from its last seq after each login. A seq the server
// declares absent (a hole: refused, never stored) never stalls a
// conversation. The rules are the Go SDK's (im-sdk/go/whaleim/inbox.go)
// and are pinned by the conformance scenarios.

import type { Message } from "./events.js";
import type { ConversationSeq, Page } from "./rest.js";

/** SeqStore persists the last seq emitted per conversation. */
export interface SeqStore {
  loadSeqs(): Record<string, number>;
  saveSeq(conversationId: string, seq: number): void;
}

/** PulledMessage is one entry of a pull answer. */
export type PulledMessage = NonNullable<Page["dataList"]>[number];

/** InboxHooks connect the inbox to REST and to the rest of the client. */
export interface InboxHooks {
  /** deliver takes the next message in order (the client emits it, or settles its own send). */
  deliver(m: Message): void;
  /** duplicate sees a push of a message already taken (the server may have lost the receive-ACK). */
  duplicate(m: Message): void;
  pull(conversationId: string, after: number, limit: number): Promise<Page>;
  maxSequences(): Promise<ConversationSeq[]>;
  /** synced reports each conversation of the max-sequence answer before it is pulled. */
  synced(s: ConversationSeq): void;
  toMessage(conversationId: string, v: PulledMessage): Message;
  /** online tells whether a gap pull may start now (pulls start with a connection). */
  online(): boolean;
  /** pause waits before pull number tries+1 of a range that came back empty. */
  pause(tries: number): Promise<void>;
  log(msg: string): void;
}

/** InboxConfig tunes pulls. */
export interface InboxConfig {
  pullLimit: number;
  /** holeRetries is how many empty gap pulls in a row declare the gap a hole. */
  holeRetries: number;
}

/** OWN marks a seq taken by this instance's own accepted send: it takes its place without an event. */
const OWN = null;

interface Stream {
  id: string;
  last: number; // highest seq emitted (or skipped as a hole)
  buf: Map<number, Message | typeof OWN>; // arrived ahead of last+1
  target: number; // highest seq known to exist
  pulling: boolean;
  empty: number; // consecutive gap pulls that found nothing
}

/** Inbox orders delivery per conversation. */
export class Inbox {
  private readonly streams = new Map<string, Stream>();
  private stopped = false;

  constructor(private readonly cfg: InboxConfig, private readonly store: SeqStore, private readonly hooks: InboxHooks) {
    for (const [id, seq] of Object.entries(store.loadSeqs())) this.stream(id).last = seq;
  }

  /** lastSeq is the seq up to which conversationId has been emitted. */
  lastSeq(conversationId: string): number {
    return this.streams.get(conversationId)?.last ?? 0;
  }

  /** stop ends pulling (the client closed). */
  stop(): void {
    this.stopped = true;
  }

  /** resume allows pulls again (the client started again). */
  resume(): void {
    this.stopped = false;
  }

  /** accept takes a pushed or pulled message. A gap behind it starts a pull. */
  accept(m: Message, pushed: boolean): void {
    if (!m.conversation || m.seq <= 0) return;
    const s = this.stream(m.conversation);
    if (s.buf.has(m.seq) || m.seq <= s.last) {
      if (pushed) this.hooks.duplicate(m);
      return;
    }
    s.buf.set(m.seq, m);
    this.drain(s);
    if (s.buf.size > 0) {
      s.target = Math.max(s.target, ...s.buf.keys());
      this.startPull(s);
    }
  }

  /** own records the seq of this instance's acknowledged send; it never starts a pull by itself. */
  own(conversationId: string, seq: number): void {
    if (seq <= 0) return;
    const s = this.stream(conversationId);
    if (seq <= s.last) return;
    if (!s.buf.has(seq)) s.buf.set(seq, OWN);
    this.drain(s);
  }

  /** sync runs after every login: the max-sequence query, then each conversation pulled in turn. */
  async sync(): Promise<void> {
    let seqs: ConversationSeq[];
    try {
      seqs = await this.hooks.maxSequences();
    } catch (err) {
      this.hooks.log(`sync failed: ${(err as Error).message}`);
      return;
    }
    for (const cs of seqs) {
      if (this.stopped) return;
      this.hooks.synced(cs);
      const s = this.stream(cs.conversationId);
      const run = cs.maxSequence > s.last && !s.pulling;
      s.target = Math.max(s.target, cs.maxSequence);
      if (run) {
        s.pulling = true;
        await this.pullLoop(s);
      }
    }
  }

  private stream(id: string): Stream {
    let s = this.streams.get(id);
    if (!s) this.streams.set(id, (s = { id, last: 0, buf: new Map(), target: 0, pulling: false, empty: 0 }));
    return s;
  }

  private drain(s: Stream): void {
    while (s.buf.has(s.last + 1)) {
      const m = s.buf.get(s.last + 1)!;
      s.buf.delete(s.last + 1);
      this.advance(s, s.last + 1, m);
    }
  }

  private advance(s: Stream, seq: number, m: Message | typeof OWN): void {
    s.last = seq;
    this.store.saveSeq(s.id, seq);
    if (m) this.hooks.deliver(m);
  }

  /** skipTo declares every seq up to upto absent, emitting what is held on the way. */
  private skipTo(s: Stream, upto: number): void {
    while (s.last < upto) {
      const next = s.last + 1;
      const m = s.buf.get(next) ?? OWN;
      s.buf.delete(next);
      this.advance(s, next, m);
    }
    this.drain(s);
  }

  private startPull(s: Stream): void {
    if (s.pulling || this.stopped || !this.hooks.online()) return;
    s.pulling = true;
    void this.pullLoop(s);
  }

  /** pullLoop pulls until s has no gap and reached its target: a gap pull asks for exactly the missing range. */
  private async pullLoop(s: Stream): Promise<void> {
    for (let tries = 0; ;) {
      const gap = s.buf.size > 0;
      const after = s.last;
      const limit = gap ? Math.min(...s.buf.keys()) - s.last - 1 : this.cfg.pullLimit;
      if ((!gap && s.target <= s.last) || this.stopped) {
        s.pulling = false;
        return;
      }
      try {
        tries = this.applyPage(s, after, await this.hooks.pull(s.id, after, limit));
      } catch (err) {
        this.hooks.log(`pull ${s.id} failed: ${(err as Error).message}`);
        tries++;
      }
      const giveUp = tries > this.cfg.holeRetries;
      if (giveUp) this.giveUp(s);
      if (tries > 0 && !giveUp) await this.hooks.pause(tries - 1);
    }
  }

  /** applyPage feeds a pull answer in; it returns how many pulls in a row made no progress. */
  private applyPage(s: Stream, after: number, page: Page): number {
    const list = [...(page.dataList ?? [])].sort((a, b) => (a.messageSequence ?? 0) - (b.messageSequence ?? 0));
    for (const v of list) {
      const seq = v.messageSequence ?? 0;
      if (seq <= after) continue;
      this.skipTo(s, seq - 1); // the page lists every stored seq after `after`: one it skipped does not exist
      this.accept(this.hooks.toMessage(s.id, v), false);
    }
    if (s.last > after) {
      s.empty = 0;
      return 0;
    }
    if (s.buf.size === 0) {
      s.target = s.last; // the server announced more than it has: nothing to wait for
      return 0;
    }
    return ++s.empty;
  }

  /** giveUp declares the gap before the first held message a hole (the server may store late, not forever). */
  private giveUp(s: Stream): void {
    if (s.buf.size > 0) this.skipTo(s, Math.min(...s.buf.keys()) - 1);
    s.empty = 0;
    if (s.buf.size === 0 && s.target > s.last) s.target = s.last;
  }
}
