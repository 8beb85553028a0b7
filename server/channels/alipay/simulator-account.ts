import { generateKeyPairSync, randomInt } from "node:crypto";

// Sets up an Alipay channel account against a running simulator the way a real one is set up
// against the open platform: generate the app key pair, upload the public key, download Alipay's
// public key. Talks to the simulator over HTTP only, so nothing is shared with its code.

export async function provisionAlipaySimulatorAccount(
  simulatorUrl: string,
): Promise<{ params: Record<string, string>; credentials: Record<string, string> }> {
  const base = simulatorUrl.replace(/\/+$/, "");
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  const appId = `2021${digits(12)}`;
  const registered = await fetch(`${base}/__sim/alipay/apps`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ appId, publicKeyPem: publicKey }),
  });
  if (!registered.ok) throw new Error(`Alipay simulator refused the app: HTTP ${registered.status} ${await registered.text()}`);
  const platform = await fetch(`${base}/__sim/alipay/platform`);
  if (!platform.ok) throw new Error(`Alipay simulator platform key: HTTP ${platform.status}`);
  const { alipayPublicKeyPem } = (await platform.json()) as { alipayPublicKeyPem?: unknown };
  if (typeof alipayPublicKeyPem !== "string") throw new Error("Alipay simulator returned no alipayPublicKeyPem");
  return {
    params: { gatewayUrl: `${base}/gateway.do`, appId, sysServiceProviderId: `2088${digits(12)}` },
    credentials: { appPrivateKeyPem: privateKey, alipayPublicKeyPem },
  };
}

function digits(count: number): string {
  let out = "";
  for (let i = 0; i < count; i += 1) out += String(randomInt(10));
  return out;
}
