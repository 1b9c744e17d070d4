import { afterEach, describe, expect, it, vi } from "vitest";
import { backoff } from "../src/connection.js";
import { Fake, newClient, p2p } from "./fake.js";

const wait = (f: () => void) => vi.waitFor(f, { timeout: 2000, interval: 5 });
let stop: (() => void)[] = [];
afterEach(() => {
  stop.forEach((f) => f());
  stop = [];
});

function started(fake: Fake, opts = {}) {
  const t = newClient(fake, opts);
  stop.push(() => t.c.close());
  t.c.start();
  return t;
}

describe("connection", () => {
  it("logs in through the login route with the provider's sign and reports its states", async () => {
    const fake = new Fake();
    let n = 0;
    const t = started(fake, { signProvider: () => `sign-${++n}` });
    await wait(() => expect(t.c.state).toBe("connected"));
    expect(fake.last.url).toBe("ws://fake/ws");
    expect(fake.last.of(9000)).toEqual([{ userId: "alice", userSign: "sign-1" }]);
    fake.last.drop();
    await wait(() => expect(fake.conns.length).toBe(2));
    await wait(() => expect(t.c.state).toBe("connected"));
    expect(fake.last.of(9000)).toEqual([{ userId: "alice", userSign: "sign-2" }]);
    expect(t.events("state").map((e) => e.state)).toEqual(["connecting", "connected", "reconnecting", "connected"]);
  });

  it("falls back to a configured gateway when the login route fails", async () => {
    const fake = new Fake();
    fake.loginFailures = 100;
    const t = started(fake, { gateways: ["ws://spare/ws"] });
    await wait(() => expect(t.c.state).toBe("connected"));
    expect(fake.last.url).toBe("ws://spare/ws");
  });

  it("retries a refused login with a fresh sign", async () => {
    const fake = new Fake();
    fake.autoLogin = false;
    const t = started(fake);
    await wait(() => expect(fake.conns[0]?.of(9000).length).toBe(1));
    fake.last.push(9001, { code: 2003, msg: "user sign expired" });
    await wait(() => expect(fake.conns.length).toBe(2));
    expect(t.events("error")).toContainEqual({ reason: "login_refused", code: 2003, detail: "user sign expired" });
    await wait(() => expect(fake.last.of(9000).length).toBe(1));
    fake.last.push(9001, { code: 200, msg: "ok" });
    await wait(() => expect(t.c.state).toBe("connected"));
  });

  it("sends heartbeats and reconnects when the link goes silent", async () => {
    const fake = new Fake();
    const t = started(fake, { heartbeatMs: 20 });
    await wait(() => expect(fake.conns[0]?.of(9999).length).toBeGreaterThanOrEqual(2));
    await wait(() => expect(fake.conns.length).toBe(2));
    expect(t.events("state").map((e) => e.state)).toContain("reconnecting");
  });

  it("takes a repeated login ACK once (no second sync, resend or heartbeat)", async () => {
    const fake = new Fake();
    const t = started(fake, { ackTimeoutMs: 10_000 });
    await wait(() => expect(t.c.state).toBe("connected"));
    t.c.send({ toId: "bob", body: "once" });
    fake.last.push(9001, { code: 200, msg: "ok" });
    await new Promise((r) => setTimeout(r, 30));
    expect(fake.last.of(1103).length).toBe(1);
    expect(t.events("state").map((e) => e.state)).toEqual(["connecting", "connected"]);
  });

  it("starts again after close and syncs what came meanwhile", async () => {
    const fake = new Fake();
    const t = started(fake);
    await wait(() => expect(t.c.state).toBe("connected"));
    t.c.close();
    fake.store("p2p:alice:bob", p2p(1));
    t.c.start();
    await wait(() => expect(t.events("message").map((m) => m.seq)).toEqual([1]));
    expect(t.events("state").map((e) => e.state)).toEqual(["connecting", "connected", "closed", "connecting", "connected"]);
  });

  it("stops on a kick", async () => {
    const fake = new Fake();
    const t = started(fake);
    await wait(() => expect(t.c.state).toBe("connected"));
    fake.last.push(9002, {});
    await wait(() => expect(t.c.state).toBe("kicked"));
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.conns.length).toBe(1);
  });

  const bad: [string, (f: Fake) => void][] = [
    ["a 2 GiB length", (f) => f.last.raw(new Uint8Array([0, 0, 4, 0x4f, 0x80, 0, 0, 0]))],
    ["a truncated frame", (f) => f.last.raw(new Uint8Array([0, 0, 4, 0x4f, 0, 0, 0, 9, 1]))],
    ["a body that is not JSON", (f) => f.last.raw(new Uint8Array([0, 0, 4, 0x4f, 0, 0, 0, 1, 0x7b]))],
    ["an unknown command", (f) => f.last.push(7777, {})],
  ];
  for (const [name, send] of bad) {
    it(`reports ${name} as an error and reconnects, keeping the outbox`, async () => {
      const fake = new Fake();
      const t = started(fake, { ackTimeoutMs: 10_000 });
      await wait(() => expect(t.c.state).toBe("connected"));
      const id = t.c.send({ toId: "bob", body: "keep me" });
      send(fake);
      await wait(() => expect(fake.conns.length).toBe(2));
      expect(t.events("error").length).toBeGreaterThan(0);
      await wait(() => expect(fake.last.of(1103).map((b) => b.messageId)).toEqual([id]));
      expect(t.c.pending().map((p) => p.messageId)).toEqual([id]);
    });
  }

  it("backs off exponentially with jitter, capped", () => {
    expect(backoff(0, 100, 1000, () => 0)).toBe(50);
    expect(backoff(0, 100, 1000, () => 1)).toBe(100);
    expect(backoff(3, 100, 1000, () => 1)).toBe(800);
    expect(backoff(10, 100, 1000, () => 1)).toBe(1000);
    expect(backoff(10, 100, 1000, () => 0)).toBe(500);
  });
});

