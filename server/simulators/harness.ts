import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

// The plumbing every channel simulator shares: an HTTP server, the per-request behaviour
// controls, the injectable statement differences and the record of what the simulator processed
// (statements are produced from it). Protocol, signing and crypto live in each simulator and share
// nothing with the connectors (server/channels/boundary.test.ts enforces it).

export const SIM_BEHAVIOURS = [
  "success",
  "decline",
  "userpaying", // "user paying" for `polls` queries, then success
  "no_notify", // succeed but never notify
  "timeout", // hold the request past the client's deadline; the trade still happens
  "late_duplicate_notify", // notify, then the same notification again later
] as const;
export type SimBehaviour = (typeof SIM_BEHAVIOURS)[number];

export interface BehaviourRule {
  readonly behaviour: SimBehaviour;
  /** For userpaying: how many queries answer "user paying" before success (default 2). */
  readonly polls?: number;
  /** For timeout: how long to hold the request (default 15 s). */
  readonly delayMs?: number;
}

export const STATEMENT_DIFF_KINDS = ["drop", "extra", "amount", "status", "fee", "coupon", "late"] as const;
export type StatementDiffKind = (typeof STATEMENT_DIFF_KINDS)[number];

export interface StatementDiff {
  readonly kind: StatementDiffKind;
  /** The trade the difference applies to (not needed for `extra`). */
  readonly outTradeNo?: string;
  /** amount/fee/coupon: minor units added to the line (coupon: the coupon amount). */
  readonly deltaMinor?: number;
  /** status: the status to print instead. */
  readonly status?: string;
  /** extra: the line's amount and sub-merchant. */
  readonly amountMinor?: number;
  readonly subMerchant?: string;
}

export interface SimRefund {
  outRefundNo: string;
  channelRefundNo: string;
  amountMinor: bigint;
  status: "PROCESSING" | "SUCCEEDED" | "FAILED";
  createdAt: Date;
  succeededAt?: Date;
}

export interface SimTrade {
  outTradeNo: string;
  channelTradeNo: string;
  /** Who the trade was for: sub_mchid / smid / acquirer merchant number. */
  merchant: string;
  subMerchant: string;
  amountMinor: bigint;
  feeMinor: bigint;
  status: "USERPAYING" | "SUCCESS" | "PAYERROR" | "CLOSED" | "REVOKED" | "NOTPAY";
  product: string;
  description: string;
  deviceId?: string;
  createdAt: Date;
  paidAt?: Date;
  pollsLeft: number;
  refunds: SimRefund[];
  notifyUrl?: string;
}

/** Behaviour for a request: an explicit rule for the order, the next-order rule, a `sim:` tag in the description, or success. */
export class SimulatorState {
  readonly trades = new Map<string, SimTrade>();
  private readonly rules = new Map<string, BehaviourRule>();
  private readonly nextRules: BehaviourRule[] = [];
  private readonly diffs = new Map<string, StatementDiff[]>();
  private sequence = 0;

  setBehaviour(outTradeNo: string | undefined, rule: BehaviourRule): void {
    if (outTradeNo === undefined) this.nextRules.push(rule);
    else this.rules.set(outTradeNo, rule);
  }

  behaviourFor(outTradeNo: string, description = ""): BehaviourRule {
    const explicit = this.rules.get(outTradeNo);
    if (explicit) return explicit;
    const next = this.nextRules.shift();
    if (next) {
      this.rules.set(outTradeNo, next);
      return next;
    }
    const tag = /sim:([a-z_]+)/.exec(description)?.[1];
    if (tag && (SIM_BEHAVIOURS as readonly string[]).includes(tag)) return { behaviour: tag as SimBehaviour };
    return { behaviour: "success" };
  }

  addStatementDiffs(billDate: string, diffs: readonly StatementDiff[]): void {
    this.diffs.set(billDate, [...(this.diffs.get(billDate) ?? []), ...diffs]);
  }

  statementDiffs(billDate: string): readonly StatementDiff[] {
    return this.diffs.get(billDate) ?? [];
  }

