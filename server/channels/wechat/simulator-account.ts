import { generateKeyPairSync, randomBytes, randomInt } from "node:crypto";

// Provisions a WeChat partner account on the local simulator (tests and the demo seed): a fresh
// merchant API key pair and APIv2/APIv3 keys, registered over the simulator's control endpoint,
// and the simulator's platform key fetched back. Talks HTTP only; imports nothing from the simulator.

export interface WechatSimulatorAccount {
  readonly params: Record<string, string>;
  readonly credentials: Record<string, string>;
}

export async function provisionWechatSimulatorAccount(simulatorUrl: string): Promise<WechatSimulatorAccount> {
  const baseUrl = simulatorUrl.replace(/\/+$/, "");
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const spMchId = `16${digits(8)}`;
  const merchantSerialNo = randomBytes(20).toString("hex").toUpperCase();
  const apiV3Key = alphanumeric(32);
  const apiV2Key = alphanumeric(32);

  await controlCall(`${baseUrl}/__sim/wechat/merchants`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ spMchId, serialNo: merchantSerialNo, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(), apiV3Key, apiV2Key }),
  });
  const platform = (await (await controlCall(`${baseUrl}/__sim/wechat/platform`, { method: "GET" })).json()) as { serialNo?: unknown; publicKeyId?: unknown; publicKeyPem?: unknown };
  if (typeof platform.serialNo !== "string" || typeof platform.publicKeyId !== "string" || typeof platform.publicKeyPem !== "string") {
    throw new Error("the WeChat simulator's /__sim/wechat/platform answer lacks serialNo, publicKeyId or publicKeyPem");
  }

  return {
    params: {
      baseUrl,
      faceBaseUrl: baseUrl,
      spMchId,
      spAppId: `wx${randomBytes(8).toString("hex")}`,
      merchantSerialNo,
      platformSerialNo: platform.serialNo,
      publicKeyId: platform.publicKeyId,
    },
    credentials: {
      merchantPrivateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      platformPublicKeyPem: platform.publicKeyPem,
      apiV3Key,
      apiV2Key,
    },
  };
}

async function controlCall(url: string, init: RequestInit): Promise<Response> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`WeChat simulator ${init.method ?? "GET"} ${url} answered ${response.status}: ${await response.text()}`);
  return response;
}

function digits(count: number): string {
  return Array.from({ length: count }, () => randomInt(10)).join("");
}

function alphanumeric(length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from({ length }, () => alphabet.charAt(randomInt(alphabet.length))).join("");
}
