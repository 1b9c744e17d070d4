// Stores for what must survive an app restart: the last seq per
// conversation and the unACKed sends.

import type { SeqStore } from "./inbox.js";
import type { OutboxStore, Pending } from "./outbox.js";

/** Store is everything the client persists. */
export interface Store extends SeqStore, OutboxStore {}

/** MemoryStore keeps state for the life of the page or process (the default). */
export class MemoryStore implements Store {
  protected seqs: Record<string, number> = {};
  protected outbox = new Map<string, Pending>();

  loadSeqs(): Record<string, number> {
    return { ...this.seqs };
  }

  saveSeq(conversationId: string, seq: number): void {
    this.seqs[conversationId] = seq;
  }

  loadPending(): Pending[] {
    return [...this.outbox.values()];
  }

  savePending(p: Pending): void {
    this.outbox.set(p.messageId, p);
  }

  deletePending(messageId: string): void {
    this.outbox.delete(messageId);
  }
}

/** StorageLike is the Web Storage API (localStorage). */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** WebStorageStore persists in Web Storage under prefix (one prefix per user and app). */
export class WebStorageStore extends MemoryStore {
  constructor(private readonly storage: StorageLike, private readonly prefix: string) {
    super();
    this.seqs = parse<Record<string, number>>(storage.getItem(`${prefix}:seqs`), {});
    for (const p of parse<Pending[]>(storage.getItem(`${prefix}:outbox`), [])) this.outbox.set(p.messageId, p);
  }

  override saveSeq(conversationId: string, seq: number): void {
    super.saveSeq(conversationId, seq);
    this.storage.setItem(`${this.prefix}:seqs`, JSON.stringify(this.seqs));
  }

  override savePending(p: Pending): void {
    super.savePending(p);
    this.flushOutbox();
  }

  override deletePending(messageId: string): void {
    super.deletePending(messageId);
    this.flushOutbox();
  }

  private flushOutbox(): void {
    this.storage.setItem(`${this.prefix}:outbox`, JSON.stringify([...this.outbox.values()]));
  }
}

function parse<T>(s: string | null, fallback: T): T {
  if (!s) return fallback;
  try {
    return JSON.parse(s) as T;
  } catch {
    return fallback;
  }
}