describe("outbox", () => {
  it("resends with the same messageId after a timeout, then reports sent with the seq", async () => {
    const fake = new Fake();
    const t = started(fake);
    await wait(() => expect(t.c.state).toBe("connected"));
    const id = t.c.send({ toId: "bob", body: "hi" });
    await wait(() => expect(fake.last.of(1103).length).toBeGreaterThanOrEqual(2));
    expect(new Set(fake.last.of(1103).map((b) => b.messageId))).toEqual(new Set([id]));
    fake.last.push(1046, { code: 200, msg: "ok", data: { messageId: id, messageSequence: 4, messageKey: 99, messageTime: 1 } }, id);
    await wait(() => expect(t.events("message_state").map((e) => e.state)).toEqual(["sending", "sent"]));
    expect(t.events("message_state")[1]).toEqual({ id, seq: 4, conversation: "p2p:alice:bob", state: "sent" });
    expect(t.c.pending()).toEqual([]);
    expect(t.c.conversations()[0]).toMatchObject({ id: "p2p:alice:bob", lastSeq: 4, unread: 0 });
  });

  it("resends after a reconnect and retries a 1009 with backoff; a refusal is final", async () => {
    const fake = new Fake();
    const t = started(fake, { ackTimeoutMs: 10_000 });
    await wait(() => expect(t.c.state).toBe("connected"));
    const a = t.c.send({ toId: "bob", body: "a" });
    const b = t.c.send({ groupId: "g1", body: "b" });
    fake.last.drop();
    await wait(() => expect(fake.conns.length).toBe(2));
    await wait(() => expect(fake.last.of(1103).map((x) => x.messageId)).toEqual([a]));
    expect(fake.last.of(2104).map((x) => x.messageId)).toEqual([b]);
    fake.last.push(1046, { code: 1009, msg: "rate limited", data: { messageId: a } }, a);
    await wait(() => expect(fake.last.of(1103).length).toBe(2));
    fake.last.push(1046, { code: 4000, msg: "not friends", data: { messageId: a } }, a);
    fake.last.push(2047, { code: 200, msg: "ok", data: { messageId: b, messageSequence: 1 } }, b);
    await wait(() => expect(t.c.pending()).toEqual([]));
    const states = t.events("message_state").map((e) => [e.id, e.state, e.code]);
    expect(states).toEqual([[a, "sending", undefined], [b, "sending", undefined], [a, "failed", 4000], [b, "sent", undefined]]);
  });

  it("ignores a duplicate up-ACK", async () => {
    const fake = new Fake();
    const t = started(fake);
    await wait(() => expect(t.c.state).toBe("connected"));
    const id = t.c.send({ toId: "bob", body: "x" });
    for (let i = 0; i < 2; i++) fake.last.push(1046, { code: 200, msg: "ok", data: { messageId: id, messageSequence: 1 } }, id);
    await wait(() => expect(t.events("message_state").length).toBe(2));
  });
});

