// The exact pass of transaction reconciliation as a set operation (issue 6, benchmark): our
// records keyed by order number in one hash index, the statement's lines streamed against it, each
// classified once: MATCHED (same amount), AMOUNT (amount differs), EXTRA (a line we have no record
// of: channel-only), and what is left in the index MISSING (platform-only). Amounts are integer
// fen; they are kept as numbers here, exact below 2^53 fen, and refused above that rather than
// rounded. Memory is one Map entry per record of ours (the statement side is streamed).
//
// reconcile.ts still asks the database once per line (fine for a day's few thousand lines, and it
// applies each line's consequences to payments, refunds and the ledger). This is the shape its
// first step should take for large files: the benchmark (bench/clearing.sh) measures it against
// the `sort | join` floor of reference/performance.md.

export interface ExactPassCounts {
  matched: number;
  amountDiff: number;
  missing: number;
  extra: number;
  duplicate: number;
}

/** Whether text is an optional minus and 1–15 digits (whole fen; 15 digits stay exact as a number). */
function isWholeFen(text: string): boolean {
  const start = text.charCodeAt(0) === 45 ? 1 : 0;
  const n = text.length - start;
  if (n < 1 || n > 15) return false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** One CSV record "ref,amount,…" → [ref, amount]; refuses what is not a whole number of fen. */
function refAndAmount(line: string, lineNo: number): [string, number] {
  const c1 = line.indexOf(",");
  const c2 = line.indexOf(",", c1 + 1);
  if (c1 <= 0) throw new Error(`line ${lineNo}: no reference`);
  const text = c2 === -1 ? line.slice(c1 + 1) : line.slice(c1 + 1, c2);
  if (!isWholeFen(text)) throw new Error(`line ${lineNo}: amount "${text}" is not a whole number of fen`);
  return [line.slice(0, c1), Number(text)];
}

export class ExactPass {
  private readonly ours = new Map<string, number>();
  readonly counts: ExactPassCounts = { matched: 0, amountDiff: 0, missing: 0, extra: 0, duplicate: 0 };

  /** Adds one record of ours ("ref,amount_minor,…"). */
  addOurs(line: string, lineNo = 0): void {
    const [ref, amount] = refAndAmount(line, lineNo);
    if (this.ours.has(ref)) throw new Error(`line ${lineNo}: our record ${ref} twice`);
    this.ours.set(ref, amount);
  }

  /** Classifies one statement line ("ref,amount_minor,…"). A second line for a record already matched is a duplicate. */
  matchLine(line: string, lineNo = 0): "MATCHED" | "AMOUNT" | "EXTRA" {
    const [ref, amount] = refAndAmount(line, lineNo);
    const ours = this.ours.get(ref);
    if (ours === undefined) {
      this.counts.extra += 1;
      return "EXTRA";
    }
    // Matched records stay in the index marked NaN (no amount is NaN), so a second line is a duplicate.
    if (Number.isNaN(ours)) {
      this.counts.duplicate += 1;
      this.counts.extra += 1;
      return "EXTRA";
    }
    this.ours.set(ref, Number.NaN);
    if (ours !== amount) {
      this.counts.amountDiff += 1;
      return "AMOUNT";
    }
    this.counts.matched += 1;
    return "MATCHED";
  }

  /** Closes the pass: our records no line showed are missing. */
  finish(): ExactPassCounts {
    let missing = 0;
    for (const v of this.ours.values()) if (!Number.isNaN(v)) missing += 1;
    this.counts.missing = missing;
    return { ...this.counts };
  }
}
