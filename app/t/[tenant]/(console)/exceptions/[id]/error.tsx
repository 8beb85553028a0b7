"use client";

// A failure while rendering an exception item: the console's page error with a retry.
export { PageError as default } from "@/components/ui/page-error";
