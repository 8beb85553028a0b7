import type { RunningSimulator } from "./harness";
import { startAlipaySimulator } from "./alipay/simulator";
import { startBankSimulator } from "./bank/simulator";
import { startWechatSimulator } from "./wechat/simulator";

// The three channel simulators for `npm start` / `npm run dev`, on fixed local ports so the demo
// tenants' channel accounts can point at them. They keep their state in memory: a restart of the
// console gives them new keys, and the launcher re-provisions the demo's simulator accounts.

export interface DevSimulators {
  readonly wechat: string;
  readonly alipay: string;
  readonly bank: string;
  close(): Promise<void>;
}

export const DEFAULT_SIMULATOR_PORTS = { wechat: 4101, alipay: 4102, bank: 4103 } as const;

export async function startDevSimulators(ports = DEFAULT_SIMULATOR_PORTS): Promise<DevSimulators> {
  const running: RunningSimulator[] = [];
  try {
    // Each channel charges what the demo's account says it costs (server/core/channels/demo.ts), so
    // the demo's statements reconcile unless a difference is injected.
    const wechat = await startWechatSimulator({ port: ports.wechat, notifyDelayMs: 1500, feeRatePpm: 2000 });
    running.push(wechat);
    const alipay = await startAlipaySimulator({ port: ports.alipay, notifyDelayMs: 1500, feeRatePpm: 2200 });
    running.push(alipay);
    const bank = await startBankSimulator({ port: ports.bank, notifyDelayMs: 1500 });
    running.push(bank);
    return { wechat: wechat.url, alipay: alipay.url, bank: bank.url, close: async () => void (await Promise.all(running.map((s) => s.close()))) };
  } catch (error) {
    await Promise.all(running.map((s) => s.close()));
    throw error;
  }
}
