-- A tenant's settlement mode is chosen when the tenant is created and never changes: its books
-- (the memo book of DIRECT, the customer-funds accounts of CUSTODIAL) and every entry it has posted
-- follow from it, and no path of the console, the CLI or the API changes it. The payment path keeps
-- it per process once read (settlementModeOf) instead of reading it for every payment, which is safe
-- only because it cannot change: this trigger makes that a fact of the database.
CREATE FUNCTION tenant_settlement_mode_fixed() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  RAISE EXCEPTION 'A service provider''s settlement mode is fixed when it is created: % cannot become %', OLD.settlement_mode, NEW.settlement_mode
    USING ERRCODE = 'check_violation';
END $$;

CREATE TRIGGER tenant_settlement_mode_fixed BEFORE UPDATE OF settlement_mode ON tenant
  FOR EACH ROW WHEN (OLD.settlement_mode IS DISTINCT FROM NEW.settlement_mode) EXECUTE FUNCTION tenant_settlement_mode_fixed();
