import { describe, expect, it } from "vitest";
import { FrameError, StreamDecoder, decodeClient, decodeServer, encodeClient, encodeServer, encodeText } from "../src/codec.js";

const up = (body: string, imei = "w") =>
  encodeClient({ command: 1103, version: 1, clientType: 1, format: 0, appId: 10000, imei, body: encodeText(body) });

function header(command: number, length: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint32(0, command);
  new DataView(b.buffer).setUint32(4, length);
  return b;
}

describe("decodeServer refuses bad frames", () => {
  const tests: { name: string; frame: Uint8Array; fault: string }[] = [
    { name: "short header", frame: new Uint8Array(5), fault: "short header" },
    { name: "2 GiB length", frame: header(1103, 0x80000000), fault: "negative length" },
    { name: "length over the limit", frame: header(1103, 70000), fault: "body too large" },
    { name: "truncated body", frame: header(1103, 10), fault: "truncated frame" },
    { name: "trailing bytes", frame: new Uint8Array([...header(9999, 0), 1]), fault: "trailing bytes after packet" },
  ];
  for (const tt of tests) {
    it(tt.name, () => {
      expect(() => decodeServer(tt.frame)).toThrowError(FrameError);
      try {
        decodeServer(tt.frame);
      } catch (e) {
        expect((e as FrameError).fault).toBe(tt.fault);
      }
    });
  }
});

describe("decodeClient", () => {
  it("round-trips non-ASCII imei and body", () => {
    const f = up("{\"m\":\"你好\"}", "设备");
    const p = decodeClient(f);
    expect(p.imei).toBe("设备");
    expect(new TextDecoder().decode(p.body)).toBe("{\"m\":\"你好\"}");
  });
  it("refuses an imei over the limit before reading it", () => {
    expect(() => decodeClient(up("{}", "x".repeat(129)))).toThrowError(/imei too long/);
  });
  it("honours custom limits", () => {
    expect(() => decodeClient(up("{\"a\":1}"), { maxImei: 128, maxBody: 3 })).toThrowError(/body too large/);
  });
});

describe("StreamDecoder", () => {
  it("refuses a bad header as soon as it is complete", () => {
    const d = StreamDecoder.server();
    expect(d.push(header(1103, 0x7fffffff).subarray(0, 4))).toEqual([]);
    expect(() => d.push(header(1103, 0x7fffffff).subarray(4))).toThrowError(/body too large/);
  });
  it("returns the good frames before a bad header, then reports it", () => {
    const d = StreamDecoder.server();
    const ack = encodeServer({ command: 9001, body: encodeText("{}") });
    const got = d.push(new Uint8Array([...ack, ...header(1103, 0x7fffffff)]));
    expect(got.map((p) => p.command)).toEqual([9001]);
    expect(d.failed?.fault).toBe("body too large");
    expect(() => d.push(new Uint8Array(1))).toThrowError(/body too large/);
  });
  it("returns several frames from one chunk", () => {
    const a = encodeServer({ command: 9999, body: encodeText("{}") });
    const b = encodeServer({ command: 1046, body: encodeText("{\"x\":1}") });
    const got = StreamDecoder.server().push(new Uint8Array([...a, ...b]));
    expect(got.map((p) => p.command)).toEqual([9999, 1046]);
  });
});