describe("inbox", () => {
  it("emits in seq order, drops duplicates and sends a receive-ACK per delivery", async () => {
    const fake = new Fake();
    const t = started(fake);
    await wait(() => expect(t.c.state).toBe("connected"));
    for (const seq of [2, 1, 2, 1]) fake.last.push(1103, p2p(seq), `id-bob-${seq}`);
    fake.store("p2p:alice:bob", p2p(1));
    await wait(() => expect(t.events("message").map((m) => m.seq)).toEqual([1, 2]));
    // at emission, in order, and again for each duplicate push
    await wait(() => expect(fake.last.of(1107).map((a) => a.messageSequence)).toEqual([1, 2, 2, 1]));
    expect(fake.last.of(1107)[0]).toEqual({ messageId: "id-bob-1", toId: "bob", messageKey: 1001, messageSequence: 1 });
    expect(t.c.conversations()[0]).toMatchObject({ id: "p2p:alice:bob", unread: 2, lastSeq: 2 });
  });

  it("pulls exactly the missing range of a gap", async () => {
    const fake = new Fake();
    const t = started(fake);
    await wait(() => expect(t.c.state).toBe("connected"));
    fake.store("p2p:alice:bob", p2p(1));
    fake.store("p2p:alice:bob", p2p(2));
    fake.store("p2p:alice:bob", p2p(3));
    fake.pulls.length = 0;
    fake.last.push(1103, p2p(1));
    await wait(() => expect(t.events("message").length).toBeGreaterThanOrEqual(1));
    fake.last.push(1103, p2p(4));
    await wait(() => expect(t.events("message").map((m) => m.seq)).toEqual([1, 2, 3, 4]));
    expect(fake.pulls.filter((p) => p.lastSequence === 1)).toEqual([{ conversationId: "p2p:alice:bob", lastSequence: 1, maxLimit: 2 }]);
  });

  it("skips a hole the server cannot fill", async () => {
    const fake = new Fake();
    const t = started(fake, { holeRetries: 1 });
    await wait(() => expect(t.c.state).toBe("connected"));
    fake.last.push(1103, p2p(1));
    fake.last.push(1103, p2p(3));
    await wait(() => expect(t.events("message").map((m) => m.seq)).toEqual([1, 3]));
    expect(fake.pulls.filter((p) => p.lastSequence === 1).length).toBe(2);
  });

  it("syncs every conversation from its last seq after a reconnect", async () => {
    const fake = new Fake();
    const t = started(fake);
    await wait(() => expect(t.c.state).toBe("connected"));
    fake.last.push(1103, p2p(1));
    await wait(() => expect(t.events("message").length).toBe(1));
    fake.last.drop();
    for (const seq of [1, 2, 3]) fake.store("p2p:alice:bob", p2p(seq));
    fake.store("group:g1", { ...p2p(1, "carol"), toId: undefined, groupId: "g1" });
    fake.pulls.length = 0;
    await wait(() => expect(t.events("message").map((m) => `${m.conversation}#${m.seq}`))
      .toEqual(["p2p:alice:bob#1", "p2p:alice:bob#2", "p2p:alice:bob#3", "group:g1#1"]));
    expect(fake.pulls).toEqual([
      { conversationId: "p2p:alice:bob", lastSequence: 1, maxLimit: 100 },
      { conversationId: "group:g1", lastSequence: 0, maxLimit: 100 },
    ]);
  });
});

describe("recall", () => {
  it("sends 1050 for the message's key and settles on the recall ACK", async () => {
    const fake = new Fake();
    const t = started(fake);
    await wait(() => expect(t.c.state).toBe("connected"));
    const m = { conversation: "p2p:alice:bob", seq: 3, id: "x", key: 77, from: "alice", body: "oops", time: 0 };
    const ok = t.c.recall(m);
    const refused = t.c.recall({ ...m, key: 78 });
    const [r1, r2] = fake.last.of(1050);
    expect(r1).toMatchObject({ messageKey: 77, toId: "bob", conversationType: 0 });
    fake.last.push(1051, { code: 200, msg: "ok", data: { messageId: r1!.messageId } }, String(r1!.messageId));
    fake.last.push(1051, { code: 6001, msg: "recall window expired", data: { messageId: r2!.messageId } }, String(r2!.messageId));
    await expect(ok).resolves.toBeUndefined();
    await expect(refused).rejects.toThrow(/recall window expired \(6001\)/);
  });

  it("refuses a recall while offline", async () => {
    const t = newClient(new Fake());
    await expect(t.c.recall({ conversation: "group:g", seq: 1, id: "x", key: 1, from: "alice", body: "", time: 0 }))
      .rejects.toThrow(/not connected/);
  });
});