  /** The amount differences injected for one trade on any bill: what the channel charged beyond (or short of) the order. */
  billedDeltaMinor(outTradeNo: string): bigint {
    let delta = 0n;
    for (const diffs of this.diffs.values()) for (const d of diffs) if (d.kind === "amount" && d.outTradeNo === outTradeNo) delta += BigInt(d.deltaMinor ?? 0);
    return delta;
  }

  nextId(prefix: string): string {
    this.sequence += 1;
    return `${prefix}${Date.now()}${String(this.sequence).padStart(6, "0")}`;
  }

  reset(): void {
    this.trades.clear();
    this.rules.clear();
    this.nextRules.length = 0;
    this.diffs.clear();
  }
}

export interface SimRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly text: string;
}

export interface SimResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body: string | Buffer;
}

export type SimHandler = (req: SimRequest) => Promise<SimResponse | undefined> | SimResponse | undefined;

export interface RunningSimulator {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves the control endpoints shared by all simulators, then the channel's own handler:
 *   POST /__sim/behaviour        { outTradeNo?, behaviour, polls?, delayMs? }  (no outTradeNo: the next new order)
 *   POST /__sim/statement-diffs  { billDate, diffs: StatementDiff[] }
 *   GET  /__sim/trades           what the simulator has processed
 *   POST /__sim/reset
 */
export async function startSimulatorServer(
  state: SimulatorState,
  handler: SimHandler,
  options: { port?: number; host?: string } = {},
): Promise<RunningSimulator> {
  const server = createServer((req, res) => {
    void serve(state, handler, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function serve(state: SimulatorState, handler: SimHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? "/", "http://simulator");
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (typeof value === "string") headers[key.toLowerCase()] = value;
      else if (Array.isArray(value)) headers[key.toLowerCase()] = value.join(", ");
    }
    const simReq: SimRequest = { method: req.method ?? "GET", path: url.pathname, query: url.searchParams, headers, body, text: body.toString("utf8") };
    const response = control(state, simReq) ?? (await handler(simReq)) ?? { status: 404, body: `no route for ${simReq.method} ${simReq.path}` };
    res.writeHead(response.status, response.headers ?? { "content-type": "text/plain; charset=utf-8" });
    res.end(response.body);
  } catch (error) {
    res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
    res.end(`simulator error: ${(error as Error).message}`);
  }
}

function json(status: number, value: unknown): SimResponse {
  return {
    status,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? Number(v) : v)),
  };
}

function control(state: SimulatorState, req: SimRequest): SimResponse | undefined {
  if (!req.path.startsWith("/__sim/")) return undefined;
  const input = req.text ? (JSON.parse(req.text) as Record<string, unknown>) : {};
  switch (`${req.method} ${req.path}`) {
    case "POST /__sim/behaviour": {
      const behaviour = input.behaviour as SimBehaviour;
      if (!(SIM_BEHAVIOURS as readonly string[]).includes(behaviour)) return json(400, { error: `behaviour must be one of ${SIM_BEHAVIOURS.join(", ")}` });
      state.setBehaviour(input.outTradeNo as string | undefined, {
        behaviour,
        polls: input.polls as number | undefined,
        delayMs: input.delayMs as number | undefined,
      });
      return json(200, { ok: true });
    }
    case "POST /__sim/statement-diffs": {
      const diffs = input.diffs as StatementDiff[];
      if (typeof input.billDate !== "string" || !Array.isArray(diffs)) return json(400, { error: "billDate and diffs[] are required" });
      for (const diff of diffs) {
        if (!(STATEMENT_DIFF_KINDS as readonly string[]).includes(diff.kind)) return json(400, { error: `diff kind must be one of ${STATEMENT_DIFF_KINDS.join(", ")}` });
      }
      state.addStatementDiffs(input.billDate, diffs);
      return json(200, { ok: true });
    }
    case "GET /__sim/trades":
      return json(200, [...state.trades.values()]);
    case "POST /__sim/reset":
      state.reset();
      return json(200, { ok: true });
    default:
      return undefined;
  }
}

/** Waits `ms` (for the timeout behaviour). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
