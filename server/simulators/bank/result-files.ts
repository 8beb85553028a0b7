// The bank's side of our two bank files, written the way a bank (or the person converting a bank's
// own file) would: the payout result file SWYRES01 answering a payout file SWYPAY01, and the credit
// file SWYCRD01 listing credits to our account. Formats in server/core/clearing/parsers/bank-files.ts;
// this writer shares no code with that parser (the two meet at the format, as the other
// simulators' writers do), and it reads the payout file it answers from its text, as a bank would.

export type BankVerdict = "SUCCEEDED" | "FAILED" | "RETURNED";

export interface ResultLine {
  readonly outPayoutNo: string;
  readonly verdict: BankVerdict;
  /** Default: the amount in the payout file. */
  readonly amountMinor?: bigint;
  readonly reasonCode?: string;
  readonly reason?: string;
  /** The payout file's line number (default: its position there, or 1). */
  readonly fileLineNo?: number;
  readonly account?: string;
}

const pad = (s: string, w: number) => {
  const c = [...s];
  if (c.length > w) throw new Error(`"${s}" is longer than ${w} characters`);
  return s + " ".repeat(w - c.length);
};
const num = (n: bigint | number, w: number) => {
  const s = String(n);
  if (s.length > w || s.startsWith("-")) throw new Error(`${s} does not fit ${w} digits`);
  return s.padStart(w, "0");
};

/** Beijing wall-clock digits of an instant: YYYYMMDDHHMMSS. */
function beijing14(at: Date): string {
  const b = new Date(at.getTime() + 8 * 3_600_000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${b.getUTCFullYear()}${p(b.getUTCMonth() + 1)}${p(b.getUTCDate())}${p(b.getUTCHours())}${p(b.getUTCMinutes())}${p(b.getUTCSeconds())}`;
}

/** The payouts of a SWYPAY01 file, by payout no.: line number, account and amount (as a bank reads them). */
export function readPayoutFile(content: string): { batchHex: string; payouts: Map<string, { lineNo: number; account: string; amountMinor: bigint }> } {
  const lines = content.split(/\r?\n/).filter((l) => l !== "");
  const header = lines[0] ?? "";
  if (!header.startsWith("HSWYPAY01")) throw new Error("not a SWYPAY01 payout file");
  const payouts = new Map<string, { lineNo: number; account: string; amountMinor: bigint }>();
  for (const l of lines.slice(1)) {
    if (!l.startsWith("D")) continue;
    const c = [...l];
    const f = (from: number, w: number) => c.slice(from, from + w).join("");
    payouts.set(f(7, 32).trim(), { lineNo: Number(f(1, 6)), account: f(39, 30).trim(), amountMinor: BigInt(f(141, 15)) });
  }
  return { batchHex: header.slice(9, 41), payouts };
}

const mask = (a: string) => (/^\d{9,}$/.test(a) ? `${a.slice(0, 4)}${"*".repeat(a.length - 8)}${a.slice(-4)}` : a);

/** A SWYRES01 result file for a batch: one detail per resolved payout (those still processing are left out). */
export function writePayoutResultFile(input: { batchId: string; processedAt: Date; lines: readonly ResultLine[]; payoutFile?: string }): string {
  const known = input.payoutFile ? readPayoutFile(input.payoutFile).payouts : new Map<string, { lineNo: number; account: string; amountMinor: bigint }>();
  const at = beijing14(input.processedAt);
  const out = [`HSWYRES01${input.batchId.replaceAll("-", "").toLowerCase()}${at}CNY`];
  const totals: Record<BankVerdict, { n: number; sum: bigint }> = { SUCCEEDED: { n: 0, sum: 0n }, FAILED: { n: 0, sum: 0n }, RETURNED: { n: 0, sum: 0n } };
  let serial = 0;
  for (const l of input.lines) {
    const k = known.get(l.outPayoutNo);
    const amountMinor = l.amountMinor ?? k?.amountMinor;
    if (amountMinor === undefined) throw new Error(`no amount for payout ${l.outPayoutNo}`);
    totals[l.verdict].n += 1;
    totals[l.verdict].sum += amountMinor;
    out.push(
      [
        "D",
        num(l.fileLineNo ?? k?.lineNo ?? 1, 6),
        pad(l.outPayoutNo, 32),
        pad(mask(l.account ?? k?.account ?? ""), 30),
        num(amountMinor, 15),
        pad(l.verdict, 9),
        at,
        pad(`SIM${at}${String(++serial).padStart(6, "0")}`, 32),
        pad(l.verdict === "SUCCEEDED" ? "" : (l.reasonCode ?? (l.verdict === "FAILED" ? "61" : "RT")), 8),
        pad(l.verdict === "SUCCEEDED" ? "" : (l.reason ?? (l.verdict === "FAILED" ? "收款账号无效" : "退汇 账户已销户")), 60),
      ].join(""),
    );
  }
  const all = Object.values(totals).reduce((a, t) => ({ n: a.n + t.n, sum: a.sum + t.sum }), { n: 0, sum: 0n });
  out.push(["T", num(all.n, 8), num(all.sum, 18), ...(["SUCCEEDED", "FAILED", "RETURNED"] as const).flatMap((v) => [num(totals[v].n, 8), num(totals[v].sum, 18)])].join(""));
  return out.join("\n") + "\n";
}

export interface Credit {
  readonly valueDate: string; // YYYY-MM-DD
  readonly amountMinor: bigint;
  readonly counterpartyAccount: string;
  readonly counterpartyName: string;
  readonly memo?: string;
  readonly serialNo?: string;
}

const csv = (v: string) => (/[",]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

/** A SWYCRD01 credit file: every credit to `account` on `statementDate`. */
export function writeCreditFile(input: { account: string; statementDate: string; credits: readonly Credit[] }): string {
  const d8 = (d: string) => d.replaceAll("-", "");
  const lines = [`H,SWYCRD01,${input.account},${d8(input.statementDate)},CNY`];
  let total = 0n;
  input.credits.forEach((c, i) => {
    total += c.amountMinor;
    lines.push(["C", d8(c.valueDate), csv(c.counterpartyAccount), csv(c.counterpartyName), String(c.amountMinor), csv(c.serialNo ?? `B${d8(c.valueDate)}${String(i + 1).padStart(6, "0")}`), csv(c.memo ?? "")].join(","));
  });
  lines.push(`T,${input.credits.length},${total}`);
  return lines.join("\n") + "\n";
}
