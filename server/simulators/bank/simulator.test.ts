import { generateKeyPairSync } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { crc32, inflateRawSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBraced, signForm, verifyForm, type Form } from "./acp-signing";
import { encodeGbk, fitGbk } from "./gbk";
import { startBankSimulator, type RunningBankSimulator } from "./simulator";
import { writeZip } from "./zip";

// The simulator's own parts, checked without the connector (which it must never import).

const gbk = new TextDecoder("gbk");

describe("GBK encoder", () => {
  it("encodes known characters to their GBK bytes", () => {
    expect(encodeGbk("你").toString("hex")).toBe("c4e3");
    expect(encodeGbk("A商户1").toString("hex")).toBe("41c9ccbba731");
    expect(encodeGbk("😀").toString("latin1")).toBe("?");
  });

  it("round-trips every CJK unified ideograph GBK has (U+4E00–U+9FA5)", () => {
    let text = "";
    for (let code = 0x4e00; code <= 0x9fa5; code += 1) text += String.fromCodePoint(code);
    const bytes = encodeGbk(text);
    expect(bytes.length).toBe(text.length * 2);
    expect(gbk.decode(bytes)).toBe(text);
    expect(gbk.decode(encodeGbk("会员充值：一号店（测试）"))).toBe("会员充值：一号店（测试）");
  });

  it("fits a field by bytes without splitting a character", () => {
    const field = fitGbk("商户A", 3);
    expect(field.length).toBe(3);
    expect(gbk.decode(field)).toBe("商 ");
    expect(fitGbk("12", 5, "right", "0").toString("latin1")).toBe("00012");
  });
});

describe("zip writer", () => {
  it("writes deflated entries a reader can inflate and CRC-check", () => {
    const content = Buffer.from("S22 line\r\n".repeat(50));
    const zip = writeZip([{ name: "INN24010588ZM_898111453110001", bytes: content }], new Date("2024-01-05T02:00:00Z"));
    expect(zip.readUInt32LE(0)).toBe(0x04034b50);
    const nameLength = zip.readUInt16LE(26);
    expect(zip.subarray(30, 30 + nameLength).toString()).toBe("INN24010588ZM_898111453110001");
    const data = zip.subarray(30 + nameLength, 30 + nameLength + zip.readUInt32LE(18));
    const inflated = inflateRawSync(data);
    expect(inflated.equals(content)).toBe(true);
    expect(zip.readUInt32LE(14)).toBe(crc32(content) >>> 0);
    expect(zip.readUInt32LE(zip.length - 22)).toBe(0x06054b50);
  });
});

