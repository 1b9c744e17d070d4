// Node-only transports ("@whaleim/sdk/node"): TCP, where a frame may arrive
// split across reads or several in one read.

import { connect } from "node:net";
import { DOWNLINK_LIMITS, StreamDecoder, type Limits } from "./codec.js";
import type { Gateway } from "./rest.js";
import type { Dialer } from "./transport.js";

/** tcpDialer connects to "host:port" and cuts the byte stream into downlink packets. */
export function tcpDialer(lim: Limits = DOWNLINK_LIMITS): Dialer {
  return (address, h) => {
    const i = address.lastIndexOf(":");
    const sock = connect({ host: address.slice(0, i).replace(/^\[|\]$/g, ""), port: Number(address.slice(i + 1)) });
    sock.setNoDelay(true);
    const decoder = StreamDecoder.server(lim);
    let closed = false;
    const finish = (reason: string) => {
      if (closed) return;
      closed = true;
      sock.destroy();
      h.onClose(reason);
    };
    sock.on("connect", () => h.onOpen());
    sock.on("data", (chunk: Buffer) => {
      let packets;
      try {
        packets = decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      } catch (err) {
        h.onBadFrame(err as Error);
        finish(`bad frame: ${(err as Error).message}`);
        return;
      }
      for (const p of packets) if (!closed) h.onPacket(p);
      if (decoder.failed && !closed) {
        h.onBadFrame(decoder.failed);
        finish(`bad frame: ${decoder.failed.message}`);
      }
    });
    sock.on("error", (err) => finish(`tcp error: ${err.message}`));
    sock.on("close", () => finish("closed by the gateway"));
    return {
      send(frame) {
        if (!closed) sock.write(frame);
      },
      close() {
        finish("closed by the client");
      },
    };
  };
}

/** tcpTransport is the ClientOptions.transport for TCP: the login route's tcpAddress, dialed with tcpDialer. */
export function tcpTransport(lim: Limits = DOWNLINK_LIMITS): { dial: Dialer; address: (g: Gateway) => string } {
  return { dial: tcpDialer(lim), address: (g) => g.tcpAddress ?? "" };
}
