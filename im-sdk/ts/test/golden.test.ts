// The Go codec's golden byte vectors (im-codec/packet/testdata/golden): the
// TypeScript codec must encode and decode every case exactly like Go.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { StreamDecoder, decodeClient, decodeServer, decodeText, encodeClient, encodeServer, encodeText } from "../src/codec.js";

interface Vector {
  name: string;
  direction: "uplink" | "downlink";
  command: number;
  version?: number;
  clientType?: number;
  format?: number;
  appId?: number;
  imei?: string;
  body: string;
  hex: string;
}

const file = fileURLToPath(new URL("../../../im-codec/packet/testdata/golden/vectors.json", import.meta.url));
const vectors = JSON.parse(readFileSync(file, "utf8")) as Vector[];

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const bytes = (h: string) => new Uint8Array(Buffer.from(h, "hex"));

describe("golden vectors", () => {
  it("has both directions", () => {
    expect(vectors.some((v) => v.direction === "uplink")).toBe(true);
    expect(vectors.some((v) => v.direction === "downlink")).toBe(true);
  });

  for (const v of vectors) {
    it(v.name, () => {
      const frame = bytes(v.hex);
      if (v.direction === "uplink") {
        const p = { command: v.command, version: v.version!, clientType: v.clientType!, format: v.format!, appId: v.appId!,
          imei: v.imei!, body: encodeText(v.body) };
        expect(hex(encodeClient(p))).toBe(v.hex);
        const got = decodeClient(frame);
        expect({ ...got, body: decodeText(got.body) }).toEqual({ ...p, body: v.body });
      } else {
        expect(hex(encodeServer({ command: v.command, body: encodeText(v.body) }))).toBe(v.hex);
        const got = decodeServer(frame);
        expect(got.command).toBe(v.command);
        expect(decodeText(got.body)).toBe(v.body);
        if (v.body) expect(JSON.parse(decodeText(got.body)).command).toBe(v.command);
      }
    });
  }

  it("decodes the uplink frames as one stream, in any chunking", () => {
    const up = vectors.filter((v) => v.direction === "uplink");
    const stream = bytes(up.map((v) => v.hex).join(""));
    for (const chunk of [1, 7, 28, stream.length]) {
      const d = StreamDecoder.client();
      const got = [];
      for (let i = 0; i < stream.length; i += chunk) got.push(...d.push(stream.subarray(i, i + chunk)));
      expect(got.map((p) => p.command)).toEqual(up.map((v) => v.command));
      expect(got.map((p) => decodeText(p.body))).toEqual(up.map((v) => v.body));
      expect(d.pending).toBe(0);
    }
  });

  it("checks the login header by offset (big-endian words)", () => {
    const login = vectors.find((v) => v.name === "login")!;
    const view = new DataView(bytes(login.hex).buffer);
    expect([0, 4, 8, 12, 16, 20].map((o) => view.getUint32(o, false))).toEqual([9000, 1, 1, 0, 10000, 8]);
  });
});