describe("bank simulator gateway", () => {
  let sim: RunningBankSimulator;
  const merchant = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const merId = "898000000000123";
  const certId = "12345678901";
  let platformKey: string;

  beforeAll(async () => {
    sim = await startBankSimulator({ notifyDelayMs: 10 });
    const registered = await fetch(`${sim.url}/__sim/bank/merchants`, {
      method: "POST",
      body: JSON.stringify({ merId, certId, publicKeyPem: merchant.publicKey.export({ type: "spki", format: "pem" }) }),
    });
    expect(registered.status).toBe(200);
    platformKey = ((await (await fetch(`${sim.url}/__sim/bank/platform`)).json()) as { publicKeyPem: string }).publicKeyPem;
  });
  afterAll(async () => {
    await sim.close();
  });

  async function post(pathName: string, fields: Record<string, string>, sign = true): Promise<Form> {
    const form: Form = new Map(Object.entries({ version: "5.1.0", encoding: "UTF-8", signMethod: "01", merId, certId, accessType: "0", txnTime: "20240105120000", ...fields }));
    if (sign) form.set("signature", signForm(form, merchant.privateKey));
    const body = new URLSearchParams([...form.entries()]).toString();
    const response = await fetch(`${sim.url}${pathName}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
    expect(response.status).toBe(200);
    // Raw `k=v&…`; `&` inside braces belongs to the value.
    const answer: Form = new Map();
    for (const pair of (await response.text()).match(/(?:[^&{]|\{[^}]*\})+/g) ?? []) {
      const eq = pair.indexOf("=");
      answer.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return answer;
  }

  it("signs its answers with the platform key", async () => {
    const answer = await post("/gateway/api/queryTrans.do", { txnType: "00", txnSubType: "00", bizType: "000000", orderId: "NOPE0001" });
    expect(answer.get("respCode")).toBe("34");
    expect(verifyForm(answer, generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey)).toBe(false);
    const { createPublicKey } = await import("node:crypto");
    expect(verifyForm(answer, createPublicKey(platformKey))).toBe(true);
  });

  it("answers respCode 11 to a bad or missing signature, an unknown merchant or certId", async () => {
    const query = { txnType: "00", txnSubType: "00", bizType: "000000", orderId: "NOPE0001" };
    expect((await post("/gateway/api/queryTrans.do", query, false)).get("respCode")).toBe("11");
    const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const form: Form = new Map(Object.entries({ version: "5.1.0", encoding: "UTF-8", signMethod: "01", merId, certId, accessType: "0", txnTime: "20240105120000", ...query }));
    form.set("signature", signForm(form, stranger.privateKey));
    const response = await fetch(`${sim.url}/gateway/api/queryTrans.do`, { method: "POST", body: new URLSearchParams([...form.entries()]).toString() });
    expect(await response.text()).toContain("respCode=11");
    expect((await post("/gateway/api/queryTrans.do", { ...query, certId: "999" })).get("respCode")).toBe("11");
    expect((await post("/gateway/api/queryTrans.do", { ...query, merId: "898000000000999" })).get("respCode")).toBe("11");
  });

  it("answers respCode 10 to a txnType the path does not serve, and to a wrong version", async () => {
    expect((await post("/gateway/api/queryTrans.do", { txnType: "01", txnSubType: "01", bizType: "000902", orderId: "A1" })).get("respCode")).toBe("10");
    expect((await post("/gateway/api/backTransReq.do", { txnType: "01", version: "5.0.0" })).get("respCode")).toBe("10");
  });

  it("runs the contract SMS flow with code 111111 only", async () => {
    // The simulator's own key encrypts sensitive fields in this test, since it holds the private half.
    const { publicEncrypt, constants, createPublicKey } = await import("node:crypto");
    const enc = (text: string) => publicEncrypt({ key: createPublicKey(platformKey), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, Buffer.from(text)).toString("base64");
    const customerInfo = Buffer.from(`{customerNm=张三&certifTp=01&encryptedInfo=${enc("phoneNo=13800138000&certifId=110101199003071234")}}`).toString("base64");
    const sms = await post("/gateway/api/backTransReq.do", { txnType: "77", txnSubType: "00", bizType: "000902", orderId: "CT0001", accNo: enc("6222020200112233445"), customerInfo });
    expect(sms.get("respCode")).toBe("00");
    expect(sms.get("accNo")).toBe("6222***********3445");
    const open = (code: string) =>
      post("/gateway/api/backTransReq.do", {
        txnType: "79",
        txnSubType: "00",
        bizType: "000902",
        orderId: "CT0001",
        customerInfo: Buffer.from(`{smsCode=${code}}`).toString("base64"),
        tokenPayData: "{trId=62000000001&tokenType=01}",
      });
    expect((await open("000000")).get("respCode")).toBe("71");
    const signed = await open("111111");
    expect(signed.get("respCode")).toBe("00");
    expect(readBraced(signed.get("tokenPayData")).get("token")).toMatch(/^62\d{19}$/);
  });

  it("keeps merchants through a reset but forgets orders", async () => {
    await fetch(`${sim.url}/__sim/reset`, { method: "POST" });
    expect((await post("/gateway/api/queryTrans.do", { txnType: "00", txnSubType: "00", bizType: "000000", orderId: "NOPE0001" })).get("respCode")).toBe("34");
  });

  it("validates merchant registration", async () => {
    const bad = await fetch(`${sim.url}/__sim/bank/merchants`, { method: "POST", body: JSON.stringify({ merId: "short", certId: "1", publicKeyPem: "x" }) });
    expect(bad.status).toBe(400);
    const badKey = await fetch(`${sim.url}/__sim/bank/merchants`, { method: "POST", body: JSON.stringify({ merId, certId, publicKeyPem: "not a key" }) });
    expect(badKey.status).toBe(400);
  });
});

describe("boundary", () => {
  const sources = (dir: string) =>
    readdirSync(dir)
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
      .map((f) => ({ file: f, text: readFileSync(path.join(dir, f), "utf8") }));
  const imports = (text: string) => [...text.matchAll(/from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1] ?? m[2] ?? "");

  it("the simulator imports nothing from server/channels", () => {
    for (const { file, text } of sources(import.meta.dirname)) {
      for (const spec of imports(text)) expect({ file, spec, ok: !/channels/.test(spec) }).toEqual({ file, spec, ok: true });
    }
  });

  it("the bank and sandbox connectors import nothing from server/simulators", () => {
    for (const dir of ["../../channels/bank", "../../channels/sandbox"]) {
      for (const { file, text } of sources(path.join(import.meta.dirname, dir))) {
        for (const spec of imports(text)) expect({ file, spec, ok: !/simulators/.test(spec) }).toEqual({ file, spec, ok: true });
      }
    }
  });
});