describe("chat features", () => {
  it("sends 1055 and 1060, settles an edit on its ACK and updates the last message", async () => {
    const fake = new Fake();
    const t = started(fake);
    await wait(() => expect(t.c.state).toBe("connected"));
    fake.last.push(1103, p2p(1, "alice", "bob"));
    await wait(() => expect(t.c.conversations()[0]?.last?.seq).toBe(1));
    const m = t.events("message")[0]!;
    const ok = t.c.edit(m, "fixed");
    const refused = t.c.edit({ ...m, key: 9 }, "no");
    const [e1, e2] = fake.last.of(1055);
    expect(e1).toMatchObject({ messageKey: m.key, toId: "bob", conversationType: 0, messageBody: "fixed" });
    fake.last.push(1056, { code: 200, msg: "ok", data: { messageId: e1!.messageId } }, String(e1!.messageId));
    fake.last.push(1056, { code: 6007, msg: "only the sender may edit a message", data: { messageId: e2!.messageId } }, String(e2!.messageId));
    await expect(ok).resolves.toBeUndefined();
    await expect(refused).rejects.toThrow(/edit refused: only the sender may edit a message \(6007\)/);
    expect(t.c.conversations()[0]?.last).toMatchObject({ body: "fixed", edited: true });
    expect(t.c.typing("group:g1")).toBe(true);
    expect(t.c.typing("p2p:alice:bob", true)).toBe(true);
    expect(fake.last.of(1060)).toEqual([{ groupId: "g1", conversationType: 1 }, { toId: "bob", conversationType: 0, stopped: true }]);
  });

  it("reports typing, edits, deletes and clears, and applies them to the list", async () => {
    const fake = new Fake();
    const t = started(fake);
    await wait(() => expect(t.c.state).toBe("connected"));
    fake.last.push(1103, p2p(1));
    fake.last.push(1103, p2p(2));
    await wait(() => expect(t.c.conversations()[0]?.unread).toBe(2));
    fake.last.push(1060, { fromId: "bob", toId: "alice", conversationType: 0 });
    fake.last.push(1057, { fromId: "bob", toId: "alice", messageKey: 1002, messageId: "e", conversationType: 0,
      messageBody: "edited", messageSequence: 2, editedAt: 99 });
    fake.last.push(1058, { conversationId: "p2p:alice:bob", messageSequences: [1] });
    fake.last.push(5002, { conversationId: "p2p:alice:bob", clearedSequence: 2 });
    await wait(() => expect(t.events("cleared").length).toBe(1));
    expect(t.events("typing")).toEqual([{ conversation: "p2p:alice:bob", from: "bob" }]);
    expect(t.events("edited")).toEqual([{ conversation: "p2p:alice:bob", key: 1002, seq: 2, from: "bob", body: "edited", extra: undefined, editedAt: 99 }]);
    expect(t.events("deleted")).toEqual([{ conversation: "p2p:alice:bob", seqs: [1] }]);
    expect(t.events("cleared")).toEqual([{ conversation: "p2p:alice:bob", seq: 2 }]);
    expect(t.events("error")).toEqual([]);
    expect(t.c.conversations()[0]).toMatchObject({ unread: 0, readSeq: 2, last: { seq: 2, body: "" } });
    expect(fake.conns.length).toBe(1); // none of them is an unknown command
  });
});

describe("conversations and receipts", () => {
  it("counts unread, marks read and reports receipts, recalls and notifications", async () => {
    const fake = new Fake();
    const t = started(fake);
    await wait(() => expect(t.c.state).toBe("connected"));
    fake.last.push(1103, p2p(1));
    fake.last.push(1103, p2p(2));
    await wait(() => expect(t.c.conversations()[0]?.unread).toBe(2));
    const seen: number[] = [];
    t.c.on("read_receipt", (e) => seen.push(t.c.conversations().find((c) => c.id === e.conversation)!.peerReadSeq));
    t.c.markRead("p2p:alice:bob");
    expect(fake.last.of(1106)).toEqual([{ toId: "bob", messageSequence: 2, conversationType: 0 }]);
    expect(t.c.conversations()[0]).toMatchObject({ unread: 0, readSeq: 2 });
    fake.last.push(1054, { fromId: "bob", toId: "alice", messageSequence: 5, conversationType: 0 });
    fake.last.push(1053, { fromId: "alice", toId: "bob", messageSequence: 2, conversationType: 0 });
    fake.last.push(1107, { messageId: "m", messageKey: 1, messageSequence: 5, fromId: "bob", toId: "alice" });
    fake.last.push(1052, { fromId: "bob", messageKey: 1002, messageId: "r", toId: "alice", conversationType: 0 });
    fake.last.push(3000, { fromId: "bob" });
    fake.last.push(9005, { code: 1004, msg: "unknown command", command: 1234 });
    await wait(() => expect(t.events("notification").length).toBe(1));
    expect(t.events("read_receipt")).toEqual([{ conversation: "p2p:alice:bob", reader: "bob", seq: 5 }]);
    expect(t.events("read")).toEqual([{ conversation: "p2p:alice:bob", seq: 2 }]);
    expect(t.events("delivered")).toEqual([{ conversation: "p2p:alice:bob", id: "m", seq: 5 }]);
    expect(t.events("recalled")).toEqual([{ conversation: "p2p:alice:bob", key: 1002 }]);
    expect(t.events("error")).toEqual([]); // a refused frame (9005) is logged, not an event
    expect(t.c.conversations()[0]).toMatchObject({ peerReadSeq: 5, last: { seq: 2, recalled: true } });
    expect(seen).toEqual([5]); // listeners see the list already updated
    expect(fake.conns.length).toBe(1);
  });
});
