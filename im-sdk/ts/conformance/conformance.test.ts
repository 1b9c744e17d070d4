// The shared conformance suite (im-sdk/conformance): every scenario is
// served by the scripted gateway (the Go program im-sdk/go/cmd/scriptgw)
// over a real WebSocket and REST, and the SDK's event log must equal the
// scenario's, exactly as the Go SDK's does (same comparison as
// im-sdk/go/whaleim/conformance_test.go).
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { WebSocket } from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../src/client.js";
import type { EventName, Events } from "../src/events.js";
import { tcpTransport } from "../src/node.js";
import { MemoryStore } from "../src/store.js";
import type { WebSocketConstructor } from "../src/transport.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));
// CONFORMANCE_SCENARIOS and SCRIPTGW point the runner at another checkout's suite and gateway binary.
const dir = process.env.CONFORMANCE_SCENARIOS ?? join(root, "im-sdk", "conformance", "scenarios");
const DEFAULT_RECORD = ["state", "message", "message_state", "error", "recalled", "read", "read_receipt", "delivered", "notification"];

type Event = Record<string, unknown>;

interface Scenario {
  name: string;
  user: string;
  client: { ackTimeoutMs?: number; backoffMinMs?: number; backoffMaxMs?: number; heartbeatMs?: number; pullLimit?: number;
    holeRetries?: number; sendRetryMinMs?: number };
  record?: string[];
  events: Event[];
}

interface Action {
  do: "send" | "read" | "restart";
  ref?: string;
  to?: string;
  group?: string;
  body?: string;
  conversation?: string;
  seq?: number;
}

let gateway = "";
let built = ""; // the temporary directory of the gateway binary this run built

beforeAll(() => {
  if (process.env.SCRIPTGW) {
    gateway = process.env.SCRIPTGW;
    return;
  }
  built = mkdtempSync(join(tmpdir(), "whaleim-conformance-"));
  gateway = join(built, "scriptgw");
  execFileSync("go", ["build", "-o", gateway, "./im-sdk/go/cmd/scriptgw"], { cwd: root, stdio: "inherit" });
}, 300_000);

afterAll(() => {
  if (built) rmSync(built, { recursive: true, force: true });
});

/** wireForm is an event as the Go SDK marshals it: empty fields left out (a message keeps its body). */
function wireForm<K extends EventName>(type: K, e: Events[K]): Event {
  const pick = (keys: string[]): Event => {
    const out: Event = { type };
    for (const k of keys) {
      const v = (e as Record<string, unknown>)[k];
      if (v !== undefined && v !== "" && v !== 0 && v !== false) out[k] = v;
    }
    return out;
  };
  switch (type) {
    case "state": return pick(["state"]);
    case "message": return { ...pick(["conversation", "seq", "id", "from", "recalled"]), body: (e as Events["message"]).body };
    case "message_state": return pick(["id", "state", "seq", "code"]);
    case "error": return pick(["reason", "code", "command"]);
    case "delivered": return pick(["conversation", "id", "seq"]);
    case "read_receipt": return pick(["conversation", "reader", "seq"]);
    case "read": return pick(["conversation", "seq"]);
    case "recalled": return pick(["conversation", "key"]);
    case "notification": return pick(["command"]);
    case "conversation": {
      const c = e as Events["conversation"];
      const out: Event = { type, conversation: c.id };
      if (c.unread) out.unread = c.unread;
      if (c.readSeq) out.readSeq = c.readSeq;
      if (c.lastSeq) out.lastSeq = c.lastSeq;
      return out;
    }
  }
  return { type };
}

/** streams groups events whose relative order the suite pins. */
function streams(events: Event[], record: string[]): Record<string, Event[]> {
  const out: Record<string, Event[]> = {};
  for (const e of events) {
    if (!record.includes(String(e.type))) continue;
    let key = "connection";
    if (e.type === "message_state") key = `ref:${String(e.ref)}`;
    else if (["message", "delivered", "read_receipt", "read", "recalled"].includes(String(e.type))) key = `conv:${String(e.conversation)}`;
    (out[key] ??= []).push(e);
  }
  return out;
}

