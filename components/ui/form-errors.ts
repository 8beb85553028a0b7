// Turns a tRPC error into per-field messages (from Zod issues or a domain error's field) and a
// general message, so forms show each problem next to its field.
export interface FormErrors {
  fields: Record<string, string>;
  general: string | null;
}

interface ErrorShape {
  message?: string;
  data?: { fieldErrors?: Array<{ path: string; message: string }> | null; field?: string | null; zodError?: unknown } | null;
}

export function formErrors(error: unknown): FormErrors {
  if (!error) return { fields: {}, general: null };
  const e = error as ErrorShape;
  const fields: Record<string, string> = {};
  for (const fe of e.data?.fieldErrors ?? []) if (fe.path && !fields[fe.path]) fields[fe.path] = fe.message;
  if (e.data?.field && e.message) fields[e.data.field] = e.message;
  // Input validation failures from .input() arrive as a JSON list of issues in the message.
  if (Object.keys(fields).length === 0 && e.message?.startsWith("[")) {
    try {
      const issues = JSON.parse(e.message) as Array<{ path?: Array<string | number>; message?: string }>;
      for (const i of issues) {
        const path = (i.path ?? []).join(".");
        if (path && i.message && !fields[path]) fields[path] = i.message;
      }
      if (Object.keys(fields).length) return { fields, general: null };
    } catch {
      // not JSON
    }
  }
  return { fields, general: Object.keys(fields).length ? null : (e.message ?? "Something went wrong") };
}
