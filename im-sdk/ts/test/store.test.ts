import { describe, expect, it, vi } from "vitest";
import { WebStorageStore, type StorageLike } from "../src/store.js";
import { Fake, newClient } from "./fake.js";

class MapStorage implements StorageLike {
  readonly items = new Map<string, string>();
  getItem(k: string): string | null {
    return this.items.get(k) ?? null;
  }
  setItem(k: string, v: string): void {
    this.items.set(k, v);
  }
}

const wait = (f: () => void) => vi.waitFor(f, { timeout: 2000, interval: 5 });

describe("WebStorageStore", () => {
  it("keeps seqs and unACKed sends across instances (a page reload)", () => {
    const storage = new MapStorage();
    const a = new WebStorageStore(storage, "whaleim:10000:alice");
    a.saveSeq("p2p:alice:bob", 7);
    a.savePending({ messageId: "m1", conversationId: "p2p:alice:bob", toId: "bob", body: "one" });
    a.savePending({ messageId: "m2", conversationId: "group:g1", groupId: "g1", body: "two" });
    a.deletePending("m1");
    const b = new WebStorageStore(storage, "whaleim:10000:alice");
    expect(b.loadSeqs()).toEqual({ "p2p:alice:bob": 7 });
    expect(b.loadPending().map((p) => p.messageId)).toEqual(["m2"]);
    expect(new WebStorageStore(storage, "whaleim:10000:bob").loadSeqs()).toEqual({});
  });

  it("starts empty from unreadable data", () => {
    const storage = new MapStorage();
    storage.setItem("p:seqs", "{oops");
    expect(new WebStorageStore(storage, "p").loadSeqs()).toEqual({});
  });

  it("lets a new client resend what the old one left unACKed, with the same messageId", async () => {
    const storage = new MapStorage();
    const fake = new Fake();
    const first = newClient(fake, { store: new WebStorageStore(storage, "s"), ackTimeoutMs: 10_000 });
    first.c.start();
    await wait(() => expect(first.c.state).toBe("connected"));
    const id = first.c.send({ toId: "bob", body: "survives" });
    first.c.close();
    const second = newClient(fake, { store: new WebStorageStore(storage, "s"), ackTimeoutMs: 10_000 });
    second.c.start();
    await wait(() => expect(fake.conns[1]?.of(1103).map((b) => b.messageId)).toEqual([id]));
    fake.conns[1]!.push(1046, { code: 200, msg: "ok", data: { messageId: id, messageSequence: 1 } }, id);
    await wait(() => expect(second.events("message_state")).toEqual([{ id, conversation: "p2p:alice:bob", state: "sent", seq: 1 }]));
    second.c.close();
    expect(new WebStorageStore(storage, "s").loadPending()).toEqual([]);
  });
});