/** Run drives one scenario: the gateway process, the SDK (new instances on restart) and the event log. */
class Run {
  readonly log: Event[] = [];
  readonly refs = new Map<string, string>();
  private readonly store = new MemoryStore();
  private client!: Client;

  constructor(private readonly sc: Scenario, private readonly rest: string, private readonly tcp: boolean) {}

  open(): void {
    const c = this.sc.client;
    this.client = new Client({
      appId: 10000, userId: this.sc.user, apiUrl: this.rest, signProvider: () => "conformance-sign",
      webSocket: WebSocket as unknown as WebSocketConstructor, store: this.store,
      ...(this.tcp ? { transport: tcpTransport() } : {}),
      ackTimeoutMs: c.ackTimeoutMs || undefined, heartbeatMs: c.heartbeatMs || undefined,
      backoffMinMs: c.backoffMinMs || undefined, backoffMaxMs: c.backoffMaxMs || undefined,
      sendRetryMinMs: c.sendRetryMinMs || undefined, pullLimit: c.pullLimit || undefined, holeRetries: c.holeRetries || undefined,
    });
    this.client.onAny((type, e) => this.log.push(wireForm(type, e as never)));
    this.client.start();
  }

  act(a: Action): void {
    switch (a.do) {
      case "send": {
        const id = this.client.send({ ...(a.group ? { groupId: a.group } : { toId: a.to! }), body: a.body ?? "" });
        this.refs.set(id, a.ref ?? "");
        return;
      }
      case "read":
        this.client.markRead(a.conversation!, a.seq);
        return;
      case "restart":
        this.client.close();
        this.open();
        return;
    }
    throw new Error(`unknown action ${JSON.stringify(a)}`);
  }

  close(): void {
    this.client.close();
  }

  /** translated is the log with the messageIds of our sends replaced by the scenario's refs. */
  translated(): Event[] {
    return this.log.map((e) => {
      if (e.type !== "message_state") return e;
      const { id, ...rest } = e;
      return { ...rest, ref: this.refs.get(String(id)) ?? "" };
    });
  }

  recorded(record: string[]): number {
    return this.log.filter((e) => record.includes(String(e.type))).length;
  }
}

/** play runs sc against a fresh scripted gateway and returns the log and the gateway's violations. */
async function play(file: string, sc: Scenario, tcp: boolean): Promise<{ log: Event[]; violations: string[] }> {
  const gw = spawn(gateway, ["-scenario", file], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: gw.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Event> => {
    const { value, done } = await lines.next();
    if (done) throw new Error("the scripted gateway ended early");
    return JSON.parse(value) as Event;
  };
  const ready = await next();
  if (ready.type !== "ready") throw new Error(`first line ${JSON.stringify(ready)}`);
  const run = new Run(sc, String(ready.rest), tcp);
  const record = sc.record?.length ? sc.record : DEFAULT_RECORD;
  run.open();
  try {
    for (let line = await next(); line.type !== "done"; line = await next()) {
      if (line.type === "action") run.act(line.action as Action);
    }
    const deadline = Date.now() + 10_000;
    while (run.recorded(record) < sc.events.length - 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  } finally {
    run.close();
    gw.stdin.end();
  }
  for (let line = await next(); ; line = await next()) {
    if (line.type === "report") return { log: run.translated(), violations: line.violations as string[] };
  }
}

const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();

describe("conformance", () => {
  it("has scenarios", () => expect(files.length).toBeGreaterThan(0));
  for (const f of files) {
    const sc = JSON.parse(readFileSync(join(dir, f), "utf8")) as Scenario;
    for (const transport of ["websocket", "tcp"]) {
      it(`${sc.name} (${transport})`, async () => {
        const { log, violations } = await play(join(dir, f), sc, transport === "tcp");
        const record = sc.record?.length ? sc.record : DEFAULT_RECORD;
        expect(violations).toEqual([]);
        expect(streams(log, record)).toEqual(streams(sc.events, record));
      });
    }
  }
});
