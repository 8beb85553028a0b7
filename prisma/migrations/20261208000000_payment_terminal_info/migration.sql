-- The merchant API's terminalInfo: the merchant's terminal as a payment request describes it
-- ({ terminalId, deviceModel, ip, location }), kept with the payment. The API bounds every member
-- and refuses unknown ones; the check keeps any other path (the CLI, an owner's SQL) from storing
-- anything but a small object. Payments made before this migration have none.

-- AlterTable
ALTER TABLE "payment" ADD COLUMN     "terminal_info" JSONB;

ALTER TABLE "payment" ADD CONSTRAINT "payment_terminal_info" CHECK (terminal_info IS NULL OR (jsonb_typeof(terminal_info) = 'object' AND octet_length(terminal_info::text) <= 1024));
