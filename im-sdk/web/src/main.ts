// The web chat demo: everything the app does goes through the SDK's
// Client; this file only keeps the messages on screen.
import {
  Client, conversationPeer, groupConversation, p2pConversation, type Conversation, type Message, type Peer, type SendState,
} from "@whaleim/sdk";

/** Config is served by the Go handler at config.json. */
interface Config {
  appId: number;
  apiUrl: string;
}

/** Line is one message on screen. */
interface Line {
  messageId: string;
  fromId: string;
  body: string;
  seq: number;
  key: number;
  state: SendState | "received";
  code?: number;
  recalled?: boolean;
}

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;

async function loadConfig(): Promise<Config> {
  const q = new URLSearchParams(location.search);
  let cfg: Config = { appId: 10000, apiUrl: "" };
  try {
    const res = await fetch("config.json");
    if (res.ok) cfg = { ...cfg, ...((await res.json()) as Partial<Config>) };
  } catch {
    // served without the Go handler: defaults
  }
  if (q.get("appId")) cfg.appId = Number(q.get("appId"));
  if (q.get("apiUrl")) cfg.apiUrl = q.get("apiUrl")!;
  return cfg;
}

/** Chat is the logged-in screen of one user. */
class Chat {
  private readonly lines = new Map<string, Line[]>(); // by conversation id
  private open = "";

  constructor(private readonly client: Client, private readonly me: string) {
    client.on("state", (e) => this.status(e.state));
    client.on("message", (m) => this.received(m));
    client.on("message_state", (e) => this.update(e.conversation, e.id, (l) => {
      l.state = e.state;
      if (e.seq) l.seq = e.seq;
      if (e.code) l.code = e.code;
    }));
    client.on("conversation", () => this.renderList());
    client.on("read_receipt", (e) => e.conversation === this.open && this.renderPane());
    client.on("recalled", (e) => this.update(e.conversation, "", (l) => {
      if (l.key === e.key) {
        l.recalled = true;
        l.body = "";
      }
    }));
  }

  private status(state: string): void {
    const s = $("#status");
    s.dataset.state = state;
    s.textContent = state === "reconnecting" ? "reconnecting…" : state;
  }

  private received(m: Message): void {
    const list = this.conv(m.conversation);
    if (list.some((l) => l.messageId === m.id)) return; // my own send, seen again by sync
    list.push({ messageId: m.id, fromId: m.from, body: m.body, seq: m.seq, key: m.key,
      state: m.from === this.me ? "sent" : "received", recalled: !!m.recalled });
    list.sort((a, b) => (a.seq || Infinity) - (b.seq || Infinity));
    if (m.conversation === this.open) {
      this.renderPane();
      if (document.visibilityState === "visible") this.client.markRead(m.conversation);
    }
  }

  private conv(id: string): Line[] {
    let l = this.lines.get(id);
    if (!l) this.lines.set(id, (l = []));
    return l;
  }

  private update(conversationId: string, messageId: string, f: (l: Line) => void): void {
    for (const l of this.conv(conversationId)) if (!messageId || l.messageId === messageId) f(l);
    if (conversationId === this.open) this.renderPane();
  }

  send(text: string): void {
    const peer = this.peerOf(this.open);
    const messageId = this.client.send({ ...peer, body: text });
    this.conv(this.open).push({ messageId, fromId: this.me, body: text, seq: 0, key: 0, state: "sending" });
    this.renderPane();
  }

  peerOf(id: string): Peer {
    return conversationPeer(id, this.me);
  }

  select(id: string): void {
    this.open = id;
    const p = this.peerOf(id);
    $("#title").textContent = p.groupId ? `Group #${p.groupId}` : `Chat with ${p.toId}`;
    for (const el of [$<HTMLInputElement>("#composer input"), $<HTMLButtonElement>("#composer button")]) el.disabled = false;
    this.client.markRead(id);
    this.renderList();
    this.renderPane();
  }

  renderList(): void {
    const ul = $("#conversations");
    const convs: Conversation[] = this.client.conversations();
    if (this.open && !convs.some((c) => c.id === this.open)) {
      convs.unshift({ id: this.open, ...this.peerOf(this.open), lastSeq: 0, readSeq: 0, peerReadSeq: 0, unread: 0 });
    }
    ul.replaceChildren(...convs.map((c) => {
      const li = document.createElement("li");
      li.dataset.conversation = c.id;
      li.className = c.id === this.open ? "active" : "";
      li.append(span("peer", c.groupId ? `#${c.groupId}` : c.toId ?? c.id));
      const badge = span("unread", String(c.unread));
      badge.dataset.count = String(c.unread);
      li.append(badge, span("last", c.last ? (c.last.recalled ? "(recalled)" : c.last.body) : ""));
      li.onclick = () => this.select(c.id);
      return li;
    }));
  }

