// The inbox: drops duplicates, emits each conversation strictly in seq
// order, pulls exactly the missing range when it sees a gap, and syncs
// every conversation from its last seq after each (re)connect. A seq the
// server declares absent (a hole: recalled or refused) never stalls a
// conversation.

import type { Message } from "./events.js";
import type { ConversationSeq, Page } from "./rest.js";

/** SeqStore persists the last seq emitted per conversation. */
export interface SeqStore {
  loadSeqs(): Record<string, number>;
  saveSeq(conversationId: string, seq: number): void;
}

/** InboxHooks connect the inbox to REST and to the app. */
export interface InboxHooks {
  emit(m: Message): void;
  pull(conversationId: string, after: number, limit: number): Promise<Page>;
  maxSequences(): Promise<ConversationSeq[]>;
  /** synced reports each conversation the max-sequence query listed. */
  synced(s: ConversationSeq): void;
  toMessage(conversationId: string, v: Page["dataList"] extends (infer T)[] | null ? T : never): Message;
  error(error: string): void;
  /** pause waits before a missing range is pulled again. */
  pause(): Promise<void>;
}

/** InboxConfig tunes pulls. */
export interface InboxConfig {
  pullLimit: number;
  /** holeRetries is how many pulls a missing range gets before it is skipped as a hole. */
  holeRetries: number;
}

/** own marks a seq taken by this user's own accepted send: it advances the stream without an event. */
const OWN = null;

interface Stream {
  last: number;
  waiting: Map<number, Message | typeof OWN>;
  filling: boolean;
}

/** Inbox orders delivery per conversation. */
export class Inbox {
  private readonly streams = new Map<string, Stream>();

  constructor(private readonly cfg: InboxConfig, private readonly store: SeqStore, private readonly hooks: InboxHooks) {
    for (const [id, seq] of Object.entries(store.loadSeqs())) this.streams.set(id, { last: seq, waiting: new Map(), filling: false });
  }

  /** lastSeq is the seq up to which conversationId has been emitted. */
  lastSeq(conversationId: string): number {
    return this.streams.get(conversationId)?.last ?? 0;
  }

  /** push takes a live delivery; it returns false for a duplicate. A gap starts a pull. */
  push(m: Message): boolean {
    const fresh = this.accept(m.conversationId, m.seq, m);
    if (fresh) void this.fill(m.conversationId);
    return fresh;
  }

  /** own records that this user's send took seq in conversationId. */
  own(conversationId: string, seq: number): void {
    if (seq > 0 && this.accept(conversationId, seq, OWN)) void this.fill(conversationId);
  }

  /** sync pulls every conversation from its last seq up to the server's max. */
  async sync(): Promise<void> {
    let seqs: ConversationSeq[];
    try {
      seqs = await this.hooks.maxSequences();
    } catch (err) {
      this.hooks.error(`sync: ${(err as Error).message}`);
      return;
    }
    for (const s of seqs) {
      this.hooks.synced(s);
      try {
        await this.catchUp(s.conversationId, s.maxSequence);
      } catch (err) {
        this.hooks.error(`sync ${s.conversationId}: ${(err as Error).message}`);
      }
    }
  }

  private stream(id: string): Stream {
    let s = this.streams.get(id);
    if (!s) this.streams.set(id, (s = { last: 0, waiting: new Map(), filling: false }));
    return s;
  }

  /** accept queues seq unless seen, then emits what is now in order. */
  private accept(id: string, seq: number, m: Message | typeof OWN): boolean {
    const s = this.stream(id);
    if (seq <= s.last || s.waiting.has(seq)) return false;
    s.waiting.set(seq, m);
    this.drain(id, s);
    return true;
  }

  private drain(id: string, s: Stream): void {
    const start = s.last;
    while (s.waiting.has(s.last + 1)) {
      const m = s.waiting.get(s.last + 1);
      s.waiting.delete(++s.last);
      if (m) this.hooks.emit(m);
    }
    if (s.last !== start) this.store.saveSeq(id, s.last);
  }

  /** skipTo declares every missing seq up to seq a hole: waiting messages up to it are emitted in order. */
  private skipTo(id: string, s: Stream, seq: number): void {
    if (seq <= s.last) return;
    for (const k of [...s.waiting.keys()].sort((a, b) => a - b)) {
      if (k > seq) break;
      const m = s.waiting.get(k);
      s.waiting.delete(k);
      if (m) this.hooks.emit(m);
    }
    s.last = seq;
    this.store.saveSeq(id, seq);
    this.drain(id, s);
  }

  /** gapEnd is the last missing seq before the first waiting one, or 0 without a gap. */
  private gapEnd(s: Stream): number {
    if (s.waiting.size === 0) return 0;
    return Math.min(...s.waiting.keys()) - 1;
  }

  /** fill pulls exactly the missing range before the first waiting seq, until no gap is left. */
  private async fill(id: string): Promise<void> {
    const s = this.stream(id);
    if (s.filling) return;
    s.filling = true;
    let tries = 0;
    try {
      for (let end = this.gapEnd(s); end > s.last; end = this.gapEnd(s)) {
        const before = s.last;
        await this.pullInto(id, s.last, end - s.last);
        if (s.last > before) tries = 0;
        else if (++tries > this.cfg.holeRetries) this.skipTo(id, s, end);
        else await this.hooks.pause();
      }
    } catch (err) {
      this.hooks.error(`pull ${id}: ${(err as Error).message}`);
    } finally {
      s.filling = false;
    }
  }

  /** catchUp pulls id page by page until it reaches max; what the server no longer lists is a hole. */
  private async catchUp(id: string, max: number): Promise<void> {
    const s = this.stream(id);
    while (s.last < max) {
      const before = s.last;
      const page = await this.pullInto(id, s.last, this.cfg.pullLimit);
      if (page.completed || !page.dataList?.length || s.last === before) {
        this.skipTo(id, s, max);
        return;
      }
    }
  }

  /** pullInto pulls (after, after+limit] and accepts what comes; seqs the page skips do not exist. */
  private async pullInto(id: string, after: number, limit: number): Promise<Page> {
    const page = await this.hooks.pull(id, after, limit);
    const list = [...(page.dataList ?? [])].sort((a, b) => (a.messageSequence ?? 0) - (b.messageSequence ?? 0));
    const s = this.stream(id);
    let prev = after;
    for (const v of list) {
      const seq = v.messageSequence ?? 0;
      if (seq > prev + 1) this.skipTo(id, s, seq - 1);
      prev = Math.max(prev, seq);
      if (seq <= s.last || s.waiting.has(seq)) continue;
      s.waiting.set(seq, this.hooks.toMessage(id, v));
      this.drain(id, s);
    }
    return page;
  }
}
