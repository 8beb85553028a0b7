-- Distinct payers per device per day (issue 7's incentive eligibility: valid transactions above a
-- threshold amount, distinct payers).
--
-- payment.payer_id keeps the payer as the channel names them in its pay answer (WeChat openid,
-- Alipay buyer id; the sandbox derives one from the face or payment code). Payments made before
-- this migration have none, so payer_count of existing rows is 0 and there is nothing to backfill:
-- a row gains its payers when its group is next recomputed from payments that carry them.

-- AlterTable
ALTER TABLE "payment" ADD COLUMN     "payer_id" TEXT;

-- AlterTable
ALTER TABLE "payment_daily_stat" ADD COLUMN     "payer_count" INTEGER NOT NULL DEFAULT 0;

-- A payer id recorded or corrected on its own also moves the group's payer_count.
DROP TRIGGER payment_stat_update ON "payment";
CREATE TRIGGER payment_stat_update AFTER UPDATE ON "payment" FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.business_date IS DISTINCT FROM NEW.business_date
        OR OLD.channel_account_id IS DISTINCT FROM NEW.channel_account_id OR OLD.amount_minor IS DISTINCT FROM NEW.amount_minor
        OR OLD.fee_minor IS DISTINCT FROM NEW.fee_minor OR OLD.cost_minor IS DISTINCT FROM NEW.cost_minor
        OR OLD.margin_minor IS DISTINCT FROM NEW.margin_minor OR OLD.product IS DISTINCT FROM NEW.product
        OR OLD.device_id IS DISTINCT FROM NEW.device_id OR OLD.store_id IS DISTINCT FROM NEW.store_id
        OR OLD.payer_id IS DISTINCT FROM NEW.payer_id)
  EXECUTE FUNCTION payment_stat_publish();
