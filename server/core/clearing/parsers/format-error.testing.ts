import { StatementFormatError } from "./types";

/** For parser tests: the StatementFormatError `run` throws (anything else is rethrown; no error fails). */
export function formatError(run: () => unknown): StatementFormatError {
  try {
    run();
  } catch (e) {
    if (e instanceof StatementFormatError) return e;
    throw e;
  }
  throw new Error("expected a StatementFormatError");
}
