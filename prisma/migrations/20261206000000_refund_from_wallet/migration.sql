-- A wallet recharge's refund takes its money back from the customer wallet the recharge went into
-- (it used to take it from the merchant's payable, which never received it): refund.funded_from
-- names the wallet's hold as WALLET.
ALTER TABLE "refund" DROP CONSTRAINT "refund_funded_from";
ALTER TABLE "refund" ADD CONSTRAINT "refund_funded_from" CHECK (funded_from IS NULL OR funded_from IN ('PENDING', 'AVAILABLE', 'WALLET'));
