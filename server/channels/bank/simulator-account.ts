import { generateKeyPair, randomInt } from "node:crypto";
import { promisify } from "node:util";

// Creates a bank channel account on a running bank simulator: a fresh merchant key pair, a
// merchant ID and certificate ID, registered through the simulator's control endpoint. Only HTTP
// and key generation: the simulator's own code is never imported from here.

const generateKeyPairAsync = promisify(generateKeyPair);

function digits(count: number): string {
  let out = "";
  for (let i = 0; i < count; i += 1) out += String(randomInt(10));
  return out;
}

export async function provisionBankSimulatorAccount(
  simulatorUrl: string,
): Promise<{ params: Record<string, string>; credentials: Record<string, string> }> {
  const baseUrl = simulatorUrl.replace(/\/+$/, "");
  const { publicKey, privateKey } = await generateKeyPairAsync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  const merId = `898${digits(12)}`;
  const certId = `${1 + randomInt(9)}${digits(10)}`;

  const registered = await fetch(`${baseUrl}/__sim/bank/merchants`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ merId, certId, publicKeyPem: publicKey }),
  });
  if (!registered.ok) throw new Error(`bank simulator refused the merchant: HTTP ${registered.status} ${await registered.text()}`);

  const platform = await fetch(`${baseUrl}/__sim/bank/platform`);
  if (!platform.ok) throw new Error(`bank simulator platform key: HTTP ${platform.status}`);
  const { publicKeyPem } = (await platform.json()) as { publicKeyPem?: unknown };
  if (typeof publicKeyPem !== "string") throw new Error("bank simulator returned no platform public key");

  return {
    params: { baseUrl, merId, certId },
    credentials: { merchantPrivateKeyPem: privateKey, bankPublicKeyPem: publicKeyPem },
  };
}
