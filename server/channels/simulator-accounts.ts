import { provisionAlipaySimulatorAccount } from "./alipay/simulator-account";
import { provisionBankSimulatorAccount } from "./bank/simulator-account";
import type { ChannelType } from "./types";
import { provisionWechatSimulatorAccount } from "./wechat/simulator-account";

// Keys and parameters for a channel account that talks to a local simulator: fresh keys,
// registered with the running simulator through its control endpoint. Used by the demo seed and
// by the launcher when the simulators restart (they keep keys in memory only).

export type SimulatorUrls = Partial<Record<Exclude<ChannelType, "SANDBOX">, string>>;

/** The simulator URLs the launcher exported, if the simulators run. */
export function simulatorUrlsFromEnv(env: NodeJS.ProcessEnv = process.env): SimulatorUrls {
  const urls: SimulatorUrls = {};
  if (env.SWITCHYARD_SIM_WECHAT_URL) urls.WECHAT = env.SWITCHYARD_SIM_WECHAT_URL;
  if (env.SWITCHYARD_SIM_ALIPAY_URL) urls.ALIPAY = env.SWITCHYARD_SIM_ALIPAY_URL;
  if (env.SWITCHYARD_SIM_BANK_URL) urls.BANK = env.SWITCHYARD_SIM_BANK_URL;
  return urls;
}

export async function provisionSimulatorAccount(type: Exclude<ChannelType, "SANDBOX">, url: string): Promise<{ params: Record<string, string>; credentials: Record<string, string> }> {
  const account =
    type === "WECHAT" ? await provisionWechatSimulatorAccount(url) : type === "ALIPAY" ? await provisionAlipaySimulatorAccount(url) : await provisionBankSimulatorAccount(url);
  return { params: { ...account.params }, credentials: { ...account.credentials } };
}

/** Whether an account's parameters point at this simulator (any of its URL parameters). */
export function pointsAt(params: Readonly<Record<string, string>>, url: string): boolean {
  return Object.values(params).some((v) => typeof v === "string" && v.startsWith(url));
}
