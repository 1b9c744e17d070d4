// The connection manager: gets a gateway from the REST login route (falling
// back to configured gateways), connects over WebSocket, logs in with a sign
// from the sign provider, keeps the link alive with heartbeats and
// reconnects with exponential backoff and jitter.

import { encodeClient, encodeText, type ServerPacket } from "./codec.js";
import type { ConnectionState, Events } from "./events.js";
import { Command, type Envelope, type WireAck } from "./protocol.js";
import type { Credentials, Gateway } from "./rest.js";
import type { Dialer, Transport } from "./transport.js";

/** Timers are the clock the connection runs on (fake ones in unit tests). */
export interface Timers {
  setTimeout(f: () => void, ms: number): unknown;
  clearTimeout(t: unknown): void;
  random(): number;
}

/** realTimers uses the platform's timers and Math.random. */
export const realTimers: Timers = {
  setTimeout: (f, ms) => setTimeout(f, ms),
  clearTimeout: (t) => clearTimeout(t as ReturnType<typeof setTimeout>),
  random: Math.random,
};

/** ConnectionConfig tunes the connection; the client fills defaults. */
export interface ConnectionConfig {
  appId: number;
  userId: string;
  clientType: number;
  imei: string;
  /** signProvider returns a valid userSign; it is asked again before every login, so signs can be renewed. */
  signProvider: () => Promise<string> | string;
  /** locate asks the login route for a gateway. */
  locate: (c: Credentials) => Promise<Gateway>;
  /** address picks the transport's address out of the login route's answer. */
  address: (g: Gateway) => string;
  /** fallbackGateways are WebSocket URLs tried in turn when the login route fails. */
  fallbackGateways: string[];
  dial: Dialer;
  heartbeatMs: number;
  loginTimeoutMs: number;
  backoffMinMs: number;
  backoffMaxMs: number;
  timers: Timers;
}

/** ConnectionHooks are how the connection talks to the rest of the client. */
export interface ConnectionHooks {
  state(state: ConnectionState, reason?: string): void;
  /** connected runs after every successful login, with the credentials used (sync and resend). */
  connected(c: Credentials): void;
  packet(env: Envelope, p: ServerPacket): void;
  error(e: Events["error"]): void;
}

/** backoff is attempt's delay: exponential from min, capped at max, with jitter in [d/2, d]. */
export function backoff(attempt: number, minMs: number, maxMs: number, random: () => number): number {
  const d = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.round(d / 2 + (random() * d) / 2);
}

/** Connection owns at most one transport at a time. */
export class Connection {
  private transport: Transport | null = null;
  private stateNow: ConnectionState = "closed";
  private attempt = 0;
  private fallback = 0;
  private stopped = true;
  private generation = 0;
  private retryTimer: unknown = null;
  private heartbeatTimer: unknown = null;
  private loginTimer: unknown = null;
  private silent = 0; // heartbeats sent without any downlink since
  private creds: Credentials | null = null;

  constructor(private readonly cfg: ConnectionConfig, private readonly hooks: ConnectionHooks) {}

  /** state is the current connection state. */
  get state(): ConnectionState {
    return this.stateNow;
  }

  /** credentials are the ones of the current login (REST calls reuse them). */
  get credentials(): Credentials | null {
    return this.creds;
  }

  /** start connects and keeps reconnecting until close or a kick. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.attempt = 0;
    this.setState("connecting");
    void this.connect();
  }

  /** close ends the connection for good. */
  close(reason = "closed by the app"): void {
    if (this.stopped && this.stateNow === "closed") return;
    this.stopped = true;
    this.teardown();
    this.setState("closed", reason);
  }

  /** send writes one uplink packet; it reports whether the link was up (else the caller retries later). */
  send(command: number, body: unknown): boolean {
    if (this.stateNow !== "connected" || !this.transport) return false;
    this.write(this.transport, command, body);
    return true;
  }

  /** drop closes the current transport and reconnects (bad input, a stalled link). */
  drop(reason: string): void {
    if (this.stopped) return;
    this.lost(this.generation, reason);
  }

  private write(t: Transport, command: number, body: unknown): void {
    t.send(encodeClient({
      command, version: 1, clientType: this.cfg.clientType, format: 0, appId: this.cfg.appId,
      imei: this.cfg.imei, body: encodeText(JSON.stringify(body)),
    }));
  }

  private setState(s: ConnectionState, reason?: string): void {
    if (s === this.stateNow) return;
    this.stateNow = s;
    this.hooks.state(s, reason);
  }

