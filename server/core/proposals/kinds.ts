// Every module's proposal kinds, registered by importing them here once.
import "@/server/core/ledger/proposal-kinds";
import "@/server/core/payments/proposal-kinds";
import "@/server/core/payouts/proposal-kinds";
import "@/server/core/clearing/proposal-kinds";