  renderPane(): void {
    const conv = this.client.conversations().find((c) => c.id === this.open);
    const peerRead = conv?.peerReadSeq ?? 0;
    $("#messages").replaceChildren(...this.conv(this.open).map((l) => {
      const li = document.createElement("li");
      const mine = l.fromId === this.me;
      li.className = `${mine ? "mine" : ""} ${l.recalled ? "recalled" : ""}`;
      li.dataset.messageId = l.messageId;
      if (!mine) li.append(span("from", l.fromId));
      li.append(span("text", l.recalled ? "message recalled" : l.body));
      if (mine) {
        const state = l.state === "sent" && l.seq > 0 && l.seq <= peerRead ? "read" : l.state;
        const marks: Record<string, string> = { sending: "sending…", sent: "✓ sent", read: "✓✓ read", failed: `failed (${l.code ?? "?"})` };
        const mark = span("mark", marks[state] ?? "");
        mark.dataset.state = state;
        li.append(mark);
        if (l.state === "sent" && !l.recalled && l.key) li.append(this.recallButton(l));
      }
      return li;
    }));
    const ol = $("#messages");
    ol.scrollTop = ol.scrollHeight;
  }

  private recallButton(l: Line): HTMLButtonElement {
    const b = document.createElement("button");
    b.className = "recall";
    b.textContent = "recall";
    b.onclick = () => {
      const m = { conversation: this.open, seq: l.seq, id: l.messageId, key: l.key, from: this.me, body: l.body, time: 0 };
      this.client.recall(m).then(() => this.update(this.open, l.messageId, (x) => (x.recalled = true)),
        (err: Error) => alert(err.message));
    };
    return b;
  }
}

function span(cls: string, text: string): HTMLSpanElement {
  const s = document.createElement("span");
  s.className = cls;
  s.textContent = text;
  return s;
}

async function main(): Promise<void> {
  const cfg = await loadConfig();
  $("#app-id").textContent = String(cfg.appId);
  const login = $<HTMLFormElement>("#login");
  login.onsubmit = (ev) => {
    ev.preventDefault();
    const f = new FormData(login);
    const userId = String(f.get("userId")).trim();
    const userSign = String(f.get("userSign")).trim();
    // a demo wants a quick reconnect after an outage more than a gentle one
    const client = new Client({ appId: cfg.appId, userId, apiUrl: cfg.apiUrl, signProvider: () => userSign, backoffMaxMs: 3000,
      logger: (msg) => console.warn(`whaleim: ${msg}`) });
    client.on("error", (e) => console.warn(`whaleim error: ${e.reason} ${e.detail}`));
    const chat = new Chat(client, userId);
    login.hidden = true;
    $("#chat").hidden = false;
    $("#me").textContent = userId;
    $("#logout").hidden = false;
    $("#logout").onclick = () => {
      client.close();
      location.reload();
    };
    $<HTMLFormElement>("#new-chat").onsubmit = (e) => {
      e.preventDefault();
      const input = $<HTMLInputElement>("#new-chat input");
      const peer = input.value.trim();
      if (!peer) return;
      input.value = "";
      chat.select(peer.startsWith("#") ? groupConversation(peer.slice(1)) : p2pConversation(userId, peer));
    };
    $<HTMLFormElement>("#new-group").onsubmit = (e) => {
      e.preventDefault();
      const f = new FormData(e.target as HTMLFormElement);
      const members = String(f.get("members")).split(",").map((m) => m.trim()).filter(Boolean);
      const groupId = `g_${Math.random().toString(36).slice(2, 10)}`;
      client.api("/v1/group/createGroup", { groupId, groupType: 2, groupName: String(f.get("name")), applyJoinType: 2,
        member: members.map((memberId) => ({ memberId })) })
        .then(() => {
          (e.target as HTMLFormElement).reset();
          chat.select(groupConversation(groupId));
        }, (err: Error) => alert(`create group: ${err.message}`));
    };
    $<HTMLFormElement>("#composer").onsubmit = (e) => {
      e.preventDefault();
      const input = $<HTMLInputElement>("#composer input");
      if (!input.value.trim()) return;
      chat.send(input.value);
      input.value = "";
    };
    client.start();
  };
}

void main();