  private async connect(): Promise<void> {
    const gen = ++this.generation;
    let url: string;
    let creds: Credentials;
    try {
      const userSign = await this.cfg.signProvider();
      creds = { appId: this.cfg.appId, userId: this.cfg.userId, userSign };
      url = await this.gateway(creds);
    } catch (err) {
      if (gen === this.generation) this.retry(`no gateway: ${(err as Error).message}`);
      return;
    }
    if (gen !== this.generation || this.stopped) return;
    this.transport = this.cfg.dial(url, {
      onOpen: () => this.opened(gen, creds),
      onPacket: (p) => this.packet(gen, p),
      onBadFrame: (err) => gen === this.generation && this.hooks.error({ reason: "bad_frame", detail: err.message }),
      onClose: (reason) => this.lost(gen, reason),
    });
  }

  /** gateway asks the login route, else the next fallback gateway. */
  private async gateway(c: Credentials): Promise<string> {
    try {
      const address = this.cfg.address(await this.cfg.locate(c));
      if (!address) throw new Error("the login route named no address for this transport");
      return address;
    } catch (err) {
      const fb = this.cfg.fallbackGateways;
      if (fb.length === 0) throw err;
      return fb[this.fallback++ % fb.length]!;
    }
  }

  private opened(gen: number, creds: Credentials): void {
    if (gen !== this.generation || !this.transport) return;
    this.creds = creds;
    this.write(this.transport, Command.Login, { userId: creds.userId, userSign: creds.userSign });
    this.loginTimer = this.cfg.timers.setTimeout(() => this.lost(gen, "no login ACK"), this.cfg.loginTimeoutMs);
  }

  private packet(gen: number, p: ServerPacket): void {
    if (gen !== this.generation) return;
    this.silent = 0;
    let env: Envelope;
    try {
      env = JSON.parse(new TextDecoder().decode(p.body)) as Envelope;
      if (typeof env !== "object" || env === null) throw new Error("not an object");
    } catch (err) {
      this.hooks.error({ reason: "bad_frame", detail: `envelope of command ${p.command}: ${(err as Error).message}` });
      this.lost(gen, "bad envelope");
      return;
    }
    switch (p.command) {
      case Command.LoginAck:
        this.loginAck(gen, env.data as WireAck | undefined);
        return;
      case Command.Ping:
        return;
      case Command.MutualLogin:
        this.kicked();
        return;
      case Command.Reconnect:
        this.lost(gen, "the gateway asked to reconnect");
        return;
    }
    this.hooks.packet(env, p);
  }

  private loginAck(gen: number, ack: WireAck | undefined): void {
    if (this.stateNow === "connected") return; // a repeated ACK: the login is done once
    this.cfg.timers.clearTimeout(this.loginTimer);
    const code = ack?.code ?? 0;
    if (code !== 200) {
      this.hooks.error({ reason: "login_refused", code, detail: ack?.msg ?? "no answer" });
      this.lost(gen, `login refused (${code})`);
      return;
    }
    this.attempt = 0;
    this.setState("connected");
    this.beat(gen);
    this.hooks.connected(this.creds!);
  }

  /** beat sends a ping every heartbeat; two silent intervals in a row mean a dead link. */
  private beat(gen: number): void {
    this.heartbeatTimer = this.cfg.timers.setTimeout(() => {
      if (gen !== this.generation || !this.transport) return;
      if (++this.silent > 2) {
        this.lost(gen, "heartbeat timeout");
        return;
      }
      this.write(this.transport, Command.Ping, {});
      this.beat(gen);
    }, this.cfg.heartbeatMs);
  }

  private kicked(): void {
    this.stopped = true;
    this.teardown();
    this.setState("kicked", "logged in on another device");
  }

  private teardown(): void {
    this.generation++;
    const t = this.transport;
    this.transport = null;
    this.silent = 0;
    for (const timer of [this.retryTimer, this.heartbeatTimer, this.loginTimer]) this.cfg.timers.clearTimeout(timer);
    t?.close();
  }

  private lost(gen: number, reason: string): void {
    if (gen !== this.generation || this.stopped) return;
    this.teardown();
    this.retry(reason);
  }

  private retry(reason: string): void {
    if (this.stopped) return;
    this.setState("reconnecting", reason);
    const delay = backoff(this.attempt++, this.cfg.backoffMinMs, this.cfg.backoffMaxMs, this.cfg.timers.random);
    this.retryTimer = this.cfg.timers.setTimeout(() => void this.connect(), delay);
  }
}
