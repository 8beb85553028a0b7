import { createHash, createPrivateKey, createPublicKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { readForm, signForm, signingString, verifyForm } from "@/server/simulators/bank/acp-signing";
import { writeZmLine } from "@/server/simulators/bank/zm-writer";
import { acpSign, acpVerify, coverMap2String, parseAcpResponse, parseBraced, parseTraceTime } from "./acp";
import { ACP_CONSUME_VECTOR, ACP_FILE_TRANSFER_VECTOR, ACP_TEST_PRIVATE_KEY_PEM, ACP_TEST_PUBLIC_KEY_PEM, ZM_SAMPLE_FIELDS, ZM_SAMPLE_LINE } from "./acp-fixtures";
import { ZM_FIELDS, ZM_LINE_BYTES, parseZmLine, parseZmSignedAmount } from "./zm-file";

// The published constructions of channels.md §3, checked on both sides: the connector's codec and
// the simulator's independent one must each reproduce the same fixed vectors.

const privateKey = createPrivateKey(ACP_TEST_PRIVATE_KEY_PEM);
const publicKey = createPublicKey(ACP_TEST_PUBLIC_KEY_PEM);

describe.each([
  ["file transfer (txnType 76)", ACP_FILE_TRANSFER_VECTOR],
  ["token consume with braces and Chinese", ACP_CONSUME_VECTOR],
])("ACP 5.1.0 signMethod=01 vector: %s", (_name, vector) => {
  const fields: Record<string, string> = { ...vector.fields };

  it("builds coverMap2String: sorted keys, raw values, signature excluded", () => {
    expect(coverMap2String({ ...fields, signature: "ignored" })).toBe(vector.stringToSign);
    expect(createHash("sha256").update(vector.stringToSign, "utf8").digest("hex")).toBe(vector.digestHex);
  });

  it("connector signs the sha256 hex string to the OpenSSL signature and verifies it", () => {
    expect(acpSign(fields, privateKey)).toBe(vector.signature);
    expect(acpVerify({ ...fields, signature: vector.signature }, publicKey)).toBe(true);
    expect(acpVerify({ ...fields, txnTime: "20990101000000", signature: vector.signature }, publicKey)).toBe(false);
    expect(acpVerify(fields, publicKey)).toBe(false);
  });

  it("simulator signs to the same signature and verifies it", () => {
    const form = readForm(new URLSearchParams(fields).toString());
    expect(signingString(form)).toBe(vector.stringToSign);
    expect(signForm(form, privateKey)).toBe(vector.signature);
    form.set("signature", vector.signature);
    expect(verifyForm(form, publicKey)).toBe(true);
    form.set("merId", "802310048993425");
    expect(verifyForm(form, publicKey)).toBe(false);
  });
});

describe("ACP answer parsing", () => {
  it("keeps braced values whole and splits on the first =", () => {
    const fields = parseAcpResponse("respCode=00&tokenPayData={token=62&trId=620&tokenLevel=40}&signature=ab+c/d==&respMsg=成功[0000000]\r\n");
    expect(fields).toEqual({ respCode: "00", tokenPayData: "{token=62&trId=620&tokenLevel=40}", signature: "ab+c/d==", respMsg: "成功[0000000]" });
    expect(parseBraced(fields.tokenPayData)).toEqual({ token: "62", trId: "620", tokenLevel: "40" });
    expect(() => parseAcpResponse("<html>502 Bad Gateway</html>")).toThrow();
  });

  it("places a year-less trace time in the year before the reference", () => {
    expect(parseTraceTime("0105120005", new Date("2024-01-05T06:00:00Z"))?.toISOString()).toBe("2024-01-05T04:00:05.000Z");
    expect(parseTraceTime("1231235959", new Date("2024-01-01T01:00:00Z"))?.toISOString()).toBe("2023-12-31T15:59:59.000Z");
  });
});

describe("ZM sample line of channels.md §3.2", () => {
  const line = Buffer.from(ZM_SAMPLE_LINE, "latin1");

  it("is 607 bytes and the layout adds up to 607", () => {
    expect(line.length).toBe(607);
    expect(ZM_FIELDS.reduce((sum, [, width]) => sum + width, 0) + ZM_FIELDS.length - 1).toBe(ZM_LINE_BYTES);
  });

  it("parses field by field at the documented offsets", () => {
    const record = parseZmLine(line);
    for (const [key] of ZM_FIELDS) {
      const expected = (ZM_SAMPLE_FIELDS as Record<string, string>)[key] ?? "";
      expect({ key, value: record[key] }).toEqual({ key, value: expected });
    }
    expect(BigInt(record.txnAmt)).toBe(1000n);
    expect(parseZmSignedAmount(record.merFee)).toEqual({ sign: "D", amountMinor: 38n });
    expect(parseZmSignedAmount(record.settleAmt)).toEqual({ sign: "C", amountMinor: 962n });
    // The §3.2 table's offsets for a few fields, straight from the bytes.
    expect(line.subarray(66, 78).toString("latin1")).toBe("000000001000");
    expect(line.subarray(87, 108).toString("latin1")).toBe("512401051200051234567");
    expect(line.subarray(293, 308).toString("latin1")).toBe("898111453110001");
  });

  it("is reproduced byte for byte by the simulator's writer", () => {
    expect(writeZmLine(ZM_SAMPLE_FIELDS).equals(line)).toBe(true);
  });

  it("refuses a line of the wrong length", () => {
    expect(() => parseZmLine(line.subarray(0, 606))).toThrow(/607/);
  });
});
