// Which resolutions the exception page offers for a difference. The server checks each again and
// refuses one that does not fit with its reason (server/core/clearing/resolutions.ts); this only
// keeps the list to the ones that can apply.

export const RESOLUTION_ACTIONS = ["ACCEPT_CHANNEL", "ACCEPT_OURS", "WAIT", "MATCH", "REFUND_CUSTOMER", "WRITE_OFF"] as const;
export type ResolutionAction = (typeof RESOLUTION_ACTIONS)[number];

/** What of a difference decides its resolutions (the exception page's item has these). */
export interface ResolvableDifference {
  readonly type: string | null;
  readonly direction: string | null;
  readonly payment: { readonly status: string } | null;
  readonly line: { readonly kind: string } | null;
  readonly recon: { readonly outcome: string } | null;
}

export function actionsFor(e: ResolvableDifference): ResolutionAction[] {
  const type = e.type;
  const paymentLine = e.line?.kind === "PAYMENT";
  const out: ResolutionAction[] = [];
  // The channel's record: a payment of ours changes state (STATUS, PLATFORM_ONLY) or takes the channel's fee or amount.
  if ((type === "STATUS" || type === "PLATFORM_ONLY" || type === "FEE" || type === "AMOUNT") && e.payment?.status === "SUCCEEDED") out.push("ACCEPT_CHANNEL");
  out.push("ACCEPT_OURS");
  if (type === "PLATFORM_ONLY" && e.recon?.outcome === "DIFFERENCE") out.push("WAIT");
  if ((type === "CHANNEL_ONLY" || type === "UNKNOWN_SUB_MERCHANT") && paymentLine) out.push("MATCH");
  // Money no order of ours wants: a payment only the channel shows, or what it charged above our order.
  if (paymentLine && (type === "CHANNEL_ONLY" || (type === "AMOUNT" && e.direction === "OVERAGE" && e.payment))) out.push("REFUND_CUSTOMER");
  out.push("WRITE_OFF");
  return out;
}
