"use client";

// A failure while rendering the policies page: the console's page error with a retry.
export { PageError as default } from "@/components/ui/page-error";
