-- Storing a response under an Idempotency-Key claim as one statement outside any transaction. It
-- was a transaction of its own (BEGIN with the tenant's binding, the UPDATE, COMMIT): three round
-- trips on every keyed POST whose operation runs its own transactions (a payment). SECURITY
-- DEFINER, so the function names its tenant and merchant itself and touches only the claim the
-- caller holds: that tenant's, merchant's and key's row whose claim_token is the caller's (a random
-- uuid only the claiming request knows), while it is still IN_PROGRESS. True when it was stored.
CREATE FUNCTION api_idempotency_complete(p_tenant uuid, p_merchant uuid, p_key text, p_token uuid, p_status int, p_body text)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE api_idempotency
     SET status = 'COMPLETED', response_status = p_status, response_body = p_body, completed_at = now()
   WHERE tenant_id = p_tenant AND merchant_id = p_merchant AND key = p_key AND claim_token = p_token AND status = 'IN_PROGRESS';
  RETURN FOUND;
END $$;
REVOKE ALL ON FUNCTION api_idempotency_complete(uuid, uuid, text, uuid, int, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api_idempotency_complete(uuid, uuid, text, uuid, int, text) TO switchyard_app;
