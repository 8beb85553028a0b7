import { z } from "zod";

export const ZProposalCreate = z.object({
  kind: z.string().min(1).max(80),
  payload: z.unknown(),
  reason: z.string().trim().min(3, { message: "validation.reason" }).max(1000),
});
export type TProposalCreate = z.input<typeof ZProposalCreate>;

export const ZProposalDecide = z.object({
  id: z.string().uuid(),
  decision: z.enum(["APPROVE", "REJECT"]),
  note: z.string().trim().max(1000).optional(),
});
export type TProposalDecide = z.input<typeof ZProposalDecide>;

export const ZProposalFind = z.object({
  cursor: z.string().nullish(),
  limit: z.number().int().min(1).max(200).optional(),
  status: z.enum(["PENDING", "APPROVED", "REJECTED", "CANCELLED"]).optional(),
  kind: z.string().max(80).optional(),
});
export type TProposalFind = z.input<typeof ZProposalFind>;
